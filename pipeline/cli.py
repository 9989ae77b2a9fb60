"""The command line: `python -m pipeline validate | estimate | report | reconstruct | draft | schema`.

Exit status: 0 success; 2 invalid input (the message names the file, the row or key, what
was found and what was expected); 1 an internal error. This is the only place a
PipelineError becomes a message on stderr; our own bugs still show a traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import AnswersError, OutputError, PipelineError, shorten

if TYPE_CHECKING:
    from pipeline.report.pdf_process import PdfProcess

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID = 0, 1, 2
CONSOLE_LIMIT = 50


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Questionnaire in, checked statistics and an accessible report out.",
        epilog="Exit status: 0 success, 2 invalid input, 1 internal error.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a questionnaire and (optionally) its answers",
                                   description="Check the questionnaire definition and the answers against it; "
                                               "print a summary. Exit 0 when valid, 2 when not.")
    validate.add_argument("questionnaire", type=Path, help="questionnaire YAML file")
    validate.add_argument("answers", type=Path, nargs="?",
                          help="answers file: .csv, .xlsx, .sav, .dta or .parquet")

    for name, text in (("estimate", "write estimates.csv, findings.csv, validation.json and manifest.json"),
                       ("report", "write everything estimate writes, plus report.pdf and report.html")):
        sub = commands.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        sub.add_argument("questionnaire", type=Path, help="questionnaire YAML file")
        sub.add_argument("answers", type=Path, help="answers file: .csv, .xlsx, .sav, .dta or .parquet")
        sub.add_argument("--out", type=Path, required=True,
                         help="output folder, created if missing and replaced as a whole")
        sub.add_argument("--exclude-invalid", action="store_true", default=None,
                         help="exclude rows with invalid answers instead of stopping "
                              "(the default is the questionnaire's answers.on_invalid, else stop)")
        sub.add_argument("--cache-dir", type=Path, default=None,
                         help="where checked answers of large files are kept for reruns by the memory engine "
                              "(default: $SURVEY_PIPELINE_CACHE, else $XDG_CACHE_HOME/survey-pipeline)")
        sub.add_argument("--no-cache", action="store_true",
                         help="read and check the answers afresh, and keep nothing for reruns")
        sub.add_argument("--engine", choices=("memory", "duckdb", "spark"), default="memory",
                         help="where the answers are read and summed: in memory (the default), by DuckDB (files "
                              "larger than memory), or by Spark (a cluster)")
        sub.add_argument("--spark-master", default="local[2]", metavar="URL",
                         help="the Spark master for --engine spark: local[2] (the default) or a cluster's URL, "
                              "such as spark://host:7077")

    reconstruct = commands.add_parser(
        "reconstruct", help="write reconstructed answers from published counts",
        description="Write answers whose counts meet a recipe (the reconstruction section of a provenance "
                    "file), deterministically: the same recipe gives the same bytes.")
    reconstruct.add_argument("questionnaire", type=Path, help="questionnaire YAML file")
    reconstruct.add_argument("recipe", type=Path, help="provenance YAML file with a reconstruction section")
    reconstruct.add_argument("--out", type=Path, required=True,
                             help="answers CSV file to write (replaced whole, never an input)")

    draft = commands.add_parser(
        "draft", help="draft a questionnaire from an SPSS or Stata file or an XLSForm",
        description="Write a draft questionnaire from an SPSS .sav, a Stata .dta or an XLSForm .xlsx: questions, "
                    "codes, missing codes and routing; a header comment lists what a person must still review.")
    draft.add_argument("source", type=Path, help="the .sav, .dta or XLSForm .xlsx file")
    draft.add_argument("--out", type=Path, required=True,
                       help="the questionnaire to write, questionnaires/<id>.yaml (replaced whole, never an input)")

    schema = commands.add_parser(
        "schema", help="print the JSON Schema of the questionnaire format (or its key tables)",
        description="Print the JSON Schema of the questionnaire format, as committed in "
                    "docs/questionnaire.schema.json, or with --tables the key tables of the docs.")
    schema.add_argument("--tables", action="store_true", help="print the key tables as Markdown instead")

    serve = commands.add_parser(
        "serve", help="keep the pipeline loaded so that later commands of this checkout start at once",
        description="Import the pipeline and its libraries once and wait: each later 'python -m pipeline' "
                    "command of this checkout, with the same Python and settings, runs in a fresh copy of this "
                    "process instead of importing everything again (the same outputs and messages). It starts "
                    "itself again when the code or the packages change. Ctrl-C stops it.")
    serve.add_argument("--idle-minutes", type=float, default=None, metavar="MINUTES",
                       help="stop after this many minutes without a command (default: never)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command_line = "python -m pipeline " + shlex.join(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(args, command_line)
    except PipelineError as error:
        print(_headline(error), file=sys.stderr)
        print(error.render(limit=CONSOLE_LIMIT), file=sys.stderr)
        return EXIT_INVALID


def _headline(error: PipelineError) -> str:
    """The first line of the message: an output problem is not a problem in the input."""
    if isinstance(error, OutputError):
        return f"error: {len(error.issues)} problem(s) with the output; inputs and previous outputs are unchanged."
    return f"error: {len(error.issues)} problem(s) in the input; nothing was written."


def _dispatch(args: argparse.Namespace, command_line: str) -> int:
    from pipeline import run

    if args.command == "validate":
        from pipeline.questionnaire import load_questionnaire

        if args.answers is None:
            questionnaire = load_questionnaire(args.questionnaire)
            print(f"{args.questionnaire}: valid questionnaire '{questionnaire.survey.id}' with "
                  f"{len(questionnaire.questions)} questions, {len(questionnaire.measures)} measures, "
                  f"{len(questionnaire.claims)} claims")
            return EXIT_OK
        from pipeline.draft.xlsform import check_against_form, is_xlsform

        if is_xlsform(args.answers):  # the form a questionnaire was drafted from, not answers
            questionnaire = load_questionnaire(args.questionnaire)
            mismatches = check_against_form(questionnaire, args.answers)
            if mismatches:
                raise AnswersError(mismatches)
            asked = len(questionnaire.questions)
            print(f"{args.answers}: an XLSForm; questionnaire '{questionnaire.survey.id}' matches its "
                  f"{asked} question{'s' if asked != 1 else ''}, types and choices")
            return EXIT_OK
        questionnaire, _, responses = run.load_and_check(args.questionnaire, args.answers, exclude_invalid=False)
        print(f"{args.answers}: {len(responses.answers)} rows valid against '{questionnaire.survey.id}' "
              f"({len(responses.answers.columns)} columns, {responses.encoding})")
        if responses.ignored_columns:
            count = len(responses.ignored_columns)
            print(f"  ignored {count} column{'s' if count != 1 else ''} no question uses: "
                  + shorten(", ".join(responses.ignored_columns), 400))
        if responses.ids_are_row_numbers:
            print("  no id column: each respondent is identified by their row number")
        return EXIT_OK
    if args.command == "serve":
        from pipeline.warm.server import ServeError, serve

        try:
            return serve(args.idle_minutes)
        except ServeError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_INVALID
        except KeyboardInterrupt:
            return EXIT_OK
    if args.command == "schema":
        from pipeline.questionnaire.exports import key_table, schema_text

        print(key_table() if args.tables else schema_text(), end="")
        return EXIT_OK
    if args.command == "draft":
        from pipeline.draft import draft_questionnaire
        from pipeline.output_folder import write_file

        text = draft_questionnaire(args.source, args.out.stem)
        write_file(args.out, text.encode("utf-8"), inputs=(args.source,))
        print(f"wrote {args.out}: a draft to review (see its header comment)")
        return EXIT_OK
    if args.command == "reconstruct":
        from pipeline.output_folder import write_file
        from pipeline.questionnaire import load_questionnaire
        from pipeline.reconstruct import read_recipe, reconstruct_answers, write_answers_csv

        answers = reconstruct_answers(load_questionnaire(args.questionnaire), read_recipe(args.recipe))
        write_file(args.out, write_answers_csv(answers), inputs=(args.questionnaire, args.recipe))
        print(f"wrote {args.out} ({len(answers)} respondents)")
        return EXIT_OK
    return _analyse(args, command_line)


def _analyse(args: argparse.Namespace, command_line: str) -> int:
    """estimate or report: the output folder is checked and locked before the analysis starts."""
    from pipeline import run
    from pipeline.answer_cache import AnswerCache, default_folder
    from pipeline.output_folder import output_folder, replace_folder
    from pipeline.progress import Progress
    from pipeline.provenance import provenance_path

    progress = Progress()
    cache = AnswerCache(None if args.no_cache or args.engine != "memory" else args.cache_dir or default_folder())
    with output_folder(args.out, (args.questionnaire, args.answers, provenance_path(args.answers))) as out, \
            _pdf_process(args.command) as pdf:
        if args.engine == "memory":
            results = run.analyse(args.questionnaire, args.answers, command_line, args.exclude_invalid, progress,
                                  cache)
        else:  # the engines read the file themselves: nothing of it is held to cache
            from pipeline.engines.analysis import analyse_with_engine

            results = analyse_with_engine(args.questionnaire, args.answers, command_line, args.engine,
                                          args.exclude_invalid, progress, args.spark_master)
        progress.stage("writing outputs")
        files = run.report_files(results, pdf) if args.command == "report" else run.estimate_files(results)
        written = replace_folder(out, files)
        cache.wait()
    progress.done()
    excluded = results.validation.rows_excluded
    print(f"{results.questionnaire.survey.id}: {results.validation.rows_accepted} respondents"
          + (f" ({excluded} rows excluded; see validation.json)" if excluded else "")
          + f"; wrote {', '.join(p.name for p in written)} to {args.out}")
    return EXIT_OK


def _pdf_process(command: str) -> AbstractContextManager[PdfProcess | None]:
    """For a report, the process that will lay out its PDF, started now: it imports WeasyPrint while
    this one analyses the answers. For an estimate, nothing."""
    if command != "report":
        return nullcontext(None)
    from pipeline.report.pdf_process import PdfProcess

    return PdfProcess()
