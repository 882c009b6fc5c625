"""Fixtures: the real MicroPython supervisor behind SupervisorSim."""

from tests.support.supervisor import sim

__all__ = ["sim"]
