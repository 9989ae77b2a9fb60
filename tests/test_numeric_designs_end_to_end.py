"""Numeric questions through the whole pipeline on a replicate-weight design, a two-stage
cluster sample and a calibrated cluster sample: a questionnaire and an answers file in,
`estimates.csv` out, matching R's `svymean`, `svytotal`, `svyquantile` and `svyratio` (overall
and by subgroup, as `svyby`) on `svrepdesign(..., combined.weights = TRUE)`, on
`svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2)` and on `calibrate(..., calfun = "linear" /
"raking")`, with the design's degrees of freedom or, with `df: inf`, normal quantiles
(tests/reference/reference_numeric_designs.csv, make_reference_numeric_designs.R)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from survey_files import write_survey

from pipeline.records import CSV_COLUMNS
from pipeline.report.context import build_context
from pipeline.run import analyse

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
NAMES = {"acs.46": "acs_46", "api00/api99": "api00_per_api99", "api00/enroll": "api00_per_enroll"}


@cache
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "reference_numeric_designs.csv", dtype=str, keep_default_na=False)


def replicate_survey(folder: Path, replicates: dict, analysis: dict) -> tuple[Path, Path]:
    frame = pd.read_csv(REFERENCE_DIR / "replicate_numeric_jk1_clus1.csv", dtype=str, keep_default_na=False)
    frame = frame.drop(columns=["dnum", "sch.wide"]).rename(columns={"acs.46": "acs_46"})
    questions = [{"id": "stype", "type": "single_choice", "codes": [{"code": c} for c in "EHM"]},
                 {"id": "awards", "type": "single_choice", "codes": [{"code": "No"}, {"code": "Yes"}]},
                 *({"id": v, "type": "numeric", "missing": {"allow_blank": True}}
                   for v in ("api00", "api99", "enroll", "acs_46"))]
    design = {"respondent_id": "cds", "weights": "w", "replicates": {"prefix": "rep", **replicates}}
    plan = {"subgroups": ["awards"], "ratios": [{"id": "api00_per_api99", "numerator": "api00",
                                                 "denominator": "api99"}], **analysis}
    return write_survey(folder, "jk1_numeric", frame.to_dict("records"), design, questions, plan)


def two_stage_survey(folder: Path, analysis: dict) -> tuple[Path, Path]:
    frame = pd.read_csv(REFERENCE_DIR / "api_clus2_stages_numeric.csv", dtype=str, keep_default_na=False)
    frame = frame.drop(columns=["pw", "awards"])
    frame.insert(0, "rid", [f"s{i}" for i in range(len(frame))])
    questions = [{"id": "stype", "type": "single_choice", "codes": [{"code": c} for c in "EHM"]},
                 *({"id": v, "type": "numeric", "missing": {"allow_blank": True}}
                   for v in ("api00", "api99", "enroll"))]
    design = {"respondent_id": "rid", "clusters": ["dnum", "snum"], "population_size": ["fpc1", "fpc2"]}
    plan = {"fpc": True, "subgroups": ["stype"], "ratios": [{"id": "api00_per_enroll", "numerator": "api00",
                                                             "denominator": "enroll"}], **analysis}
    return write_survey(folder, "clus2_numeric", frame.to_dict("records"), design, questions, plan)


def calibrated_survey(folder: Path, calfun: str) -> tuple[Path, Path]:
    """apiclus1 calibrated to apipop's counts of school type and awards, as R's
    `calibrate(..., ~stype + awards, ..., calfun)` of the reference script."""
    frame = pd.read_csv(REFERENCE_DIR / "api_clus1_numeric.csv", dtype=str, keep_default_na=False)
    frame = frame.drop(columns=["acs.46"])
    frame.insert(0, "rid", [f"s{i}" for i in range(len(frame))])
    questions = [{"id": "stype", "type": "single_choice", "codes": [{"code": c} for c in "EHM"]},
                 {"id": "awards", "type": "single_choice", "codes": [{"code": "No"}, {"code": "Yes"}]},
                 *({"id": v, "type": "numeric", "missing": {"allow_blank": True}}
                   for v in ("api00", "api99", "enroll"))]
    design = {"respondent_id": "rid", "clusters": "dnum", "weights": "pw", "population_size": "fpc",
              "weighting": {"variables": ["stype", "awards"], "method": "calibrate", "calfun": calfun}}
    margins = [{"variable": "stype", "levels": [{"code": c, "count": n} for c, n in (("E", 4421), ("H", 755),
                                                                                      ("M", 1018))]},
               {"variable": "awards", "levels": [{"code": "No", "count": 2027}, {"code": "Yes", "count": 4167}]}]
    plan = {"fpc": True, "subgroups": ["stype"], "ratios": [{"id": "api00_per_api99", "numerator": "api00",
                                                             "denominator": "api99"}]}
    return write_survey(folder, "clus1_calibrated", frame.to_dict("records"), design, questions, plan,
                        population={"size": 6194, "margins": margins})


def check_case(estimates: pd.DataFrame, case: str) -> int:
    """Every reference row of `case` against the design variant's row of estimates.csv."""
    design = estimates[estimates["variant"] == "design"]
    checked = 0
    for _, expected in reference()[lambda r: r["case"] == case].iterrows():
        measure = NAMES.get(expected["measure"], expected["measure"])
        variable, _, level = expected["domain"].partition("=")
        row = design[(design["measure"] == measure) & (design["domain_variable"] == variable)
                     & (design["domain"] == level) & (design["statistic"] == expected["statistic"])]
        assert len(row) == 1, expected["call"]
        what = f"{expected['call']} [{expected['statistic']} {expected['domain']}]"
        for column in ("estimate", "se", "ci_low", "ci_high", "df", "deff"):
            if column == "deff" and expected["statistic"] != "mean":
                continue
            value, wanted = row.iloc[0][column], expected[column]
            if wanted == "Inf":
                assert value == np.inf, f"{what}: {column}"
            elif wanted == "":
                assert np.isnan(value), f"{what}: {column}"
            else:
                assert value == pytest.approx(float(wanted), rel=1e-10), f"{what}: {column}"
        checked += 1
    return checked


def frame(result) -> pd.DataFrame:
    return result.estimates.frame((*CSV_COLUMNS, "df"))


@pytest.mark.parametrize(("case", "replicates", "analysis"), [
    ("numeric_jk1_clus1", {"type": "jk1"}, {}),
    ("numeric_jk1_clus1_scale_mse", {"type": "jk1", "scale": 0.8, "mse": True}, {}),
    ("numeric_jk1_clus1_dfinf", {"type": "jk1"}, {"df": "inf"}),
])
def test_numeric_questions_on_a_replicate_design_match_r(tmp_path, case, replicates, analysis):
    estimates = frame(analyse(*replicate_survey(tmp_path, replicates, analysis), command="test"))
    assert check_case(estimates, case) == 48  # 3 numbers x 5 statistics x 3 domains + a ratio x 3


@pytest.mark.parametrize(("case", "analysis"), [("numeric_clus2_stages", {}),
                                                ("numeric_clus2_stages_dfinf", {"df": "inf"})])
def test_numeric_questions_on_a_two_stage_sample_match_r(tmp_path, case, analysis):
    estimates = frame(analyse(*two_stage_survey(tmp_path, analysis), command="test"))
    assert check_case(estimates, case) == 44  # 2 numbers x 5 statistics x 4 domains + a ratio x 4


@pytest.mark.parametrize("calfun", ["linear", "raking"])
def test_numeric_questions_on_a_calibrated_design_match_r(tmp_path, calfun):
    estimates = frame(analyse(*calibrated_survey(tmp_path, calfun), command="test"))
    assert check_case(estimates, f"numeric_calibrate_{calfun}_clus1") == 44  # 2 numbers x 5 x 4 + a ratio x 4


def test_the_methods_say_where_numeric_standard_errors_and_intervals_come_from(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "m").mkdir()
    replicate = build_context(analyse(*replicate_survey(tmp_path / "r", {"type": "jk1"}, {"df": "inf"}),
                                      command="test"))["methods"]
    assert replicate["numeric_variance"].startswith("from the replicate weights")
    assert replicate["numeric_intervals"].startswith("normal intervals") and replicate["replicates"]
    two_stage = build_context(analyse(*two_stage_survey(tmp_path / "m", {}), command="test"))["methods"]
    assert "multistage formula" in two_stage["numeric_variance"]
    assert two_stage["numeric_intervals"] == "t intervals on the base's degrees of freedom"
    assert not two_stage["replicates"]
