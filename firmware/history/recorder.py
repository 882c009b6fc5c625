"""`HistoryRecorder`: feeds `History` from the daemon's published state once a minute,
keeps it in `<state_dir>/history.json` and hands its MQTT payloads to a publisher.

Time is the caller's `now_unix` (under `hearth sim`, the simulated wall clock: start
time plus control time, so a fast simulation fills 48 hours in 48/speed hours). The
file is the store's envelope (versioned, checksummed, atomic replace with a `.prev`
copy, `firmware.store`), written every `SAVE_EVERY` samples and at stop. A damaged or
foreign file is logged and the history starts empty: losing charts never stops heating.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pathlib
from collections.abc import Callable, Mapping

from firmware.history.ring import HOURS, MINUTE_S, MINUTES, History, Span
from firmware.store import Store

log = logging.getLogger(__name__)

HISTORY_FILE = "history.json"
SECTION = "history"
SAVE_EVERY = 10  # samples between two writes of the file (and one at stop)
# MQTT: `<prefix>/<id>/history/<level>` (docs/mqtt.md, "history (Hearth extension)").
MQTT_LEVELS = {MINUTES.name: "minute", HOURS.name: "hour"}

StateGetter = Callable[[], Mapping[str, object]]
# (span, compact JSON payload) -> True if it went out (False: not connected now).
Publisher = Callable[[Span, bytes], bool]


def sample_of(state: Mapping[str, object]) -> dict[str, object]:
    """The history fields from the MQTT `state` object (docs/mqtt.md, "state")."""
    ghs = state.get("hashrate_ghs")
    return {
        "room_c": state.get("room_c"),
        "target_c": state.get("target_c"),
        "power_w": state.get("power_w"),
        "hashrate_ths": ghs / 1000.0 if isinstance(ghs, int | float) else None,
        "energy_kwh": state.get("energy_kwh"),
        "earnings_sat": state.get("earned_sats"),
    }


def encode(history: History, span: Span) -> bytes:
    return json.dumps(history.document(span), separators=(",", ":"), allow_nan=False).encode()


class HistoryRecorder:
    def __init__(
        self,
        state_dir: pathlib.Path,
        *,
        get_state: StateGetter,
        now_unix: Callable[[], float],
        speed: float = 1.0,
    ) -> None:
        self.store = Store(state_dir, filename=HISTORY_FILE, clock=now_unix)
        self.history = History()
        self._get_state = get_state
        self._now = now_unix
        self._speed = speed
        self.publish: Publisher | None = None
        self._unsaved = 0
        self._hour_sent: int | None = None  # the newest hour row last sent (None: never)

    # ---- the file ----------------------------------------------------------------------

    def restore(self) -> None:
        loaded = self.store.load()  # logs and skips damaged copies itself
        if SECTION not in loaded.sections:
            return
        try:
            kept = History.from_dict(loaded.sections[SECTION], now_unix=self._now())
        except ValueError as exc:
            log.warning("history: %s: %s; starting with an empty history", self.store.path, exc)
            return
        # In place: the HTTP API holds this object.
        self.history.minutes.extend(kept.minutes)
        self.history.hours.extend(kept.hours)

    def save(self) -> None:
        """Write the file now (raises OSError/ValueError)."""
        self.store.save({SECTION: self.history.to_dict()})
        self._unsaved = 0

    # ---- one minute ----------------------------------------------------------------------

    def take(self) -> None:
        """Record the state now and publish what is due (pure but for the publisher)."""
        self.history.add(self._now(), sample_of(self._get_state()))
        self._unsaved += 1
        self.publish_due()

    def publish_due(self) -> None:
        publish = self.publish
        if publish is None:
            return
        if not publish(MINUTES, encode(self.history, MINUTES)):
            self._hour_sent = None  # not connected: send `hour` again once we are
            return
        last_hour = self.history.hours[-1][0] if self.history.hours else 0
        if last_hour != self._hour_sent and publish(HOURS, encode(self.history, HOURS)):
            self._hour_sent = last_hour

    async def run(self) -> None:
        """Take a sample at every minute of `now_unix`; save every `SAVE_EVERY`."""
        while True:
            now = self._now()
            wait = (MINUTE_S - now % MINUTE_S) / self._speed
            await asyncio.sleep(wait)
            try:
                self.take()
            except Exception:  # a bad state must not end the history for good
                log.exception("history: could not record a sample")
            if self._unsaved >= SAVE_EVERY:
                try:
                    await asyncio.to_thread(self.save)
                except (OSError, ValueError) as exc:
                    log.error("history: could not save %s: %s", self.store.path, exc)
