"""`estimates.csv` reproduces R's `svyciprop` through the whole pipeline: a questionnaire and
an answers file in, the design-based rows out, on R's NHANES file (strata, many PSUs, weights
varying within PSUs, missing answers) and on `apistrat` with missing answers, for the whole
sample and for a subgroup (R: `svyby(..., svyciprop)`). Reference values:
tests/reference/reference.csv (make_reference.R, the R call beside each value)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from survey_files import write_survey

from pipeline.run import analyse

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


@cache
def reference() -> pd.DataFrame:
    """reference.csv, read when a test first needs it (not at collection), then kept."""
    return pd.read_csv(REFERENCE_DIR / "reference.csv", dtype=str, keep_default_na=False)


METHODS = ("logit", "likelihood", "asin", "beta", "mean", "xlogit")
ZERO_ONE = [{"code": "0", "label": "No"}, {"code": "1", "label": "Yes"}]


def nhanes_survey(folder: Path, method: str) -> tuple[Path, Path]:
    frame = pd.read_csv(REFERENCE_DIR / "nhanes.csv", dtype=str, keep_default_na=False)
    frame.insert(0, "rid", [f"r{i}" for i in range(len(frame))])
    rows = frame.rename(columns=str.lower).to_dict("records")
    questions = [{"id": "riagendr", "type": "single_choice", "codes": [{"code": "1", "label": "Male"},
                                                                          {"code": "2", "label": "Female"}]},
                 {"id": "hi_chol", "type": "single_choice", "missing": {"allow_blank": True}, "codes": ZERO_ONE}]
    design = {"respondent_id": "rid", "strata": "sdmvstra", "clusters": "sdmvpsu", "weights": "wtmec2yr",
              "nest": True}  # PSUs 1 and 2 in every stratum, as R's svydesign(nest = TRUE)
    return write_survey(folder, "nhanes", rows, design, questions,
                        {"fpc": False, "design_interval": method, "subgroups": ["riagendr"]})


def design_rows(estimates: pd.DataFrame, measure: str, category: str) -> pd.DataFrame:
    return estimates[estimates["weighted"] & (estimates["measure"] == measure) & (estimates["category"] == category)]


def check(row: pd.Series, expected: pd.Series, method: str) -> None:
    assert row["se"] == pytest.approx(float(expected["se"]), rel=1e-10)
    tolerance = dict(rel=0, abs=1e-8) if method == "likelihood" else dict(rel=1e-10)
    assert row["ci_low"] == pytest.approx(float(expected["ci_low"]), **tolerance)
    assert row["ci_high"] == pytest.approx(float(expected["ci_high"]), **tolerance)


@pytest.mark.parametrize("method", METHODS)
def test_nhanes_whole_sample_and_by_sex_match_r(tmp_path, method):
    estimates = analyse(*nhanes_survey(tmp_path, method), command="test").estimates.frame()
    rows = design_rows(estimates, "hi_chol", "1")
    for case, domain_variable in (("ciprop_nhanes", ""), ("ciprop_nhanes_by_sex", "riagendr")):
        table = reference()
        expected = table[(table["case"] == case) & table["call"].str.contains(f"method='{method}'")]
        assert len(expected) >= 1
        for _, r in expected.iterrows():
            domain = r["domain"].split("=")[1] if r["domain"] else ""
            row = rows[(rows["domain_variable"] == domain_variable) & (rows["domain"] == domain)]
            assert len(row) == 1, (case, domain)
            check(row.iloc[0], r, method)


@pytest.mark.parametrize("method", METHODS)
def test_apistrat_with_missing_answers_matches_r(tmp_path, method):
    frame = pd.read_csv(REFERENCE_DIR / "api_strat.csv", dtype=str, keep_default_na=False)
    over = ["" if v == "" else ("1" if float(v) > 28 else "0") for v in frame["acs.46"]]
    rows = [{"cds": c, "stype": s, "pw": w, "fpc": f, "big_classes": o}
            for c, s, w, f, o in zip(frame["cds"], frame["stype"], frame["pw"], frame["fpc"], over, strict=True)]
    questions = [{"id": "big_classes", "type": "single_choice", "missing": {"allow_blank": True}, "codes": ZERO_ONE}]
    design = {"respondent_id": "cds", "strata": "stype", "weights": "pw", "population_size": "fpc"}
    paths = write_survey(tmp_path, "apistrat", rows, design, questions, {"fpc": True, "design_interval": method})
    estimates = analyse(*paths, command="test").estimates.frame()
    row = design_rows(estimates, "big_classes", "1").iloc[0]
    table = reference()
    expected = table[(table["case"] == "ciprop_strat_missing")
                     & table["call"].str.contains(f"method='{method}'")].iloc[0]
    check(row, expected, method)
