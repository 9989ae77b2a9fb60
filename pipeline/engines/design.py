"""The sample design of answers an engine has read, held by PSU group, never by row.

The variance algebra (`stats.linearisation`) needs of a one-stage design only its strata,
its PSUs and their strata, the PSUs sampled and in the population per stratum, the lonely-PSU
rule, the number of units and the weights' range: all of it known from one row per stratum
and cluster (`sql_text.design_groups_query`). `GroupedDesign` is a `SampleDesign` built
from those rows, so that the algebra runs on it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.questionnaire import Questionnaire
from pipeline.stats.design import SampleDesign
from pipeline.survey_design import DesignVariant, describe_full_design, has_full_design, unweighted_variants


@dataclass(frozen=True)
class GroupedDesign(SampleDesign):
    """A one-stage design whose per-unit arrays are per PSU group instead.

    `strata` holds each variance group's stratum (for a clustered design, each cluster's; for
    an unclustered one, the strata themselves), `weights` the smallest and largest weight
    (their range is all the algebra asks of them), `units` the number of respondents and
    `sampled` the PSUs sampled per stratum."""

    units: int = 0
    sampled: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "psus_per_stratum", np.asarray(self.sampled))

    @property
    def n(self) -> int:
        return self.units


@dataclass(frozen=True)
class DesignGroups:
    """The design's PSU groups as an engine summarised them: one row per stratum and cluster,
    in the order the memory engine numbers them, with each group's index `g`."""

    table: pd.DataFrame
    n_rows: int
    strata: bool
    clusters: bool

    @staticmethod
    def ordered(table: pd.DataFrame, n_rows: int, strata: bool, clusters: bool) -> DesignGroups:
        """Strata numbered in the order they first appear in the file, clusters within them in
        the order their codes first appear (as `declared_design` numbers them)."""
        table = table.copy()
        table["stratum_first"] = table.groupby("strat")["first_row"].transform("min") if strata else 0
        table["cluster_first"] = table.groupby("clus")["first_row"].transform("min") if clusters else 0
        table = table.sort_values(["stratum_first", "cluster_first", "first_row"]).reset_index(drop=True)
        table["h"] = table["stratum_first"].rank(method="dense").astype(np.int64) - 1
        return DesignGroups(table, n_rows, strata, clusters)

    @property
    def n_strata(self) -> int:
        return int(self.table["h"].max()) + 1

    def psus(self) -> np.ndarray:
        """PSUs sampled per stratum: clusters, or respondents."""
        if self.clusters:
            return np.bincount(self.table["h"].to_numpy(), minlength=self.n_strata).astype(float)
        return np.bincount(self.table["h"].to_numpy(), weights=self.table["n"].to_numpy(dtype=float),
                           minlength=self.n_strata)

    def population(self, first_size: str | float | None) -> np.ndarray | None:
        """Each stratum's population size: the declared column's (checked constant within strata before
        this is asked), or the one number declared for a design without strata."""
        if first_size is None:
            return None
        if not isinstance(first_size, str):
            return np.full(self.n_strata, float(first_size))
        sizes = self.table["min_f"].to_numpy(dtype=float)
        if np.isnan(sizes).all():
            return None
        out = np.zeros(self.n_strata)
        out[self.table["h"].to_numpy()] = sizes
        return out

    def group_index(self) -> tuple[np.ndarray, int]:
        """Each row's variance group (clusters, or strata) and their number."""
        if self.clusters:
            return np.arange(len(self.table)), len(self.table)
        return self.table["h"].to_numpy(), self.n_strata


def grouped_variants(q: Questionnaire, groups: DesignGroups, weights: np.ndarray | None,
                     population: np.ndarray | None) -> list[DesignVariant]:
    """The design variants of `survey_design.design_variants`, on designs held by group.

    `weights` are each group's weight where the design derives them (N_h / n_h), or None when
    they are a column (their range is then the groups' smallest and largest)."""
    variants = unweighted_variants(q, groups.n_rows, _simple)
    if has_full_design(q):
        variants.append(_full(q, groups, weights, population))
    return variants


def _simple(n: int, population: float | None = None) -> GroupedDesign:
    weight = 1.0 if population is None else population / n
    return GroupedDesign(np.array([weight, weight]), np.zeros(1, dtype=np.int64), 1,
                         population=None if population is None else np.array([float(population)]), units=n,
                         sampled=np.array([float(n)]))


def _full(q: Questionnaire, groups: DesignGroups, weights: np.ndarray | None,
          population: np.ndarray | None) -> DesignVariant:
    d = q.design
    table = groups.table
    if weights is None:
        w_range = np.array([table["min_w"].min(), table["max_w"].max()], dtype=float)
    else:
        w_range = np.array([weights.min(), weights.max()])
    psus = groups.psus()
    fpc = population if q.analysis.fpc else None
    if groups.clusters:
        design = GroupedDesign(w_range, table["h"].to_numpy(), groups.n_strata, np.arange(len(table)), len(table),
                               fpc, None, str(d.lonely_psu), units=groups.n_rows, sampled=psus)
    else:
        design = GroupedDesign(w_range, np.arange(groups.n_strata), groups.n_strata, population=fpc,
                               lonely_psu=str(d.lonely_psu), units=groups.n_rows, sampled=psus)
    derived = None
    if not d.weights and population is not None:
        derived = ("weights N/n derived from the population size, as R's svydesign does" if not d.strata else
                   "weights N_h/n_h derived from each stratum's population size, as R's svydesign does")
    description = describe_full_design(q, design, derived, None, ())
    main, *others = (str(m) for m in q.analysis.design_interval)
    return DesignVariant("design", design, True, fpc is not None, main, description, None,
                         other_intervals=tuple(others))
