"""`estimate` loads only what estimating needs: a rebuild after each edit should not wait on imports.

scipy.stats takes most of a second to import, and the report's stack (WeasyPrint, matplotlib,
openpyxl, pikepdf) longer; `estimate` on the study uses none of them. (The time itself is
measured by `make bench`, not here.)
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy.stats", "weasyprint", "matplotlib", "openpyxl", "pikepdf", "statsmodels", "jinja2")


def test_estimate_on_the_study_imports_no_report_stack_or_scipy_stats(out_dir):
    script = ("import sys\nfrom pipeline.cli import main\n"
              f"status = main(['estimate', 'questionnaires/fitter_for_the_future.yaml', "
              f"'raw/fitter_for_the_future.csv', '--out', {str(out_dir)!r}])\n"
              f"print(status, sorted(name for name in {HEAVY!r} if name in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout + done.stderr
    assert (out_dir / "comparisons.csv").is_file()  # the study's tests ran, without scipy.stats
