# The front door. `make up` runs the whole system; `make test` runs the whole suite.
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.hallmark-installed
COMPOSE   := docker compose -f deploy/docker/compose.yaml
# `make up` uses Docker (deploy/docker/compose.yaml) when a Docker engine answers, else the local
# launcher; HALLMARK_LOCAL=1 picks the launcher whatever Docker says.
DOCKER_UP := [ -z "$(HALLMARK_LOCAL)" ] && docker info >/dev/null 2>&1

.PHONY: install up up-local down status test test-faults test-unit lint bench schema clean

$(STAMP): pyproject.toml uv.lock deploy/local/bootstrap.sh
	@deploy/local/bootstrap.sh
	@touch $@

install: $(STAMP)  ## create the Python environment (uv, locked)

up:  ## start Kafka, PostgreSQL and all five services: in Docker if an engine answers, else locally (Ctrl-C or `make down` stops)
	@if $(DOCKER_UP); then \
		echo "A Docker engine answers: $(COMPOSE) up --build  (HALLMARK_LOCAL=1 make up: the local launcher)"; \
		$(COMPOSE) up --build; \
	else \
		$(MAKE) --no-print-directory up-local; \
	fi

up-local: install  ## the local launcher (`hallmark up`), whatever Docker says
	$(BIN)/hallmark up

down:  ## stop what `make up` started (its data stays)
	@if $(DOCKER_UP); then $(COMPOSE) down; fi
	@if [ -x $(BIN)/hallmark ]; then $(BIN)/hallmark down; fi

.PHONY: reset
reset: install  ## stop the local stack and delete its data (PostgreSQL, Kafka's log, the clock); asks first
	$(BIN)/hallmark reset

status: install  ## every component, its address and health
	$(BIN)/hallmark status

test: install  ## the whole suite; starts and stops its own Kafka and PostgreSQL
	$(BIN)/pytest

test-faults: install  ## the fault suite's full run under load (kills, broker and PostgreSQL restarts; ~10 min); HALLMARK_FAULTS_SEED repeats one
	HALLMARK_FAULTS=full $(BIN)/pytest tests/faults -m faults -s

test-unit: install  ## the fast ring only (in-memory stores)
	$(BIN)/pytest tests/unit

lint: install  ## ruff, mypy, import-linter contracts, the AsyncAPI document; the Kubernetes manifests, the Dockerfile, the compose file
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/mypy deploy/k8s/validate.py deploy/docker/healthcheck.py
	$(BIN)/python deploy/k8s/validate.py
	@if [ -x $(BIN)/hadolint ]; then $(BIN)/hadolint deploy/docker/Dockerfile && echo "hadolint: deploy/docker/Dockerfile ok"; \
	else echo "hadolint has no wheel for this platform; tests/unit/test_docker_image.py checks the Dockerfile"; fi
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec deploy/docker/compose.yaml
	deploy/local/asyncapi-validate.sh

bench: install  ## benchmarks: figures and ratios against raw baselines
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.e2e
	$(BIN)/python -m benchmarks.reads
	$(BIN)/python -m benchmarks.audit

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
