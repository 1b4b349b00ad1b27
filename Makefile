# The study's commands. `make reports` and `make test` are all a new user needs: both create the
# virtual environment and build the data when missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?=
MUNICIPALITIES ?= default

.PHONY: help venv data reports reports-all test test-fast lab bench lint strip clean clean-reports

help:
	@echo "make reports  - set up, build the data and render every report (reports/index.html)"
	@echo "make test     - set up, build the data and run the whole test suite"
	@echo "make data     - fill data/raw (mirror or download) and build data/processed"
	@echo "make lab      - open JupyterLab on the notebooks with the project's kernel"
	@echo "make bench    - print the benchmarks"

# One source of truth for versions: requirements.lock (also used by environment.yml).
$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (tillsammans)" >/dev/null
	touch $(STAMP)

venv: $(STAMP)

data/processed/manifest.json: $(STAMP)
	$(PY) -m tillsammans data

data: $(STAMP)
	$(PY) -m tillsammans data

reports: data/processed/manifest.json
	$(PY) -m tillsammans reports --municipalities $(MUNICIPALITIES) $(if $(JOBS),--jobs $(JOBS))

reports-all: data/processed/manifest.json
	$(PY) -m tillsammans reports --municipalities all $(if $(JOBS),--jobs $(JOBS))

test: data/processed/manifest.json
	$(PY) -m pytest

test-fast: data/processed/manifest.json
	$(PY) -m pytest -m "not notebooks and not browser"

lab: data/processed/manifest.json
	$(VENV)/bin/jupyter lab notebooks/

bench: data/processed/manifest.json
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check lib tests bench

strip: $(STAMP)
	$(VENV)/bin/nbstripout --keep-metadata-keys metadata.kernelspec notebooks/*.ipynb

clean-reports:
	rm -rf reports/[0-9]* reports/network reports/_logs reports/_screenshots reports/index.html reports/.tmp

clean: clean-reports
	rm -rf data/processed/*.parquet data/processed/manifest.json data/processed/cache
