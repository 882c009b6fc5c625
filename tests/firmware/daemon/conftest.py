"""Fixtures for running the real hearthd: the local demo pool as a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest


@pytest.fixture
def demo_pool() -> Iterator[str]:
    """`python -m hw.sim.pool` on a free port, at a share difficulty a CPU reaches."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hw.sim.pool", "--port", "0", "--difficulty", "0.0005"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"stratum\+tcp://\S+", line)
        assert match, f"pool did not start: {line!r}"
        yield match.group(0)
    finally:
        process.terminate()
        process.wait(timeout=10)
