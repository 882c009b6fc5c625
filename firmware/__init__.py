"""Hearth firmware: the controller daemon `hearthd` and the supervisor MCU code.

Nothing here imports from `hw`, `host` or `app`: this package is what gets flashed.
"""

__version__ = "0.1.0"
