"""The OpenADR VEN against a real openleadr VTN (OpenADRServer) on a free loopback port,
inside the real hearthd (in-process, CPU backend, embedded broker): it registers, offers
its power and energy reports and sends them; refuses an unknown signal and an event wholly
in the past (opting out, nothing changes); an event sheds at its start time (the state
shows `limited_by` "openadr" and the power falls), the report the VTN receives shows the
shed, and a cancel restores. An unreachable VTN is an alarm, never a stop."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openleadr import OpenADRServer, objects

from firmware.config import parse_config
from firmware.daemon.daemon import HeaterDaemon

VEN_ID, REGISTRATION_ID = "ven-attic", "reg-attic"
PREFIX = "/OpenADR2/Simple/2.0b"
POLL_S = 0.5  # the VTN's requested poll period: events reach the VEN within it
TIMEOUT_S = 15.0


class Vtn:
    """A real openleadr VTN that records what the VEN tells it."""

    def __init__(self) -> None:
        self.server = OpenADRServer(
            vtn_id="TESTVTN",
            http_host="127.0.0.1",
            http_port=0,
            requested_poll_freq=timedelta(seconds=POLL_S),
        )
        self.registered: list[str] = []
        self.reports: list[tuple[str, float, datetime]] = []  # (measurement, value, at)
        self.opts: dict[str, str] = {}
        self.server.add_handler("on_create_party_registration", self._register)
        self.server.add_handler("on_register_report", self._offer)

    async def start(self) -> str:
        await self.server.run()
        port = self.server.app_runner.addresses[0][1]
        return f"http://127.0.0.1:{port}{PREFIX}"

    async def _register(self, info: dict[str, Any]) -> tuple[str, str]:
        self.registered.append(info["ven_name"])
        return VEN_ID, REGISTRATION_ID

    async def _offer(self, ven_id, resource_id, measurement, unit, scale,
                     min_sampling_interval, max_sampling_interval):  # fmt: skip
        def take(values: list[tuple[datetime, float]]) -> None:
            self.reports.extend((f"{measurement} {unit}", v, at) for at, v in values)

        return take, timedelta(seconds=1)

    def event(self, signal: str, kind: str, value: float, start: datetime, length_s: float) -> str:
        def opted(ven_id: str, event_id: str, opt_type: str) -> None:
            self.opts[event_id] = opt_type

        interval = objects.Interval(
            dtstart=start, duration=timedelta(seconds=length_s), signal_payload=value
        )
        return self.server.add_event(
            ven_id=VEN_ID,
            signal_name=signal,
            signal_type=kind,
            intervals=[interval],
            callback=opted,
        )


def config(tmp_path: Path, vtn_url: str):
    return parse_config(
        {
            "device": {"id": "adr", "board": "hearth-400", "state_dir": str(tmp_path)},
            "backend": {"kind": "cpu"},
            "pool": [{"url": "stratum+tcp://127.0.0.1:9", "user": "bc1qtest.adr"}],
            "mqtt": {"broker": "embedded", "embedded_port": 0},
            "http": {"port": 0},
            "heat": {"mode": "heat", "target_c": 21.0},
            "openadr": {"vtn_url": vtn_url, "ven_name": "attic", "key_passphrase": ""},
        }
    )


async def until(what: str, check: Callable[[], object], timeout_s: float = TIMEOUT_S) -> float:
    """Wait (polling every 20 ms) until `check()` holds; returns when it first did."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout_s} s: {what}"
        await asyncio.sleep(0.02)
    return time.time()


def test_an_event_sheds_at_its_start_reports_arrive_and_a_cancel_restores(tmp_path) -> None:
    async def scenario() -> None:
        vtn = Vtn()
        url = await vtn.start()
        daemon = HeaterDaemon(config(tmp_path, url))
        await daemon.start()
        state = daemon.state
        idle_w = daemon.board.power.idle_w
        try:
            await until("registered", lambda: vtn.registered == ["attic"])
            await until("heating", lambda: state()["power_w"] > 100.0)
            await until(
                "a power report", lambda: any(m == "RealPower W" for m, _, _ in vtn.reports)
            )
            await until(
                "an energy report", lambda: any(m == "RealEnergy Wh" for m, *_ in vtn.reports)
            )

            # Bad input: refused (opted out; openleadr answers no completed event), nothing
            # changes.
            now = datetime.now(UTC)
            unknown = vtn.event("x-heatPumpMode", "level", 1, now + timedelta(seconds=2), 30)
            past = vtn.event("SIMPLE", "level", 3, now - timedelta(seconds=120), 60)
            ven = daemon.openadr
            assert ven is not None
            await until("both refused", lambda: {unknown, past} <= set(ven.refused))
            await until("the opt-out delivered", lambda: vtn.opts == {unknown: "optOut"})
            assert "x-heatPumpMode/level is not supported" in ven.refused[unknown]
            assert "wholly in the past" in ven.refused[past]
            assert state()["limited_by"] is None

            # SIMPLE level 3 ("special"): 0 W from its start, not before.
            start = datetime.now(UTC) + timedelta(seconds=2)
            shed = vtn.event("SIMPLE", "level", 3, start, 120)
            await until("opted in", lambda: vtn.opts.get(shed) == "optIn")
            assert state()["limited_by"] is None  # delivered ahead of its start
            limited_at = await until("limited", lambda: state()["limited_by"] == "openadr")
            lag_s = limited_at - start.timestamp()
            assert 0.0 <= lag_s < 1.0, lag_s
            assert abs(state()["limited_until"] - (start.timestamp() + 120)) < 2.0
            low_at = await until("power down", lambda: state()["power_w"] <= idle_w)
            await until(
                "a report of the shed",
                lambda: any(
                    m == "RealPower W" and v <= idle_w and at.timestamp() >= low_at
                    for m, v, at in vtn.reports
                ),
            )
            energy = [v for m, v, _ in vtn.reports if m == "RealEnergy Wh"]
            assert len(energy) >= 2 and energy == sorted(energy)  # Wh counts up

            vtn.server.cancel_event(VEN_ID, shed)
            await until("cap lifted", lambda: state()["limited_by"] is None)
            await until("heating again", lambda: state()["power_w"] > 100.0)

            # SIMPLE level 1 ("moderate", 50 %), then the owner sets a target: an override,
            # the heater opts out of the event in force.
            moderate = vtn.event("SIMPLE", "level", 1, datetime.now(UTC), 120)
            await until("limited again", lambda: state()["limited_by"] == "openadr")
            await until("half power", lambda: state()["power_w"] <= 0.5 * daemon.max_w + 1.0)
            await daemon.service.apply_settings({"target_c": 23.0})
            await until("overridden", lambda: state()["limited_by"] is None)
            assert ven.refused[moderate] == "the owner overrode it"
            assert "openadr_unreachable" not in state()["alarms"]
        finally:
            await daemon.stop()
            await vtn.server.stop()

    asyncio.run(scenario())


def test_an_unreachable_vtn_is_an_alarm_and_hearthd_runs_on(tmp_path) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario() -> None:
        daemon = HeaterDaemon(config(tmp_path, f"http://127.0.0.1:{port}{PREFIX}"))
        await daemon.start()
        try:
            await until("the alarm", lambda: "openadr_unreachable" in daemon.state()["alarms"])
            await until("still heating", lambda: daemon.state()["power_w"] > 100.0)
            assert daemon.tasks["openadr"].done() is False
        finally:
            await daemon.stop()

    asyncio.run(scenario())
