# Two commands from a fresh clone: `make demo` and `make test`. Both create .venv when it is
# missing and install the project into it.
VENV   := .venv
PY     := $(VENV)/bin/python
SOP    := $(VENV)/bin/sop
STAMP  := $(VENV)/.installed-stamp
DEMO   := out/demo

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# The sample company, one full cycle for the month after its history under the demo policy.
demo: export SOP_DB = $(DEMO)/sop.duckdb
demo: export SOP_CHECKPOINT_URL = $(DEMO)/checkpoints.sqlite
demo: export SOP_OUT = $(DEMO)
demo: $(STAMP)
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(SOP) data demo --out $(DEMO)/data
	$(SOP) cycle run --policy data/demo-policy.yaml

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m bench.cycle
	$(PY) -m bench.supply_plan
	$(PY) -m bench.forecast_tourism
	$(PY) -m bench.forecast_scale

clean:
	rm -rf out .pytest_cache .hypothesis
