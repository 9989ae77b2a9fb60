"""Every value in tests/reference/reference.csv (R 4.2.2, survey 4.1.1, R stats), reproduced.

Tolerance: relative 1e-10 (REL), except where a row says otherwise with its reason:
- `ciprop_strat` logit and likelihood estimates: R fits a logistic model that stops at its
  convergence tolerance, so its estimate differs from the exact share by about 4e-10
  (absolute 1e-8, as the reference's README says).
- `ciprop_strat` likelihood bounds: R reads them off a spline through a profile that depends
  on where its fit stopped; reproduced from R's own steps, they agree to absolute 1e-8.
The `ciprop_*` cases on further designs are in test_svyciprop_designs.py.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.ciprop_terms import interval_terms
from pipeline.stats.comparisons import adjust, chi_square, fisher_exact, rao_scott
from pipeline.stats.design import codes_of, design_from_columns
from pipeline.stats.intervals import binomial_interval, design_interval
from pipeline.stats.linearisation import estimate_shares, share_covariance
from pipeline.stats.sufficient import sufficient_statistics
from pipeline.stats.weighting import poststratify

from .test_svyciprop_designs import CASES as DESIGN_CASES

REL = 1e-10
REFERENCE_DIR = Path(__file__).parents[1] / "reference"


@cache
def reference() -> pd.DataFrame:
    """reference.csv, read when a test first needs it (not at collection), then kept."""
    return pd.read_csv(REFERENCE_DIR / "reference.csv", dtype=str, keep_default_na=False)


def rows(case: str) -> list[pd.Series]:
    table = reference()
    selected = [row for _, row in table[table["case"] == case].iterrows()]
    assert selected, f"no reference rows for {case}"
    return selected


def close(value: float, expected: str, rel: float = REL, abs_: float = 0.0) -> None:
    assert value == pytest.approx(float(expected), rel=rel, abs=abs_)


def binary_codes(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[str]]:
    values = frame[column].to_numpy()
    levels = sorted({v for v in values if isinstance(v, str)})
    return np.array([levels.index(v) if isinstance(v, str) else -1 for v in values]), levels


def api(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / f"api_{name}.csv")


DESIGNS = {
    "share_srs": lambda: (api("srs"), lambda d: design_from_columns(population=d["fpc"].to_numpy(), n=len(d))),
    "share_strat": lambda: (api("strat"), lambda d: design_from_columns(weights=d["pw"], strata=d["stype"],
                                                                          population=d["fpc"])),
    "share_strat_nofpc": lambda: (api("strat"), lambda d: design_from_columns(weights=d["pw"], strata=d["stype"])),
    "share_clus1": lambda: (api("clus1"), lambda d: design_from_columns(weights=d["pw"], clusters=d["dnum"],
                                                                          population=d["fpc"])),
}


@pytest.mark.parametrize("case", sorted(DESIGNS))
def test_category_shares_and_linearised_se(case):
    data, make = DESIGNS[case]()
    design = make(data)
    for row in rows(case):
        codes, levels = binary_codes(data, row["measure"])
        result = estimate_shares(design, codes, len(levels))
        k = levels.index(row["category"])
        close(result.estimate[0, 0, k], row["estimate"])
        close(result.se[0, 0, k], row["se"])


def strat_design():
    data = api("strat")
    return data, design_from_columns(weights=data["pw"], strata=data["stype"], population=data["fpc"])


def test_svyciprop_every_method():
    data, design = strat_design()
    codes, levels = binary_codes(data, "sch.wide")
    statistics = sufficient_statistics(design, codes, len(levels))
    result = estimate_shares(design, codes, len(levels))
    p, se = result.estimate[0, 0, 1], result.se[0, 0, 1]
    # Weights equal within strata: the first step of R's fit follows exactly from the sums.
    terms = {name: value[0, 0] if isinstance(value, np.ndarray) else value
             for name, value in interval_terms(design, statistics, 1).items()}
    assert design.df == 197
    for row in rows("ciprop_strat"):
        method = row["call"].split("method='")[1].rstrip("')")
        low, high = design_interval(p, se, design.df, method, **terms)
        close(se, row["se"])
        if method in ("logit", "likelihood"):
            close(p, row["estimate"], rel=0, abs_=1e-8)
        else:
            close(p, row["estimate"])
        bound_tolerance = {"likelihood": dict(rel=0, abs_=1e-8)}.get(method, {})
        close(float(low), row["ci_low"], **bound_tolerance)
        close(float(high), row["ci_high"], **bound_tolerance)


def test_domain_estimates_keep_the_whole_design():
    data, design = strat_design()
    codes, levels = binary_codes(data, "awards")
    domain, domain_levels = codes_of(data["yr.rnd"].to_numpy())
    result = estimate_shares(design, codes, len(levels), domain, len(domain_levels))
    for row in rows("domain_strat"):
        d = list(domain_levels).index(row["domain"].split("=")[1])
        close(result.estimate[0, d, levels.index(row["category"])], row["estimate"])
        close(result.se[0, d, levels.index(row["category"])], row["se"])
    # Dropping the other domain's rows (not what svyby does) changes the standard error.
    keep = domain == 0
    subset = design_from_columns(weights=data["pw"][keep], strata=data["stype"][keep], population=data["fpc"][keep])
    dropped = estimate_shares(subset, codes[keep], len(levels))
    assert abs(dropped.se[0, 0, 1] - result.se[0, 0, 1]) > 1e-6


def test_post_stratification():
    data = api("srs")
    cells, levels = codes_of(data["stype"].to_numpy())
    population = {"E": 4421, "H": 755, "M": 1018}
    weighting = poststratify(np.full(len(data), 6194 / len(data)), cells, np.array([population[v] for v in levels]))
    design = design_from_columns(weights=weighting.weights, population=data["fpc"].to_numpy(),
                                 calibration=weighting.calibration)
    codes, cats = binary_codes(data, "sch.wide")
    result = estimate_shares(design, codes, len(cats))
    _shares, covariance = share_covariance(design, codes, len(cats))
    for row in rows("poststrat_srs"):
        k = cats.index(row["category"])
        close(result.estimate[0, 0, k], row["estimate"])
        close(result.se[0, 0, k], row["se"])
        close(np.sqrt(covariance[k, k]), row["se"])


def test_rao_scott():
    data, design = strat_design()
    r, _ = binary_codes(data, "sch.wide")
    c, _ = binary_codes(data, "awards")
    shares, covariance = share_covariance(design, r + 2 * c, 4)
    f_test, chisq = rao_scott(shares, covariance, 2, 2, design.n, design.df)
    f_row, chisq_row = rows("raoscott_strat")
    close(f_test.statistic, f_row["statistic"])
    assert f_test.df == pytest.approx([float(v) for v in f_row["df"].split()], rel=REL)
    close(f_test.p_value, f_row["p_value"])
    close(chisq.statistic, chisq_row["statistic"])
    assert chisq.df == pytest.approx([float(chisq_row["df"])])
    close(chisq.p_value, chisq_row["p_value"])


def test_wilson_and_clopper_pearson_58_of_82():
    plain, corrected = rows("wilson_58_82")
    for row, method in ((plain, "wilson"), (corrected, "wilson-cc")):
        low, high = binomial_interval(58, 82, method)
        close(58 / 82, row["estimate"])
        close(float(low), row["ci_low"])
        close(float(high), row["ci_high"])
    (row,) = rows("clopper_58_82")
    low, high = binomial_interval(58, 82, "clopper-pearson")
    close(float(low), row["ci_low"])
    close(float(high), row["ci_high"])


def test_prop_test_and_binom_test_statistics():
    from scipy import stats

    from pipeline.stats.comparisons import one_sample_test

    for row, correct in zip(rows("wilson_58_82"), (False, True), strict=True):
        result = one_sample_test(58, 82, correct=correct)
        close(result.statistic, row["statistic"])
        close(result.p_value, row["p_value"])
    (row,) = rows("clopper_58_82")
    close(stats.binomtest(58, 82).pvalue, row["p_value"])


def test_fisher_and_chi_square_2x2():
    table = np.array([[33, 25], [8, 16]])  # R: matrix(c(33, 8, 25, 16), nrow=2), filled by column
    (row,) = rows("fisher_2x2")
    result = fisher_exact(table)
    close(result.estimate, row["estimate"])
    close(result.ci_low, row["ci_low"])
    close(result.ci_high, row["ci_high"])
    close(result.p_value, row["p_value"])
    for row, correct in zip(rows("chisq_2x2"), (False, True), strict=True):
        result = chi_square(table, correct=correct)
        close(result.statistic, row["statistic"])
        assert result.df == (float(row["df"]),)
        close(result.p_value, row["p_value"])


@pytest.mark.parametrize("case,method", [("holm", "holm"), ("bh", "bh")])
def test_multiple_testing_adjustment(case, method):
    (row,) = rows(case)
    expected = [float(v) for v in row["p_value"].split()]
    assert adjust([0.01, 0.04, 0.03, 0.005, 0.2], method) == pytest.approx(expected, rel=REL)


def test_every_reference_row_is_used():
    tested = {"share_srs", "share_strat", "share_strat_nofpc", "share_clus1", "ciprop_strat", "domain_strat",
              "poststrat_srs", "raoscott_strat", "wilson_58_82", "clopper_58_82", "fisher_2x2", "chisq_2x2",
              "holm", "bh"} | set(DESIGN_CASES)
    assert set(reference()["case"]) == tested
