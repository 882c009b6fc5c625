"""One heater as the app knows it: last good state, availability, history, pending changes."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.model.alerts import Alert, alerts_for
from app.model.daily_counter import DailyCounter
from app.model.heater_history import HeaterHistory
from app.model.heater_state import HeaterState
from app.model.history import History, Sample
from app.model.pending import PendingChanges

# The contract promises a state at least every 10 s; three missed ones = not reporting.
STALE_AFTER_S = 35.0


@dataclass
class Heater:
    device_id: str
    availability: str | None = None  # "online" / "offline" as retained by the heater
    state: HeaterState | None = None
    state_at: float | None = None
    bad_payload: str | None = None  # why the last state payload was refused
    history: History = field(default_factory=History)
    pending: PendingChanges = field(default_factory=PendingChanges)
    energy_day: DailyCounter = field(default_factory=DailyCounter)
    sats_day: DailyCounter = field(default_factory=DailyCounter)
    shares_day: DailyCounter = field(default_factory=DailyCounter)
    # The heater's own history (retained `history/minute` and `history/hour`), if it has one.
    kept: dict[str, HeaterHistory] = field(default_factory=dict)
    history_problem: str | None = None  # why the last history payload was refused

    @property
    def name(self) -> str:
        if self.state is not None and self.state.name:
            return self.state.name
        return self.device_id

    def online(self, now: float) -> bool:
        """Online = says so on `availability` and its state is fresh (not just retained)."""
        if self.availability == "offline" or self.state_at is None:
            return False
        return now - self.state_at <= STALE_AFTER_S

    def apply_state(self, state: HeaterState, now: float) -> None:
        self.state, self.state_at, self.bad_payload = state, now, None
        self.history.add(
            Sample(now, state.room_c, state.target_c, state.power_w, state.hashrate_ghs)
        )
        self.energy_day.update(now, state.energy_kwh)
        self.sats_day.update(now, state.earned_sats)
        self.shares_day.update(now, state.shares_accepted)
        self.pending.on_state(state)

    def shown(self, key: str) -> object:
        """What to display for a settable key: the pending value, else the heater's."""
        if self.pending.is_pending(key):
            return self.pending.value(key)
        return None if self.state is None else getattr(self.state, key, None)

    def energy_today_kwh(self) -> float | None:
        """Since local midnight, or since the app first saw the heater today."""
        return self.energy_day.today()

    def sats_today(self) -> float | None:
        return self.sats_day.today()

    def counters(self) -> dict[str, DailyCounter]:
        return {"energy": self.energy_day, "sats": self.sats_day, "shares": self.shares_day}

    def day_snapshot(self) -> dict[str, object]:
        saved = {name: counter.snapshot() for name, counter in self.counters().items()}
        return {name: value for name, value in saved.items() if value is not None}

    def restore_day(self, saved: object) -> None:
        if isinstance(saved, dict):
            for name, counter in self.counters().items():
                counter.restore(saved.get(name))

    def alerts(self, now: float) -> list[Alert]:
        problems = () if self.state is None else self.state.problems
        if self.bad_payload:
            problems = (*problems, self.bad_payload)
        return alerts_for(
            self.state, online=self.online(now), heater_name=self.name, problems=problems
        )
