"""Fuzzing the readers: damaged valid files and structured garbage (random YAML documents, random
CSV) raise nothing but the package's own input errors (PipelineError) or are accepted.

`make test` runs 50 examples of each (fast); `make fuzz` runs the `fuzz` profile
(HYPOTHESIS_PROFILE=fuzz, registered in tests/conftest.py): 10,000 examples of each.
"""

import contextlib
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.declared_design import check_lonely_psus, declare_design
from pipeline.errors import PipelineError
from pipeline.ingest import read_answers
from pipeline.questionnaire import load_questionnaire
from pipeline.validate import check_answers

DATA = Path(__file__).resolve().parent / "data" / "broken"
QUESTIONNAIRES = {name: (DATA / f"{name}.yaml").read_bytes() for name in ("base", "stratified")}
ANSWERS = {"base": (DATA / "base.csv").read_bytes(), "stratified": (DATA / "accept_stratified.csv").read_bytes()}
ODD = [b"\x00", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\xe9", b"\x81", b"\r", b"\n", b"\"", b",", b"&a ", b"*a",
       b"[", b"{", b": ", b"- ", b"!!int ", b"!!float ", b"9" * 400, b"1.0e+999", b"\t", b"\xcc\x81", b"e\xcc\x81"]
EXAMPLES = 50 if settings.default.max_examples < 10_000 else settings.default.max_examples
FAST = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

damage = st.lists(st.tuples(st.sampled_from(["delete", "insert", "replace", "odd"]), st.integers(0, 10_000),
                            st.binary(min_size=1, max_size=8), st.sampled_from(ODD)), min_size=1, max_size=5)


def damaged(data: bytes, edits: list) -> bytes:
    """Byte-level damage: deletions, insertions, replacements and awkward byte sequences at random places."""
    for kind, where, blob, odd in edits:
        at = where % (len(data) + 1)
        if kind == "delete":
            data = data[:at] + data[at + len(blob):]
        elif kind == "replace":
            data = data[:at] + blob + data[at + len(blob):]
        else:
            data = data[:at] + (blob if kind == "insert" else odd) + data[at:]
    return data


def load_bytes(name: str, data: bytes) -> None:
    """Load a questionnaire from bytes, under the name its survey.id expects."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.yaml"
        path.write_bytes(data)
        with contextlib.suppress(PipelineError):
            load_questionnaire(path)


def check_bytes(name: str, data: bytes) -> None:
    """Read and check answers from bytes against a valid questionnaire, design included."""
    with tempfile.TemporaryDirectory() as folder:
        questionnaire = Path(folder) / f"{name}.yaml"
        questionnaire.write_bytes(QUESTIONNAIRES[name])
        answers = Path(folder) / "answers.csv"
        answers.write_bytes(data)
        with contextlib.suppress(PipelineError):
            responses = check_answers(read_answers(answers), load_questionnaire(questionnaire))
            check_lonely_psus(responses, declare_design(responses))


@FAST
@given(st.sampled_from(sorted(QUESTIONNAIRES)), damage)
def test_damaged_questionnaires_raise_only_input_errors(name, edits):
    load_bytes(name, damaged(QUESTIONNAIRES[name], edits))


@FAST
@given(st.sampled_from(sorted(ANSWERS)), damage)
def test_damaged_answers_raise_only_input_errors(name, edits):
    check_bytes(name, damaged(ANSWERS[name], edits))


KEYS = ["format", "survey", "id", "title", "population", "size", "unit", "frame", "variables", "cells", "count",
        "design", "respondent_id", "strata", "clusters", "weights", "population_size", "questions", "type", "codes",
        "code", "label", "scale", "negative", "positive", "missing", "asked_if", "question", "in", "range", "min",
        "max", "integer", "layout", "delimiter", "measures", "categories", "base", "analysis", "level", "subgroups",
        "claims", "answers", "on_invalid", "missing_codes", "dont_know", "allow_blank", "report", "group", "agree"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**40), 10**40), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(["single_choice", "scale", "yes_no", "numeric", "text",
                                                           "multiple_choice", "a", "b", "yes", "base", "valid", ""]))
documents = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=5), st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children,
                                                    max_size=6)), max_leaves=40)


@FAST
@given(documents, st.booleans())
def test_random_yaml_documents_raise_only_input_errors(document, onto_base):
    """Random documents, alone or merged into the valid questionnaire, section by section."""
    if onto_base and isinstance(document, dict):
        base = yaml.safe_load(QUESTIONNAIRES["base"])
        base.update(document)
        document = base
    load_bytes("base", yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))


cells = st.one_of(st.sampled_from(["a", "b", "agree", "neither", "yes", "no", "dk", "ref", "1", "2", "2.5", "1e999",
                                   "9" * 400, "tv;web", "", " ", "r1", "s", "n", "\"", "\"a,b\"", "caf\u00e9",
                                   "cafe\u0301", "\x00", "0", "-4", "nan"]), st.text(max_size=12))


@FAST
@given(st.sampled_from(sorted(ANSWERS)), st.lists(st.lists(cells, min_size=1, max_size=13), max_size=8),
       st.booleans(), st.sampled_from(["\n", "\r\n", "\r"]))
def test_random_csv_raises_only_input_errors(name, rows, keep_header, newline):
    """Random rows under the real header (or none), with any line ending."""
    header = ANSWERS[name].decode("utf-8").splitlines()[0]
    lines = ([header] if keep_header else []) + [",".join(row) for row in rows]
    check_bytes(name, newline.join(lines).encode("utf-8", "surrogatepass"))
