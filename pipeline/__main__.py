"""`python -m pipeline` runs the command line, or says how to run it where a dependency is missing.

A command is first offered to a warm process of this checkout (`python -m pipeline serve`),
which runs it without importing anything again; where none listens it runs here, with the
same result. SURVEY_PIPELINE_WARM=off always runs it here.
"""

import os
import sys

HOW_TO_RUN = ("Run the commands with the project's environment: 'make setup' creates .venv, then "
              "'.venv/bin/python -m pipeline ...' (or 'source .venv/bin/activate' and 'survey-pipeline ...').")


def run_command() -> int:
    """The command in sys.argv, run in this process: its exit status."""
    from pipeline.errors import PipelineError
    from pipeline.report.build_date import source_date_epoch

    try:
        source_date_epoch()
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        from pipeline.cli import main

        return main()
    except ModuleNotFoundError as error:
        if error.name is None or error.name.split(".")[0] == "pipeline":
            raise
        print(f"error: this Python ({sys.executable}) does not have the package '{error.name}' that the pipeline "
              f"needs.\n{HOW_TO_RUN}", file=sys.stderr)
        return 1


def main() -> int:
    """Run the command in a warm process if one of this checkout listens, else here."""
    if sys.argv[1:2] != ["serve"] and os.environ.get("SURVEY_PIPELINE_WARM", "").lower() != "off":
        from pipeline.warm.client import run_warm

        status = run_warm(sys.argv)
        if status is not None:
            return status
    return run_command()


def exit_at_once(status: int) -> None:
    """End the process with `status` once the output is out, without tearing the interpreter down.

    Freeing every module and object of pandas, Arrow and WeasyPrint takes a tenth of a second or
    more and changes nothing: the handlers registered to run at exit still run, and where a
    thread is still running the interpreter ends as usual, waiting for it.
    """
    import atexit
    import threading

    if threading.active_count() > 1:
        sys.exit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the stream closed
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: Python would say so and exit 120
            sys.exit(status)
    os._exit(status)


if __name__ == "__main__":
    exit_at_once(main())
