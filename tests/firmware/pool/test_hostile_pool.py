"""A hostile pool over real TCP: a `client.reconnect` that would park the heater for an
hour, sticky and refused redirects, an unreachable difficulty, a flood of junk lines."""

from __future__ import annotations

import logging
import socket
import time

import pytest

import firmware.pool.manager as pool_manager
from firmware.logs import RepeatFilter
from firmware.pool.status import is_unreachable
from hw.sim.pool import LocalPool
from tests.firmware.pool.test_end_to_end import local_pools, mining, until


def free_dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_hour_long_reconnect_fails_over_and_comes_back_within_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bound = 3.0
    monkeypatch.setattr(pool_manager, "MAX_RECONNECT_WAIT_S", bound)
    async with local_pools(2) as (first, second), mining([first, second]) as (manager, backend):
        await until(lambda: manager.status().url == first.url)
        asked = time.monotonic()
        await first.send_reconnect([None, None, 3600])
        # Meanwhile: the backup pool, not an hour without a pool.
        await until(lambda: manager.status().url == second.url, timeout=10)
        assert any(job.tag.pool_url == second.url for job in backend.jobs)
        # After the bounded wait, and not before it: back on the primary.
        await until(lambda: manager.status().url == first.url, timeout=15)
        assert time.monotonic() - asked >= bound
        assert manager.status().state == "connected"


async def test_a_failed_port_redirect_is_forgotten_and_the_configured_port_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with local_pools(1) as (pool,), mining([pool]) as (manager, _):
        await until(lambda: manager.status().shares_accepted >= 1)
        before = pool.counters.accepted
        with caplog.at_level(logging.WARNING, logger="firmware.pool.manager"):
            await pool.ask_reconnect(free_dead_port())
            await until(lambda: "back to its own port" in caplog.text)
        await until(lambda: pool.counters.accepted > before)
        assert manager.status().url == pool.url


async def test_a_redirect_to_another_host_is_refused_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with local_pools(1) as (pool,), mining([pool]) as (manager, _):
        await until(lambda: manager.status().shares_accepted >= 1)
        elsewhere = LocalPool(difficulty=1e-4)
        port = await elsewhere.start()
        try:
            with caplog.at_level(logging.WARNING, logger="firmware.pool.manager"):
                await pool.send_reconnect(["evil.example", port, 0])
                await until(lambda: "refused" in caplog.text)
            before = pool.counters.accepted
            await until(lambda: pool.counters.accepted > before)
            assert elsewhere.clients == 0
        finally:
            await elsewhere.stop()


async def test_an_unreachable_difficulty_is_flagged() -> None:
    async with local_pools(1) as (pool,), mining([pool]) as (manager, _):
        await until(lambda: manager.status().shares_accepted >= 1)
        assert not manager.status().difficulty_unreachable
        await pool.set_difficulty(1e300)
        await until(lambda: manager.status().difficulty_unreachable)
    assert is_unreachable(1e300) and not is_unreachable(1e12)


async def test_junk_lines_give_a_bounded_log(caplog: pytest.LogCaptureFixture) -> None:
    handler_filter = RepeatFilter()
    caplog.handler.addFilter(handler_filter)
    async with local_pools(1) as (pool,), mining([pool]) as (manager, _):
        await until(lambda: manager.status().shares_accepted >= 1)
        with caplog.at_level(logging.WARNING, logger="firmware.pool.session"):
            for _ in range(96):
                await pool.send_raw(b"{junk junk junk}\n" * 100)
            await until(lambda: manager.status().bad_lines >= 9600, timeout=30)
    junk = [r for r in caplog.records if "bad line" in r.getMessage()]
    assert len(junk) <= 10
    assert sum(len(r.getMessage()) for r in caplog.records) < 20_000
