"""Column tests computed once per distinct value must give the row-by-row answer."""

import numpy as np
import pandas as pd

from pipeline.columns import (
    MANY,
    categories_and_codes,
    index_of,
    is_blank,
    is_in,
    numbers,
    per_value,
    present_values,
    spread,
)


def test_plain_text_is_factorised_with_minus_one_for_missing():
    categories, codes = categories_and_codes(pd.Series(["b", "a", None, "b"], dtype=object))
    assert list(categories) == ["b", "a"] and codes.tolist() == [0, 1, -1, 0]


def test_present_values_leave_out_unused_categories():
    series = pd.Series(pd.Categorical(["x", "x"], categories=["x", "y"]))
    assert present_values(series) == ["x"]


def test_per_value_spreads_a_function_and_gives_missing_rows_the_default():
    series = pd.Series(pd.Categorical(["ab", None, "abc"]))
    assert per_value(series, len, missing=0, dtype=int).tolist() == [2, 0, 3]


def test_is_in_agrees_with_python_membership_for_every_storage():
    values = ["yes", "no", "", "yes", "maybe"]
    expected = [v in {"yes", ""} for v in values]
    for series in (pd.Series(values, dtype=object), pd.Series(pd.Categorical(values)),
                   pd.Series(values, dtype="string[pyarrow]")):
        assert is_in(series, {"yes", ""}).tolist() == expected, series.dtype
    assert is_blank(pd.Series(values)).tolist() == [v == "" for v in values]


def test_is_in_on_a_column_with_many_distinct_values():
    values = [f"id{i}" for i in range(MANY + 10)]
    result = is_in(pd.Series(pd.Categorical(values)), {"id3", "id4100"})
    assert np.flatnonzero(result).tolist() == [3, 4100]


def test_index_of_looks_up_each_value_with_a_default():
    series = pd.Series(pd.Categorical(["b", "z", "a"]))
    assert index_of(series, {"a": 0, "b": 1}, missing=-1).tolist() == [1, -1, 0]


def test_numbers_parse_text_and_give_nan_for_anything_else():
    for series in (pd.Series(["1.5", "x", "", "-2"], dtype=object), pd.Series(["1.5", "x", "", "-2"],
                                                                               dtype="string[pyarrow]")):
        result = numbers(series)
        assert result[0] == 1.5 and result[3] == -2.0 and np.isnan(result[1]) and np.isnan(result[2])
    assert numbers(pd.Series(["3", "0.25"], dtype="string[pyarrow]")).tolist() == [3.0, 0.25]


def test_spread_looks_up_byte_codes_as_indexing_does_with_minus_one_the_last_entry():
    codes = np.array([0, 2, -1, 1, 126, -1], dtype=np.int8)
    for dtype in (np.int8, bool, np.float64):
        table = np.arange(128).astype(dtype)
        looked_up = spread(table, codes)
        assert looked_up.dtype == table.dtype and looked_up.tolist() == table[codes].tolist()
    labels = np.array(["a", "b", "none"], dtype=object)
    assert spread(labels, np.array([1, -1], dtype=np.int8)).tolist() == ["b", "none"]
