"""The supervisor firmware under test: the real MicroPython unix port running
firmware/supervisor, with the machine shim, behind SupervisorSim. Conftests that need it
import the `sim` fixture from here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hw.sim.supervisor import SupervisorSim


@pytest.fixture
def sim() -> Iterator[SupervisorSim]:
    simulator = SupervisorSim()
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()
