"""Errors the chain driver raises for its owner to see."""

from __future__ import annotations


class ChainError(RuntimeError):
    """The chain cannot be brought up or driven."""


class ChainCountError(ChainError):
    """Enumeration found a different number of chips than the board profile says."""

    def __init__(self, model: str, expected: int, found: int, port: str) -> None:
        self.expected = expected
        self.found = found
        super().__init__(
            f"chip count mismatch on {port}: board profile expects {expected}x {model}, "
            f"found {found} answering"
        )


class ChainModelError(ChainError):
    """A chip answered with another family's chip id."""

    def __init__(self, expected: str, found_chip_id: int, port: str) -> None:
        self.expected = expected
        self.found_chip_id = found_chip_id
        super().__init__(
            f"wrong chip on {port}: board profile expects {expected}, "
            f"a chip answered with id {found_chip_id:04X}"
        )
