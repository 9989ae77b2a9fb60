"""The view `answers` over a file: text cells trimmed as the memory reader trims them."""

import pandas as pd

from pipeline.engines.connections import DuckDBConnection, csv_header
from pipeline.engines.sql_text import AnswerColumns


def test_csv_cells_are_trimmed_text_in_file_order(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbf id , code\n1,\t x \n2,\n3,\"y\"\n")
    header = csv_header(path, ",")
    assert header == ("id", "code")
    connection = DuckDBConnection()
    connection.open(path, "csv", header, AnswerColumns.of({"id": "id", "code": "code"}), ",")
    assert connection.rows("SELECT row_id, c0, c1 FROM answers ORDER BY row_id") == [
        (0, "1", "x"), (1, "2", ""), (2, "3", "y")]
    connection.close()


def test_parquet_values_become_text(tmp_path):
    path = tmp_path / "a.parquet"
    pd.DataFrame({" id": [1, 2], "code": ["a", None]}).to_parquet(path)
    connection = DuckDBConnection()
    connection.open(path, "parquet", ("id", "code"), AnswerColumns.of({"id": "id", "code": "code"}), ",",
                    names=(" id", "code"))
    assert sorted(connection.rows("SELECT row_id, c0, c1 FROM answers")) == [(0, "1", "a"), (1, "2", "")]
    connection.close()
