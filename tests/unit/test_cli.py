"""The command line turns input errors into a message and exit 2, and success into exit 0."""

import pytest
from survey_files import write_survey

from pipeline.cli import EXIT_INVALID, EXIT_OK, build_parser, main

from .conftest import YES_NO

QUESTIONS = [{"id": "q", "type": "single_choice", "codes": YES_NO}]


def survey(tmp_path, answer="yes"):
    return write_survey(tmp_path, "tiny", [{"rid": "r1", "q": answer}, {"rid": "r2", "q": "no"}],
                        {"respondent_id": "rid"}, QUESTIONS)


def test_every_command_is_known_and_output_folders_are_required():
    parser = build_parser()
    assert parser.parse_args(["validate", "q.yaml"]).answers is None
    args = parser.parse_args(["estimate", "q.yaml", "a.csv", "--out", "out", "--exclude-invalid"])
    assert (args.command, args.exclude_invalid, str(args.out)) == ("estimate", True, "out")
    assert parser.parse_args(["report", "q.yaml", "a.csv", "--out", "o"]).exclude_invalid is None
    with pytest.raises(SystemExit):
        parser.parse_args(["estimate", "q.yaml", "a.csv"])


def test_validate_accepts_valid_answers(tmp_path, capsys):
    q_path, a_path = survey(tmp_path)
    assert main(["validate", str(q_path), str(a_path)]) == EXIT_OK
    assert "2 rows valid against 'tiny'" in capsys.readouterr().out


def test_validate_of_a_questionnaire_alone_summarises_it(tmp_path, capsys):
    q_path, _ = survey(tmp_path)
    assert main(["validate", str(q_path)]) == EXIT_OK
    assert "valid questionnaire 'tiny' with 1 questions" in capsys.readouterr().out


def test_invalid_answers_exit_2_with_the_issue_and_no_traceback(tmp_path, capsys):
    q_path, a_path = survey(tmp_path, answer="maybe")
    assert main(["validate", str(q_path), str(a_path)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert err.startswith("error: 1 problem(s) in the input; nothing was written.")
    assert "line 2, respondent r1, column q: [invalid-code] found 'maybe'" in err and "Traceback" not in err


def test_estimate_writes_its_files_and_says_what_it_wrote(tmp_path, out_dir, capsys):
    q_path, a_path = survey(tmp_path)
    assert main(["estimate", str(q_path), str(a_path), "--out", str(out_dir)]) == EXIT_OK
    assert {p.name for p in out_dir.iterdir()} == {"estimates.csv", "validation.json", "manifest.json"}
    assert capsys.readouterr().out.startswith("tiny: 2 respondents; wrote ")
