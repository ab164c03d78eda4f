# docketline developer and CI entry points.
#   make test        the test suite (starts and stops its own Kafka broker);
#                    extra pytest arguments: make test PYTEST_ARGS="-k kafka"
#   make lint        ruff (lint + format check) and mypy --strict (make test runs it first)
#   make fuzz        the fuzz harness (tests/fuzz) with the deep, random budget
#   make demo        everything on one machine with the demo dockets
#   make kafka-jars  fetch the Kafka broker's jars now (later starts are offline)
#   make asyncapi-cli  install @asyncapi/cli (npm) into .tools/asyncapi, project-local
# `make` creates .venv on first use and re-installs when pyproject.toml changes.

PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: .venv lint test fuzz demo kafka-jars asyncapi-cli

.venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --disable-pip-version-check --upgrade pip
	$(VENV)/bin/python -m pip install --disable-pip-version-check -e '.[test]'
	touch $@

lint: .venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: .venv lint
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

fuzz: .venv
	DOCKETLINE_FUZZ_PROFILE=deep $(VENV)/bin/pytest -q tests/fuzz $(PYTEST_ARGS)

demo: .venv
	$(VENV)/bin/docketline up --demo

kafka-jars: .venv
	$(VENV)/bin/python -m services.kafka_local fetch

# the official AsyncAPI parser, for tests/integration/test_asyncapi_cli.py (never a global install)
ASYNCAPI_CLI_VERSION := 6.2.0
ASYNCAPI_CLI := .tools/asyncapi/node_modules/.bin/asyncapi

asyncapi-cli: $(ASYNCAPI_CLI)

$(ASYNCAPI_CLI):
	npm install --prefix .tools/asyncapi --no-audit --no-fund --loglevel=error @asyncapi/cli@$(ASYNCAPI_CLI_VERSION)
