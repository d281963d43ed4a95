# llmcost-forecast: `make help` lists the targets.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= .llmcost-demo
SIZE_MB ?= 1000

.PHONY: help install demo test lint bench golden clean

help: ## Show this help
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/llmcost-forecast: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/llmcost-forecast ## Create .venv and install the tool with its dev tools

demo: install ## Ingest sample_logs/ into a fresh demo store and print the report
	rm -rf $(STORE)
	$(BIN)/llmcost-forecast --logs sample_logs --store $(STORE)

test: install ## Run the test suite
	$(BIN)/python -m pytest -q

lint: install ## Lint with ruff and type-check src/ with mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: install ## Measure ingest/pricing/measures/forecast speed and memory (SIZE_MB=1000 by default)
	$(BIN)/python bench/run.py --size-mb $(SIZE_MB)

golden: install ## Regenerate sample_logs/ from its seeded generator
	$(BIN)/python sample_logs/generate.py

clean: ## Remove the venv, caches and demo store
	rm -rf $(VENV) $(STORE) .pytest_cache .ruff_cache .hypothesis
