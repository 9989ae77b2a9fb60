"""The sufficient statistics from an engine: the heavy pass as one SQL query
(`sql_text.statistics_query`), its rows put into the arrays of `SufficientStatistics`.

The query is run once, for every coded variable the estimates need, and its rows are
handed out by number of categories, as `estimates.estimate_all` asks for them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.engines.connections import Connection
from pipeline.engines.design import DesignGroups
from pipeline.engines.sql_text import QuestionnaireSql, statistics_query
from pipeline.measures import CodedVariable
from pipeline.stats.design import SampleDesign
from pipeline.stats.sufficient import SufficientStatistics

Subgroups = list[tuple[str, tuple[str, ...], np.ndarray | None]]


class EngineStatistics:
    """A `estimates.StatisticsSource` whose one pass is an engine's SQL query."""

    def __init__(self, connection: Connection, sql: QuestionnaireSql, variables: list[CodedVariable],
                 groups: DesignGroups, reference: np.ndarray, weighted: bool, weight_expression: str | None):
        self.connection = connection
        self.sql = sql
        self.variables = variables
        self.groups = groups
        self.reference = reference
        self.weighted = weighted
        self.weight_expression = weight_expression
        self.rows: pd.DataFrame | None = None
        self.position: dict[str, int] = {}

    def subgroups(self) -> Subgroups:
        q = self.sql.q
        return [(variable, q.question(variable).code_values, None) for variable in q.analysis.subgroups]

    def passes(self, design: SampleDesign, variables: list[CodedVariable], size: int, subgroups: Subgroups,
               glm_start: bool) -> list[tuple[str, SufficientStatistics]]:
        if self.rows is None:
            self.rows = self._run(subgroups)
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
            for name in ("n", "dev", "dev2"):
                a = np.zeros(shape)
                a[index] = part[name].to_numpy(dtype=float)
                arrays.append(a)
            statistics = SufficientStatistics(arrays[0], arrays[1] if self.weighted else None,
                                              arrays[2] if self.weighted else None, reference.reshape(n_groups, 1))
            out.append((variable, statistics))
        return out

    def _run(self, subgroups: Subgroups) -> pd.DataFrame:
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
        text = statistics_query([self.sql.coded(coded) for coded in needed], domains, weight, join)
        rows = self.connection.frame(text)
        rows["item"] = rows["item"].map(lambda name: int(str(name)[1:])).astype(np.int64)
        rows["split"] = rows["split"].astype(np.int64)
        return rows


def _group_join(sql: QuestionnaireSql, strata: str | None, clusters: str | None) -> str:
    conditions = [f"a.{sql.column(c)} = grp.{name}" for c, name in ((strata, "strat"), (clusters, "clus")) if c]
    if not conditions:
        return "CROSS JOIN design_groups grp"
    return "JOIN design_groups grp ON " + " AND ".join(conditions)
