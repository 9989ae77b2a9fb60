#!/usr/bin/env bash
# Build every survey's report into a scratch folder and check its HTML twin with axe-core in
# headless Chromium at 1280 px and 400 px: any violation or a page wider than its window fails.
#   scripts/check-accessibility.sh PYTHON
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-.venv/bin/python}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pages=()
for questionnaire in questionnaires/*.yaml; do
  survey=$(basename "$questionnaire" .yaml)
  [ -f "raw/$survey.csv" ] || continue
  "$python" -m pipeline report "$questionnaire" "raw/$survey.csv" --out "$out/$survey" >/dev/null
  pages+=("$out/$survey/report.html")
done
node tools/accessibility/check.mjs "${pages[@]}"
