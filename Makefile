# The two commands of the README: `make demo` and `make test`. Everything else is set-up they depend on.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck control-plane helm image deploy clean

$(STAMP): pyproject.toml
	scripts/check-tools.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

control-plane: $(STAMP)
	$(BIN)/resource-manager dev-cluster build

# helm (for the chart tests) is built from its Go module like the control plane, and cached the same way.
helm: $(STAMP)
	$(BIN)/python -m devcluster.helm

# The container image; needs podman or docker (IMAGE overrides the name).
IMAGE ?= resource-manager:$(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
image:
	@command -v podman >/dev/null && builder=podman || { command -v docker >/dev/null && builder=docker; } \
	  || { echo "make image needs podman or docker; none is installed" >&2; exit 1; }; \
	$$builder build -f Containerfile -t $(IMAGE) .

# deploy/ holds the chart rendered with its default values (kubectl apply -f deploy/ without helm).
deploy: helm
	scripts/render-deploy.sh

demo: control-plane
	$(BIN)/resource-manager demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck control-plane helm
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .devcluster
