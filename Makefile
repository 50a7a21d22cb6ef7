# The two commands of the README: `make demo` and `make test`. Everything they need is
# installed here from the project's own files: Python packages from requirements.lock
# (hash-pinned) into .venv, with a pinned uv in .tools doing the install.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
UV := .tools/bin/uv
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest install lock clean ui uitest chromium

demo: install ui
	$(VENV)/bin/seismo demo

test: install lint typecheck uitest pytest

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

pytest: install ui chromium
	$(VENV)/bin/pytest

lock: | $(UV)
	$(UV) pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .tools .seismo

# The dashboard UI (ui/, React + TypeScript) is built by Vite into the Python package, which
# serves it; npm runs only from here, and only again when a UI source changed (stamp files).
UI_BUILT := src/seismo/dashboard/static/.built
UI_DEPS := ui/node_modules/.installed
UI_SOURCES := $(shell find ui/src ui/public -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json

ui: $(UI_BUILT)

$(UI_DEPS): ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	touch $@

$(UI_BUILT): $(UI_SOURCES) $(UI_DEPS)
	cd ui && npm run build
	touch $@

uitest: $(UI_DEPS)
	cd ui && npm run lint && npm test

# Browser tests drive Debian's Chromium (Playwright's own browser download fails here).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

chromium: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends chromium
