# Two commands from a fresh clone: `make demo` and `make test`. Both create .venv when it is
# missing and install the project into it.
VENV   := .venv
PY     := $(VENV)/bin/python
SOP    := $(VENV)/bin/sop
STAMP  := $(VENV)/.installed-stamp
DEMO   := out/demo

.PHONY: demo test lint wheel-check lock bench clean package-check serve

# Dependencies at the tested versions of requirements.lock, then the project itself, editable.
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# Pin what pyproject.toml's ranges resolve to today, after a dependency changed.
lock:
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade -e '.[test,lint]'
	(echo "# The tested versions of everything 'make' installs (pyproject.toml keeps the ranges)."; \
	 echo "# Regenerate after changing a dependency: make lock"; \
	 $(PY) -m pip freeze --exclude-editable | grep -iv '^sop[= @]' | sort -f) > requirements.lock

# The sample company, one full cycle for the month after its history under the demo policy.
demo: export SOP_DB = $(DEMO)/sop.duckdb
demo: export SOP_CHECKPOINT_URL = $(DEMO)/checkpoints.sqlite
demo: export SOP_OUT = $(DEMO)
demo: $(STAMP)
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(SOP) data demo --out $(DEMO)/data
	$(SOP) cycle run --policy demo

# tests/postgres.sh starts a throwaway PostgreSQL server (installing Debian's postgresql when it
# can) for the PostgreSQL checkpointing test; without one, that test skips and says why.
# The browser tests (tests/test_web.py) drive Debian's chromium, installed here when it is missing
# and apt-get may; where it cannot be, they skip and say so.
# The test files run in parallel, one pytest-xdist worker per core (-n auto), each file whole on
# one worker (--dist loadfile), so that a file's module fixtures (a cycle run to a gate, a served
# graph, a browser) are built once and its tests keep their order; the files with a slow test are
# handed out first (tests/conftest.py). Each test has its own folder and PostgreSQL database.
# `$(PY) -m pytest tests/test_x.py` runs one file serially.
test: $(STAMP)
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium) \
	  || echo "chromium could not be installed: the browser tests will skip"
	sh tests/postgres.sh $(PY) -m pytest -n auto --dist loadfile --no-loadscope-reorder

# The executive package as a person sees it: headless Chromium renders the demo's page, the
# check asserts every chart drew and the screenshot is not blank. Installs Debian's chromium
# when it is missing; runs the demo first when there is no package yet.
package-check: $(STAMP)
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
	test -f $(DEMO)/2026-11/executive-package.html || $(MAKE) demo
	$(PY) tests/pagecheck.py $(DEMO)/2026-11 --png $(DEMO)/2026-11/executive-package.png

# The web workspace over SOP_DB (default sop.duckdb; e.g. SOP_DB=out/demo/sop.duckdb make serve).
PORT ?= 8000
serve: $(STAMP)
	@echo "The S&OP workspace: http://127.0.0.1:$(PORT)/ (demo sign-ins in the README, e.g. dana / dana-sop)"
	$(SOP) serve --port $(PORT)

# ruff (style, imports, likely bugs) and mypy (types) over the package, the tests and the benchmarks.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The built wheel in a fresh venv outside the checkout runs the demo cycle through both gates.
wheel-check: $(STAMP)
	sh tests/wheel_check.sh $(PY)

bench: $(STAMP)
	$(PY) -m bench.cycle
	$(PY) -m bench.supply_plan
	$(PY) -m bench.forecast_m1
	$(PY) -m bench.forecast_tourism
	$(PY) -m bench.forecast_intermittent
	$(PY) -m bench.forecast_hierarchy
	$(PY) -m bench.forecast_scale

clean:
	rm -rf out .pytest_cache .hypothesis
