import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipeline.answer_table import header_names, number_text, numbers_as_text, table_answers, text_cells
from pipeline.errors import AnswersError


@pytest.mark.parametrize(("value", "text"), [
    (3.0, "3"), (-9.0, "-9"), (1.5, "1.5"), (0.1 + 0.2, "0.30000000000000004"), (1e-07, "1e-7"),
    (7, "7"), (True, "1"), (float("nan"), ""), (None, ""), (2.0**60, "1.152921504606847e+18")])
def test_numbers_are_written_as_typed_and_read_back_exactly(value, text):
    assert number_text(value) == text
    if text and not isinstance(value, bool):
        assert float(text) == float(value)


def test_a_float_column_becomes_text_with_blanks_for_nan_as_each_value_would():
    values = [1.0, math.nan, 2.5, 1.0, -9.0, 1e-07, 2.0**60]
    assert list(text_cells(numbers_as_text(np.array(values)))) == [number_text(v) for v in values]
    assert numbers_as_text(np.array([])).to_pylist() == []


def test_nearly_distinct_values_stay_arrow_text_like_the_csv_readers_ids():
    ids = text_cells(pa.array([f" r{i} " for i in range(10_000)]))
    assert isinstance(ids, pd.arrays.ArrowStringArray) and ids[0] == "r0"
    few = text_cells(pa.array(["a", "b"] * 5_000).dictionary_encode())
    assert isinstance(few, pd.Categorical) and list(few.categories) == ["a", "b"]


def test_text_is_stripped_composed_and_categorical():
    values = text_cells(pa.array([" yes ", None, "cafe\u0301", "caf\u00e9"]))
    assert list(values) == ["yes", "", "caf\u00e9", "caf\u00e9"]
    assert len(values.categories) == 3


def test_header_names_refuse_repeats_naming_the_sheet_and_row():
    assert header_names([" a ", "b"], "f.xlsx", "xlsx", "S") == ("a", "b")
    with pytest.raises(AnswersError) as error:
        header_names(["a", "a"], "f.xlsx", "xlsx", "S")
    assert "f.xlsx, sheet S, row 1, column a: [duplicate-column]" in str(error.value)


def test_a_table_without_rows_or_columns_is_an_input_error():
    with pytest.raises(AnswersError) as error:
        table_answers("f.parquet", "parquet", "parquet", ("a",), [pa.array([], pa.string())], np.array([]))
    assert error.value.codes == ["no-rows"]
    with pytest.raises(AnswersError) as error:
        table_answers("f.parquet", "parquet", "parquet", (), [], np.array([]))
    assert error.value.codes == ["empty-file"]


def test_a_value_over_the_limit_is_named_by_row_not_line():
    column = pa.array(["ok", "x" * 100_001])
    with pytest.raises(AnswersError) as error:
        table_answers("f.sav", "sav", "sav", ("q",), [column], np.array([1, 2]))
    assert "f.sav, row 2, column q: [field-too-long]" in str(error.value)
