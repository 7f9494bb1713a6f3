# The two commands of the README: `make demo` and `make test`. Everything else is set-up they depend on.
# Supported Pythons: 3.11 (PYTHON, the development venv and the whole suite) to 3.13 (NEWEST_PYTHON,
# the pure tests and the install smoke test); LOWER: the oldest dependency versions we allow.
PYTHON ?= python3.11
# pyenv keeps 3.13 outside PATH (its shim refuses while 3.11 is the global version)
NEWEST_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) python3.13)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NEWEST := .venv-newest
LOWER := .venv-lower
EXTRAS := test,cel,zstd

.PHONY: demo test test-newest test-lower-bounds lint typecheck control-plane dists clean

$(STAMP): pyproject.toml
	PYTHON=$(PYTHON) NEWEST_PYTHON=$(NEWEST_PYTHON) scripts/check-tools.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,$(EXTRAS)]'
	touch $(STAMP)

$(NEWEST)/.installed: pyproject.toml $(STAMP)
	test -x $(NEWEST)/bin/python || $(NEWEST_PYTHON) -m venv $(NEWEST)
	$(NEWEST)/bin/pip install --quiet --upgrade pip
	$(NEWEST)/bin/pip install --quiet -e '.[dev,$(EXTRAS)]'
	touch $@

# every dependency at the lower bound pyproject.toml allows (scripts/dists.py lower-bounds)
$(LOWER)/.installed: pyproject.toml $(STAMP)
	test -x $(LOWER)/bin/python || $(PYTHON) -m venv $(LOWER)
	$(LOWER)/bin/pip install --quiet --upgrade pip
	$(BIN)/python scripts/dists.py lower-bounds > $(LOWER)/constraints.txt
	$(LOWER)/bin/pip install --quiet -e '.[$(EXTRAS)]' -c $(LOWER)/constraints.txt
	touch $@

control-plane: $(STAMP)
	$(BIN)/rm-dev dev-cluster build

demo: control-plane
	$(BIN)/rm-dev demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck control-plane $(NEWEST)/.installed $(LOWER)/.installed
	$(BIN)/pytest
	$(MAKE) --no-print-directory test-newest test-lower-bounds

test-newest: $(NEWEST)/.installed control-plane
	$(NEWEST)/bin/pytest -m "not cluster or smoke"

test-lower-bounds: $(LOWER)/.installed
	$(LOWER)/bin/pytest -m "not cluster"

dists: $(STAMP)
	$(BIN)/python scripts/dists.py build dist

clean:
	rm -rf $(VENV) $(NEWEST) $(LOWER) dist .mypy_cache .ruff_cache .pytest_cache .devcluster
