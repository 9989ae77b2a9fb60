"""The ANES 1996 extract: the export is repeatable and the pipeline's figures match the source."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.datasets import anes96

from pipeline.provenance import read_provenance
from pipeline.questionnaire import load_questionnaire

QUESTIONNAIRE = "questionnaires/anes96.yaml"
ANSWERS = "raw/anes96.csv"
PROVENANCE = "raw/anes96.provenance.yaml"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    return anes96.load_pandas().data


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("anes96")
    result = subprocess.run([sys.executable, "-m", "pipeline", "estimate", QUESTIONNAIRE, ANSWERS, "--out", str(out)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def estimates(output) -> pd.DataFrame:
    return pd.read_csv(output / "estimates.csv", dtype={"category": str, "domain": str}, keep_default_na=False)


def test_the_2_by_7_table_of_the_dole_vote_by_education_has_fishers_exact_p_value(output, source):
    """944 respondents in 7 groups: the sum over every pair of half rows (exact_2xc of
    tests/reference/make_reference_fisher.R) gives 0.0804897465844137; R's fisher.test needs
    workspace = 2e8 and gives 0.0804897818, its network algorithm's 1e-7."""
    comparisons = pd.read_csv(output / "comparisons.csv", keep_default_na=False)
    (row,) = comparisons[(comparisons.measure == "dole_vote") & (comparisons.test == "fisher-table")].to_dict("records")
    assert row["n_a"] == len(source) == 944
    assert float(row["p_value"]) == pytest.approx(0.0804897465844137, rel=1e-10)
    assert row["note"].startswith("another statistic")


def overall(estimates: pd.DataFrame, measure: str, category: str, variable: str = "", domain: str = "") -> pd.Series:
    row = estimates[(estimates.measure == measure) & (estimates.category == category)
                    & (estimates.domain_variable == variable) & (estimates.domain == domain)]
    assert len(row) == 1, (measure, category, variable, domain)
    return row.iloc[0]


def test_export_is_byte_identical_to_the_committed_files(root, tmp_path):
    for attempt in ("first", "second"):
        out = tmp_path / attempt
        result = subprocess.run([sys.executable, "scripts/export_anes96.py", "--out-dir", str(out)],
                                capture_output=True, text=True, cwd=root)
        assert result.returncode == 0, result.stderr
        assert (out / "anes96.csv").read_bytes() == (root / ANSWERS).read_bytes()
        assert (out / "anes96.provenance.yaml").read_bytes() == (root / PROVENANCE).read_bytes()


def test_answers_file_has_one_row_per_respondent_in_source_order(root, source):
    data = (root / ANSWERS).read_bytes()
    assert b"\r" not in data
    answers = pd.read_csv(root / ANSWERS, dtype=str, keep_default_na=False)
    assert list(answers.respondent_id) == [str(i) for i in range(1, len(source) + 1)]
    assert list(answers.age.astype(int)) == list(source.age.astype(int))
    assert list(answers.income.astype(int)) == list(source.income.astype(int))
    assert list(answers.vote) == ["dole" if v == 1 else "clinton" for v in source.vote]


def test_provenance_is_the_real_extract(root):
    provenance = read_provenance(root / ANSWERS)
    assert provenance.reconstructed is False
    assert "public domain" in (root / PROVENANCE).read_text()
    assert load_questionnaire(root / QUESTIONNAIRE).survey.id == "anes96"


def test_dole_share_equals_the_share_computed_from_statsmodels(estimates, source):
    row = overall(estimates, "dole_vote", "dole")
    assert row.n == len(source) == 944
    assert row.estimate == pytest.approx((source.vote == 1).mean(), abs=1e-15)
    assert round(row.estimate * row.n) == (source.vote == 1).sum() == 393


@pytest.mark.parametrize("measure, category, column, values", [
    ("democrat", "strong_democrat|weak_democrat|independent_democrat", "PID", {0, 1, 2}),
    ("republican", "independent_republican|weak_republican|strong_republican", "PID", {4, 5, 6}),
    ("liberal", "extremely_liberal|liberal|slightly_liberal", "selfLR", {1, 2, 3}),
    ("dole_seen_conservative", "slightly_conservative|conservative|extremely_conservative", "DoleLR", {5, 6, 7}),
    ("income_50k_plus", "20|21|22|23|24", "income", {20, 21, 22, 23, 24}),
    ("educ", "phd", "educ", {7}),
])
def test_shares_equal_the_shares_computed_from_statsmodels(estimates, source, measure, category, column, values):
    row = overall(estimates, measure, category)
    assert row.n == len(source)
    assert row.estimate == pytest.approx(source[column].isin(values).mean(), abs=1e-15)


def test_subgroup_shares_equal_the_shares_computed_from_statsmodels(estimates, source):
    high_school = source[source.educ == 3]
    row = overall(estimates, "dole_vote", "dole", "educ", "high_school")
    assert row.n == len(high_school) == 248
    assert row.estimate == pytest.approx((high_school.vote == 1).mean(), abs=1e-15)
    dole_voters = source[source.vote == 1]
    row = overall(estimates, "liberal", "extremely_liberal|liberal|slightly_liberal", "vote", "dole")
    assert row.n == len(dole_voters)
    assert row.estimate == pytest.approx(dole_voters.selfLR.isin({1, 2, 3}).mean(), abs=1e-15)


@pytest.mark.parametrize("column", ["age", "TVnews", "popul"])
def test_numeric_questions_have_the_mean_total_and_quartiles_of_statsmodels_data(estimates, source, column):
    rows = estimates[(estimates.measure == column) & (estimates.domain_variable == "")].set_index("statistic")
    rows = rows.assign(estimate=rows["estimate"].astype(float), se=rows["se"].replace("", "nan").astype(float))
    values = source[column].to_numpy()
    assert rows.loc["mean", "estimate"] == pytest.approx(values.mean(), rel=1e-12)
    assert rows.loc["mean", "se"] == pytest.approx(values.std(ddof=1) / len(values) ** 0.5, rel=1e-10)
    assert rows.loc["total", "estimate"] == pytest.approx(values.sum(), rel=1e-12)
    for p in (0.25, 0.5, 0.75):  # unweighted, R's rule is the inverse of the empirical distribution
        assert rows.loc[f"quantile:{p}", "estimate"] == np.quantile(values, p, method="inverted_cdf")
    assert (rows["n"] == 944).all() and set(rows["variant"]) == {"srs"}
