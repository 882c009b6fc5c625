"""The OpenADR 2.0b VEN: openleadr's client (its own aiohttp session and scheduler) glued
to the heater. It registers with the VTN (with backoff while the VTN is unreachable, the
alarm `openadr_unreachable` raised), answers every event (opt in or opt out, with the
reason logged), follows accepted events by posting the "openadr" power cap at each step
boundary, opts out when the owner overrides, and offers power (W) and energy (Wh)
telemetry reports from the heater's state. Nothing here can stop hearthd: every call to
the VTN is bounded in time, and a failure is an alarm and a retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Protocol

from openleadr import OpenADRClient, enums, objects, utils

from firmware.config.schema import OpenAdrConfig
from firmware.grid.openadr.book import EventBook
from firmware.grid.openadr.event import OptOut, read_event
from firmware.grid.openadr.policy import Limits, plan_event
from firmware.heat.caps import Cap

log = logging.getLogger(__name__)
logging.getLogger("openleadr").setLevel(logging.WARNING)  # it logs every report sample

SOURCE = "openadr"
ALARM = "openadr_unreachable"
REGISTER_TIMEOUT_S = 30.0  # one registration attempt (query, register, reports, events)
CALL_TIMEOUT_S = 15.0  # one message to the VTN (openleadr: 5 s connect, 10 s read)
BACKOFF_S = (1.0, 2.0, 5.0, 15.0, 30.0, 60.0)  # between registration attempts, then 60 s
SILENCE_POLLS = 3  # no answer for this many poll periods (at least SILENCE_MIN_S): alarm
SILENCE_MIN_S = 30.0
SETTINGS_CHECK_S = 1.0  # how often the owner's settings are compared (override)
REPORT_ID = "hearth-telemetry"
REPORT_MIN_S = 1.0  # the sampling the VEN offers: the VTN picks within this range
REPORT_MAX_S = 3600.0
REMEMBERED = 256  # events whose refusal reason and randomisation draw are kept


class Heater(Protocol):
    """What the VEN needs from the daemon (firmware.daemon.service.HeaterService)."""

    def state(self) -> Mapping[str, object]: ...

    def settings(self) -> Mapping[str, object]: ...

    async def post_cap(self, source: str, cap: Cap | None) -> None: ...


class OpenAdrVen:
    def __init__(
        self,
        config: OpenAdrConfig,
        heater: Heater,
        limits: Limits,
        *,
        control_at: Callable[[float], float],
        alarms: set[str],
        on_alarm: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.heater = heater
        self.limits = limits
        self.control_at = control_at
        self.alarms = alarms
        self.on_alarm = on_alarm
        self.clock = clock
        self.rng = rng
        self.book = EventBook()
        self.client: OpenADRClient | None = None
        self.last_contact = 0.0  # clock time of the VTN's last answer
        self.refused: dict[str, str] = {}  # event id -> why the VEN opted out
        self._draws: dict[str, float] = {}  # event id -> its randomisation draw
        self._posted: tuple[float, float] | None = None  # the cap last posted (W, end)
        self._changed = asyncio.Event()

    # ---- running ---------------------------------------------------------------------

    async def run(self) -> None:
        """Follow events and stay registered, until cancelled."""
        follow = asyncio.create_task(self._follow(), name="openadr-follow")
        try:
            await self._stay_registered()
        finally:
            follow.cancel()
            await asyncio.gather(follow, return_exceptions=True)

    async def stop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            await _close(client)

    async def _stay_registered(self) -> None:
        failures = 0
        while True:
            client = self._new_client()
            registered = False
            try:
                async with asyncio.timeout(REGISTER_TIMEOUT_S):
                    await client.run()
                registered = client.registration_id is not None
            except TimeoutError:
                log.warning("openadr: registration with %s timed out", self.config.vtn_url)
            except Exception as exc:  # openleadr raises what aiohttp and lxml raise
                log.warning("openadr: registration with %s failed: %s", self.config.vtn_url, exc)
            if not registered:
                await _close(client)
                self._alarm(True)
                delay = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                failures += 1
                log.warning("openadr: not registered with %s; retry in %.0f s",
                            self.config.vtn_url, delay)  # fmt: skip
                await asyncio.sleep(delay)
                continue
            failures = 0
            self.client = client
            self.last_contact = self.clock()
            self._alarm(False)
            log.info("openadr: registered with %s as %s", self.config.vtn_url, client.ven_id)
            await self._watch(client)
            self.client = None
            await _close(client)

    async def _watch(self, client: OpenADRClient) -> None:
        """While registered: the alarm follows the VTN's silence. Returns when the VTN
        ended the registration (openleadr then forgets it), to register again."""
        poll_s = client.poll_frequency.total_seconds() if client.poll_frequency else 10.0
        silence_s = max(SILENCE_MIN_S, SILENCE_POLLS * poll_s)
        while client.registration_id is not None:
            self._alarm(self.clock() - self.last_contact > silence_s)
            await asyncio.sleep(min(poll_s, silence_s / 3))

    def _alarm(self, on: bool) -> None:
        if on != (ALARM in self.alarms):
            (self.alarms.add if on else self.alarms.discard)(ALARM)
            self.on_alarm()

    def _new_client(self) -> OpenADRClient:
        c = self.config
        signed = c.cert_file is not None
        client = OpenADRClient(
            ven_name=c.ven_name,
            vtn_url=c.vtn_url,
            ven_id=c.ven_id or None,
            cert=str(c.cert_file) if signed else None,
            key=str(c.key_file) if signed else None,
            passphrase=c.key_passphrase.value or None,
            ca_file=str(c.ca_file) if c.ca_file else None,
            vtn_fingerprint=c.vtn_fingerprint or None,
            show_fingerprint=False,
            disable_signature=not signed,
        )
        client.add_handler("on_event", self.on_event)
        client.add_handler("on_update_event", self.on_event)
        client.add_hook("after_receive_xml", self._heard)
        sampling = objects.SamplingRate(
            min_period=timedelta(seconds=REPORT_MIN_S),
            max_period=timedelta(seconds=REPORT_MAX_S),
            on_change=False,
        )
        for r_id, measurement, unit, read in (
            ("power", "power_real", "W", self.power_w),
            ("energy", "energy_real", "Wh", self.energy_wh),
        ):
            client.add_report(
                read,
                resource_id="heater",
                measurement=measurement,
                unit=unit,
                r_id=r_id,
                report_specifier_id=REPORT_ID,
                report_name=enums.REPORT_NAME.TELEMETRY_USAGE,
                report_duration=timedelta(seconds=REPORT_MAX_S),
                sampling_rate=sampling,
            )
        return client

    def _heard(self, _xml: str) -> None:
        self.last_contact = self.clock()

    # ---- reports ---------------------------------------------------------------------

    def power_w(self) -> float:
        return _number(self.heater.state().get("power_w"))

    def energy_wh(self) -> float:
        return round(_number(self.heater.state().get("energy_kwh")) * 1000.0, 3)

    # ---- events ----------------------------------------------------------------------

    async def on_event(self, event: dict[str, Any]) -> str:
        """openleadr's handler for a new or modified event: "optIn" or "optOut"."""
        return self.take(event, self.clock())

    def take(self, event: Mapping[str, Any], now_s: float) -> str:
        descriptor = event.get("event_descriptor") if isinstance(event, Mapping) else None
        event_id = descriptor.get("event_id") if isinstance(descriptor, Mapping) else None
        event_id = event_id if isinstance(event_id, str) else ""
        try:
            adr = read_event(event)
            if adr.status == "cancelled":
                if self.book.drop(adr.event_id):
                    log.info("openadr: event %s cancelled; cap lifted", adr.event_id)
                    self._changed.set()
                return enums.OPT.OPT_IN  # acknowledged
            if adr.event_id in self.book.overridden:
                raise OptOut(f"event {adr.event_id}: the owner overrode it")
            if adr.event_id not in self._draws:
                _remember(self._draws, adr.event_id, self.rng())
            draw = self._draws[adr.event_id]
            plan = plan_event(
                adr,
                now_s=now_s,
                limits=self.limits,
                participation=self.config.participation,
                draw=draw,
            )
        except OptOut as exc:
            _remember(self.refused, event_id, str(exc))
            log.warning("openadr: opted out of event %s: %s", event_id or "?", exc)
            if self.book.drop(event_id):  # a refused modification: no longer followed
                self._changed.set()
            return enums.OPT.OPT_OUT
        self.book.accept(plan)
        self.refused.pop(plan.event_id, None)
        log.info("openadr: opted in to event %s: %s", plan.event_id, plan.steps)
        self._changed.set()
        return enums.OPT.OPT_IN

    async def _follow(self) -> None:
        """Post the cap in force at every step boundary; watch for owner overrides."""
        settings = dict(self.heater.settings())
        while True:
            now = self.clock()
            now_settings = dict(self.heater.settings())
            if now_settings != settings:
                settings = now_settings
                for event_id in self.book.override(now):
                    _remember(self.refused, event_id, "the owner overrode it")
                    log.info("openadr: owner override; opting out of event %s", event_id)
                    await self._opt_out(event_id)
            self.book.expire(now)
            await self._post(now)
            self._changed.clear()
            wake = self.book.next_change(now)
            wait = SETTINGS_CHECK_S if wake is None else min(SETTINGS_CHECK_S, wake - now)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), max(0.0, wait))

    async def _post(self, now_s: float) -> None:
        force = self.book.in_force(now_s)
        wanted = None if force is None else (force.max_power_w, force.until_s)
        if wanted == self._posted:
            return
        cap = None
        if force is not None:
            cap = Cap(SOURCE, force.max_power_w, self.control_at(force.until_s))
        try:
            await self.heater.post_cap(SOURCE, cap)
        except (TimeoutError, ValueError) as exc:
            log.error("openadr: cap not posted (%s); retrying", exc)
            return
        self._posted = wanted

    async def _opt_out(self, event_id: str) -> None:
        """Tell the VTN (an unsolicited oadrCreatedEvent) that the heater left the event."""
        client = self.client
        if client is None:
            return
        event = utils.find_by(client.received_events, "event_descriptor.event_id", event_id)
        modification = event["event_descriptor"]["modification_number"] if event else 0
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S):
                await client.created_event(
                    request_id=utils.generate_id(),
                    event_id=event_id,
                    opt_type=enums.OPT.OPT_OUT,
                    modification_number=modification,
                )
        except Exception as exc:
            log.warning("openadr: opt-out of %s not delivered: %s", event_id, exc)


async def _close(client: OpenADRClient) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(CALL_TIMEOUT_S):
            if client.client_session is None:
                return
            await client.stop()


def _remember(memory: dict[str, Any], key: str, value: Any) -> None:
    memory.pop(key, None)
    memory[key] = value
    while len(memory) > REMEMBERED:
        del memory[next(iter(memory))]


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
