"""Means, totals, quantiles, ratios and design effects against R's survey package.

Every row of `tests/reference/reference_numeric.csv` (written by `make_reference_numeric.R`)
is reproduced at a relative tolerance of 1e-10, from the data files R read back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.design import SampleDesign, codes_of, design_from_columns, simple_design
from pipeline.stats.linearisation import estimate_shares
from pipeline.stats.numeric import numeric_estimates, ratio_estimate, share_deff
from pipeline.stats.weighting import poststratify, rake

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"
REL = 1e-10
LEVEL = 0.95


def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "reference_numeric.csv", dtype=str, keep_default_na=False)


def data(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / f"{name}.csv")


def design_of(case: str) -> tuple[SampleDesign, pd.DataFrame]:
    """The pipeline's design for each R design of the reference script."""
    if case in ("srs", "srs_fpc"):
        frame = data("api_srs_numeric")
        return (simple_design(len(frame)) if case == "srs" else simple_design(len(frame), 6194)), frame
    if case in ("strat", "strat_nofpc"):
        frame = data("api_strat_numeric")
        population = frame["fpc"] if case == "strat" else None
        return design_from_columns(weights=frame["pw"], strata=frame["stype"], population=population), frame
    if case.startswith("lonely_"):  # apistrat with only its first high school: stratum H has one PSU
        frame = data("api_strat_numeric")
        first_high = (frame["stype"] == "H").to_numpy().nonzero()[0][0]
        frame = frame[(frame["stype"] != "H").to_numpy() | (np.arange(len(frame)) == first_high)].reset_index(drop=True)
        return design_from_columns(weights=frame["pw"], strata=frame["stype"], population=frame["fpc"],
                                   lonely_psu=case.removeprefix("lonely_")), frame
    if case in ("clus1", "poststrat_clus1", "rake_clus1"):
        frame = data("api_clus1_numeric")
        design = design_from_columns(weights=frame["pw"], clusters=frame["dnum"], population=757)
        if case == "clus1":
            return design, frame
        if case == "rake_clus1":
            margins = [codes_of(frame[v].to_numpy())[0] for v in ("stype", "awards")]
            result = rake(design.weights, margins, [np.array([4421.0, 755, 1018]), np.array([2027.0, 4167])],
                          epsilon=1e-14, max_iterations=1000)  # R: control = list(maxit = 1000, epsilon = 1e-14)
            return design_from_columns(weights=result.weights, clusters=frame["dnum"], population=757,
                                       calibration=result.calibration), frame
        cells, levels = codes_of(frame["stype"].to_numpy())
        counts = {"E": 4421, "H": 755, "M": 1018}
        result = poststratify(design.weights, cells, np.array([counts[v] for v in levels], dtype=float))
        return design_from_columns(weights=result.weights, clusters=frame["dnum"], population=757,
                                   calibration=result.calibration), frame
    if case == "clus2":
        frame = data("api_clus2_numeric")
        return design_from_columns(weights=frame["pw"], clusters=frame["dnum"], population=757), frame
    frame = data("nhanes")
    strata = frame["SDMVSTRA"].to_numpy()
    return design_from_columns(weights=frame["WTMEC2YR"], strata=strata,
                               clusters=strata * 10 + frame["SDMVPSU"].to_numpy()), frame


def close(value: float, expected: str, what: str) -> None:
    if expected in ("", "Inf", "NA", "NaN"):
        assert np.isnan(value), f"{what}: {value} where R gives {expected or 'nothing'}"
    else:
        assert value == pytest.approx(float(expected), rel=REL, abs=1e-12), what


def member_of(frame: pd.DataFrame, domain: str) -> np.ndarray:
    if not domain:
        return np.ones(len(frame), dtype=bool)
    variable, value = domain.split("=")
    return (frame[variable].astype(str) == value).to_numpy()


NUMERIC_CASES = sorted({c for c in reference()["case"] if c.startswith("numeric_")})


@pytest.mark.parametrize("case", NUMERIC_CASES)
def test_means_totals_quantiles_and_ratios_match_r(case):
    design, frame = design_of(case.removeprefix("numeric_"))
    rows = reference()[lambda r: r["case"] == case]
    checked = 0
    for (measure, domain), group in rows.groupby(["measure", "domain"], sort=False):
        member = member_of(frame, domain)
        if "/" in measure:
            top, bottom = measure.split("/")
            results = {"ratio": ratio_estimate(design, frame[top].to_numpy(float), frame[bottom].to_numpy(float),
                                               member, LEVEL)}
        else:
            results = {e.statistic: e for e in numeric_estimates(design, frame[measure].to_numpy(float), member,
                                                                 LEVEL)}
        for _, row in group.iterrows():
            e = results[row["statistic"]]
            what = f"{row['call']} [{row['statistic']} {domain}]"
            for name in ("estimate", "se", "ci_low", "ci_high", "df"):
                close(getattr(e, name), row[name], f"{what} {name}")
            if row["statistic"] == "mean":
                close(e.deff, row["deff"], f"{what} deff")
            checked += 1
    assert checked == len(rows)


@pytest.mark.parametrize("case", sorted({c for c in reference()["case"] if c.startswith("share_deff_")}))
def test_design_effects_of_shares_match_r(case):
    design, frame = design_of(case.removeprefix("share_deff_"))
    codes, levels = codes_of(frame["awards"].to_numpy())
    stype, stype_levels = codes_of(frame["stype"].to_numpy())
    for domains, names in ((None, [""]), (stype, [f"stype={s}" for s in stype_levels])):
        result = estimate_shares(design, codes[:, None], len(levels), domains, len(names))
        psum = np.array([design.weights[(domains == d) if domains is not None else slice(None)].sum()
                         for d in range(len(names))])
        deff = share_deff(result.se[0] ** 2, result.estimate[0], result.n[0][:, None], psum[:, None])
        for _, row in reference()[lambda r, c=case: r["case"] == c].iterrows():
            if row["domain"] in names:
                d, k = names.index(row["domain"]), list(levels).index(row["statistic"].removeprefix("share:"))
                close(result.estimate[0, d, k], row["estimate"], row["call"])
                close(deff[d, k], row["deff"], f"{row['call']} deff")


def test_shares_by_subgroup_under_the_average_lonely_psu_rule_match_r():
    """R's `average` rule counts the strata of the subgroup's own subset design: the lone
    high school is not among the schools with awards, so their share has no lonely stratum."""
    design, frame = design_of("lonely_average")
    codes = (frame["api00"] > 700).to_numpy().astype(np.int64)
    domains, levels = codes_of(frame["awards"].to_numpy())
    result = estimate_shares(design, codes[:, None], 2, domains, len(levels))
    rows = reference()[lambda r: r["case"] == "share_lonely_average"]
    assert len(rows) == 2
    for _, row in rows.iterrows():
        d = list(levels).index(row["domain"].removeprefix("awards="))
        close(result.estimate[0, d, 1], row["estimate"], row["call"])
        close(result.se[0, d, 1], row["se"], row["call"])
