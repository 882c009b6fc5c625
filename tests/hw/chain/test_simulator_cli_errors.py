"""`python -m hw.sim.chain` refuses bad options with a usage error, not a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        (["--board", "nope"], "allowed: bitaxe-gamma"),
        (["--chips", "0"], "chips must be 1..256, got 0"),
        (["--share-bits", "300"], "share_bits must be 1..32"),
    ],
)
def test_bad_options_are_refused_in_one_line(argv: list[str], why: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hw.sim.chain", *argv],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert why in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""  # no pty path printed: nothing was started
