"""Every hashing test runs once per code path this CPU has (SHA-NI and portable)."""

from __future__ import annotations

import pytest

from firmware.hashing import available_impls


@pytest.fixture(scope="session", params=available_impls())
def impl(request: pytest.FixtureRequest) -> str:
    return str(request.param)
