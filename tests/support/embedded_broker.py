"""Hearth's embedded amqtt broker (firmware.broker) for tests, on its own event loop thread.

The broker runs in a background thread so synchronous tests, subprocesses and code under
test with its own asyncio loop can all connect to it. Authentication is on, as in the
product; credentials come back in `BrokerInfo` (and in `<state_dir>/broker-credentials.json`).

    from tests.support.embedded_broker import embedded_broker  # noqa: F401  (fixture)
"""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import tempfile
import threading
from collections.abc import Iterator

import pytest

from firmware.broker import BrokerInfo, EmbeddedBroker


class EmbeddedBrokerThread:
    """An `EmbeddedBroker` on 127.0.0.1 (port 0 = free port) served from a daemon thread."""

    def __init__(self, state_dir: pathlib.Path, *, port: int = 0, authentication: bool = True):
        self.broker = EmbeddedBroker(
            state_dir, host="127.0.0.1", port=port, authentication=authentication
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> BrokerInfo:
        self.thread.start()
        return asyncio.run_coroutine_threadsafe(self.broker.start(), self.loop).result(timeout=30)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.broker.stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@contextlib.contextmanager
def running_embedded_broker(
    state_dir: pathlib.Path | None = None, *, authentication: bool = True
) -> Iterator[BrokerInfo]:
    with contextlib.ExitStack() as stack:
        if state_dir is None:
            state_dir = pathlib.Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="hearth-amqtt-"))
            )
        runner = EmbeddedBrokerThread(state_dir, authentication=authentication)
        info = runner.start()
        try:
            yield info
        finally:
            runner.stop()


@pytest.fixture
def embedded_broker() -> Iterator[BrokerInfo]:
    """The embedded amqtt broker with generated credentials, on a free loopback port."""
    with running_embedded_broker() as info:
        yield info
