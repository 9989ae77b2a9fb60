"""Means, totals, quantiles and ratios on every kind of design against R's survey package.

Every row of `tests/reference/reference_numeric_designs.csv` (written by
`make_reference_numeric_designs.R`) is reproduced at a relative tolerance of 1e-10: replicate-
weight designs of each type (`svrepdesign`), apiclus2 as the two-stage sample it is, weights
from R's `calibrate` (linear and raking), and normal intervals (`df = Inf`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.calibration import calibrate
from pipeline.stats.design import SampleDesign, codes_of, design_from_columns
from pipeline.stats.numeric import numeric_estimates, ratio_estimate
from pipeline.stats.replicate_numeric import replicate_numeric_estimates, replicate_ratio_estimate
from pipeline.stats.replicates import ReplicateDesign, replicate_constants

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"
REL = 1e-10
LEVEL = 0.95

# case: (data file, type, options) as the R call declares them
REPLICATE_CASES = {
    "jk1_clus1": ("replicate_numeric_jk1_clus1", "jk1", {}),
    "jk1_clus1_dfinf": ("replicate_numeric_jk1_clus1", "jk1", {}),
    "jk1_clus1_scale_mse": ("replicate_numeric_jk1_clus1", "jk1", {"scale": 0.8, "mse": True}),
    "bootstrap_clus1": ("replicate_numeric_bootstrap_clus1", "bootstrap", {}),
    "sdr_srs": ("replicate_numeric_sdr_srs", "successive-difference", {}),
    "brr_nhanes": ("replicate_brr_nhanes", "brr", {}),
    "fay_nhanes": ("replicate_fay_nhanes", "fay", {"rho": 0.3}),
    "jkn_nhanes": ("replicate_jkn_nhanes", "jkn", {"rscales": "file"}),
}


def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "reference_numeric_designs.csv", dtype=str, keep_default_na=False)


def replicate_design(case: str) -> tuple[ReplicateDesign, pd.DataFrame]:
    name, kind, options = REPLICATE_CASES[case]
    frame = pd.read_csv(REFERENCE_DIR / f"{name}.csv")
    columns = sorted((c for c in frame.columns if re.fullmatch(r"rep[0-9]+", c)), key=lambda c: int(c[3:]))
    weights = np.column_stack([frame["w"].to_numpy(float)] + [frame[c].to_numpy(float) for c in columns])
    options = dict(options)
    mse = options.pop("mse", False)
    if options.get("rscales") == "file":
        options["rscales"] = pd.read_csv(REFERENCE_DIR / "replicate_jkn_nhanes_rscales.csv")["rscales"].to_numpy(float)
    scale, rscales = replicate_constants(kind, len(columns), **options)
    return ReplicateDesign(np.ascontiguousarray(weights), kind, scale, rscales, mse, options.get("rho")), frame


def design_of(case: str) -> tuple[SampleDesign, pd.DataFrame]:
    """The pipeline's design for each R design of the reference script that is not replicate-weighted."""
    if case.startswith("clus2_stages"):
        frame = pd.read_csv(REFERENCE_DIR / "api_clus2_stages_numeric.csv")
        if case == "clus2_stages_nofpc":  # R: id=~dnum+snum, weights=~pw: the first stage's variance only
            return design_from_columns(weights=frame["pw"], clusters=frame["dnum"]), frame
        return design_from_columns(weights=_two_stage_weights(frame), clusters=frame["dnum"], population=frame["fpc1"],
                                   stages=[(frame["snum"].to_numpy(), frame["fpc2"].to_numpy())]), frame
    if case.startswith("calibrate_"):
        frame = pd.read_csv(REFERENCE_DIR / "api_clus1_numeric.csv")
        margins = [codes_of(frame[v].to_numpy())[0] for v in ("stype", "awards")]
        targets = [np.array([4421.0, 755, 1018]), np.array([2027.0, 4167])]
        result = calibrate(frame["pw"].to_numpy(float), margins, targets, case.split("_")[1])
        return design_from_columns(weights=result.weights, clusters=frame["dnum"], population=frame["fpc"],
                                   calibration=result.calibration), frame
    assert case == "strat_dfinf"
    frame = pd.read_csv(REFERENCE_DIR / "api_strat_numeric.csv")
    return design_from_columns(weights=frame["pw"], strata=frame["stype"], population=frame["fpc"]), frame


def _two_stage_weights(frame: pd.DataFrame) -> np.ndarray:
    """R's weights of `svydesign(id=~dnum+snum, fpc=~fpc1+fpc2)`: the product of each stage's
    population over its sample, (757 / 40) (fpc2 / schools sampled in the district)."""
    districts = frame["dnum"].nunique()
    schools = frame.groupby("dnum")["snum"].transform("size").to_numpy(float)
    return frame["fpc1"].to_numpy(float) / districts * frame["fpc2"].to_numpy(float) / schools


def close(value: float, expected: str, what: str) -> None:
    if expected in ("", "NA", "NaN"):
        assert np.isnan(value), f"{what}: {value} where R gives {expected or 'nothing'}"
    elif expected == "Inf":
        assert value == np.inf, f"{what}: {value} where R gives Inf"
    else:
        assert value == pytest.approx(float(expected), rel=REL, abs=1e-12), what


def member_of(frame: pd.DataFrame, domain: str) -> np.ndarray:
    if not domain:
        return np.ones(len(frame), dtype=bool)
    variable, value = domain.split("=")
    return (frame[variable].astype(str) == value).to_numpy()


CASES = sorted({c for c in reference()["case"]})


@pytest.mark.parametrize("case", CASES)
def test_means_totals_quantiles_and_ratios_match_r(case):
    name = case.removeprefix("numeric_")
    infinite = name.endswith("_dfinf")
    replicated = name in REPLICATE_CASES
    design, frame = replicate_design(name) if replicated else design_of(name)
    mean_of = replicate_numeric_estimates if replicated else numeric_estimates
    ratio_of = replicate_ratio_estimate if replicated else ratio_estimate
    rows = reference()[lambda r: r["case"] == case]
    checked = 0
    for (measure, domain), group in rows.groupby(["measure", "domain"], sort=False):
        member = member_of(frame, domain)
        if "/" in measure:
            top, bottom = measure.split("/")
            results = {"ratio": ratio_of(design, frame[top].to_numpy(float), frame[bottom].to_numpy(float),
                                         member, LEVEL, infinite_df=infinite)}
        else:
            results = {e.statistic: e for e in mean_of(design, frame[measure].to_numpy(float), member, LEVEL,
                                                       infinite_df=infinite)}
        for _, row in group.iterrows():
            e = results[row["statistic"]]
            what = f"{row['call']} [{row['statistic']} {domain}]"
            for field in ("estimate", "se", "ci_low", "ci_high", "df"):
                close(getattr(e, field), row[field], f"{what} {field}")
            if row["statistic"] == "mean":
                close(e.deff, row["deff"], f"{what} deff")
            checked += 1
    assert checked == len(rows) > 10


def test_every_kind_of_design_is_in_the_reference():
    names = {c.removeprefix("numeric_") for c in CASES}
    assert set(REPLICATE_CASES) <= names
    assert {"clus2_stages", "clus2_stages_nofpc", "calibrate_linear_clus1", "calibrate_raking_clus1",
            "strat_dfinf", "clus2_stages_dfinf"} <= names
