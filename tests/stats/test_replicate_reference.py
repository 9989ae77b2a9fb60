"""Replicate-weight designs against R: `svymean`, `svyby`, `degf` and `svyciprop` on
`svrepdesign(..., combined.weights = TRUE)` of every type, from `make_reference_replicate.R`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.ciprop_terms import interval_terms_by_category
from pipeline.stats.design import design_from_columns
from pipeline.stats.intervals import design_interval
from pipeline.stats.replicate_shares import logit_equivalent_se, replicate_shares, replicate_sums
from pipeline.stats.replicates import ReplicateDesign, replicate_constants
from pipeline.stats.sufficient import sufficient_statistics

REFERENCE = Path(__file__).parent.parent / "reference"
TOLERANCE = 1e-10

# case: (data file, type, options) as the R call declares them
CASES = {
    "jk1_clus1": ("jk1_clus1", "jk1", {}),
    "jk1_clus1_scale_mse": ("jk1_clus1", "jk1", {"scale": 0.8, "mse": True}),
    "brr_nhanes": ("brr_nhanes", "brr", {}),
    "brr_nhanes_rscales_mse": ("brr_nhanes", "brr", {"rscales": np.tile([0.5, 1.5], 8), "mse": True}),
    "fay_nhanes": ("fay_nhanes", "fay", {"rho": 0.3}),
    "jkn_nhanes": ("jkn_nhanes", "jkn", {"rscales": "file"}),
    "bootstrap_clus1": ("bootstrap_clus1", "bootstrap", {}),
    "bootstrap_clus1_scale_mse": ("bootstrap_clus1", "bootstrap", {"scale": 0.03, "mse": True}),
    "sdr_srs": ("sdr_srs", "successive-difference", {}),
    "acs_srs_mse": ("sdr_srs", "acs", {"mse": True}),
}


def _reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "reference_replicate.csv", dtype=str, keep_default_na=False)


def _design(case: str) -> tuple[pd.DataFrame, ReplicateDesign]:
    name, kind, options = CASES[case]
    data = pd.read_csv(REFERENCE / f"replicate_{name}.csv", dtype=str, keep_default_na=False)
    columns = sorted((c for c in data.columns if re.fullmatch(r"rep[0-9]+", c)), key=lambda c: int(c[3:]))
    weights = np.column_stack([data["w"].astype(float)] + [data[c].astype(float) for c in columns])
    options = dict(options)
    mse = options.pop("mse", False)
    if isinstance(options.get("rscales"), str):
        options["rscales"] = pd.read_csv(REFERENCE / f"replicate_{name}_rscales.csv")["rscales"].to_numpy(float)
    scale, rscales = replicate_constants(kind, len(columns), **options)
    return data, ReplicateDesign(np.ascontiguousarray(weights), kind, scale, rscales, mse, options.get("rho"))


def _levels(values: pd.Series) -> list[str]:
    """R's factor levels: numbers in numeric order, text in alphabetical order, blanks missing."""
    present = sorted(set(values) - {""})
    try:
        return sorted(present, key=float)
    except ValueError:
        return present


def _codes(values: pd.Series, levels: list[str]) -> np.ndarray:
    index = {level: i for i, level in enumerate(levels)}
    return np.array([index.get(v, -1) for v in values], dtype=np.int64)


def _close(actual: float, expected: str, what: str) -> None:
    target = float(expected)
    if np.isnan(target):
        assert np.isnan(actual), what
        return
    assert actual == pytest.approx(target, rel=TOLERANCE, abs=1e-14), what


@pytest.mark.parametrize("case", sorted(CASES))
def test_shares_and_domains_match_svymean_and_svyby(case):
    reference = _reference()
    rows = reference[(reference.case == case) & reference.statistic.isin(["mean", "se"])]
    assert len(rows) > 0
    data, design = _design(case)
    by = re.search(r"svyby\(~factor\(\S+\), ~(\w+),", " ".join(rows.call)).group(1)
    domain_levels = _levels(data[by])
    domains = _codes(data[by], domain_levels)
    checked = 0
    for measure, block in rows.groupby("measure"):
        levels = _levels(data[measure])
        codes = _codes(data[measure], levels)
        sums = replicate_sums(design, codes, len(levels), domains, len(domain_levels))
        overall, _ = replicate_shares(design, sums.overall())
        by_domain, _ = replicate_shares(design, sums)
        for row in block.itertuples():
            k = levels.index(row.category)
            result, d = (overall, 0) if row.domain == "" else (by_domain, domain_levels.index(row.domain))
            value = result.estimate[0, d, k] if row.statistic == "mean" else result.se[0, d, k]
            _close(float(value), row.value, f"{row.call} {row.category} {row.domain} {row.statistic}")
            checked += 1
    assert checked == len(rows)


@pytest.mark.parametrize("case", sorted(CASES))
def test_degrees_of_freedom_match_degf(case):
    reference = _reference()
    rows = reference[(reference.case == case) & (reference.statistic == "df")]
    data, design = _design(case)
    by = re.search(r", (\w+) == ", " ".join(rows.call)).group(1)
    domain_levels = _levels(data[by])
    sums = replicate_sums(design, np.zeros(len(data), dtype=np.int64), 1, _codes(data[by], domain_levels),
                          len(domain_levels))
    for row in rows.itertuples():
        result, d = ((replicate_shares(design, sums.overall())[0], 0) if row.domain == ""
                     else (replicate_shares(design, sums)[0], domain_levels.index(row.domain)))
        assert result.df[0, d] == float(row.value), row.call


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("method", ["logit", "xlogit", "asin", "beta", "mean"])
def test_intervals_match_svyciprop(case, method):
    reference = _reference()
    rows = reference[(reference.case == case) & reference.statistic.str.startswith(method + "_")]
    data, design = _design(case)
    first = rows.iloc[0]
    measure, category = first.measure, first.category.strip("'")
    by = re.search(r", (\w+) == ", " ".join(rows.call)).group(1)
    domain_levels = _levels(data[by])
    domains = _codes(data[by], domain_levels)
    codes = np.where(data[measure] == "", -1, (data[measure] == category).astype(np.int64))
    full = design_from_columns(weights=design.full_weights)
    checked = 0
    for subgroups in (False, True):
        sums = replicate_sums(design, codes, 2, domains, len(domain_levels))
        statistics = sufficient_statistics(full, codes, 2, domains, len(domain_levels), glm_start=True)
        if not subgroups:
            sums, statistics = sums.overall(), statistics.overall()
        result, replicates = replicate_shares(design, sums)
        terms = interval_terms_by_category(full, statistics, domains_are_subgroups=subgroups)
        se = result.se
        if method == "logit":
            se = logit_equivalent_se(design, result.estimate, replicates, terms)
        df = np.broadcast_to(result.df[:, :, None], result.estimate.shape)
        low, high = design_interval(result.estimate, se, df, method, 0.95, **terms)
        for row in rows.itertuples():
            if (row.domain != "") != subgroups:
                continue
            d = domain_levels.index(row.domain) if subgroups else 0
            p = result.estimate[0, d, 1]
            if p in (0.0, 1.0):
                continue  # the pipeline gives no interval at a share of 0 or 1 (R: NaN, or a point)
            statistic = row.statistic.split("_")[1]
            value = {"estimate": p, "low": low[0, d, 1], "high": high[0, d, 1]}[statistic]
            if method == "logit" and statistic == "estimate":
                continue  # R's estimate is its fit's, not the share (see svyglm_fit)
            _close(float(value), row.value, f"{row.call} {statistic}")
            checked += 1
    assert checked > 0
