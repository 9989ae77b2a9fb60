"""A replicate-weight design through the whole pipeline: a questionnaire declaring replicate
columns (by list and by prefix) and an answers file in, `estimates.csv` out, matching R's
`svymean`, `svyby` and `svyciprop` on `svrepdesign(..., combined.weights = TRUE)`
(tests/reference/reference_replicate.csv, make_reference_replicate.R), and a report to PDF."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from survey_files import write_survey

from pipeline.records import CSV_COLUMNS
from pipeline.run import analyse

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
ZERO_ONE = [{"code": "0", "label": "No"}, {"code": "1", "label": "Yes"}]


@cache
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "reference_replicate.csv", dtype=str, keep_default_na=False)


def frame(result) -> pd.DataFrame:
    """estimates.csv with the degrees of freedom each interval used."""
    return result.estimates.frame((*CSV_COLUMNS, "df"))


def nhanes_survey(folder: Path, replicates: dict, method: str = "logit", name: str = "brr_nhanes",
                  by_prefix: bool = True) -> tuple[Path, Path]:
    frame = pd.read_csv(REFERENCE_DIR / f"replicate_{name}.csv", dtype=str, keep_default_na=False)
    frame = frame.drop(columns=["SDMVSTRA", "SDMVPSU"]).rename(columns=str.lower)
    columns = [c for c in frame.columns if c.startswith("rep")]
    declared = {"prefix": "rep"} if by_prefix else {"columns": columns}
    questions = [{"id": "riagendr", "type": "single_choice", "codes": [{"code": "1", "label": "Male"},
                                                                          {"code": "2", "label": "Female"}]},
                 {"id": "hi_chol", "type": "single_choice", "missing": {"allow_blank": True}, "codes": ZERO_ONE},
                 {"id": "race", "type": "single_choice", "codes": [{"code": str(i), "label": f"Race {i}"}
                                                                    for i in range(1, 5)]}]
    design = {"respondent_id": "id", "weights": "w", "replicates": {**declared, **replicates}}
    return write_survey(folder, name, frame.to_dict("records"), design, questions,
                        {"design_interval": method, "subgroups": ["riagendr"]})


def check_against_r(estimates: pd.DataFrame, case: str, method: str) -> int:
    table = reference()
    expected = table[table["case"] == case]
    design = estimates[estimates["variant"] == "design"]
    checked = 0
    for r in expected.itertuples():
        domain_variable = "riagendr" if r.domain else ""
        measure = r.measure.lower()
        if r.statistic in ("mean", "se"):
            row = design[(design["measure"] == measure) & (design["category"] == r.category)
                         & (design["domain_variable"] == domain_variable) & (design["domain"] == r.domain)]
            assert len(row) == 1, r.call
            value = row.iloc[0]["estimate" if r.statistic == "mean" else "se"]
        elif r.statistic in (f"{method}_low", f"{method}_high"):
            row = design[(design["measure"] == "hi_chol") & (design["category"] == "1")
                         & (design["domain_variable"] == domain_variable) & (design["domain"] == r.domain)]
            value = row.iloc[0]["ci_low" if r.statistic.endswith("low") else "ci_high"]
        elif r.statistic == "df" and r.domain:
            row = design[(design["measure"] == "hi_chol") & (design["domain_variable"] == "riagendr")
                         & (design["domain"] == r.domain)]
            value = row.iloc[0]["df"]
        else:
            continue
        assert value == pytest.approx(float(r.value), rel=1e-10), r.call
        checked += 1
    return checked


@pytest.mark.parametrize("method", ["logit", "beta", "mean"])
def test_brr_by_prefix_matches_r(tmp_path, method):
    estimates = frame(analyse(*nhanes_survey(tmp_path, {"type": "brr"}, method), command="test"))
    assert check_against_r(estimates, "brr_nhanes", method) > 20


def test_brr_rscales_and_mse_listed_columns_match_r(tmp_path):
    replicates = {"type": "brr", "rscales": [0.5, 1.5] * 8, "mse": True}
    paths = nhanes_survey(tmp_path, replicates, "xlogit", by_prefix=False)
    estimates = frame(analyse(*paths, command="test"))
    assert check_against_r(estimates, "brr_nhanes_rscales_mse", "xlogit") > 10


def test_fay_matches_r_and_methods_name_the_replicates(tmp_path):
    result = analyse(*nhanes_survey(tmp_path, {"type": "fay", "rho": 0.3}, "asin", name="fay_nhanes"),
                     command="test")
    assert check_against_r(frame(result), "fay_nhanes", "asin") > 20
    design = next(v for v in result.variants if v.name == "design")
    assert "16 replicate weights (Fay, Fay's rho 0.3; variance scale 0.127551" in design.description


@pytest.mark.parametrize(("case", "name", "replicates"), [
    ("brr_nhanes", "brr_nhanes", {"type": "brr"}),
    ("jkn_nhanes", "jkn_nhanes", {"type": "jkn"}),
])
def test_rao_scott_from_replicates_matches_svychisq(tmp_path, case, name, replicates):
    if replicates["type"] == "jkn":
        replicates["rscales"] = pd.read_csv(REFERENCE_DIR / "replicate_jkn_nhanes_rscales.csv")["rscales"].tolist()
    paths = nhanes_survey(tmp_path, replicates, name=name)
    text = paths[0].read_text(encoding="utf-8")
    measures = ("measures:\n- {id: high_chol, question: hi_chol, categories: ['1']}\n")
    plan = "  comparisons:\n  - {measure: high_chol, by: riagendr}\n"
    paths[0].write_text(text.replace("analysis:\n", measures + "analysis:\n" + plan), encoding="utf-8")
    comparisons = analyse(*paths, command="test").comparisons
    row = comparisons[comparisons["test"] == "rao-scott-f"].iloc[0]
    table = reference()
    chosen = table[(table["case"] == case) & table["statistic"].str.startswith("raoscott")]
    expected = {r.statistic: float(r.value) for r in chosen.itertuples()}
    assert row["statistic"] == pytest.approx(expected["raoscott_F"], rel=1e-10)
    ndf, ddf = (float(v) for v in row["df"].split())
    assert ndf == pytest.approx(expected["raoscott_ndf"], rel=1e-5)   # df is written with 6 significant digits
    assert ddf == pytest.approx(expected["raoscott_ddf"], rel=1e-5)
    assert row["p_value"] == pytest.approx(expected["raoscott_p"], rel=1e-10)


def test_replicate_weights_come_back_from_the_answers_cache_unchanged(tmp_path, monkeypatch):
    from pipeline import answer_cache, run
    from pipeline.answer_cache import AnswerCache

    monkeypatch.setattr(answer_cache, "CACHE_ABOVE_BYTES", 0)
    paths = nhanes_survey(tmp_path, {"type": "brr"})
    cache = AnswerCache(tmp_path / "cache")
    fresh = run.load_and_check(*paths)[2]
    fresh_estimates = frame(analyse(*paths, command="test"))
    run.load_and_check(*paths, cache=cache)
    cache.wait()
    monkeypatch.setattr(run, "read_answers_file", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    cached = run.load_and_check(*paths, cache=cache)[2]
    assert fresh.replicate_weights is not None and cached.replicate_weights is not None
    assert np.array_equal(cached.replicate_weights, fresh.replicate_weights)
    assert frame(analyse(*paths, command="test", cache=cache)).equals(fresh_estimates)
