"""A StratumSession fed pool lines directly, with no connection: already subscribed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from firmware.pool import PoolConfig
from firmware.pool.messages import Subscription
from firmware.pool.session import StratumSession

OnWork = Callable[[StratumSession, bool], Awaitable[None]]


async def no_work(session: StratumSession, clean: bool) -> None:
    return None


def offline_session(
    on_work: OnWork = no_work,
    *,
    url: str = "stratum+tcp://127.0.0.1:1",
    extranonce1: bytes = b"\x01\x02",
    extranonce2_size: int = 4,
) -> StratumSession:
    session = StratumSession(PoolConfig(url, "w"), 1, on_work, clock=lambda: 0.0, agent="test")
    session.subscription = Subscription(extranonce1, extranonce2_size)
    return session
