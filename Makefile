# llmcost-forecast: `make help` lists the targets.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= .llmcost-demo
SIZE_MB ?= 1000
# make test: pytest workers (pytest-xdist; `auto` is one per core, 0 runs the suite in one process)
WORKERS ?= auto

.PHONY: help install dev demo test lint bench golden clean

help: ## Show this help
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/llmcost-forecast: pyproject.toml
	@echo "Creating $(VENV) ($$($(PY) --version)) ..."
	@$(PY) -m venv $(VENV)
	@echo "Installing llmcost-forecast with what it needs to run: duckdb, polars, pyarrow, statsmodels, typer, genai-prices ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -e .
	@PYTHONDONTWRITEBYTECODE= $(BIN)/python -m llmcost.precompile
	@touch $@

$(VENV)/.dev-tools: $(BIN)/llmcost-forecast pyproject.toml
	@echo "Adding the development tools: pytest, hypothesis, ruff, mypy, and pyspark + sqlglot for the Spark parity tests ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,spark]"
	@touch $@

install: $(BIN)/llmcost-forecast ## Create .venv and install the tool (no test or lint tools)

dev: $(VENV)/.dev-tools ## Install the tool with its test and lint tools

demo: install ## Ingest sample_logs/ into a fresh demo store and print the report
	@rm -rf $(STORE)
	@echo "Ingesting sample_logs/ into $(STORE) and printing the report: $(BIN)/llmcost-forecast --logs sample_logs --store $(STORE)"
	@$(BIN)/llmcost-forecast --logs sample_logs --store $(STORE)

test: dev ## Run the test suite (WORKERS=auto: one pytest worker per core, each test file on one worker)
	$(BIN)/python -m pytest -q -n $(WORKERS) --dist loadfile

lint: dev ## Lint with ruff and type-check src/ with mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: dev ## Measure ingest/pricing/measures/forecast speed and memory (SIZE_MB=1000 by default)
	$(BIN)/python bench/run.py --size-mb $(SIZE_MB)

golden: dev ## Regenerate sample_logs/ from its seeded generator
	$(BIN)/python sample_logs/generate.py

clean: ## Remove the venv, caches and demo store
	rm -rf $(VENV) $(STORE) .pytest_cache .ruff_cache .hypothesis
