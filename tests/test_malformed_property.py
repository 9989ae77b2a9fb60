"""Randomly damaged answers files are either accepted (0) or rejected as input errors (2):
whatever the bytes, `validate` never lets an exception escape."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.cli import main

DATA = Path(__file__).resolve().parent / "data" / "broken"
QUESTIONNAIRE = DATA / "base.yaml"
BASE = (DATA / "base.csv").read_bytes()

CODES = [b"a", b"b", b"agree", b"neither", b"disagree", b"yes", b"no", b"dk", b"ref", b"0", b"1", b"2", b"5",
         b"-1", b"2.5", b"1e309", b"nan", b"inf", b"tv", b"radio", b"web", b"tv;web", b"tv;;web", b";", b"",
         b" ", b"r1", b"r9", b"maybe", b"\"", b"\"\"", b"\"a,b\"", b"\xc3\xa9", b"\xe9", b"\x81"]
ODD_BYTES = [b"\x81", b"\x8d", b"\xe9", b"\xc3", b"\xc3\xa9", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\r", b"\n",
             b"\r\n", b"\t", b"\xe2\x80\xa8", b"\xf0\x9f\x98\x80", b"\xed\xa0\x80"]
position = st.integers(min_value=0, max_value=10_000)

edits = st.one_of(
    st.tuples(st.just("delete"), position, st.integers(min_value=1, max_value=20)),
    st.tuples(st.just("insert"), position, st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("replace"), position, st.binary(min_size=1, max_size=1)),
    st.tuples(st.just("drop_field"), position, position),
    st.tuples(st.just("add_field"), position, st.sampled_from(CODES)),
    st.tuples(st.just("code"), position, st.sampled_from(CODES)),
    st.tuples(st.just("quote"), position, st.sampled_from([b"\"", b"\"\"", b"'"])),
    st.tuples(st.just("non_ascii"), position, st.sampled_from(ODD_BYTES)),
)


def apply(data: bytes, edit: tuple) -> bytes:
    """One edit: byte-level at a position, or field-level on one line."""
    kind, where, what = edit
    if kind in ("delete", "insert", "replace", "quote", "non_ascii"):
        at = where % (len(data) + 1)
        if kind == "delete":
            return data[:at] + data[at + what:]
        if kind == "replace":
            return data[:at] + what + data[at + 1:]
        return data[:at] + what + data[at:]
    lines = data.split(b"\n")
    row = where % len(lines)
    fields = lines[row].split(b",")
    if kind == "drop_field":
        del fields[what % len(fields)]
    elif kind == "add_field":
        fields.insert(where % (len(fields) + 1), what)
    else:
        fields[where % len(fields)] = what
    lines[row] = b",".join(fields)
    return b"\n".join(lines)


@settings(max_examples=60, deadline=None)
@given(st.lists(edits, min_size=1, max_size=4))
def test_damaged_answers_exit_0_or_2(tmp_path_factory, changes):
    data = BASE
    for edit in changes:
        data = apply(data, edit)
    answers = tmp_path_factory.mktemp("damaged") / "answers.csv"
    answers.write_bytes(data)
    assert main(["validate", str(QUESTIONNAIRE), str(answers)]) in (0, 2)
