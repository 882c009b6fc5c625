"""The named failures of a board part. A driver never crashes on a bus error and never
returns a made-up value: an `OSError` from the bus becomes `PartNotAnswering`, a reading
the part cannot produce becomes `ImpossibleReading`. `code` is the alarm code the daemon
raises, `<role>_not_answering` / `<role>_impossible_reading` (role `vr` for the core
rail's parts, `meter`, `fan`, `temp`)."""

from __future__ import annotations


class PartError(RuntimeError):
    """A part that failed; `part` is its name (TPS546D24A), `address` its 7-bit address."""

    def __init__(self, code: str, part: str, address: int, message: str) -> None:
        super().__init__(f"{part} at 0x{address:02x}: {message}")
        self.code = code
        self.part = part
        self.address = address


class PartNotAnswering(PartError):
    """The bus raised OSError (no acknowledge, a timeout, the bus gone)."""


class ImpossibleReading(PartError):
    """The part answered with a value outside what it can measure (or its fault code)."""
