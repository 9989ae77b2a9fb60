import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.errors import AnswersError
from pipeline.parquet_answers import read_parquet


def test_typed_columns_become_the_text_a_csv_would_hold(tmp_path):
    path = tmp_path / "a.parquet"
    table = pa.table({"id": pa.array(["a", "b", "c"]), "n": pa.array([1, None, 3], pa.int64()),
                      "w": pa.array([1.0, 2.5, None]), "flag": pa.array([True, False, None]),
                      "code": pa.array(["x", "y", "x"]).dictionary_encode()})
    pq.write_table(table, path)
    raw = read_parquet(path, 1 << 20)
    assert [list(raw.cells[c]) for c in raw.header] == [["a", "b", "c"], ["1", "", "3"], ["1", "2.5", ""],
                                                        ["1", "0", ""], ["x", "y", "x"]]
    assert raw.format == "parquet" and list(raw.line_numbers) == [1, 2, 3]


def test_a_nested_column_is_refused_by_name(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": ["a"], "tags": pa.array([[1, 2]])}), path)
    with pytest.raises(AnswersError) as error:
        read_parquet(path, 1 << 20)
    assert error.value.codes == ["unsupported-column-type"] and error.value.issues[0].column == "tags"


def test_bytes_that_are_not_parquet_are_corrupt(tmp_path):
    path = tmp_path / "a.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 50)
    with pytest.raises(AnswersError) as error:
        read_parquet(path, 1 << 20)
    assert error.value.codes == ["corrupt-file"]


def test_columns_named_numeric_stay_floats_and_the_others_text(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": pa.array(["a", "b"]), "rep1": pa.array([0.1 + 0.2, None]),
                             "rep2": pa.array([3, 4], pa.int32()), "code": pa.array([1.5, 2.0]),
                             "repx": pa.array(["1", "2"])}), path)
    raw = read_parquet(path, 1 << 20, numeric=lambda name: name.startswith("rep"))
    assert str(raw.cells["rep1"].dtype) == "double[pyarrow]" and raw.cells["rep1"].iloc[0] == 0.1 + 0.2
    assert raw.cells["rep1"].isna().tolist() == [False, True]
    assert raw.cells["rep2"].tolist() == [3.0, 4.0] and str(raw.cells["rep2"].dtype) == "double[pyarrow]"
    assert list(raw.cells["code"]) == ["1.5", "2"] and list(raw.cells["repx"]) == ["1", "2"]
