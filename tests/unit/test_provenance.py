"""Provenance decides whether figures beyond the published ones are called illustrations."""

import pytest

from pipeline.errors import QuestionnaireError
from pipeline.provenance import ILLUSTRATION, provenance_path, read_provenance


def write(tmp_path, text):
    answers = tmp_path / "survey.csv"
    answers.write_text("rid\nr1\n")
    provenance_path(answers).write_text(text)
    return answers


def test_the_provenance_file_sits_beside_the_answers(tmp_path):
    assert provenance_path(tmp_path / "raw" / "study.csv") == tmp_path / "raw" / "study.provenance.yaml"


def test_answers_without_provenance_are_taken_as_delivered(tmp_path):
    provenance = read_provenance(tmp_path / "nothing.csv")
    assert not provenance.reconstructed and provenance.illustration == "" and provenance.path is None


def test_a_reconstruction_is_labelled_as_an_illustration(tmp_path):
    answers = write(tmp_path, "provenance:\n  reconstructed: true\n  method: counts shuffled\n"
                              "  assumptions: [one, two]\n")
    provenance = read_provenance(answers)
    assert provenance.reconstructed and provenance.illustration == ILLUSTRATION
    assert provenance.assumptions == ("one", "two") and provenance.method == "counts shuffled"


def test_real_answers_carry_no_caveat(tmp_path):
    provenance = read_provenance(write(tmp_path, "provenance:\n  reconstructed: false\n  source: a survey\n"))
    assert provenance.illustration == "" and provenance.source == "a survey"


@pytest.mark.parametrize("text,code,key", [
    ("other: 1\n", "missing-key", "provenance"),
    ("provenance:\n  reconstructed: yes\n", "wrong-type", "provenance.reconstructed"),
    ("provenance:\n  reconstructed: true\n", "missing-key", "provenance.method"),
])
def test_an_unclear_provenance_is_refused(tmp_path, text, code, key):
    with pytest.raises(QuestionnaireError) as caught:
        read_provenance(write(tmp_path, text))
    assert (caught.value.issues[0].code, caught.value.issues[0].key) == (code, key)
