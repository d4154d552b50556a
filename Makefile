# Two commands for a fresh machine: `make run` (the engine on its embedded default) and
# `make test` (lint, types and the whole test suite). Both set up .venv themselves.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PORT ?= 8080

.PHONY: run test lint typecheck services clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	$(VENV)/bin/indgang run --port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

services:
	scripts/ensure-services

test: $(STAMP) services lint typecheck
	$(VENV)/bin/pytest -q -ra

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
