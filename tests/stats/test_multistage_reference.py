"""Multistage designs in the estimators, against tests/reference/reference_multistage.csv
(make_reference_multistage.R): the Rao-Scott F test at full precision (comparisons.csv prints
its degrees of freedom to 6 digits), `svyciprop(..., df = Inf)` on both two-stage designs,
and a guard that every case of the file is checked here or in tests/test_multistage.py.

Designs are built with `design_from_columns` from apiclus2's columns, weights derived as R
derives them (the product of every stage's N/n).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.ciprop_terms import interval_terms
from pipeline.stats.comparisons import rao_scott
from pipeline.stats.design import design_from_columns
from pipeline.stats.intervals import design_interval
from pipeline.stats.linearisation import share_covariance, shares_from_statistics
from pipeline.stats.sufficient import sufficient_statistics

REFERENCE_DIR = Path(__file__).parents[1] / "reference"
REL = 1e-10
TESTED_END_TO_END = {"multistage_clus2", "multistage_clus2_by_stype", "ciprop_multistage_clus2",
                     "ciprop_multistage_clus2_missing", "ciprop_multistage_clus2_by_stype",
                     "ciprop_multistage_clus2_df_inf", "multistage_strat", "multistage_strat_by_stype",
                     "ciprop_multistage_strat", "multistage_lonely_remove", "multistage_lonely_certainty",
                     "multistage_lonely_adjust", "multistage_poststrat", "multistage_three_stages",
                     "raoscott_multistage_clus2", "raoscott_multistage_strat"}  # tests/test_multistage.py
TESTED_HERE = {"raoscott_multistage_clus2", "raoscott_multistage_strat", "ciprop_multistage_clus2_df_inf",
               "ciprop_multistage_strat_df_inf"}


@cache
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "reference_multistage.csv", dtype=str, keep_default_na=False)


@cache
def data() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "api_clus2_stages.csv", keep_default_na=False)


def two_stage(stratified: bool):
    d = data()
    first = d["fpc1s"] if stratified else d["fpc1"]
    strata = d["dstrat"] if stratified else pd.Series(0, index=d.index)
    sampled_first = d.groupby(strata)["dnum"].transform("nunique")
    sampled_second = d.groupby("dnum")["snum"].transform("nunique")
    weights = first / sampled_first * d["fpc2"] / sampled_second
    return design_from_columns(weights=weights.to_numpy(), strata=strata.to_numpy() if stratified else None,
                               clusters=d["dnum"].to_numpy(), population=first.to_numpy(),
                               stages=[(d["snum"].to_numpy(), d["fpc2"].to_numpy())])


@pytest.mark.parametrize("stratified", [False, True])
def test_rao_scott_f_test_matches_svychisq(stratified):
    design = two_stage(stratified)
    case = "raoscott_multistage_strat" if stratified else "raoscott_multistage_clus2"
    levels = sorted(set(data()["stype"]))
    group = np.array([levels.index(v) for v in data()["stype"]])
    for _, expected in reference()[reference()["case"] == case].iterrows():
        answer = (data()[expected["measure"]] == "Yes").to_numpy().astype(np.int64)
        shares, covariance = share_covariance(design, answer + 2 * group, 2 * len(levels))
        f_test, _ = rao_scott(shares, covariance, 2, len(levels), len(answer), design.df)
        assert f_test.statistic == pytest.approx(float(expected["statistic"]), rel=REL)
        assert list(f_test.df) == pytest.approx([float(v) for v in expected["df"].split()], rel=REL)
        assert f_test.p_value == pytest.approx(float(expected["p_value"]), rel=REL)


@pytest.mark.parametrize("stratified", [False, True])
def test_svyciprop_with_infinite_df_matches_r_for_every_method(stratified):
    design = two_stage(stratified)
    case = "ciprop_multistage_strat_df_inf" if stratified else "ciprop_multistage_clus2_df_inf"
    answer = (data()["sch.wide"] == "Yes").to_numpy().astype(np.int64)
    statistics = sufficient_statistics(design, answer, 2, glm_start=True)
    result = shares_from_statistics(design, statistics)
    terms = {name: (value[0, 0] if isinstance(value, np.ndarray) else value)
             for name, value in interval_terms(design, statistics, 1, domains_are_subgroups=False).items()}
    rows = reference()[reference()["case"] == case]
    assert len(rows) == 6
    for _, expected in rows.iterrows():
        method = expected["call"].split("method='")[1].split("'")[0]
        df = result.df[0, 0] if method == "beta" else np.inf  # R's beta method takes degf(design) regardless
        low, high = design_interval(result.estimate[0, 0, 1], result.se[0, 0, 1], df, method, **terms)
        assert result.se[0, 0, 1] == pytest.approx(float(expected["se"]), rel=REL)
        tolerance = dict(rel=0, abs=1e-8) if method == "likelihood" else dict(rel=REL)
        assert float(low) == pytest.approx(float(expected["ci_low"]), **tolerance)
        assert float(high) == pytest.approx(float(expected["ci_high"]), **tolerance)


def test_every_reference_case_is_checked():
    assert set(reference()["case"]) == TESTED_END_TO_END | TESTED_HERE
