"""Designs held by group give the algebra what per-row designs give it."""

import numpy as np
import pandas as pd

from pipeline.engines.design import DesignGroups, GroupedDesign
from pipeline.stats.design import design_from_columns


def test_groups_are_numbered_in_order_of_first_appearance():
    table = pd.DataFrame({"strat": ["b", "a", "b"], "clus": ["2", "1", "1"], "n": [3, 4, 5],
                          "first_row": [0, 1, 2], "min_f": [10.0, 20.0, 10.0]})
    groups = DesignGroups.ordered(table, 12, True, True)
    assert groups.table["strat"].tolist() == ["b", "b", "a"]
    assert groups.table["h"].tolist() == [0, 0, 1]
    assert groups.psus().tolist() == [2.0, 1.0]
    assert groups.population("pop").tolist() == [10.0, 20.0]
    assert groups.population(30).tolist() == [30.0, 30.0] and groups.population(None) is None


def test_a_grouped_design_has_the_per_row_designs_shape():
    strata = np.array([0, 0, 1, 1, 1])
    clusters = np.array([0, 1, 2, 2, 3])
    rows = design_from_columns(weights=np.array([1, 1, 2, 2, 2.0]), strata=strata, clusters=clusters)
    grouped = GroupedDesign(np.array([1.0, 2.0]), np.array([0, 0, 1, 1]), 2, np.arange(4), 4, units=5,
                            sampled=np.array([2.0, 2.0]))
    assert grouped.n == rows.n
    assert grouped.psus_per_stratum.tolist() == rows.psus_per_stratum.tolist()
    assert grouped.variance_groups[1] == rows.variance_groups[1]
    assert grouped.df == rows.df and grouped.weighted == rows.weighted
