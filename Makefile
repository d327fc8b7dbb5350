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

down:  ## stop what `make up` started
	@if [ -x $(BIN)/hallmark ]; then $(BIN)/hallmark down; fi

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

.PHONY: mutate
MUTATE_TIMEOUT ?= 1200
MUTATE_CHILDREN ?= 2
mutate: install  ## mutation testing of the money and stock modules (bounded; not part of `make test`)
	rm -rf mutants && mkdir mutants
	@echo "mutmut over [tool.mutmut] only_mutate (pyproject.toml), at most $(MUTATE_TIMEOUT) s; log: mutants/mutmut.log"
	-timeout $(MUTATE_TIMEOUT) $(BIN)/python mutation/mutmut_cli.py run --max-children $(MUTATE_CHILDREN) \
		> mutants/mutmut.log 2>&1; echo "mutmut exit code $$?" >> mutants/mutmut.log
	@tail -n 3 mutants/mutmut.log | tr '\r' '\n' | tail -n 3
	@echo "the decorated functions mutmut skips, at most $(MUTATE_TIMEOUT) s; log: mutants/decorated.log"
	timeout $(MUTATE_TIMEOUT) $(BIN)/python mutation/decorated.py --max-children $(MUTATE_CHILDREN) \
		--timeout $$(( $(MUTATE_TIMEOUT) - 60 )) > mutants/decorated.log 2>&1 || (tail -n 5 mutants/decorated.log; exit 1)
	@head -n 1 mutants/decorated.log
	$(BIN)/python mutation/score.py
