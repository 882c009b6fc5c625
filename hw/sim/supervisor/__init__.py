"""Simulated supervisor MCU: the real MicroPython firmware on the unix port, with simulated
thermistors, fan and tilt switch, its UART on a pseudo-terminal."""

from hw.sim.supervisor.sim import SupervisorSim

__all__ = ["SupervisorSim"]
