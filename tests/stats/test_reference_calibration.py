"""Weighting against R (tests/reference/reference_calibration.csv, make_reference_calibration.R):
raking to one table per variable with R `rake`'s convergence controls, `calibrate` with
calfun linear and raking (with and without bounds on g), and `trimWeights`, each followed by
the shares of `awards` with their SEs, every `svyciprop` interval, shares by `yr.rnd` and the
weighted margins. Everything at 1e-10 relative, except the `logit` and `likelihood`
estimates and the `likelihood` bounds, which R takes from an iterative fit (1e-8 absolute, as
tests/reference/README.md says).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.calibration import calibrate, trim_weights
from pipeline.stats.ciprop_terms import interval_terms
from pipeline.stats.design import codes_of, design_from_columns
from pipeline.stats.intervals import design_interval
from pipeline.stats.linearisation import share_covariance, shares_from_statistics
from pipeline.stats.sufficient import sufficient_statistics
from pipeline.stats.weighting import WeightingResult, rake

REFERENCE_DIR = Path(__file__).parents[1] / "reference"
REL = 1e-10
ITERATIVE_ABS = 1e-8


@cache
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "reference_calibration.csv", dtype=str, keep_default_na=False)


def rows(case: str, measure: str | None = None) -> pd.DataFrame:
    table = reference()
    chosen = table[table["case"] == case]
    return chosen if measure is None else chosen[chosen["measure"] == measure]


def value(case: str, measure: str) -> float:
    return float(rows(case, measure)["estimate"].iloc[0])


def margins_of(data: pd.DataFrame, variables: list[str]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each unit's level code per variable and the population count per level (apipop)."""
    population = rows("population_margin")
    codes, targets = [], []
    for v in variables:
        unit_codes, levels = codes_of(data[v].to_numpy())
        counts = population[population["measure"] == v].set_index("category")["estimate"].astype(float)
        codes.append(unit_codes)
        targets.append(counts.loc[list(levels)].to_numpy())
    return codes, targets


@cache
def sample(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / f"api_{name}.csv")


def columns(name: str) -> dict:
    data = sample(name)
    if name == "clus1":
        return {"clusters": data["dnum"], "population": data["fpc"]}
    return {"strata": data["stype"], "population": data["fpc"]}


CLUS1, STRAT = ["stype", "sch.wide"], ["sch.wide", "comp.imp"]
# case -> (sample, how the weights are made from the sampling weights pw)
CASES = {
    "rake_clus1": ("clus1", lambda w, m, t: rake(w, m, t, epsilon=1, max_iterations=10), CLUS1),
    "rake_clus1_tight": ("clus1", lambda w, m, t: rake(w, m, t, epsilon=1e-10, max_iterations=100), CLUS1),
    "rake_clus1_maxit2": ("clus1", lambda w, m, t: rake(w, m, t, epsilon=1e-10, max_iterations=2), CLUS1),
    "rake_strat": ("strat", lambda w, m, t: rake(w, m, t, epsilon=1, max_iterations=10), STRAT),
    "calibrate_linear_clus1": ("clus1", lambda w, m, t: calibrate(w, m, t, "linear"), CLUS1),
    "calibrate_raking_clus1": ("clus1", lambda w, m, t: calibrate(w, m, t, "raking"), CLUS1),
    "calibrate_linear_bounds_clus1": ("clus1", lambda w, m, t: calibrate(w, m, t, "linear", (0.88, 1.6)), CLUS1),
    "calibrate_raking_bounds_clus1": ("clus1", lambda w, m, t: calibrate(w, m, t, "raking", (0.88, 1.6)), CLUS1),
    "calibrate_linear_strat": ("strat", lambda w, m, t: calibrate(w, m, t, "linear"), STRAT),
    "calibrate_raking_strat": ("strat", lambda w, m, t: calibrate(w, m, t, "raking"), STRAT),
    "trim_strat": ("strat", lambda w, m, t: trim_weights(w, upper=40), None),
    "trim_strat_raking": ("strat", lambda w, m, t: calibrate(trim_weights(w, upper=40), m, t, "raking"), STRAT),
    "trim_strat_strict": ("strat", lambda w, m, t: trim_weights(w, 18, 40, strict=True), None),
    "trim_strat_strict_raking": ("strat", lambda w, m, t: calibrate(trim_weights(w, 18, 40, strict=True), m, t,
                                                                     "raking"), STRAT),
}


def weighted(case: str):
    name, make, variables = CASES[case]
    data = sample(name)
    margins, targets = margins_of(data, variables or STRAT)
    result = make(data["pw"].to_numpy(float), margins, targets)
    if isinstance(result, WeightingResult):
        design = design_from_columns(weights=result.weights, calibration=result.calibration, **columns(name))
        return data, design, result
    return data, design_from_columns(weights=result, **columns(name)), None


def awards_codes(data: pd.DataFrame) -> np.ndarray:
    return (data["awards"] == "Yes").to_numpy().astype(np.int64)


@pytest.mark.parametrize("case", sorted(CASES))
def test_shares_and_standard_errors_match_r(case):
    data, design, _ = weighted(case)
    statistics = sufficient_statistics(design, awards_codes(data), 2, glm_start=True)
    result = shares_from_statistics(design, statistics)
    expected = rows(case, "awards")
    means = expected[expected["call"].str.startswith("svymean")]
    assert len(means) == 2
    for _, row in means.iterrows():
        k = ["No", "Yes"].index(row["category"])
        assert result.estimate[0, 0, k] == pytest.approx(float(row["estimate"]), rel=REL)
        assert result.se[0, 0, k] == pytest.approx(float(row["se"]), rel=REL)
    _shares, covariance = share_covariance(design, awards_codes(data), 2)
    assert np.sqrt(np.diag(covariance)) == pytest.approx(result.se[0, 0], rel=REL)


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_svyciprop_interval_matches_r(case):
    data, design, _ = weighted(case)
    statistics = sufficient_statistics(design, awards_codes(data), 2, glm_start=True)
    result = shares_from_statistics(design, statistics)
    terms = interval_terms(design, statistics, 1)
    cell = {name: (v[0, 0] if isinstance(v, np.ndarray) else v) for name, v in terms.items()}
    expected = rows(case, "awards")
    expected = expected[expected["call"].str.startswith("svyciprop")]
    assert len(expected) == 6
    p, se, df = result.estimate[0, 0, 1], result.se[0, 0, 1], result.df[0, 0]
    for _, row in expected.iterrows():
        method = row["call"].split("method='")[1].split("'")[0]
        assert df == int(row["df"])
        assert se == pytest.approx(float(row["se"]), rel=REL)
        iterative = method in ("logit", "likelihood")
        assert p == pytest.approx(float(row["estimate"]), rel=0 if iterative else REL,
                                  abs=ITERATIVE_ABS if iterative else 0)
        low, high = design_interval(p, se, df, method, **cell)
        tolerance = dict(rel=0, abs=ITERATIVE_ABS) if method == "likelihood" else dict(rel=REL)
        assert float(low) == pytest.approx(float(row["ci_low"]), **tolerance), method
        assert float(high) == pytest.approx(float(row["ci_high"]), **tolerance), method


@pytest.mark.parametrize("case", sorted(CASES))
def test_subgroup_shares_match_r(case):
    data, design, _ = weighted(case)
    domains, labels = codes_of(data["yr.rnd"].to_numpy())
    statistics = sufficient_statistics(design, awards_codes(data), 2, domains, len(labels))
    result = shares_from_statistics(design, statistics)
    expected = rows(case, "awards")
    expected = expected[expected["call"].str.startswith("svyby")]
    assert len(expected) == len(labels)
    for j, label in enumerate(labels):
        row = expected[expected["domain"] == f"yr.rnd={label}"].iloc[0]
        assert result.estimate[0, j, 1] == pytest.approx(float(row["estimate"]), rel=REL)
        assert result.se[0, j, 1] == pytest.approx(float(row["se"]), rel=REL)


@pytest.mark.parametrize("case", sorted(CASES))
def test_weighted_margins_match_r(case):
    data, design, _ = weighted(case)
    for variable in ("stype", "sch.wide", "comp.imp"):
        codes, levels = codes_of(data[variable].to_numpy())
        totals = np.bincount(codes, weights=design.weights)
        expected = rows(case, f"total_{variable}").set_index("category")["estimate"].astype(float)
        assert totals == pytest.approx(expected.loc[list(levels)].to_numpy(), rel=REL)


@pytest.mark.parametrize("case", ["rake_clus1", "rake_clus1_tight", "rake_clus1_maxit2", "rake_strat"])
def test_raking_passes_and_convergence_match_r(case):
    _, _, result = weighted(case)
    assert result.iterations == value(case, "passes")
    assert result.converged == bool(value(case, "converged"))


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("calibrate")])
def test_g_weights_match_r(case):
    data, design, _ = weighted(case)
    g = design.weights / data["pw"].to_numpy(float)
    assert g.min() == pytest.approx(value(case, "g_min"), rel=REL)
    assert g.max() == pytest.approx(value(case, "g_max"), rel=REL)


@pytest.mark.parametrize("case", ["trim_strat", "trim_strat_strict"])
def test_trimmed_weights_match_r(case):
    _, design, _ = weighted(case)
    assert design.weights.min() == pytest.approx(value(case, "weight_min"), rel=REL)
    assert design.weights.max() == pytest.approx(value(case, "weight_max"), rel=REL)
