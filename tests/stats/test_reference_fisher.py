"""Fisher's exact test and Pearson's chi-square of r x c tables against tests/reference/reference_fisher.csv.

The tables are in the file (`shape`, `counts` row by row) beside the R call that built them.
Fisher's p-values match R's `fisher.test` at 1e-10 relative, except the two 2 x 7 tables of 900
schools: R's network algorithm merges paths whose probabilities agree to about 1e-7, and its
p-value there is off by up to 4e-8 relative; those match R at 1e-6 and, at 1e-10, `p_exact`, the
same p-value computed in R by another route (every pair of half rows, see make_reference_fisher.R).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.comparisons import chi_square
from pipeline.stats.exact_tests import fisher_exact_table

REFERENCE = Path(__file__).parents[1] / "reference" / "reference_fisher.csv"
ROWS = pd.read_csv(REFERENCE, dtype=str, keep_default_na=False).to_dict("records")
R_NETWORK_PRECISION = 1e-6  # fisher.test's own relative precision on the large tables (see above)


def table_of(row: dict) -> np.ndarray:
    shape = tuple(int(v) for v in row["shape"].split())
    return np.array([int(v) for v in row["counts"].split()]).reshape(shape)


@pytest.mark.parametrize("row", [r for r in ROWS if r["test"] == "fisher"], ids=lambda r: r["case"])
def test_fisher_exact_test_of_r_by_c_tables(row):
    p_value = fisher_exact_table(table_of(row)).p_value
    if row["p_exact"]:
        assert p_value == pytest.approx(float(row["p_exact"]), rel=1e-10)
    tolerance = R_NETWORK_PRECISION if row["case"].endswith("_pop900") else 1e-10
    assert p_value == pytest.approx(float(row["p_value"]), rel=tolerance)


@pytest.mark.parametrize("row", [r for r in ROWS if r["test"].startswith("chisq")], ids=lambda r: r["case"])
def test_pearson_chi_square_of_r_by_c_tables(row):
    result = chi_square(table_of(row), correct=row["test"] == "chisq-yates")
    assert result.statistic == pytest.approx(float(row["statistic"]), rel=1e-10)
    assert result.df == (float(row["df"]),)
    assert result.p_value == pytest.approx(float(row["p_value"]), rel=1e-10)
