import numpy as np
import pandas as pd
import pyreadstat
import pytest

from pipeline.errors import AnswersError
from pipeline.stat_answers import missing_values, read_stat_file, read_with_metadata, value_labels


def test_spss_user_missing_values_stay_values_and_labels_are_kept(tmp_path):
    path = tmp_path / "a.sav"
    frame = pd.DataFrame({"id": ["a", "b", "c"], "q": [1.0, -9.0, np.nan], "t": ["x", "", "y"]})
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"q": {1: "Yes", -9: "Refused"}},
                         missing_ranges={"q": [-9, {"lo": 97, "hi": 99}]})
    raw = read_stat_file(path, "sav", 1 << 20)
    assert list(raw.cells["q"]) == ["1", "-9", ""] and list(raw.cells["t"]) == ["x", "", "y"]
    assert raw.labels["q"] == {"1": "Yes", "-9": "Refused"}
    _, meta = read_with_metadata(path, "sav", 1 << 20, metadata_only=True)
    assert sorted(missing_values(meta, "q"), key=float) == ["-9", "97", "98", "99"]


def test_stata_extended_missing_values_read_as_dot_letter(tmp_path):
    path = tmp_path / "a.dta"
    frame = pd.DataFrame({"q": pd.Series([1, 2, "a"], dtype=object)})
    pyreadstat.write_dta(frame, str(path), missing_user_values={"q": ["a"]},
                         variable_value_labels={"q": {1: "Yes", 2: "No", "a": "Refused"}})
    raw = read_stat_file(path, "dta", 1 << 20)
    assert list(raw.cells["q"]) == ["1", "2", ".a"]
    _, meta = read_with_metadata(path, "dta", 1 << 20)
    assert missing_values(meta, "q") == (".a",) and value_labels(meta, "q")[".a"] == "Refused"


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_a_file_that_is_not_one_is_corrupt(fmt, tmp_path):
    path = tmp_path / f"a.{fmt}"
    path.write_bytes(b"not a data file at all" * 10)
    with pytest.raises(AnswersError) as error:
        read_stat_file(path, fmt, 1 << 20)
    assert error.value.codes == ["corrupt-file"] and str(path) in str(error.value)
