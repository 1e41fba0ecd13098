# The two commands a newcomer needs (see README):
#   make demo   # install into .venv, then generate -> train -> evaluate -> predict on the offline model
#   make test   # install into .venv, then run every test (fast and slow), as CI does
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast lint format clean

$(STAMP): pyproject.toml scripts/setup.sh
	VENV=$(VENV) bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

# e.g. make demo DEMO_ARGS="--max-steps 20 --eval-limit 30" for a quicker look
DEMO_ARGS ?=
demo: $(STAMP)
	$(VENV)/bin/triage demo $(DEMO_ARGS)

test: $(STAMP)
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

clean:
	rm -rf outputs runs .pytest_cache
