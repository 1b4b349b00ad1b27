# The study's commands. `make reports` and `make test` are all a new user needs: both create the
# virtual environment and build the data when missing. `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?=
MUNICIPALITIES ?= default
LOCKS := requirements/runtime.lock requirements/dev.lock

.PHONY: help venv lock data reports reports-all pdf test test-fast lab bench lint strip clean clean-reports

# Every target carries a "## " description; `make help` prints them all (tests/test_house.py checks that).
help: ## list every target with what it does
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-zA-Z_-]+):.*## (.*)/\1\t\2/' \
		| awk -F '\t' '{printf "make %-14s %s\n", $$1, $$2}'

# The exact versions are the hash-checked locks in requirements/ (environment.yml installs the same files).
# dev.lock holds runtime.lock's pins plus the development tools.
$(STAMP): $(LOCKS) pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (tillsammans)" >/dev/null
	touch $(STAMP)

venv: $(STAMP) ## create .venv and install the locked packages (hash-checked) and the project

# One documented command for both locks: uv resolves pyproject.toml for Python 3.11 on every platform and
# writes every file's sha256. The existing locks act as preferences, so only what pyproject.toml changes
# moves; `make lock UPGRADE=1` moves every package to its newest allowed version.
lock: $(STAMP) ## regenerate requirements/runtime.lock and requirements/dev.lock from pyproject.toml (uv, hashes)
	$(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		$(if $(UPGRADE),--upgrade) --quiet -o requirements/runtime.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes \
		$(if $(UPGRADE),--upgrade) --quiet -c requirements/runtime.lock -o requirements/dev.lock

data/processed/manifest.json: $(STAMP)
	$(PY) -m tillsammans data

data: $(STAMP) ## fill data/raw (mirror or download) and build data/processed
	$(PY) -m tillsammans data

reports: data/processed/manifest.json ## render every report and reports/index.html (MUNICIPALITIES=0319,0381 JOBS=N)
	$(PY) -m tillsammans reports --municipalities $(MUNICIPALITIES) $(if $(JOBS),--jobs $(JOBS))

pdf: data/processed/manifest.json ## render the reports (as make reports) and print one A4 PDF per report (headless Chromium)
	$(PY) -m tillsammans reports --pdf --municipalities $(MUNICIPALITIES) $(if $(JOBS),--jobs $(JOBS))

reports-all: data/processed/manifest.json ## render the reports of all 290 municipalities
	$(PY) -m tillsammans reports --municipalities all $(if $(JOBS),--jobs $(JOBS))

test: data/processed/manifest.json ## run the whole test suite (units, data, notebooks, reports, browser)
	$(PY) -m pytest

test-fast: data/processed/manifest.json ## run the tests without notebooks and browser checks
	$(PY) -m pytest -m "not notebooks and not browser"

lab: data/processed/manifest.json ## open JupyterLab on the notebooks with the project's kernel
	$(VENV)/bin/jupyter lab notebooks/

bench: data/processed/manifest.json ## print the benchmarks (bench/bench_*.py)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# The agreed rules are in pyproject.toml ([tool.ruff], [tool.ruff.lint], [tool.mypy]). mypy runs even when
# ruff finds something, so one run shows both; the target fails when either does.
lint: $(STAMP) ## ruff (the agreed rules) over lib, tests and bench, and mypy over the library
	@status=0; \
	$(VENV)/bin/ruff check lib tests bench || status=1; \
	$(VENV)/bin/mypy || status=1; \
	exit $$status

strip: $(STAMP) ## remove notebook outputs before committing (keeps the kernelspec)
	$(VENV)/bin/nbstripout --keep-metadata-keys metadata.kernelspec notebooks/*.ipynb

clean-reports: ## delete the rendered reports, logs and screenshots
	rm -rf reports/[0-9]* reports/network reports/_logs reports/_screenshots reports/index.html reports/ordlista.html \
		reports/.tmp

clean: clean-reports ## also delete data/processed (rebuilt by make data)
	rm -rf data/processed/*.parquet data/processed/manifest.json data/processed/cache
