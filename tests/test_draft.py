"""`python -m pipeline draft`: questionnaires drafted from SPSS, Stata and XLSForm sources validate.

A draft from a data file must read that file (`validate draft.yaml SOURCE` exits 0); a draft
from an XLSForm must be a valid questionnaire and read answers exported from that form.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from pipeline.cli import main
from pipeline.questionnaire import load_questionnaire
from tests.answer_files import write_answers

ROOT = Path(__file__).resolve().parents[1]


def _labelled_sav(path: Path) -> Path:
    """An SPSS file as survey teams deliver it: labels, user-missing codes, a dotted name, blanks, text."""
    import pyreadstat

    frame = pd.DataFrame({
        "RespID": [101.0, 102.0, 103.0, 104.0, 105.0],
        "Q1.sat": [1.0, 2.0, 3.0, -9.0, 1.0],
        "Q2": [1.0, 2.0, np.nan, 2.0, 1.0],
        "Age": [34.0, 51.0, 27.0, 99.0, 45.0],
        "Comment": ["fine", "", "slow service", "", "ok"],
    })
    pyreadstat.write_sav(
        frame, str(path),
        column_labels={"Q1.sat": "How satisfied are you with the service?", "Q2": "Would you use it again?",
                       "Age": "Age in years", "Comment": "Any other comments?"},
        variable_value_labels={"Q1.sat": {1: "Satisfied", 2: "Neither", 3: "Dissatisfied", -9: "Refused"},
                               "Q2": {1: "Yes", 2: "No", 8: "Don't know"}, "Age": {99: "No answer"}},
        missing_ranges={"Q1.sat": [-9], "Q2": [8]},
        variable_measure={"Q1.sat": "ordinal", "Q2": "nominal", "Age": "scale", "Comment": "nominal"})
    return path


def draft(capsys, source: Path, out: Path) -> str:
    assert main(["draft", str(source), "--out", str(out)]) == 0, capsys.readouterr().err
    return out.read_text(encoding="utf-8")


def test_a_draft_from_spss_validates_against_its_source(tmp_path, out_dir, capsys):
    source = _labelled_sav(tmp_path / "service.sav")
    text = draft(capsys, source, out_dir / "service.yaml")

    assert main(["validate", str(out_dir / "service.yaml"), str(source)]) == 0
    q = load_questionnaire(out_dir / "service.yaml")
    assert q.design.respondent_id == "RespID"
    satisfied = q.question("Q1_sat")
    assert satisfied.column == "Q1.sat" and satisfied.text == "How satisfied are you with the service?"
    assert satisfied.type == "single_choice" and satisfied.code_values == ("1", "2", "3")
    assert satisfied.missing.refused == ("-9",)
    assert q.question("Q2").missing.dont_know == ("8",) and q.question("Q2").missing.allow_blank
    assert q.question("Age").type == "numeric" and q.question("Age").missing.refused == ("99",)
    assert q.question("Comment").type == "text"
    header = text.split("format: 1")[0]
    for must_review in ("population", "design", "analysis"):
        assert f"#   {must_review}:" in header
    assert "ordinal in the source" in text
    assert "-9 (Refused) -> refused" in text and "8 (Don't know) -> dont_know" in text


def test_a_draft_from_the_studys_answers_in_spss_and_stata_validates(tmp_path, out_dir, capsys):
    for fmt in ("sav", "dta"):
        source = write_answers(ROOT / "raw" / "anes96.csv", fmt, tmp_path / f"anes96.{fmt}")
        out = out_dir.parent / fmt / "anes96.yaml"
        draft(capsys, source, out)
        assert main(["validate", str(out), str(source)]) == 0
        assert load_questionnaire(out).question("vote").code_values == ("1", "2")


def _xlsform(path: Path) -> Path:
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::English (en)", "relevant", "required", "constraint"])
    survey.append(["start", "start", None, None, None, None])
    survey.append(["select_one yn", "uses", "Do you use the library?", None, "yes", None])
    survey.append(["begin group", "visits", "Visits", None, None, None])
    survey.append(["integer", "visits-per-month", "How many visits a month?", "${uses} = 'yes'", "yes", ". >= 0"])
    survey.append(["select_multiple services", "services", "Which services?", "selected(${uses}, 'yes')", None,
                   None])
    survey.append(["end group", None, None, None, None, None])
    survey.append(["decimal", "spend", "Spending last month", "${visits-per-month} > 2", None, None])
    survey.append(["text", "why_not", "Why not?", "${uses} = 'no' or ${uses} = 'dk'", None, None])
    survey.append(["note", "thanks", "Thank you", None, None, None])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)"])
    for row in (["yn", "yes", "Yes"], ["yn", "no", "No"], ["yn", "dk", "Don't know"],
                ["services", "loans", "Loans"], ["services", "wifi", "Wi-Fi"], ["services", "events", "Events"]):
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["Library users 2024", "library_2024"])
    book.save(path)
    return path


def test_a_draft_from_an_xlsform_is_valid_and_reads_its_export(tmp_path, out_dir, capsys):
    source = _xlsform(tmp_path / "library form.xlsx")
    text = draft(capsys, source, out_dir / "library.yaml")

    assert main(["validate", str(out_dir / "library.yaml")]) == 0
    assert main(["validate", str(out_dir / "library.yaml"), str(source)]) == 0  # against its source, the form
    assert "an XLSForm; questionnaire 'library' matches its 5 questions" in capsys.readouterr().out
    q = load_questionnaire(out_dir / "library.yaml")
    assert q.survey.title == "Library users 2024" and q.design.respondent_id is None
    assert [x.id for x in q.questions] == ["uses", "visits_per_month", "services", "spend", "why_not"]
    visits = q.question("visits_per_month")
    assert visits.column == "visits-per-month" and visits.integer
    assert visits.asked_if.question == "uses" and visits.asked_if.values == ("yes",)
    assert q.question("services").asked_if.values == ("yes",) and q.question("services").delimiter == " "
    assert q.question("why_not").asked_if.values == ("no", "dk")
    assert q.question("spend").asked_if is None
    assert "relevant '${visits-per-month} > 2'" in text and "is not converted" in text
    assert "'thanks' of type 'note' is not converted" in text
    assert "constraint '. >= 0' is not converted" in text

    export = tmp_path / "library.csv"  # an export: its own id column, a submission time, the form's names
    with export.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["SubmissionDate", "uses", "visits-per-month", "services", "spend", "why_not", "KEY"])
        writer.writerow(["2024-03-01", "yes", "4", "loans wifi", "12.5", "", "uuid:1"])
        writer.writerow(["2024-03-02", "no", "", "", "", "too far", "uuid:2"])
        writer.writerow(["2024-03-02", "yes", "1", "events", "", "", "uuid:3"])
    assert main(["validate", str(out_dir / "library.yaml"), str(export)]) == 0


@pytest.mark.parametrize("name", ["notes.txt", "answers.csv"])
def test_a_source_of_another_kind_is_exit_2(name, tmp_path, out_dir, capsys):
    source = tmp_path / name
    source.write_text("a,b\n1,2\n")

    assert main(["draft", str(source), "--out", str(out_dir / "x.yaml")]) == 2
    assert "[unsupported-source]" in capsys.readouterr().err


def test_a_workbook_without_a_survey_sheet_is_exit_2(tmp_path, out_dir, capsys):
    source = tmp_path / "answers.xlsx"
    openpyxl.Workbook().save(source)

    assert main(["draft", str(source), "--out", str(out_dir / "x.yaml")]) == 2
    assert "[sheet-not-found]" in capsys.readouterr().err


def test_the_draft_is_plain_yaml_with_comments_only_above_entries(tmp_path, out_dir, capsys):
    text = draft(capsys, _labelled_sav(tmp_path / "service.sav"), out_dir / "service.yaml")
    data = yaml.safe_load(text)
    assert list(data) == ["format", "survey", "design", "questions", "analysis"]


def test_a_questionnaire_that_no_longer_matches_its_xlsform_is_exit_2(tmp_path, out_dir, capsys):
    source = _xlsform(tmp_path / "form.xlsx")
    text = draft(capsys, source, out_dir / "library.yaml")
    changed = text.replace("    - code: events\n      label: Events\n", "").replace(
        "type: numeric\n    text: Spending", "type: text\n    text: Spending")
    (out_dir / "library.yaml").write_text(changed.replace("id: why_not", "id: why_not_given"), encoding="utf-8")

    assert main(["validate", str(out_dir / "library.yaml"), str(source)]) == 2

    err = capsys.readouterr().err
    assert "sheet survey, row 6: [form-mismatch] found choices events not among its codes" in err
    assert "sheet survey, row 8: [form-mismatch] found 'spend' of type decimal" in err
    assert "[form-mismatch] found no field 'why_not_given' in the survey sheet" in err
