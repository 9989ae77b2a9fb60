"""Typed records the stages hand on: every estimate names its design variant.

An `Estimate` carries what a reader needs to trust a figure: what is estimated (measure,
category, statistic), among whom (domain, base, n), under which design variant and method,
with its standard error, interval, degrees of freedom and a note where a value is missing or
special. The `EstimateTable` is the one way to look estimates up, by (measure, category,
domain, variant, statistic); the CSV, the workbook, the claim checker and the report all use it.
A variant may have several interval methods: each is a row, and the first in table order (the
plan's first method) is the one a key finds; the others are found by naming their method.

A design variant is named where it is made (`survey_design.design_variants`, and the
`bounds` of `estimates`); tables list them in that order. The names below are the ones other
stages look up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from operator import attrgetter
from typing import NamedTuple

import numpy as np
import pandas as pd

SRS, FPC, DESIGN, BOUNDS = "srs", "fpc", "design", "bounds"

SHARE = "share"

# estimates.csv: the published columns in their published order; columns are only ever added.
CSV_COLUMNS: tuple[str, ...] = ("survey", "measure", "category", "domain_variable", "domain", "n", "base", "estimate",
                                "se", "ci_low", "ci_high", "ci_method", "weighted", "fpc", "note", "variant",
                                "statistic", "deff", "ess")


class EstimateKey(NamedTuple):
    """What identifies an estimate: the figure, among whom, under which design variant, and
    which statistic (a category's share, or a numeric variable's mean, total, quantile, ratio)."""

    measure: str
    category: str
    domain_variable: str
    domain: str
    variant: str
    statistic: str = SHARE


@dataclass(frozen=True, slots=True)
class Estimate:
    """One figure: a share of a measure's category, or a statistic of a numeric variable (its
    `statistic`: mean, total, quantile:p, ratio), in a domain, under one variant.

    `deff` is R's design effect (`deff = TRUE`), `ess` Kish's effective sample size of the
    base's weights; NaN where not defined."""

    survey: str
    measure: str
    category: str
    domain_variable: str
    domain: str
    variant: str
    n: int
    base: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    ci_method: str
    weighted: bool
    fpc: bool
    df: float
    note: str = ""
    statistic: str = SHARE
    deff: float = float("nan")
    ess: float = float("nan")

    def __post_init__(self) -> None:
        if not self.variant.isidentifier():
            raise ValueError(f"a design variant needs a name, not {self.variant!r}")

    @property
    def key(self) -> EstimateKey:
        return EstimateKey(self.measure, self.category, self.domain_variable, self.domain, self.variant,
                           self.statistic)

    def with_note(self, note: str, **changes: object) -> Estimate:
        """A copy with `note` appended to the note (joined by '; ') and `changes` made."""
        joined = f"{self.note}; {note}" if self.note and note else (self.note or note)
        return replace(self, note=joined, **changes)  # type: ignore[arg-type]


class EstimateTable:
    """Estimates in table order, looked up by (measure, category, domain, variant, statistic)
    and, where a variant has several interval methods, by method (the first row of a key is its
    main one)."""

    def __init__(self, estimates: Iterable[Estimate]):
        self._estimates: tuple[Estimate, ...] = tuple(estimates)
        self._index: dict[EstimateKey, Estimate] = {}
        self._by_method: dict[tuple[EstimateKey, str], Estimate] = {}
        for estimate in self._estimates:
            key = estimate.key
            if (key, estimate.ci_method) in self._by_method:
                raise ValueError(f"two estimates for {key} by {estimate.ci_method}")
            self._by_method[key, estimate.ci_method] = estimate
            self._index.setdefault(key, estimate)

    def __iter__(self) -> Iterator[Estimate]:
        return iter(self._estimates)

    def __len__(self) -> int:
        return len(self._estimates)

    def get(self, measure: str, category: str, domain_variable: str = "", domain: str = "",
            variant: str = SRS, statistic: str = SHARE, method: str | None = None) -> Estimate | None:
        """The estimate with this key (by default a share; by `method`, or the main method's), or
        None when the run made none."""
        key = EstimateKey(measure, category, domain_variable, domain, variant, statistic)
        return self._index.get(key) if method is None else self._by_method.get((key, method))

    def has_variant(self, variant: str) -> bool:
        return any(e.variant == variant for e in self._estimates)

    @property
    def methods(self) -> tuple[str, ...]:
        """The interval methods used, in order of first use."""
        return tuple(dict.fromkeys(e.ci_method for e in self._estimates))

    def map(self, change) -> EstimateTable:
        """A new table with `change(estimate)` in place of each estimate."""
        return EstimateTable(change(e) for e in self._estimates)

    def frame(self, columns: tuple[str, ...] = CSV_COLUMNS) -> pd.DataFrame:
        """The table as a data frame (by default with the published columns of estimates.csv)."""
        names = {f.name for f in fields(Estimate)}
        unknown = [c for c in columns if c not in names]
        if unknown:
            raise ValueError(f"no such estimate field: {', '.join(unknown)}")
        # attrgetter gives each row's tuple at C speed; of one column it gives the bare value
        row = attrgetter(*columns) if len(columns) > 1 else lambda e: tuple(getattr(e, c) for c in columns)
        frame = pd.DataFrame.from_records(list(map(row, self._estimates)), columns=list(columns))
        if not len(frame):
            return frame
        wanted = {c: np.dtype(t) for c, t in (("n", "int64"), ("weighted", bool), ("fpc", bool)) if c in columns}
        changed = {c: t for c, t in wanted.items() if frame[c].dtype != t}  # already so: no copy
        return frame.astype(changed) if changed else frame
