"""R survey's `svyciprop`, every method, on real designs (tests/reference, cases `ciprop_*`).

Each design is built with the pipeline's own `design_from_columns` (clusters nested in strata,
as R's `nest=TRUE`), shares and standard errors come from `estimate_shares`, and the
intervals from `design_interval` with the terms `interval_terms` gathers from the sufficient
statistics. Tolerances (tests/reference/README.md): `likelihood` bounds 1e-8 absolute; the
`logit` and `likelihood` estimates, which R takes from a logistic fit stopped at its
convergence tolerance, 1e-8 absolute; everything else 1e-10 relative.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.ciprop_terms import interval_terms
from pipeline.stats.design import codes_of, design_from_columns, unit_scaled_weights
from pipeline.stats.intervals import design_interval
from pipeline.stats.linearisation import shares_from_statistics
from pipeline.stats.sufficient import sufficient_statistics
from pipeline.stats.svyglm_fit import irls_first_step
from pipeline.stats.weighting import poststratify

REFERENCE_DIR = Path(__file__).parents[1] / "reference"
REL = 1e-10
LIKELIHOOD_ABS = 1e-8
STYPE_POPULATION = {"E": 4421, "H": 755, "M": 1018}


@cache
def reference() -> pd.DataFrame:
    """reference.csv, read when a test first needs it (not at collection), then kept."""
    return pd.read_csv(REFERENCE_DIR / "reference.csv", dtype=str, keep_default_na=False)


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / name)


def binary(condition: pd.Series, source: pd.Series) -> np.ndarray:
    """Codes 1 (TRUE), 0 (FALSE) or -1 (missing answer, dropped by R's na.rm=TRUE)."""
    return np.where(source.isna(), -1, condition.astype(int)).astype(np.int64)


def nhanes():
    data = read("nhanes.csv")
    design = design_from_columns(weights=data["WTMEC2YR"], strata=data["SDMVSTRA"], clusters=data["SDMVPSU"])
    return data, design, binary(data["HI_CHOL"] == 1, data["HI_CHOL"])


def clus1():
    data = read("api_clus1.csv")
    design = design_from_columns(weights=data["pw"], clusters=data["dnum"], population=data["fpc"])
    return data, design, binary(data["avg.ed"] > 3, data["avg.ed"])


def clus2():
    data = read("api_clus2.csv")
    design = design_from_columns(weights=data["pw"], clusters=data["dnum"], population=data["fpc1"])
    return data, design, binary(data["enroll"] > 500, data["enroll"])


def strat_missing():
    data = read("api_strat.csv")
    design = design_from_columns(weights=data["pw"], strata=data["stype"], population=data["fpc"])
    return data, design, binary(data["acs.46"] > 28, data["acs.46"])


def poststrat_clus1():
    data = read("api_clus1.csv")
    cells, levels = codes_of(data["stype"].to_numpy())
    weighting = poststratify(data["pw"].to_numpy(float), cells, np.array([STYPE_POPULATION[v] for v in levels]))
    design = design_from_columns(weights=weighting.weights, clusters=data["dnum"], population=data["fpc"],
                                 calibration=weighting.calibration)
    return data, design, binary(data["acs.46"] > 28, data["acs.46"])


# case -> (data, design and item codes; the subgroup column, or None for the whole sample)
CASES = {
    "ciprop_nhanes": (nhanes, None),
    "ciprop_nhanes_by_sex": (nhanes, "RIAGENDR"),
    "ciprop_clus1": (clus1, None),
    "ciprop_clus2": (clus2, None),
    "ciprop_strat_missing": (strat_missing, None),
    "ciprop_poststrat_clus1": (poststrat_clus1, None),
    "ciprop_poststrat_clus1_by_awards": (poststrat_clus1, "awards"),
}


def cells(case: str):
    """Per domain: the share of TRUE, its SE, R's df, and `design_interval`'s other terms."""
    make, by = CASES[case]
    data, design, codes = make()
    if by is None:
        domains, labels = np.zeros(len(data), dtype=np.int64), [None]
    else:
        domains, labels = codes_of(data[by].to_numpy())
        labels = [f"{by}={v}" for v in labels]
    statistics = sufficient_statistics(design, codes, 2, domains, len(labels), glm_start=True)
    result = shares_from_statistics(design, statistics)
    df = result.df[0]
    terms = interval_terms(design, statistics, 1)
    mean_weight = terms["row_weight"][0] / terms["rows"][0]
    by_unit = unit_first_step(unit_scaled_weights(design), codes, domains, len(labels), mean_weight)[None, :]
    assert terms["first_step"] == pytest.approx(by_unit, rel=1e-12, abs=1e-14)
    for j, label in enumerate(labels):
        cell = {name: (value[0, j] if isinstance(value, np.ndarray) else value) for name, value in terms.items()}
        yield label, result.estimate[0, j, 1], result.se[0, j, 1], df[j], cell


def unit_first_step(weights, codes, domains, n_domains, mean_weight) -> np.ndarray:
    """R's first logistic step from every unit's weight (one group per unit, so exact)."""
    out = np.empty(n_domains)
    for j in range(n_domains):
        keep = (domains == j) & (codes >= 0)
        count = np.zeros((keep.sum(), 2))
        count[np.arange(keep.sum()), codes[keep]] = 1.0
        w = weights[keep][:, None]
        out[j] = irls_first_step(count, count * w, count * w * w, mean_weight[j])
    return out


def method_of(call: str) -> str:
    return call.split("method='")[1].split("'")[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_svyciprop_method_matches_r(case):
    table = reference()
    expected = table[table["case"] == case]
    assert len(expected) == 6 * (1 if CASES[case][1] is None else len(set(expected["domain"])))
    for label, p, se, df, terms in cells(case):
        for _, row in expected[expected["domain"] == (label or "")].iterrows():
            method = method_of(row["call"])
            assert df == int(row["df"])
            assert se == pytest.approx(float(row["se"]), rel=REL)
            exact_share = method not in ("logit", "likelihood")
            assert p == pytest.approx(float(row["estimate"]), rel=REL if exact_share else 0,
                                      abs=0 if exact_share else 1e-8)
            low, high = design_interval(p, se, df, method, **terms)
            tolerance = dict(rel=0, abs=LIKELIHOOD_ABS) if method == "likelihood" else dict(rel=REL)
            assert float(low) == pytest.approx(float(row["ci_low"]), **tolerance), (method, label)
            assert float(high) == pytest.approx(float(row["ci_high"]), **tolerance), (method, label)


def statistics_terms(case: str):
    """`interval_terms` as a call site gets them: from sums per PSU (or stratum), cell and category."""
    make, by = CASES[case]
    data, design, codes = make()
    domains, labels = ((np.zeros(len(data), dtype=np.int64), [None]) if by is None
                       else codes_of(data[by].to_numpy()))
    return interval_terms(design, sufficient_statistics(design, codes, 2, domains, len(labels)), 1)


@pytest.mark.parametrize("case", sorted(set(CASES) - {"ciprop_nhanes", "ciprop_nhanes_by_sex"}))
def test_first_step_from_sums_is_exact_when_weights_are_equal_within_groups(case):
    from_sums = statistics_terms(case)["first_step"][0]
    from_units = np.array([terms["first_step"] for *_, terms in cells(case)])
    assert from_sums == pytest.approx(from_units, rel=0, abs=1e-12)


def test_first_step_from_sums_when_weights_vary_within_psus():
    """NHANES weights vary within PSUs: sums of w and w^2 give R's first step to about 0.03,
    which moves the likelihood bounds by up to about 1e-7 (R stops its fit one step later or
    earlier only in rare cases; here it does not)."""
    for case in ("ciprop_nhanes", "ciprop_nhanes_by_sex"):
        from_sums = statistics_terms(case)
        for j, (label, p, se, df, terms) in enumerate(cells(case)):
            assert abs(from_sums["first_step"][0, j] - terms["first_step"]) < 0.05
            approximate = {**terms, "first_step": from_sums["first_step"][0, j]}
            exact = np.array(design_interval(p, se, df, "likelihood", **terms))
            close = np.array(design_interval(p, se, df, "likelihood", **approximate))
            assert np.abs(close - exact).max() < 2e-7, label


@pytest.mark.parametrize("method,missing", [("likelihood", "first_step"), ("likelihood", "rows"),
                                            ("beta", "rows"), ("logit", "weight")])
def test_a_missing_term_is_a_clear_error(method, missing):
    _label, p, se, df, terms = next(cells("ciprop_clus1"))
    given = {name: value for name, value in terms.items() if name != missing}
    if method == "logit":
        given = {"first_step": terms["first_step"]}
    with pytest.raises(ValueError, match=missing):
        design_interval(p, se, df, method, **given)


def test_vectorised_over_domains_as_one_call():
    per_domain = list(cells("ciprop_nhanes_by_sex"))
    stacked = {name: np.array([cell[4][name] for cell in per_domain]) for name in per_domain[0][4]}
    stacked["calibrated"] = False
    p, se, df = (np.array([cell[i] for cell in per_domain]) for i in (1, 2, 3))
    for method in ("likelihood", "logit", "beta"):
        low, high = design_interval(p, se, df, method, **stacked)
        for j, cell in enumerate(per_domain):
            one = design_interval(cell[1], cell[2], cell[3], method, **cell[4])
            assert [low[j], high[j]] == pytest.approx([float(b) for b in one], rel=1e-14)
