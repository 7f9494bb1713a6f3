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

# The docs site (MkDocs, mkdocs.yml) into site/; `make test` builds it too (tests/docs/test_site.py, --strict).
# docs-reference rewrites the pages generated from the code (commands' help, metrics).
.PHONY: docs docs-reference demo test test-newest test-lower-bounds lint typecheck control-plane helm image deploy dists clean

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

# helm (for the chart tests) is built from its Go module like the control plane, and cached the same way.
helm: $(STAMP)
	$(BIN)/python -m devcluster.helm

# The container image; needs podman or docker (IMAGE overrides the name).
IMAGE ?= resource-manager:$(shell sed -n 's/^VERSION = "\(.*\)"/\1/p' src/kubecore/version.py)
image:
	@command -v podman >/dev/null && builder=podman || { command -v docker >/dev/null && builder=docker; } \
	  || { echo "make image needs podman or docker; none is installed" >&2; exit 1; }; \
	$$builder build -f Containerfile -t $(IMAGE) .

# deploy/ holds the chart rendered with its default values (kubectl apply -f deploy/ without helm).
deploy: helm
	scripts/render-deploy.sh

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-reference: $(STAMP)
	$(BIN)/python scripts/docs_reference.py write

demo: control-plane
	$(BIN)/rm-dev demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck docs control-plane helm $(NEWEST)/.installed $(LOWER)/.installed
	$(BIN)/pytest --durations=20
	$(MAKE) --no-print-directory test-newest test-lower-bounds

test-newest: $(NEWEST)/.installed control-plane
	$(NEWEST)/bin/pytest -m "not cluster or smoke"

# tests/docs and the compiled-core test need the dev extra (mkdocs, mypyc), which this venv leaves out
test-lower-bounds: $(LOWER)/.installed
	$(LOWER)/bin/pytest -m "not cluster" --ignore=tests/docs --ignore=tests/kstatus/test_native.py

dists: $(STAMP)
	$(BIN)/python scripts/dists.py build dist

clean:
	rm -rf $(VENV) $(NEWEST) $(LOWER) dist site .mypy_cache .ruff_cache .pytest_cache .devcluster
