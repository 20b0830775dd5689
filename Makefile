# Two commands from a fresh clone: `make demo` and `make test`. Both create .venv when it is
# missing and install the project into it.
VENV   := .venv
PY     := $(VENV)/bin/python
SOP    := $(VENV)/bin/sop
STAMP  := $(VENV)/.installed-stamp
DEMO   := out/demo

.PHONY: demo test lint bench clean package-check

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,lint]'
	touch $(STAMP)

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
test: $(STAMP)
	sh tests/postgres.sh $(PY) -m pytest

# The executive package as a person sees it: headless Chromium renders the demo's page, the
# check asserts every chart drew and the screenshot is not blank. Installs Debian's chromium
# when it is missing; runs the demo first when there is no package yet.
package-check: $(STAMP)
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
	test -f $(DEMO)/2026-11/executive-package.html || $(MAKE) demo
	$(PY) tests/pagecheck.py $(DEMO)/2026-11 --png $(DEMO)/2026-11/executive-package.png

# ruff (style, imports, likely bugs) and mypy (types) over the package, the tests and the benchmarks.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m bench.cycle
	$(PY) -m bench.supply_plan
	$(PY) -m bench.forecast_tourism
	$(PY) -m bench.forecast_scale

clean:
	rm -rf out .pytest_cache .hypothesis
