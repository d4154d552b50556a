# Two commands for a fresh machine: `make run` (the engine on its embedded default) and
# `make test` (lint, types and the whole test suite). Both set up .venv themselves.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PORT ?= 8080
# The shared held-out set: never trained on, so its figures are the ones to report.
HELD_OUT ?= data/held-out/shared-held-out.jsonl

.PHONY: run test lint typecheck services clean bench bench-classify bench-pipeline evaluate chaos \
	bench-webhook

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

# Not part of `make test`: speed depends on the machine and on what else it is doing.
bench-classify: $(STAMP)
	mkdir -p results
	$(PY) -m benchmarks.classify_speed --out results/classify-speed.json

evaluate: $(STAMP)
	mkdir -p results
	$(VENV)/bin/indgang evaluate --data $(HELD_OUT) --report results/evaluation.html

# End to end on the embedded broker: ceiling, throughput with 1 and 2 workers, latency at
# 200/s, worker memory over 100,000 inquiries -> results/pipeline.json and .png (~10 min).
bench-pipeline: $(STAMP)
	mkdir -p results
	$(PY) -m benchmarks.pipeline --out results/pipeline.json

# Sync-mode webhook latency: 100 signed requests/s for 60 s from a second process, against a
# fresh `indgang run` -> results/webhook-latency.json (p50/p95/p99/max, errors by status).
bench-webhook: $(STAMP)
	mkdir -p results
	$(PY) -m benchmarks.webhook_latency --rate 100 --duration 60 --out results/webhook-latency.json

# The chaos tests with their long load (CI runs the short version inside `make test`).
chaos: $(STAMP) services
	$(VENV)/bin/pytest -q -ra -m chaos --chaos-full

# The property-based tests with tens of thousands of examples each (CI runs a few hundred).
fuzz: $(STAMP)
	$(VENV)/bin/pytest -q -ra -m fuzz --hypothesis-profile=fuzz -p no:cacheprovider

# Every benchmark, one after the other, into results/ (run on an otherwise idle machine).
bench: bench-classify bench-pipeline bench-webhook
