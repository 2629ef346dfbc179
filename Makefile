# The two set-up commands: `make demo` and `make test`. Both create .venv when missing and
# install what they need (torch first, pinned to the CPU build, so pip never pulls CUDA wheels).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed-stamp
TORCH  := torch==2.13.0
PYTEST_ARGS ?=

.PHONY: demo test install system-deps lint bench clean

demo: $(STAMP)
	$(VENV)/bin/sqlsynth demo --out demo-out

test: $(STAMP) system-deps
	$(VENV)/bin/ruff check
	$(VENV)/bin/pytest $(PYTEST_ARGS)

install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PIP) install --quiet $(TORCH)
	$(PIP) install --quiet -e '.[postgres,ml,dev]'
	touch $(STAMP)

# What the suite needs from the system: a PostgreSQL server binary (the tests start a throwaway one).
system-deps:
	@scripts/ensure-system-deps.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check
	$(VENV)/bin/ruff format --check

clean:
	rm -rf $(VENV) demo-out .pytest_cache .ruff_cache
