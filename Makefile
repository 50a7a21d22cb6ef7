# The two commands of the README: `make demo` and `make test`. Everything they need is
# installed here from the project's own files: Python packages from requirements.lock
# (hash-pinned) into .venv, with a pinned uv in .tools doing the install.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
UV := .tools/bin/uv
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest install lock clean

demo: install
	$(VENV)/bin/seismo demo

test: install lint typecheck pytest

install: $(INSTALLED)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(INSTALLED): requirements.lock pyproject.toml | $(UV)
	[ -x $(VENV)/bin/python ] || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(VENV)/bin/python --require-hashes requirements.lock
	$(UV) pip install --quiet --python $(VENV)/bin/python --no-deps --no-build-isolation -e .
	touch $@

lint: install
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/ruff check src tests

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest

lock: | $(UV)
	$(UV) pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .tools .seismo
