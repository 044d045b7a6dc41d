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

# The product on one machine: the four-strategy portfolio backtest over the bundled data (stored,
# with its report), the demo sign-in (created once, kept in .local/demo-credentials), then
# `algo up` replaying the bundled data with the API and the dashboard until Ctrl-C. The replay
# starts half an hour before the first trade of the bundled data at 60 replayed seconds per
# second, so the dashboard shows trades within the first minute. DEMO_FOR (seconds, or 10m, 1h)
# ends it by itself; without a terminal or with CI=true it defaults to 90 seconds. The demo admin
# signs in without a second factor: ALGO_ADMIN_TOTP=optional, for this process only.
DEMO_START ?= 2025-10-03T08:00:00Z
DEMO_SPEED ?= 60
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000
DEMO_FOR ?= $(shell if [ "$$CI" = true ] || ! [ -t 0 ]; then echo 90; fi)

demo: $(VENV)/.installed-local
	$(BIN)/algo db migrate
	mkdir -p reports
	$(BIN)/algo backtest portfolio --workers 2 --report reports/demo.html
	$(BIN)/algo users demo
	ALGO_ADMIN_TOTP=optional $(if $(DEMO_FOR),timeout --foreground -s INT $(DEMO_FOR)) $(BIN)/algo up \
	  --replay-start $(DEMO_START) --speed $(DEMO_SPEED) --host $(DEMO_HOST) --port $(DEMO_PORT) \
	  || [ $$? -eq 124 ]

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
