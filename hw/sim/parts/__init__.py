"""Simulators of a hashboard's I2C parts (TPS546D24A, DS4432U + TPS40305, INA260,
EMC2101, TMP1075), each a register machine written from its datasheet and the PMBus
specification, never from firmware/parts, behind an smbus2-shaped `SimBus`;
`SimBoard` composes them from a board profile with the physics between them."""

from hw.sim.parts.board import SimBoard
from hw.sim.parts.bus import SimBus

__all__ = ["SimBoard", "SimBus"]
