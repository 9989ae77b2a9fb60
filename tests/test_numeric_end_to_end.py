"""`estimates.csv` reproduces R's svymean, svytotal, svyquantile and svyratio, and the design
effects of shares and means, through the whole pipeline: a questionnaire with numeric
questions (answers missing for some schools) and a ratio in, rows of each statistic out, for
the whole sample and by subgroup (R's svyby). Reference values: tests/reference/
reference_numeric.csv (make_reference_numeric.R, the R call beside each value)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from survey_files import write_survey

from pipeline.run import analyse

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
NUMBERS = ("api00", "api99", "enroll", "acs_46")


@cache
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "reference_numeric.csv", dtype=str, keep_default_na=False)


def api_survey(folder: Path, name: str, design: dict, analysis: dict) -> tuple[Path, Path]:
    frame = pd.read_csv(REFERENCE_DIR / f"api_{name}_numeric.csv", dtype=str, keep_default_na=False)
    frame = frame.rename(columns={"acs.46": "acs_46"})
    if "fpc" not in design.values():
        frame = frame.drop(columns="fpc")
    frame.insert(0, "rid", [f"s{i}" for i in range(len(frame))])
    questions = [{"id": "stype", "type": "single_choice", "codes": [{"code": c} for c in "EHM"]},
                 {"id": "awards", "type": "single_choice", "codes": [{"code": "No"}, {"code": "Yes"}]},
                 *({"id": v, "type": "numeric", "missing": {"allow_blank": True}} for v in NUMBERS)]
    ratios = [{"id": "api00_per_api99", "numerator": "api00", "denominator": "api99"},
              {"id": "acs_per_enroll", "numerator": "acs_46", "denominator": "enroll"}]
    return write_survey(folder, name, frame.to_dict("records"), design, questions, {**analysis, "ratios": ratios})


def rows_of(estimates: pd.DataFrame, variant: str, measure: str, domain: str) -> pd.DataFrame:
    variable, _, level = domain.partition("=")
    chosen = estimates[(estimates["variant"] == variant) & (estimates["measure"] == measure)
                       & (estimates["domain_variable"] == variable) & (estimates["domain"] == level)]
    return chosen.set_index("statistic")


def close(value, expected: str, what: str) -> None:
    if expected in ("", "Inf", "NA"):
        assert np.isnan(value), what
    else:
        assert value == pytest.approx(float(expected), rel=1e-10), what


def check_case(estimates: pd.DataFrame, case: str, variant: str) -> int:
    names = {"api00/api99": "api00_per_api99", "acs.46/enroll": "acs_per_enroll", "acs.46": "acs_46"}
    checked = 0
    for _, expected in reference()[lambda r: r["case"] == case].iterrows():
        measure = names.get(expected["measure"], expected["measure"])
        row = rows_of(estimates, variant, measure, expected["domain"]).loc[expected["statistic"]]
        what = f"{expected['call']} [{expected['statistic']} {expected['domain']}]"
        for column in ("estimate", "se", "ci_low", "ci_high"):
            close(row[column], expected[column], f"{what}: {column}")
        if expected["statistic"] == "mean":
            close(row["deff"], expected["deff"], f"{what}: deff")
        checked += 1
    return checked


def test_a_stratified_sample_with_weights_and_population_sizes_matches_r(tmp_path):
    design = {"respondent_id": "rid", "strata": "stype", "weights": "pw", "population_size": "fpc"}
    results = analyse(*api_survey(tmp_path, "strat", design, {"fpc": True, "subgroups": ["awards", "stype"]}),
                      command="test")
    estimates = results.estimates.frame()
    assert check_case(estimates, "numeric_strat", "design") == 48  # 3 numbers x 5 statistics x 3 domains + a ratio x 3
    # Shares keep their rows and gain R's design effect (svymean(~awards, deff = TRUE)).
    for _, expected in reference()[lambda r: r["case"] == "share_deff_strat"].iterrows():
        variable, _, level = expected["domain"].partition("=")
        share = estimates[(estimates["variant"] == "design") & (estimates["measure"] == "awards")
                          & (estimates["category"] == expected["statistic"].removeprefix("share:"))
                          & (estimates["domain_variable"] == variable) & (estimates["domain"] == level)]
        assert share["statistic"].tolist() == ["share"]
        close(share["deff"].iloc[0], expected["deff"], expected["call"])
    # Two high schools give a class size of grades 4-6: a base under suppress_below (5), so
    # their figures are blanked like a share's, and the rows say so.
    few = rows_of(estimates, "design", "acs_46", "stype=H")
    assert (few["n"] == 2).all() and few[["estimate", "se", "ci_low", "ci_high", "deff"]].isna().all().all()
    assert all("suppressed: base of fewer than 5" in note for note in few["note"])
    # Kish's effective sample size of the answering schools' weights.
    weights = pd.read_csv(REFERENCE_DIR / "api_strat_numeric.csv")
    answered = weights[weights["acs.46"].notna()]["pw"]
    mean = rows_of(estimates, "design", "acs_46", "").loc["mean"]
    assert mean["ess"] == pytest.approx(answered.sum() ** 2 / (answered ** 2).sum(), rel=1e-12)
    assert mean["n"] == len(answered) == 134


def test_a_simple_random_sample_unweighted_and_with_the_fpc_matches_r(tmp_path):
    design = {"respondent_id": "rid", "population_size": 6194}
    estimates = analyse(*api_survey(tmp_path, "srs", design, {"fpc": True, "subgroups": ["awards"]}),
                        command="test").estimates.frame()
    assert check_case(estimates, "numeric_srs", "srs") == 48
    assert check_case(estimates, "numeric_srs_fpc", "fpc") == 33
    srs_means = estimates[(estimates["variant"] == "srs") & (estimates["statistic"] == "mean")]
    assert srs_means["deff"].isna().all() and (srs_means["ess"] == srs_means["n"]).all()
