# Hearth — every target does its own set-up on a brand-new machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages the test suite uses (installed when root and missing).
TEST_DEBS := mosquitto xvfb xauth libegl-mesa0 libgl1-mesa-dri valgrind iproute2 util-linux chromium chromium-driver zbar-tools

.PHONY: setup core sysdeps lint test run bench fuzz app clean

setup: $(STAMP) core

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml setup.py | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,app,micropython]'
	touch $@

# The cffi SHA-256d core: the package build compiles it (setup.py's cffi_modules), so the
# editable install above, a wheel and `pip install .` carry it; never at import time.
# `make core` rebuilds it in place after a C change (a no-op when it is current).
core: $(STAMP)
	$(PY) -m firmware.hashing.build

sysdeps: $(STAMP)
	$(PY) -m host.sysdeps $(TEST_DEBS)

# MicroPython stubs for the supervisor's type check, kept out of site-packages: they would
# shadow CPython's typeshed for everything else.
MPY_STUBS := $(VENV)/mpy-stubs
MPY_STUB_PACKAGES := micropython-rp2-rpi-pico-stubs==1.29.0.post1 micropython-stdlib-stubs==1.29.0.post2

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	test -f $(MPY_STUBS)/.installed || { $(PY) -m pip install --quiet --target $(MPY_STUBS) $(MPY_STUB_PACKAGES) && touch $(MPY_STUBS)/.installed; }
	MYPYPATH=firmware/supervisor:$(MPY_STUBS) $(VENV)/bin/mypy --config-file hw/micropython/supervisor-mypy.ini --custom-typeshed-dir $(MPY_STUBS)

test: setup sysdeps lint
	$(VENV)/bin/pytest

run: setup
	$(VENV)/bin/hearth sim

# Every outside-facing parser with 100 000 hostile cases each (tests/fuzz; `make test`
# runs the same tests with 200 cases each). Cases and crashes per parser: fuzz-results/.
FUZZ_CASES ?= 100000
fuzz: setup
	HEARTH_FUZZ_CASES=$(FUZZ_CASES) HEARTH_FUZZ_RESULTS=fuzz-results $(VENV)/bin/pytest tests/fuzz -q
	cat fuzz-results/*.json

bench: setup
	$(PY) -m tests.bench

# The app against the virtual heater: `make run` (in another terminal) writes its
# embedded broker's address and credentials there. ARGS="--screen stats" etc. pass through.
app: setup
	$(PY) -m app --credentials state/sim/broker-credentials.json $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info firmware/hashing/_core*.so bench-results fuzz-results
