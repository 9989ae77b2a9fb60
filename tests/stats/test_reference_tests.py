"""Every value in tests/reference/reference_tests.csv (R 4.2, survey, stats), reproduced at 1e-10.

Tests of association under the design (svychisq's four statistics), differences of domain
shares (svycontrast), Pearson's and Yates' chi-square, Fisher's exact test of 2 x c tables,
prop.test and binom.test. One exception: the `svyciprop_strat` rows, there for comparison
with the differences, are logistic fits stopped at R's convergence tolerance, so the groups'
shares match them at absolute 1e-8 (their intervals are checked in test_reference_values.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.comparisons import chi_square, one_sample_test
from pipeline.stats.design import codes_of, design_from_columns
from pipeline.stats.design_tests import domain_differences, domain_means, svychisq
from pipeline.stats.exact_tests import binomial_test, fisher_exact_table
from pipeline.stats.weighting import poststratify

REL = 1e-10
REFERENCE_DIR = Path(__file__).parents[1] / "reference"


@cache
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "reference_tests.csv", dtype=str, keep_default_na=False)


def rows(case: str) -> list[pd.Series]:
    table = reference()
    selected = [row for _, row in table[table["case"] == case].iterrows()]
    assert selected, f"no reference rows for {case}"
    return selected


def close(value: float, expected: str, rel: float = REL) -> None:
    assert value == pytest.approx(float(expected), rel=rel)


@cache
def data(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / (f"{name}.csv" if name == "nhanes" else f"api_{name}.csv"))


def design_of(name: str):
    frame = data({"strat": "strat", "clus1": "clus1", "nhanes": "nhanes", "poststrat": "srs"}[name])
    if name == "strat":
        return frame, design_from_columns(weights=frame["pw"], strata=frame["stype"], population=frame["fpc"])
    if name == "clus1":
        return frame, design_from_columns(weights=frame["pw"], clusters=frame["dnum"], population=frame["fpc"])
    if name == "nhanes":
        return frame, design_from_columns(weights=frame["WTMEC2YR"], strata=frame["SDMVSTRA"],
                                          clusters=frame["SDMVPSU"])
    cells, levels = codes_of(frame["stype"].to_numpy())
    population = {"E": 4421, "H": 755, "M": 1018}
    weighting = poststratify(frame["pw"].to_numpy(dtype=float), cells, np.array([population[v] for v in levels]))
    return frame, design_from_columns(weights=weighting.weights, population=frame["fpc"].to_numpy(),
                                      calibration=weighting.calibration)


def codes(column: pd.Series) -> tuple[np.ndarray, list]:
    """Codes in R's factor order (sorted levels); -1 where missing."""
    levels = sorted(column.dropna().unique())
    index = {v: i for i, v in enumerate(levels)}
    return np.array([index.get(v, -1) for v in column]), levels


@pytest.mark.parametrize("name", ["strat", "clus1", "nhanes", "poststrat"])
def test_svychisq_every_statistic(name):
    frame, design = design_of(name)
    checked = 0
    for row in rows(f"svychisq_{name}"):
        formula = row["call"].split("(", 1)[1].split(",", 1)[0]  # ~rows+cols
        row_var, col_var = formula.lstrip("~").split("+")
        r, row_levels = codes(frame[row_var])
        c, col_levels = codes(frame[col_var])
        result = svychisq(design, r, c, len(row_levels), len(col_levels))[row["test"]]
        close(result.statistic, row["statistic"])
        assert result.df == pytest.approx([float(v) for v in row["df"].split()], rel=REL)
        close(result.p_value, row["p_value"])
        checked += 1
    assert checked % 4 == 0


@pytest.mark.parametrize("name", ["strat", "clus1", "nhanes", "poststrat"])
def test_differences_of_domain_shares(name):
    frame, design = design_of(name)
    y = (frame["HI_CHOL"] if name == "nhanes" else (frame["sch.wide"] == "Yes").astype(float)).to_numpy(dtype=float)
    groups, levels = codes(frame["RIAGENDR" if name == "nhanes" else "stype"])
    for row in rows(f"difference_{name}"):
        a, b = (levels.index(type(levels[0])(g)) for g in row["test"].split("-"))
        (result,) = domain_differences(design, y, groups, len(levels), [(a, b)])
        close(result.difference, row["estimate"])
        close(result.se, row["se"])
        close(result.ci_low, row["ci_low"])
        close(result.ci_high, row["ci_high"])


def test_pearson_and_yates_chi_square():
    srs = data("srs")
    for row in rows("chisq_srs"):
        first, second = (part.split("$")[1].rstrip(")") for part in row["call"].split("table(")[1].split(", ")[:2])
        table = pd.crosstab(srs[first], srs[second]).to_numpy()
        result = chi_square(table, correct=row["test"] == "chisq-yates")
        close(result.statistic, row["statistic"])
        close(result.p_value, row["p_value"])


def test_fisher_exact_2_by_c():
    for row in rows("fisher_srs"):
        inner = row["call"].split("table(")[1]
        first, second = (part.split("$") for part in inner.rstrip(")").split(", "))
        frame = data(first[0].removeprefix("api"))
        table = pd.crosstab(frame[first[1]], frame[second[1]]).to_numpy()
        close(fisher_exact_table(table).p_value, row["p_value"])


def _counts(call: str) -> tuple[int, int, float]:
    x, n, p = call.split("(", 1)[1].split(", ")[:3]
    return int(x), int(n), float(p.removeprefix("p=").rstrip(")"))


def test_prop_test_with_and_without_the_continuity_correction():
    for row in rows("prop_test"):
        x, n, p = _counts(row["call"])
        result = one_sample_test(x, n, p, correct=row["test"] == "prop-test")
        close(result.statistic, row["statistic"])
        close(result.p_value, row["p_value"])


def test_binom_test():
    for row in rows("binom_test"):
        x, n, p = _counts(row["call"])
        result = binomial_test(x, n, p)
        close(result.p_value, row["p_value"])
        close(result.ci_low, row["ci_low"])
        close(result.ci_high, row["ci_high"])


def test_the_groups_shares_are_svyciprops():
    """svyciprop's logit estimate is a logistic fit stopped at R's tolerance: absolute 1e-8."""
    frame, design = design_of("strat")
    groups, levels = codes(frame["stype"])
    means, _ = domain_means(design, (frame["sch.wide"] == "Yes").to_numpy(dtype=float), groups, len(levels))
    for row in rows("svyciprop_strat"):
        assert means[levels.index(row["test"])] == pytest.approx(float(row["estimate"]), abs=1e-8)
