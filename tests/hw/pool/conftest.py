"""Run `async def` tests in a fresh event loop, as in tests/firmware/pool."""

from tests.firmware.pool.conftest import pytest_pyfunc_call

__all__ = ["pytest_pyfunc_call"]
