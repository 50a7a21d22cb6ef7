# The two commands of the README: `make demo` and `make test`. Everything they need is
# installed here from the project's own files: Python packages from requirements.lock
# (hash-pinned) into .venv, with a pinned uv in .tools doing the install.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
UV := .tools/bin/uv
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest install lock clean ui uitest chromium nginx sdkjs

demo: install ui
	$(VENV)/bin/seismo demo

test: install lint typecheck uitest sdkjs pytest

install: $(INSTALLED)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(INSTALLED): requirements.lock pyproject.toml sdk/python/pyproject.toml | $(UV)
	[ -x $(VENV)/bin/python ] || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(VENV)/bin/python --require-hashes requirements.lock
	$(UV) pip install --quiet --python $(VENV)/bin/python --no-deps --no-build-isolation -e .
	$(UV) pip install --quiet --python $(VENV)/bin/python --no-deps --no-build-isolation -e sdk/python
	touch $@

lint: install
	$(VENV)/bin/ruff format --check src tests sdk/python
	$(VENV)/bin/ruff check src tests sdk/python

typecheck: install
	$(VENV)/bin/mypy

pytest: install ui chromium nginx sdkjs
	$(VENV)/bin/pytest

lock: | $(UV)
	$(UV) pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 -o requirements.lock
	$(UV) pip compile pyproject.toml --group image --generate-hashes --python-version 3.11 \
		-c requirements.lock -o requirements.image.lock

clean:
	rm -rf $(VENV) .tools .seismo

# The dashboard UI (ui/, React + TypeScript) is built by Vite into the Python package, which
# serves it; npm runs only from here, and only again when a UI source changed (stamp files).
# Its API types are generated, never written by hand: the dashboard's OpenAPI document (whose
# Alert schema comes from the dataclass in seismo.alert.model) is written to ui/openapi.json,
# and openapi-typescript turns it into ui/src/api.generated.ts. `make ui` regenerates both
# (rewriting a file only when its text changed), so the build then type-checks the UI against
# the Python contract; `make uitest` (in `make test`) fails when a committed copy is stale.
UI_BUILT := src/seismo/dashboard/static/.built
UI_DEPS := ui/node_modules/.installed
UI_API := ui/openapi.json ui/src/api.generated.ts
UI_API_STAMP := ui/node_modules/.api-generated
UI_SOURCES := $(shell find ui/src ui/public -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json
PY_SOURCES := $(shell find src/seismo -name '*.py' 2>/dev/null)

ui: $(UI_API) $(UI_BUILT)

$(UI_DEPS): ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	touch $@

$(UI_API): $(UI_API_STAMP) ;

$(UI_API_STAMP): $(PY_SOURCES) $(INSTALLED) $(UI_DEPS)
	$(VENV)/bin/python -m seismo.dashboard.openapi > ui/openapi.json.new
	if cmp -s ui/openapi.json.new ui/openapi.json; then rm ui/openapi.json.new; \
	else mv ui/openapi.json.new ui/openapi.json; fi
	cd ui && npm run --silent api > api.generated.ts.new
	if cmp -s ui/api.generated.ts.new ui/src/api.generated.ts; then rm ui/api.generated.ts.new; \
	else mv ui/api.generated.ts.new ui/src/api.generated.ts; fi
	touch $@

$(UI_BUILT): $(UI_SOURCES) $(UI_DEPS)
	cd ui && npm run build
	touch $@

uitest: install $(UI_DEPS)
	$(VENV)/bin/python -m seismo.dashboard.openapi | diff -u ui/openapi.json - \
		|| { echo "ui/openapi.json is stale: run make ui and commit it"; exit 1; }
	cd ui && npm run api:check
	cd ui && npm run lint && npm test

# Browser tests drive Debian's Chromium (Playwright's own browser download fails here).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

chromium: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends chromium

# The access-log agent's tests drive a real nginx (Debian's nginx-light); RUNLEVEL=1 asks
# the package not to start a system nginx on port 80: the tests start their own.
NGINX := /usr/sbin/nginx

nginx: $(NGINX)

$(NGINX):
	$(SUDO) apt-get update
	$(SUDO) env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends nginx-light

# The JavaScript SDK (sdk/js) has no runtime dependencies; its tests use Express, installed
# from the committed package-lock.json. tests/sdk/test_js.py starts a collector and runs
# `node --test` there, so `make pytest` runs the SDK's tests.
SDK_JS_DEPS := sdk/js/node_modules/.installed

sdkjs: $(SDK_JS_DEPS)

$(SDK_JS_DEPS): sdk/js/package.json sdk/js/package-lock.json
	cd sdk/js && npm ci --no-audit --no-fund
	touch $@
