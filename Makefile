# The two commands of the README: `make demo` and `make test`. Everything else is set-up they depend on.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck control-plane clean

$(STAMP): pyproject.toml
	scripts/check-tools.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

control-plane: $(STAMP)
	$(BIN)/rm-dev dev-cluster build

demo: control-plane
	$(BIN)/rm-dev demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck control-plane
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .devcluster
