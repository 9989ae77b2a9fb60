import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.answer_formats import answers_format, read_answers_file


@pytest.mark.parametrize(("name", "fmt"), [
    ("a.csv", "csv"), ("a.CSV", "csv"), ("a.txt", "csv"), ("answers", "csv"), ("a.xlsx", "xlsx"), ("a.XLSM", "xlsx"),
    ("a.sav", "sav"), ("a.zsav", "sav"), ("a.dta", "dta"), ("a.parquet", "parquet")])
def test_the_extension_chooses_the_reader(name, fmt):
    assert answers_format(name) == fmt


def test_csv_and_parquet_give_the_same_cells(tmp_path):
    (tmp_path / "a.csv").write_text("id,q\n1,yes\n2, no\n")
    pq.write_table(pa.table({"id": [1, 2], "q": ["yes", "no "]}), tmp_path / "a.parquet")
    from_csv = read_answers_file(tmp_path / "a.csv")
    from_parquet = read_answers_file(tmp_path / "a.parquet")
    assert from_csv.header == from_parquet.header == ("id", "q")
    for column in ("id", "q"):
        assert list(from_csv.cells[column]) == list(from_parquet.cells[column])
    assert list(from_csv.line_numbers) == [2, 3] and list(from_parquet.line_numbers) == [1, 2]
    assert from_parquet.row_word == "row" and from_csv.row_word == "line"
