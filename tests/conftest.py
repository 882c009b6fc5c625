"""Shared test fixtures. Part-specific fixtures live in the part's own conftest.py."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Skip outside CI when a real part (a Debian package, say) is missing; fail in CI,
    where `make test` must have installed it."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)
