"""The app's root view-model: connection, the heaters found on the broker, and commands.

The MQTT link calls `on_connected`, `on_disconnected` and `on_message` (always on the UI
thread, handed over by the link's scheduler); the views read the public attributes,
call the command methods, and `subscribe` to be told when anything changed.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import replace

from app.model.alerts import SEVERITY_ORDER, Alert
from app.model.found import FoundHeater, Pairing
from app.model.heater import Heater
from app.model.heater_history import HistoryPayloadError, decode_history
from app.model.heater_state import MODES, PRESETS, StatePayloadError, decode_state
from app.model.schedule import TARGET_MAX_C, TARGET_MIN_C, TIME_PATTERN, ScheduleEditor
from app.model.settings import AppSettings
from app.model.units import setpoint_c, snap_display

Publisher = Callable[[str, bytes], bool]
Listener = Callable[[], None]

DISCONNECTED = "disconnected"
CONNECTING = "connecting"
CONNECTED = "connected"
# A retained empty payload on `state` is how a heater (or its owner) removes itself.
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_REFUSALS_KEPT = 5
LEAVES = ("state", "availability", "result")
# Hearth's retained history (docs/mqtt.md): one minute for 48 h, one hour for 90 days.
HISTORY_LEAVES = ("history/minute", "history/hour")


class CommandRefused(ValueError):
    """A command the app will not send (not connected, no heater, out of range)."""


class AppModel:
    def __init__(
        self,
        settings: AppSettings,
        *,
        clock: Callable[[], float] = time.time,
        saved_days: dict[str, object] | None = None,
    ) -> None:
        self.settings = settings
        # Per heater, the "today" baselines saved by an earlier run (see daily_counter.py).
        self.saved_days = dict(saved_days or {})
        self.clock = clock
        self.connection = DISCONNECTED
        self.connection_detail = ""
        self.heaters: dict[str, Heater] = {}
        self.selected_id: str | None = None
        self.user_selected = False  # until the owner picks one, show an online heater
        self.publisher: Publisher | None = None
        self.listeners: list[Listener] = []
        self.revision = 0
        self.request_ids = itertools.count(1)
        self.request_prefix = f"app-{int(clock()) % 100000}"
        self.message = ""  # the latest thing to tell the owner (errors of commands)
        # Called with every settings change made in the app (the app saves them).
        self.on_settings: Callable[[AppSettings], None] | None = None
        # Heaters advertised on the LAN (mDNS), by service name; pairing's progress.
        self.found: dict[str, FoundHeater] = {}
        self.found_refused: list[str] = []  # advertisements skipped, and why (last few)
        self.pairing_with: str | None = None  # the service name being paired with
        self.pairing_busy = False  # a code is on its way to the heater
        self.pairing_message = ""

    # -- observation ----------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self.listeners.append(listener)

    def changed(self) -> None:
        self.revision += 1
        for listener in list(self.listeners):
            listener()

    # -- topics ----------------------------------------------------------------------
    @property
    def prefix(self) -> str:
        return self.settings.prefix

    def subscriptions(self) -> list[str]:
        return [f"{self.prefix}/+/{leaf}" for leaf in (*LEAVES, *HISTORY_LEAVES)]

    def split_topic(self, topic: str) -> tuple[str, str] | None:
        """`<prefix>/<id>/<leaf>` -> (id, leaf); the leaf may be `history/minute|hour`."""
        head = self.prefix + "/"
        if not topic.startswith(head):
            return None
        device_id, _, leaf = topic[len(head) :].partition("/")
        if not device_id or leaf not in (*LEAVES, *HISTORY_LEAVES):
            return None
        return device_id, leaf

    # -- link events -----------------------------------------------------------------
    def on_connecting(self, detail: str) -> None:
        self.connection, self.connection_detail = CONNECTING, detail
        self.changed()

    def on_connected(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self.connection, self.connection_detail = CONNECTED, ""
        self.changed()

    def on_disconnected(self, detail: str) -> None:
        self.publisher = None
        self.connection, self.connection_detail = DISCONNECTED, detail
        self.changed()

    def on_message(self, topic: str, payload: bytes) -> None:
        split = self.split_topic(topic)
        if split is None:
            return
        device_id, leaf = split
        now = self.clock()
        if leaf == "state":
            self.on_state(device_id, payload, now)
        elif leaf == "availability":
            self.on_availability(device_id, payload)
        elif leaf == "result":
            self.on_result(device_id, payload)
        else:
            self.on_history(device_id, leaf.removeprefix("history/"), payload)
        if not self.user_selected:
            self.selected_id = self.preferred(now)
        self.changed()

    def preferred(self, now: float) -> str | None:
        """The first online heater by id, else the first one at all."""
        online = [key for key in sorted(self.heaters) if self.heaters[key].online(now)]
        return online[0] if online else min(self.heaters, default=None)

    def on_state(self, device_id: str, payload: bytes, now: float) -> None:
        if not payload:
            self.forget(device_id)
            return
        heater = self.heater(device_id)
        if len(payload) > MAX_PAYLOAD_BYTES:
            heater.bad_payload = f"state of {len(payload)} bytes refused (too large)"
            return
        try:
            heater.apply_state(decode_state(payload), now)
        except StatePayloadError as error:
            heater.bad_payload = str(error)

    def on_history(self, device_id: str, level: str, payload: bytes) -> None:
        """The heater's retained history: the charts are full the moment it arrives."""
        if not payload:
            return
        heater = self.heater(device_id)
        try:
            heater.kept[level] = decode_history(payload)
            heater.history_problem = None
        except HistoryPayloadError as error:
            heater.history_problem = str(error)

    def on_availability(self, device_id: str, payload: bytes) -> None:
        text = payload.decode("utf-8", errors="replace").strip()
        if device_id not in self.heaters and not text:
            return
        heater = self.heater(device_id)
        heater.availability = text if text in ("online", "offline") else None

    def on_result(self, device_id: str, payload: bytes) -> None:
        heater = self.heaters.get(device_id)
        if heater is None:
            return
        try:
            result = json.loads(payload)
        except ValueError:
            return
        if not isinstance(result, dict) or not isinstance(result.get("ok"), bool):
            return
        error = result.get("error")
        if (
            heater.pending.on_result(
                result.get("request"), result["ok"], error if isinstance(error, str) else None
            )
            and heater.pending.last_error
        ):
            self.message = heater.pending.last_error

    def heater(self, device_id: str) -> Heater:
        heater = self.heaters.get(device_id)
        if heater is None:
            heater = self.heaters[device_id] = Heater(device_id)
            heater.restore_day(self.saved_days.get(device_id))
        return heater

    def day_snapshot(self) -> dict[str, object]:
        """Every heater's "today" baselines, to save for the next run of the app."""
        snapshot = dict(self.saved_days)
        snapshot.update({key: heater.day_snapshot() for key, heater in self.heaters.items()})
        return snapshot

    def forget(self, device_id: str) -> None:
        self.heaters.pop(device_id, None)
        if self.selected_id == device_id:
            self.user_selected = False
            self.selected_id = min(self.heaters, default=None)

    def forget_all(self) -> None:
        """Connecting to another broker: its heaters will be discovered afresh."""
        self.saved_days = self.day_snapshot()
        self.heaters.clear()
        self.selected_id, self.user_selected = None, False
        self.changed()

    def tick(self) -> None:
        """Called every second by the UI: confirmation timeouts, heaters going stale."""
        now = self.clock()
        changed = False
        for heater in self.heaters.values():
            if heater.pending.expire(now):
                self.message = heater.pending.last_error or ""
                changed = True
        if changed or self.heaters:
            self.changed()

    # -- heaters on the LAN (mDNS) and pairing ----------------------------------------
    def on_found(self, service: str, heater: FoundHeater) -> None:
        self.found[service] = heater
        self.changed()

    def on_gone(self, service: str) -> None:
        self.found.pop(service, None)
        if self.pairing_with == service and not self.pairing_busy:
            self.pairing_with = None
            self.pairing_message = "That heater is no longer on the network."
        self.changed()

    def on_found_refused(self, reason: str) -> None:
        self.found_refused = [*self.found_refused[-(MAX_REFUSALS_KEPT - 1) :], reason]
        self.changed()

    def found_list(self) -> list[tuple[str, FoundHeater]]:
        return sorted(self.found.items(), key=lambda item: (item[1].name.lower(), item[0]))

    def start_pairing(self, service: str) -> None:
        if service not in self.found:
            raise KeyError(service)
        self.pairing_with = service
        heater = self.found[service]
        self.pairing_message = (
            f"Type the 6-digit code shown on {heater.name}'s page."
            if heater.pairing_open
            else f"Open pairing on {heater.name}'s page, then type the 6-digit code it shows."
        )
        self.changed()

    def begin_pairing(self, service: str) -> FoundHeater | None:
        """Pair was tapped: the heater to send the code to, or None (it is gone, or a
        code is already on its way: one tap, one try of the heater's few)."""
        heater = self.found.get(service)
        if heater is None or self.pairing_busy:
            return None
        self.pairing_busy = True
        self.pairing_message = f"Pairing with {heater.name}…"
        self.changed()
        return heater

    def paired(self, pairing: Pairing | None, error: str) -> AppSettings | None:
        """The end of a pairing: the settings to connect with, or None (and why)."""
        self.pairing_busy = False
        if pairing is None:
            self.pairing_message = error
            self.changed()
            return None
        self.pairing_with = None
        self.pairing_message = f"Paired with {pairing.name or pairing.device_id}."
        settings = replace(
            self.settings,
            broker_host=pairing.host,
            broker_port=pairing.port,
            username=pairing.username,
            password=pairing.password,
            prefix=pairing.prefix,
            tls=pairing.tls,
        )
        self.update_settings(settings)
        return settings

    # -- selection -------------------------------------------------------------------
    @property
    def selected(self) -> Heater | None:
        return None if self.selected_id is None else self.heaters.get(self.selected_id)

    def select(self, device_id: str) -> None:
        if device_id not in self.heaters:
            raise KeyError(device_id)
        self.selected_id = device_id
        self.user_selected = True
        self.changed()

    def all_alerts(self) -> list[tuple[str, Alert]]:
        """Every heater's alerts as (heater name, alert), most serious first."""
        now = self.clock()
        found = [(h.name, alert) for h in self.heater_list() for alert in h.alerts(now)]
        return sorted(found, key=lambda item: SEVERITY_ORDER[item[1].severity])

    def heater_list(self) -> list[Heater]:
        return [self.heaters[key] for key in sorted(self.heaters)]

    # -- commands --------------------------------------------------------------------
    def send(self, settings: dict[str, object]) -> str:
        heater = self.selected
        if heater is None:
            raise CommandRefused("No heater selected")
        if self.publisher is None:
            raise CommandRefused("Not connected to the broker")
        if heater.availability == "offline":
            # Its last will (or its own goodbye): nothing would read the `set`.
            raise CommandRefused(f"{heater.name} is offline: the change cannot reach it")
        request_id = f"{self.request_prefix}-{next(self.request_ids)}"
        payload = json.dumps({**settings, "id": request_id}, separators=(",", ":")).encode()
        topic = f"{self.prefix}/{heater.device_id}/set"
        if not self.publisher(topic, payload):
            raise CommandRefused("The broker connection dropped; try again")
        heater.pending.add(settings, request_id, self.clock())
        self.message = ""
        self.changed()
        return request_id

    def try_send(self, settings: dict[str, object]) -> str | None:
        """`send`, with a refusal shown to the owner instead of raised."""
        try:
            return self.send(settings)
        except CommandRefused as error:
            self.message = str(error)
            self.changed()
            return None

    def shown_target_c(self) -> float | None:
        heater = self.selected
        value = None if heater is None else heater.shown("target_c")
        return float(value) if isinstance(value, int | float) else None

    def set_target(self, target_c: float) -> str | None:
        target = round(min(TARGET_MAX_C, max(TARGET_MIN_C, target_c)), 1)
        return self.try_send({"target_c": target})

    def step_target(self, step: float) -> str | None:
        """Add `step` in the units shown (0.5 °F or 0.1 °C), from the value shown."""
        current = self.shown_target_c()
        if current is None:
            self.message = "The heater has not reported a target yet"
            self.changed()
            return None
        units = self.settings.units
        return self.set_target(setpoint_c(snap_display(current, units) + step, units))

    def set_mode(self, mode: str) -> str | None:
        if mode not in MODES:
            raise ValueError(f"mode {mode!r} is not one of {MODES}")
        return self.try_send({"mode": mode})

    def set_preset(self, preset: str) -> str | None:
        if preset not in PRESETS:
            raise ValueError(f"preset {preset!r} is not one of {PRESETS}")
        return self.try_send({"preset": preset})

    def set_power_limit(self, watts: float) -> str | None:
        if not 0 <= watts <= 10_000:
            self.message = f"Power limit {watts:.0f} W is not 0–10000 W"
            self.changed()
            return None
        return self.try_send({"power_limit_w": round(watts)})

    def set_quiet_hours(self, start: str, end: str, limit_w: float) -> str | None:
        """Quiet hours in the heater's form; a cap of 0 W turns them off (null)."""
        if limit_w == 0:
            return self.try_send({"quiet_hours": None})
        problem = None
        if not (TIME_PATTERN.fullmatch(start) and TIME_PATTERN.fullmatch(end)):
            problem = f"Quiet hours need times like 22:00, got {start!r} and {end!r}"
        elif start == end:
            problem = "Quiet hours must end at another time than they start"
        elif not 0 < limit_w <= 10_000:
            problem = f"Quiet-hours cap {limit_w:.0f} W is not 1–10000 W"
        if problem is not None:
            self.message = problem
            self.changed()
            return None
        return self.try_send({"quiet_hours": {"from": start, "to": end, "limit_w": round(limit_w)}})

    def send_schedule(self, editor: ScheduleEditor) -> str | None:
        errors = editor.validate()
        if errors:
            self.message = "Schedule not sent: " + errors[0]
            self.changed()
            return None
        return self.try_send({"schedule": editor.payload()})

    def update_settings(self, settings: AppSettings) -> None:
        """A setting changed on screen: use it, and keep it (`on_settings` saves it)."""
        self.settings = settings
        if self.on_settings is not None:
            self.on_settings(settings)
        self.changed()
