# Survey pipeline: `make report` builds every survey's report, `make test` runs the tests.
# Recipes call `python -m pipeline ...`; the logic lives in Python.

.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON_SYSTEM ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PIPELINE_CODE := $(shell find pipeline -type f \( -name '*.py' -o -name '*.j2' -o -name '*.css' -o -name '*.ttf' -o -name '*.txt' \) -not -path '*/__pycache__/*' 2>/dev/null)
# Every survey in questionnaires/ that has answers in raw/, as raw/<id>.<ext> in a format the pipeline
# reads (the first found, in this order).
ANSWER_EXTENSIONS := csv xlsx xlsm sav zsav dta parquet
answers_of = $(firstword $(foreach e,$(ANSWER_EXTENSIONS),$(wildcard raw/$(1).$(e))))
SURVEYS := $(foreach q,$(wildcard questionnaires/*.yaml),$(if $(call answers_of,$(basename $(notdir $(q)))),$(basename $(notdir $(q)))))
REPORTS := $(foreach s,$(SURVEYS),reports/$(s)/report.pdf)

.PHONY: help report test fuzz serve setup clean system-deps check-system lock bench bench-big reconstruct check-accessibility

## help: list the targets (this message)
help:
	@awk 'BEGIN {FS = ": "} /^## / {sub(/^## /, ""); split($$0, a, ": "); printf "  %-14s %s\n", a[1], substr($$0, length(a[1]) + 3)}' $(MAKEFILE_LIST)

## report: build the report of every survey that has answers (only what changed)
report: $(REPORTS)

.SECONDEXPANSION:
reports/%/report.pdf: questionnaires/%.yaml $$(call answers_of,$$*) $$(wildcard raw/$$*.provenance.yaml) $(PIPELINE_CODE) $(STAMP)
	$(PY) -m pipeline report $< $(call answers_of,$*) --out reports/$*

## test: lint (ruff), type-check (mypy) and run the whole test suite (one worker per core, a test file to a worker)
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -n auto --dist loadfile

## fuzz: 10,000 random damaged and garbage inputs per reader property (minutes; not part of make test)
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -p no:cacheprovider --hypothesis-show-statistics tests/test_fuzz_inputs.py

## check-accessibility: axe-core (WCAG 2.1 A/AA, best practice) and overflow in headless Chromium at 1280 and 400 px, on every report's HTML (installs Chromium and the npm tools; not part of make test)
check-accessibility: $(STAMP)
	bash scripts/install-accessibility-tools.sh
	bash scripts/check-accessibility.sh $(PY)

## bench: time `pipeline estimate` at 1e5, 1e6 and 1e7 respondents, at 1e6 with 80 replicate weights, reading 1e6 as CSV and Parquet, the study's warm rebuild, and every engine (memory, DuckDB, Spark) against the numpy reference (medians of 3 runs)
bench: $(STAMP)
	$(PY) benchmarks/bench_report.py
	$(PY) benchmarks/bench_estimate.py
	$(PY) benchmarks/bench_replicates.py
	$(PY) benchmarks/bench_formats.py
	$(PY) benchmarks/bench_engines.py

## bench-big: DuckDB on 1e8 respondents x 30 items of Parquet (generated once into BENCH_CACHE, default bench-results/): wall time and peak memory
BENCH_CACHE ?= bench-results
bench-big: $(STAMP)
	$(PY) benchmarks/bench_engines_big.py --rows 1e8 --cache $(BENCH_CACHE)

## serve: keep the pipeline loaded, so that every later command of this checkout (make report, python -m pipeline ...) starts at once; Ctrl-C stops it
serve: $(STAMP)
	$(PY) -m pipeline serve

## setup: create .venv from requirements.lock (only when missing or the lock changed)
setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@bash scripts/check-system.sh --install
	@rm -rf $(VENV)
	$(PYTHON_SYSTEM) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

## check-system: check that WeasyPrint's system libraries are installed
check-system:
	@bash scripts/check-system.sh

## system-deps: install the system libraries with apt-get (needs root)
system-deps:
	apt-get update -qq && apt-get install -y -qq $$(bash scripts/check-system.sh --packages)

## reconstruct: rewrite the study's reconstructed answers from their recipe
reconstruct: $(STAMP)
	$(PY) -m pipeline reconstruct questionnaires/fitter_for_the_future.yaml raw/fitter_for_the_future.provenance.yaml --out raw/fitter_for_the_future.csv

## lock: re-pin the dependency tree from requirements.in into requirements.lock
lock:
	rm -rf .lock-venv && $(PYTHON_SYSTEM) -m venv .lock-venv && .lock-venv/bin/pip install --quiet -r requirements.in
	{ echo "# Pinned dependency tree, installed by 'make' set-up. Regenerate with 'make lock'."; .lock-venv/bin/pip freeze --all | grep -vE '^(pip|wheel)=='; } > requirements.lock
	rm -rf .lock-venv

## clean: remove built reports and caches (keeps .venv)
clean:
	rm -rf reports/*/ .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +
