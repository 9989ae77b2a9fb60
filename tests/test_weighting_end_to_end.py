"""Weighting declared in a questionnaire, end to end: apiclus1 (tests/reference) as a survey
raked or calibrated to apipop's margins of school type and school-wide target, whose
estimates.csv must hold R's shares and standard errors (reference_calibration.csv), whose
validation.json records the convergence and every target, and whose report renders to a PDF."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from survey_files import write_survey

from pipeline.cli import main

REFERENCE_DIR = Path(__file__).parent / "reference"
REL = 1e-10
YES_NO = [{"code": "No", "label": "No"}, {"code": "Yes", "label": "Yes"}]
QUESTIONS = [
    {"id": "stype", "type": "single_choice", "label": "School type",
     "codes": [{"code": "E", "label": "Elementary"}, {"code": "H", "label": "High"}, {"code": "M", "label": "Middle"}]},
    {"id": "sch_wide", "type": "single_choice", "label": "Met the school-wide target", "codes": YES_NO},
    {"id": "awards", "type": "single_choice", "label": "Eligible for awards", "codes": YES_NO},
]


def population() -> dict:
    table = pd.read_csv(REFERENCE_DIR / "reference_calibration.csv", dtype=str, keep_default_na=False)
    margins = table[table["case"] == "population_margin"]
    out = []
    for variable, name in (("stype", "stype"), ("sch.wide", "sch_wide")):
        rows = margins[margins["measure"] == variable]
        out.append({"variable": name, "levels": [{"code": c, "count": int(float(n))}
                                                 for c, n in zip(rows["category"], rows["estimate"], strict=True)]})
    return {"size": 6194, "margins": out}


def survey(folder: Path, weighting: dict) -> tuple[Path, Path]:
    data = pd.read_csv(REFERENCE_DIR / "api_clus1.csv", dtype=str, keep_default_na=False)
    rows = [{"cds": r["cds"], "dnum": r["dnum"], "pw": r["pw"], "fpc": r["fpc"], "stype": r["stype"],
             "sch_wide": r["sch.wide"], "awards": r["awards"]} for _, r in data.iterrows()]
    design = {"respondent_id": "cds", "clusters": "dnum", "weights": "pw", "population_size": "fpc",
              "weighting": {"variables": ["stype", "sch_wide"], **weighting}}
    return write_survey(folder, "apiclus1", rows, design, QUESTIONS, {"fpc": True}, population=population())


def r_values(case: str) -> pd.DataFrame:
    table = pd.read_csv(REFERENCE_DIR / "reference_calibration.csv", dtype=str, keep_default_na=False)
    rows = table[(table["case"] == case) & (table["measure"] == "awards")]
    return rows[rows["call"].str.startswith("svymean")].set_index("category")


@pytest.mark.parametrize("case,weighting", [
    ("rake_clus1", {"method": "rake", "epsilon": 1, "max_iterations": 10}),
    ("calibrate_linear_clus1", {"method": "calibrate"}),
    ("calibrate_raking_bounds_clus1", {"method": "calibrate", "calfun": "raking",
                                       "bounds": {"lower": 0.88, "upper": 1.6}}),
])
def test_estimates_csv_holds_rs_calibrated_shares_and_standard_errors(tmp_path, out_dir, case, weighting):
    q_path, a_path = survey(tmp_path, weighting)
    assert main(["estimate", str(q_path), str(a_path), "--out", str(out_dir)]) == 0
    estimates = pd.read_csv(out_dir / "estimates.csv", dtype={"domain": str})
    design = estimates[(estimates["measure"] == "awards") & (estimates["variant"] == "design")
                       & estimates["domain_variable"].isna()].set_index("category")
    expected = r_values(case)
    for category in ("No", "Yes"):
        assert design.loc[category, "estimate"] == pytest.approx(float(expected.loc[category, "estimate"]), rel=REL)
        assert design.loc[category, "se"] == pytest.approx(float(expected.loc[category, "se"]), rel=REL)
    weighting_record = json.loads((out_dir / "validation.json").read_text())["weighting"]
    assert weighting_record["converged"] is True
    assert {(t["variable"], t["level"]) for t in weighting_record["targets"]} == {
        ("stype", "E"), ("stype", "H"), ("stype", "M"), ("sch_wide", "No"), ("sch_wide", "Yes")}


def test_a_calibrated_survey_reports_its_weighting_to_a_pdf(tmp_path, out_dir):
    q_path, a_path = survey(tmp_path, {"method": "rake", "epsilon": 1e-10, "max_iterations": 2,
                                       "on_not_converged": "warn"})
    assert main(["report", str(q_path), str(a_path), "--out", str(out_dir)]) == 0
    assert (out_dir / "report.pdf").read_bytes().startswith(b"%PDF")
    html = (out_dir / "report.html").read_text(encoding="utf-8").replace("&#39;", "'")
    assert "raking did not converge within 2 passes over the margins" in html
    assert "Warning: raking did not converge in 2 passes" in html
    record = json.loads((out_dir / "validation.json").read_text())["weighting"]
    assert record["converged"] is False and record["iterations"] == 2 and record["targets_met"] is False
