"""A MicroPython board on a pty: the real unix port behaving like a board on USB serial."""

from hw.sim.mpy_board.board import MicroPythonBoard

__all__ = ["MicroPythonBoard"]
