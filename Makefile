# The front door. `make up` runs the whole system; `make test` runs the whole suite.
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.hallmark-installed

.PHONY: install up down status test test-unit lint bench schema clean

$(STAMP): pyproject.toml uv.lock deploy/local/bootstrap.sh
	@deploy/local/bootstrap.sh
	@touch $@

install: $(STAMP)  ## create the Python environment (uv, locked)

up: install  ## start Kafka, PostgreSQL and all five services (Ctrl-C or `make down` stops)
	$(BIN)/hallmark up

down:  ## stop what `make up` started (its data stays)
	@if [ -x $(BIN)/hallmark ]; then $(BIN)/hallmark down; fi

.PHONY: reset
reset: install  ## stop the local stack and delete its data (PostgreSQL, Kafka's log, the clock); asks first
	$(BIN)/hallmark reset

status: install  ## every component, its address and health
	$(BIN)/hallmark status

test: install  ## the whole suite; starts and stops its own Kafka and PostgreSQL
	$(BIN)/pytest

test-unit: install  ## the fast ring only (in-memory stores)
	$(BIN)/pytest tests/unit

lint: install  ## ruff, mypy, import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install  ## benchmarks: figures and ratios against raw baselines
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.e2e

schema: install  ## regenerate shared/events/asyncapi.json from the event models
	$(BIN)/python -m shared.events.schema

clean: down
	rm -rf $(VENV) .hallmark .pytest_cache .mypy_cache .ruff_cache
