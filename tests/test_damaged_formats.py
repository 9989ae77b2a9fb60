"""Damaged files of every format are input errors, never a crash: bytes flipped, cut or inserted
anywhere in a valid .xlsx, .sav, .dta or .parquet file either still read or raise AnswersError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.answer_formats import read_answers_file
from pipeline.errors import AnswersError
from tests.answer_files import FORMATS, write_answers
from tests.survey_files import write_survey

ROWS = [{"rid": f"r{i}", "agree": "yes" if i % 3 else "no", "age": str(18 + i), "note": "é" * (i % 4)}
        for i in range(1, 30)]


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("formats")
    _, answers = write_survey(folder, "damaged", ROWS, {"respondent_id": "rid"},
                              [{"id": "agree", "type": "yes_no"}, {"id": "age", "type": "numeric"},
                               {"id": "note", "type": "text"}])
    return {fmt: write_answers(answers, fmt, folder / f"damaged.{fmt}").read_bytes() for fmt in FORMATS}


damage = st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert"]), st.floats(0, 1),
                            st.binary(min_size=1, max_size=8)), min_size=1, max_size=4)


def damaged(data: bytes, edits) -> bytes:
    for kind, where, junk in edits:
        if not data:
            return data
        at = int(where * (len(data) - 1))
        if kind == "flip":
            data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
        elif kind == "cut":
            data = data[:at]
        else:
            data = data[:at] + junk + data[at:]
    return data


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=damage)
def test_damaged_bytes_are_an_input_error_or_still_read(fmt, edits, valid_files, tmp_path):
    path = tmp_path / f"answers.{fmt}"
    path.write_bytes(damaged(valid_files[fmt], edits))
    try:
        raw = read_answers_file(path)
    except AnswersError as error:
        assert error.issues and all(issue.file == str(path) for issue in error.issues)
    else:
        assert raw.rows_read >= 0 and len(raw.header) == len(raw.cells.columns)


def test_the_damage_is_real(valid_files):
    assert damaged(b"abcdef", [("flip", 0.0, b"")]) == b"\x9ebcdef"
    assert damaged(b"abcdef", [("cut", 0.5, b"")]) == b"ab"
