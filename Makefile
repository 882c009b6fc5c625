# Hearth — every target does its own set-up on a brand-new machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages the test suite uses (installed when root and missing).
TEST_DEBS := mosquitto xvfb xauth libegl-mesa0 libgl1-mesa-dri valgrind

.PHONY: setup core sysdeps lint test run bench app clean

setup: $(STAMP) core

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,app,micropython]'
	touch $@

# The cffi SHA-256d core: compiled once by the install step, never at import time.
core: $(STAMP)
	$(PY) -m firmware.hashing.build

sysdeps: $(STAMP)
	$(PY) -m host.sysdeps $(TEST_DEBS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: setup sysdeps lint
	$(VENV)/bin/pytest

run: setup
	$(VENV)/bin/hearth sim

bench: setup
	$(PY) -m tests.bench

app: setup
	$(PY) -m app

clean:
	rm -rf $(VENV) build *.egg-info firmware/hashing/_core*.so bench-results
