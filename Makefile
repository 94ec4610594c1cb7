# ks-sdg — every target creates .venv on first use. Run from the repository root.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Dagster keeps run history in a project-local instance (dagster.yaml here, state in .dagster/).
export DAGSTER_HOME := $(CURDIR)
export KS_SDG_DAGSTER_DIR := $(CURDIR)/.dagster
export KS_SDG_DAGSTER_COMPUTE_LOGS := $(CURDIR)/.dagster/logs
export KS_SDG_ROOT := $(CURDIR)
export MPLBACKEND := Agg
# one BLAS thread: the matrices are small and the machine has 2 cores
export OPENBLAS_NUM_THREADS ?= 1
HOST ?= 127.0.0.1
PORT ?= 3000

.PHONY: run test dev notebook lint bench sample system-deps clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	mkdir -p $(KS_SDG_DAGSTER_DIR)
	touch $(STAMP)

## run: materialise every asset on the bundled synthetic sample (embedded DuckDB in warehouse/)
run: $(STAMP)
	$(BIN)/ks-sdg materialize

## test: the whole test suite (R and browser tests skip when Rscript/chromium are missing; see .ci/run)
test: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/python -m pytest

## dev: the Dagster UI on http://$(HOST):$(PORT) (loopback only unless HOST is set)
dev: $(STAMP)
	$(BIN)/dagster dev -h $(HOST) -p $(PORT) -m pipeline.definitions

## notebook: JupyterLab on the notebooks (they read warehouse/ks_sdg_published.duckdb)
notebook: $(STAMP)
	env -u MPLBACKEND $(BIN)/jupyter lab --ip 127.0.0.1 --notebook-dir notebooks

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/ruff format --check pipeline tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/estimates.py
	$(BIN)/python benchmarks/pipeline.py

## sample: regenerate the seeded synthetic sample in raw/sample/
sample: $(STAMP)
	$(BIN)/ks-sdg make-sample

## system-deps: Debian packages for the R cross-checks and the browser test (needs root)
system-deps:
	@if command -v Rscript >/dev/null && Rscript -e 'library(survey)' >/dev/null 2>&1 && command -v chromium >/dev/null; then \
	  echo "system packages present"; \
	else \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends r-cran-survey chromium; \
	fi

clean:
	rm -rf .dagster warehouse/*.duckdb warehouse/*.wal assets/charts assets/reports assets/csv
