# The two newcomer commands (`make plan STACK=staging`, `make test`) and the rest. Every target builds or
# refreshes the virtual environment itself: uv is installed into .tools/ from PyPI, .venv from uv.lock.

STACK ?= staging
JSON ?=
BASE ?=
MARKDOWN ?=
PYTHON ?= python3
UV_VERSION := 0.13.9

TOOLS := .tools/uv
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
SYNCED := $(VENV)/.synced

.PHONY: plan plan-github diff same-plan test lint audit bench venv policy-venv uv-path clean

venv: $(SYNCED)

# The Pulumi CLI runs the program with `uv run` (Pulumi.yaml: `toolchain: uv`) and looks `uv` up on PATH
# (pulumi/pulumi sdk/python/toolchain/uv.go: exec.LookPath("uv")). This prints the folder to put first on PATH:
#   export PATH="$$(make -s uv-path):$$PATH"          (a shell)
#   make -s uv-path >> "$$GITHUB_PATH"                 (a GitHub Actions step)
uv-path: $(UV)
	@cd $(TOOLS)/bin && pwd

# `pulumi preview/up --policy-pack policy` runs the pack in policy/venv (PulumiPolicy.yaml) and installs nothing
# itself; this builds that virtualenv from policy/requirements.txt with the same pinned uv.
# POLICY_PACK= names another copy of the pack (CI passes the protected branch's, so a pull request cannot
# weaken the gate it is judged by).
POLICY_PACK ?= policy
POLICY_VENV := $(POLICY_PACK)/venv
policy-venv: $(POLICY_VENV)/.synced

$(POLICY_VENV)/.synced: $(POLICY_PACK)/requirements.txt | $(UV)
	$(UV) venv --quiet --allow-existing $(POLICY_VENV)
	$(UV) pip install --quiet --python $(POLICY_VENV)/bin/python --requirement $(POLICY_PACK)/requirements.txt
	touch $@

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Re-synced only when the lock or the project file changes; a second run installs nothing.
$(SYNCED): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --quiet
	touch $@

plan: $(SYNCED)
	$(PY) -m offline.plan --stack $(STACK) --policy-pack $(POLICY_PACK) $(if $(JSON),--json $(JSON))

# The GitHub project (github/: environments, variables, branch protection) offline; JSON= writes its plan document.
plan-github: $(SYNCED)
	$(PY) -m github.plan $(if $(JSON),--json $(JSON))

# What the working tree changes in STACK against BASE (default: the merge base with main), both planned offline;
# JSON= and MARKDOWN= also write the diff document and the markdown report. Exit 4: a stateful resource of a
# production stack would be replaced or deleted (see docs/plan.md, "Plan diff").
diff: $(SYNCED)
	$(PY) -m offline.diff --stack $(STACK) $(if $(BASE),--base $(BASE)) $(if $(JSON),--json $(JSON)) \
		$(if $(MARKDOWN),--markdown $(MARKDOWN))

# Proof for a restructuring commit: both stacks planned afresh at BASE and in the working tree give the same plan
# documents, compared exactly apart from run-to-run orderings (prints "identical", exit 1 on any difference).
same-plan: $(SYNCED)
	$(PY) -m offline.same_plan --base $(or $(BASE),main)

# Two workers (pytest-xdist), each taking whole files so that a module's shared plans are built once. Both cores
# work at once; on a machine saturated by other jobs it takes as long as one process (measured), not longer.
test: $(SYNCED)
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder

lint: $(SYNCED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	.ci/lint-workflows

# Known vulnerabilities in every locked dependency (uv.lock, all groups, by hash), from PyPI's advisory data.
# It needs the network, so CI runs it in the pull-request and deploy workflows, not in .ci/run; --strict fails
# when a package could not be checked, so an unreachable index never passes for "no vulnerabilities".
# AUDIT_FORMAT=markdown for a job summary.
AUDIT_FORMAT ?= columns
audit: $(SYNCED)
	$(UV) export --frozen --all-groups --no-emit-project --format requirements-txt --quiet \
		--output-file $(VENV)/audit-requirements.txt
	$(VENV)/bin/pip-audit --strict --disable-pip --require-hashes --progress-spinner off --desc on \
		--format $(AUDIT_FORMAT) --requirement $(VENV)/audit-requirements.txt

bench: $(SYNCED)
	$(PY) -m offline.bench

clean:
	rm -rf $(VENV) $(TOOLS) $(POLICY_VENV) .mypy_cache .ruff_cache .pytest_cache
