"""A chip that stops answering shows up in the heater's alarms, and goes when it is back."""

from __future__ import annotations

import asyncio
import time

from firmware.board import load_board
from firmware.config import parse_config
from firmware.daemon.daemon import HeaterDaemon
from hw.sim.chain import ChainSimulator

BOARD = "hearth-400"


async def until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {timeout_s} s"
        await asyncio.sleep(0.1)


def test_a_silent_chip_raises_an_alarm_until_it_answers_again(tmp_path):
    chain = ChainSimulator(load_board(BOARD), share_bits=16, cpu_budget=0.1)
    port = chain.start()
    config = parse_config(
        {
            "device": {"id": "chips", "board": BOARD, "state_dir": str(tmp_path)},
            "asic": {"port": port, "ticket_difficulty": chain.ticket_difficulty},
            "pool": [{"url": "stratum+tcp://127.0.0.1:9", "user": "bc1qtest.chips"}],
            "mqtt": {"broker": "embedded", "embedded_port": 0},
            "http": {"port": 0},
        }
    )

    def chip_alarms(daemon: HeaterDaemon) -> list[str]:
        return [a for a in daemon.state()["alarms"] if a.startswith("chips_silent")]  # type: ignore[attr-defined]

    async def scenario() -> None:
        daemon = HeaterDaemon(config)
        await daemon.start()
        try:
            # No room sensor: it heats at its cap, so the whole chain hashes.
            await until(lambda: chain.hashing_chips == 24, 30, "hashing")
            # The marker: every chip's rate measured, so each chip's counters were polled
            # and answered, which is what the alarm is judged on.
            await until(
                lambda: all(c.hashrate_ghs > 0 for c in daemon.miner_facts().chips),
                30,
                "every chip's rate measured",
            )
            assert chip_alarms(daemon) == []
            chain.silence_chip(5, True)
            chain.silence_chip(17, True)
            await until(lambda: chip_alarms(daemon) == ["chips_silent:2"], 15, "the alarm")
            # /api/system/asic's per-chip view names them.
            chips = daemon.miner_facts().chips
            assert [c.index for c in chips if not c.responding] == [5, 17]
            chain.silence_chip(5, False)
            chain.silence_chip(17, False)
            await until(lambda: chip_alarms(daemon) == [], 15, "the alarm to clear")
        finally:
            await daemon.stop()

    try:
        asyncio.run(scenario())
    finally:
        chain.stop()
