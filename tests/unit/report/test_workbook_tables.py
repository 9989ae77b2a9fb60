"""The report's tables as spreadsheet tables: notes that apply, labels beside ids, the marker for small bases."""

import pytest
from survey_files import write_survey

from pipeline.report.workbook_tables import _Labels, report_tables, workbook_notes
from pipeline.run import analyse
from pipeline.suppression import MARKER

CODES = [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]


def small(folder, analysis, **sections):
    rows = [{"rid": f"r{i}", "q": "yes" if i % 2 else "no", "m.a": "1", "m.b": "1" if i % 2 else "0"} for i in range(8)]
    questions = [{"id": "q", "type": "single_choice", "label": "Says yes", "codes": CODES},
                 {"id": "m", "type": "multiple_choice", "label": "Picks",
                  "codes": [{"code": "a", "label": "Apples"}, {"code": "b", "label": "Bananas"}]}]
    return analyse(*write_survey(folder, "small", rows, {"respondent_id": "rid"}, questions, analysis, **sections),
                   command="test")


def test_notes_name_only_what_the_tables_use(tmp_path):
    keys = [n.key for n in workbook_notes(small(tmp_path, {"fpc": False}))]
    assert keys[:2] == ["suppressed", "intervals"] and "multiple" in keys
    assert not {"fpc", "weighted", "bounds", "reconstructed", "adjusted"} & set(keys)


def test_labels_of_questions_measures_and_multiple_choice_items(tmp_path):
    results = small(tmp_path, {"fpc": False},
                    measures=[{"id": "yes_share", "question": "q", "categories": ["yes", "no"], "label": "Any"}])
    labels = _Labels(results.questionnaire)
    assert labels.measure("yes_share") == "Any" and labels.categories("yes_share", "yes|no") == "Yes or No"
    assert labels.measure("m.b") == "Picks: Bananas" and labels.categories("m.b", "b") == "Bananas"
    assert labels.measure("unknown") == "unknown" and labels.categories("unknown", "x") == "x"
    assert labels.question("") == "" and labels.code("q", "") == ""


@pytest.mark.parametrize("threshold, shown", [(5, True), (9, False)])
def test_a_share_on_a_base_under_the_threshold_is_the_marker(tmp_path, threshold, shown):
    tables = report_tables(small(tmp_path, {"fpc": False, "suppress_below": threshold}))
    answers = next(t for t in tables if t.name == "Answers")
    shares = [row[3] for row in answers.rows]
    assert shares and all(isinstance(s, float) for s in shares) if shown else all(s == MARKER for s in shares)
    assert [t.title.split(":")[0] for t in tables] == [f"Table {i}" for i in range(1, len(tables) + 1)]
