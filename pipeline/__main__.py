"""`python -m pipeline` runs the command line, or says how to run it where a dependency is missing."""

import sys

HOW_TO_RUN = ("Run the commands with the project's environment: 'make setup' creates .venv, then "
              "'.venv/bin/python -m pipeline ...' (or 'source .venv/bin/activate' and 'survey-pipeline ...').")


def _run() -> int:
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


sys.exit(_run())
