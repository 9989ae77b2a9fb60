import yaml

from pipeline.draft.document import DraftQuestion, question_id, render, survey_id


def test_question_ids_are_column_safe_and_unique():
    taken: set[str] = set()
    assert [question_id(n, taken) for n in ("Q1.a", "Q1 a", "2nd", "ok")] == ["Q1_a", "Q1_a_2", "q_2nd", "ok"]
    assert survey_id("my survey!") == "my_survey_"


def test_render_writes_the_review_header_notes_and_a_loadable_document():
    text = render("src.sav", "s", "", None, [DraftQuestion({"id": "q", "type": "text"}, ["q: a note"])],
                  ["one header note"])
    assert text.startswith("# Drafted by `python -m pipeline draft` from src.sav.")
    assert "#   design:" in text and "design.respondent_id is null" in text and "# one header note" in text
    assert "  # q: a note\n  - id: q" in text
    data = yaml.safe_load(text)
    assert data["survey"] == {"id": "s", "title": "s"} and data["design"] == {"respondent_id": None}
