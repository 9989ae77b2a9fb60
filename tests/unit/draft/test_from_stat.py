import numpy as np
import pandas as pd
import pyreadstat
import yaml

from pipeline.draft.from_stat import draft_from_stat


def test_a_labelled_numeric_variable_with_unlabelled_values_is_numeric(tmp_path):
    path = tmp_path / "a.sav"
    frame = pd.DataFrame({"caseid": [1.0, 2.0, 3.0], "kids": [0.0, 3.0, 98.0], "sex": [1.0, 2.0, np.nan]})
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"kids": {98: "Don't know"},
                                                                  "sex": {1: "Male", 2: "Female"}},
                         column_labels={"kids": "Number of children"})
    data = yaml.safe_load(draft_from_stat(path, "a"))
    assert data["design"]["respondent_id"] == "caseid"
    kids, sex = data["questions"]
    assert kids == {"id": "kids", "type": "numeric", "text": "Number of children", "missing": {"dont_know": "98"}}
    assert sex["type"] == "single_choice" and sex["codes"] == [{"code": "1", "label": "Male"},
                                                               {"code": "2", "label": "Female"}]
    assert sex["missing"] == {"allow_blank": True}


def test_without_a_unique_id_variable_the_draft_uses_row_numbers(tmp_path):
    path = tmp_path / "a.dta"
    pyreadstat.write_dta(pd.DataFrame({"id": [1.0, 1.0], "q": ["a", "b"]}), str(path))
    data = yaml.safe_load(draft_from_stat(path, "a"))
    assert data["design"]["respondent_id"] is None
    assert [q["id"] for q in data["questions"]] == ["id", "q"] and data["questions"][1]["type"] == "text"
