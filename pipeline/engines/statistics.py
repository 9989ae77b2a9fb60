"""The sufficient statistics from an engine: the heavy pass as one SQL query
(`sql_text.statistics_query`), its rows put into the arrays of `SufficientStatistics`.

The query is run once, for every coded variable the estimates need, and its rows are
handed out by number of categories, as `estimates.estimate_all` asks for them.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from pipeline.engines.connections import Connection
from pipeline.engines.design import DesignGroups
from pipeline.engines.sql_text import QuestionnaireSql, domain_weights_query, literal, statistics_query
from pipeline.measures import CodedVariable
from pipeline.stats.design import SampleDesign
from pipeline.stats.sufficient import GlmStartSums, SufficientStatistics

Subgroups = list[tuple[str, tuple[str, ...], np.ndarray | None]]


class EngineStatistics:
    """A `estimates.StatisticsSource` whose one pass is an engine's SQL query."""

    def __init__(self, connection: Connection, sql: QuestionnaireSql, variables: list[CodedVariable],
                 groups: DesignGroups, reference: np.ndarray, weighted: bool, weight_expression: str | None,
                 varies: bool = False):
        self.connection = connection
        self.sql = sql
        self.variables = variables
        self.groups = groups
        self.reference = reference
        self.varies = varies
        self.weighted = weighted
        self.weight_expression = weight_expression
        self.rows: pd.DataFrame | None = None
        self.position: dict[str, int] = {}

    def subgroups(self) -> Subgroups:
        q = self.sql.q
        return [(variable, q.question(variable).code_values, None) for variable in q.analysis.subgroups]

    def passes(self, design: SampleDesign, variables: list[CodedVariable], size: int, subgroups: Subgroups,
               glm_start: bool) -> list[tuple[str, SufficientStatistics]]:
        glm_start = glm_start and self.weighted and self.varies  # as `sufficient_statistics` decides
        if self.rows is None:
            self.rows = self._run(subgroups, glm_start)
        rows = self.rows
        n_groups = design.variance_groups[1]
        reference = self.reference if self.weighted else np.ones(n_groups)
        items = np.array([self.position[coded.id] for coded in variables])
        local = np.full(len(self.position), -1)
        local[items] = np.arange(len(items))
        out = []
        for s, (variable, levels, _) in enumerate(subgroups or [("", ("",), None)]):
            part = rows[(rows["split"].to_numpy() == s) & (local[rows["item"].to_numpy()] >= 0)]
            n_domains = len(levels) if subgroups else 1
            shape = (len(items), n_domains + 1, n_groups, 1, size + 1)
            index = (local[part["item"].to_numpy()], part["domain"].to_numpy(dtype=np.int64),
                     part["g"].to_numpy(dtype=np.int64), np.zeros(len(part), dtype=np.int64),
                     part["code"].to_numpy(dtype=np.int64))
            arrays = []
            names = ["n", "dev", "dev2"] + ([f"gw{s}", f"gr{s}", "aw", "ar"] if glm_start else [])
            for name in names:
                a = np.zeros(shape)
                a[index] = part[name].to_numpy(dtype=float)
                arrays.append(a)
            statistics = SufficientStatistics(arrays[0], arrays[1] if self.weighted else None,
                                              arrays[2] if self.weighted else None, reference.reshape(n_groups, 1),
                                              GlmStartSums(*arrays[3:]) if glm_start else None)
            out.append((variable, statistics))
        return out

    def _run(self, subgroups: Subgroups, glm_start: bool) -> pd.DataFrame:
        q = self.sql.q
        from pipeline.estimates import _derivable_measures

        derived = _derivable_measures(q, self.variables)
        needed = [coded for i, coded in enumerate(self.variables) if i not in derived]
        self.position = {coded.id: j for j, coded in enumerate(needed)}
        domains = [self.sql.domain(variable, levels) for variable, levels, _ in subgroups]
        d = q.design
        join = _group_join(self.sql, d.strata, d.first_clusters)
        weight = None
        if self.weighted:
            weight = f"({self.weight_expression} / grp.wmax - grp.ref)"
        glm = self._mean_weights(subgroups, domains, join) if glm_start else None
        text = statistics_query([self.sql.coded(coded) for coded in needed], domains, weight, join, glm,
                                os.environ.get("PIPELINE_ENGINE_PASS", "unpivot"))
        rows = self.connection.frame(text)
        rows["item"] = rows["item"].astype(np.int64)
        rows["split"] = rows["split"].astype(np.int64)
        return rows

    def _mean_weights(self, subgroups: Subgroups, domains: list[str], join: str) -> tuple[list[str], str]:
        """Each row's weight over its domain's mean weight, per split, and over the sample's, as
        `sufficient._glm_mean_weights` takes them (a row in no domain at the first domain's)."""
        scaled = f"({self.weight_expression} / grp.wmax)"
        sums = self.connection.frame(domain_weights_query(domains, scaled, join))
        total = sums[sums["split"] == 0]
        sample_mean = float(total["w"].sum()) / float(total["n"].sum())
        by_domain = []
        for s, (_, levels, _) in enumerate(subgroups or [("", ("",), None)]):
            part = sums[(sums["split"] == s) & (sums["domain"] < (len(levels) if subgroups else 1))]
            means = {int(row.domain): float(row.w) / float(row.n) for row in part.itertuples()}
            if not subgroups:
                by_domain.append(f"{scaled} / {_double(sample_mean)}")
                continue
            cases = " ".join(f"WHEN {domains[s]} = {i} THEN {_double(means.get(i, float('nan')))}"
                             for i in range(len(levels)))
            by_domain.append(f"{scaled} / (CASE {cases} ELSE {_double(means.get(0, float('nan')))} END)")
        return by_domain, f"{scaled} / {_double(sample_mean)}"


def _double(value: float) -> str:
    """A float as a literal both engines read exactly."""
    return f"CAST({literal(repr(value))} AS DOUBLE)"


def _group_join(sql: QuestionnaireSql, strata: str | None, clusters: str | None) -> str:
    conditions = [f"a.{sql.column(c)} = grp.{name}" for c, name in ((strata, "strat"), (clusters, "clus")) if c]
    if not conditions:
        return "CROSS JOIN design_groups grp"
    return "JOIN design_groups grp ON " + " AND ".join(conditions)
