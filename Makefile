# Entry points for a fresh clone: `make run` (set up, then run the baseline), `make test`
# (set up, then run the test suite), `make dashboard` (the local web app) and `make docs` (the
# documentation site). Each creates .venv if missing; only test, dashboard and docs install
# the extras they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DASH_STAMP := $(VENV)/.installed-dashboard
DOCS_STAMP := $(VENV)/.installed-docs
# cffconvert 2.0.0 pins jsonschema 3, which altair and nbformat (in .venv) cannot use, so it
# gets a small venv of its own, used only to validate CITATION.cff.
CFF_VENV := .venv-cff
CFF_STAMP := $(CFF_VENV)/.installed

.PHONY: setup run test test-slow lint docs docs-check bench bench-compare dashboard clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(DASH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,dashboard]'
	touch $(DASH_STAMP)

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,dashboard,docs]'
	touch $(DOCS_STAMP)

$(CFF_STAMP):
	test -d $(CFF_VENV) || $(PYTHON) -m venv $(CFF_VENV)
	$(CFF_VENV)/bin/python -m pip install --quiet 'cffconvert==2.0.0'
	touch $(CFF_STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m model run scenarios/baseline.yaml

# pytest runs one worker per core (pytest-xdist); each test file stays on one worker, so that
# its module fixtures (the dashboard's server, a comparison's folders) are built once.
test: lint docs-check $(CFF_STAMP)
	$(CFF_VENV)/bin/cffconvert --validate --infile CITATION.cff
	$(BIN)/python -m pytest -n auto --dist loadfile

# The documentation: its generated parts are current (the command line, the rules, the
# module map) and the site builds with --strict (a broken link or anchor fails), into a
# temporary folder so that nothing is left in the tree.
docs-check: $(DOCS_STAMP)
	$(BIN)/python tools/docs_reference.py --check
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir "$$tmp"

# Serves the site at http://127.0.0.1:8000, rebuilt as pages change.
docs: $(DOCS_STAMP)
	$(BIN)/mkdocs serve

# Style and layers: ruff's checks, its formatter (check only) and the import contracts.
lint: $(DASH_STAMP)
	$(BIN)/ruff check model tests benchmarks tools
	$(BIN)/ruff format --check model tests benchmarks tools
	$(BIN)/lint-imports

# The slow tests (the inference's calibration check on 20 synthetic cases, and the
# inference's resume and Dask checks; several minutes):
# left out of make test, run in CI after it.
test-slow: $(DASH_STAMP)
	$(BIN)/python -m pytest -m slow

dashboard: $(DASH_STAMP)
	$(BIN)/python -m model dashboard $(SCENARIO)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py

# Side by side with another commit: make bench-compare REF=00cf6d2 (ratios, not absolute times)
bench-compare: $(STAMP)
	@test -n "$(REF)" || { echo "usage: make bench-compare REF=<commit>"; exit 2; }
	$(BIN)/python benchmarks/bench_compare.py $(REF)

clean:
	rm -rf $(VENV) $(CFF_VENV)
