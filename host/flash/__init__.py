"""Flashing over USB serial: the heater's update agent and the supervisor's MicroPython."""
