# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv if missing and
# installs what it needs; an install is redone only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WORKERS ?= auto

.PHONY: demo test lint bench clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-local: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[local]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-local

# The main job: the four-strategy portfolio backtest over the bundled data, stored, with its report.
demo: $(VENV)/.installed-local
	$(BIN)/algo db migrate
	mkdir -p reports
	$(BIN)/algo backtest portfolio --workers 2 --report reports/demo.html

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check shared functions infra layers tests
	$(BIN)/ruff format --check shared functions infra layers tests
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n $(WORKERS) -q

# Indicators on 1,000,000 bars against plain TA-Lib in the same run, resampler throughput, and the
# backtest engine against backtesting.py and vectorbt on 100,000 real 15m bars; the portfolio
# backtest on the bundled data and on 2x and 4x the data; accounts per second through the
# candle close's fan-out (in process, SQS under moto) beside the bare loop; each Lambda handler's
# import time against a bare handler; one account's evaluation CPU and the stack's
# fired-to-acknowledged latency; the API's portfolio summary p50/p95 against a bare route.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.bench_indicators
	$(BIN)/python -m bench.bench_resample
	$(BIN)/python -m bench.bench_backtest
	$(BIN)/python -m bench.bench_portfolio
	$(BIN)/python -m bench.bench_fanout
	$(BIN)/python -m bench.bench_imports
	$(BIN)/python -m bench.bench_latency
	$(BIN)/python -m bench.bench_api

clean-venv:
	rm -rf $(VENV)
