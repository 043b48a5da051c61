# The two newcomer commands (`make plan STACK=staging`, `make test`) and the rest. Every target builds or
# refreshes the virtual environment itself: uv is installed into .tools/ from PyPI, .venv from uv.lock.

STACK ?= staging
JSON ?=
PYTHON ?= python3
UV_VERSION := 0.13.9

TOOLS := .tools/uv
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
SYNCED := $(VENV)/.synced

.PHONY: plan test lint bench venv clean

venv: $(SYNCED)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Re-synced only when the lock or the project file changes; a second run installs nothing.
$(SYNCED): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --quiet
	touch $@

plan: $(SYNCED)
	$(PY) -m offline.plan --stack $(STACK) $(if $(JSON),--json $(JSON))

test: $(SYNCED)
	$(PY) -m pytest

lint: $(SYNCED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	.ci/lint-workflows

bench: $(SYNCED)
	$(PY) -m offline.bench

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
