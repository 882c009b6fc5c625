"""The weekly schedule: per weekday, times at which the target changes.

JSON form (what `set`, the `state` topic, the HTTP API and storage carry):

    {"mon": [{"at": "06:30", "target_c": 21.0}, {"at": "22:30", "target_c": 18.0}],
     "tue": [...], ..., "sun": [...]}

Days may be left out (no change that day). Within a day, times are "HH:MM" (24 h),
each at most once; entries may come in any order and are kept sorted. A target holds
from its time until the next entry, across midnight and across days; before the week's
first entry the week's last entry applies (the week wraps). An empty schedule `{}` has
no opinion, and `auto` then falls back to the preset or `target_c`.

Also accepted on input (and never produced): the flat list
`[{"day": "mon" | "*", "at": "HH:MM", "target_c": 21.0}, ...]`, where "*" is every day.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TARGET_MIN_C = 5.0
TARGET_MAX_C = 30.0
MAX_ENTRIES_PER_DAY = 12
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def parse_target(key: str, value: object) -> float:
    """A setpoint: a number in 5.0..30.0 °C on the 0.1 °C grid (INTERFACES.md §3)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key} = {value!r}; allowed: a number {TARGET_MIN_C}..{TARGET_MAX_C}")
    if not TARGET_MIN_C <= value <= TARGET_MAX_C:
        raise ValueError(f"{key} = {value!r}; allowed: {TARGET_MIN_C}..{TARGET_MAX_C} °C")
    rounded = round(float(value), 1)
    if abs(rounded - value) > 1e-6:
        raise ValueError(f"{key} = {value!r}; allowed: a multiple of 0.1 °C")
    return rounded


def parse_clock(key: str, value: object) -> int:
    """ "HH:MM" → minutes after midnight."""
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{key} = {value!r}; allowed: a time HH:MM, 00:00..23:59")
    return int(match[1]) * 60 + int(match[2])


def format_clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class ScheduleEntry:
    day: int  # 0 = Monday, as datetime.weekday()
    minute: int  # after local midnight
    target_c: float

    @property
    def minute_of_week(self) -> int:
        return self.day * 1440 + self.minute


@dataclass(frozen=True)
class WeeklySchedule:
    entries: tuple[ScheduleEntry, ...] = ()  # sorted by minute_of_week, no duplicates

    def target_at(self, weekday: int, minute: int) -> float | None:
        """The scheduled target at a local time, or None for an empty schedule."""
        if not self.entries:
            return None
        now = weekday * 1440 + minute
        current = self.entries[-1]
        for entry in self.entries:
            if entry.minute_of_week > now:
                break
            current = entry
        return current.target_c

    def next_change(self, weekday: int, minute: int) -> ScheduleEntry | None:
        """The first entry strictly after a local time (wrapping the week)."""
        now = weekday * 1440 + minute
        for entry in self.entries:
            if entry.minute_of_week > now:
                return entry
        return self.entries[0] if self.entries else None

    def to_dict(self) -> dict[str, list[dict[str, object]]]:
        out: dict[str, list[dict[str, object]]] = {}
        for entry in self.entries:
            out.setdefault(DAYS[entry.day], []).append(
                {"at": format_clock(entry.minute), "target_c": entry.target_c}
            )
        return out

    @classmethod
    def from_dict(cls, data: object, key: str = "schedule") -> WeeklySchedule:
        """Parse the JSON form (or the flat list); ValueError names the bad part."""
        if isinstance(data, Mapping):
            return cls._from_days(data, key)
        if isinstance(data, Sequence) and not isinstance(data, str | bytes):
            return cls._from_list(data, key)
        raise ValueError(
            f'{key} = {data!r}; allowed: an object {{"mon": [{{"at": "06:30", "target_c": 21.0}}]}}'
        )

    @classmethod
    def _from_days(cls, data: Mapping[object, object], key: str) -> WeeklySchedule:
        entries: list[ScheduleEntry] = []
        for day, items in data.items():
            if day not in DAYS:
                raise ValueError(f"{key}.{day} = {items!r}; allowed: days {', '.join(DAYS)}")
            where = f"{key}.{day}"
            if not isinstance(items, list):
                raise ValueError(f'{where} = {items!r}; allowed: a list of {{"at", "target_c"}}')
            if len(items) > MAX_ENTRIES_PER_DAY:
                raise ValueError(
                    f"{where} has {len(items)} entries; allowed: at most {MAX_ENTRIES_PER_DAY}"
                )
            for i, item in enumerate(items):
                entries.append(
                    cls._entry(f"{where}[{i}]", DAYS.index(str(day)), item, ("at", "target_c"))
                )
        return cls._checked(entries, key)

    @classmethod
    def _from_list(cls, data: Sequence[object], key: str) -> WeeklySchedule:
        if len(data) > 7 * MAX_ENTRIES_PER_DAY:
            raise ValueError(
                f"{key} has {len(data)} entries; allowed: at most {7 * MAX_ENTRIES_PER_DAY}"
            )
        entries: list[ScheduleEntry] = []
        for i, item in enumerate(data):
            where = f"{key}[{i}]"
            if not isinstance(item, Mapping) or "day" not in item:
                raise ValueError(f'{where} = {item!r}; allowed: {{"day", "at", "target_c"}}')
            day = item["day"]
            if day != "*" and day not in DAYS:
                raise ValueError(f"{where}.day = {day!r}; allowed: {', '.join(DAYS)} or *")
            days = range(7) if day == "*" else (DAYS.index(str(day)),)
            for d in days:
                entries.append(cls._entry(where, d, item, ("day", "at", "target_c")))
        return cls._checked(entries, key)

    @staticmethod
    def _entry(where: str, day: int, item: object, keys: tuple[str, ...]) -> ScheduleEntry:
        if not isinstance(item, Mapping) or set(item) != set(keys):
            raise ValueError(
                f"{where} = {item!r}; allowed: an object with exactly {', '.join(keys)}"
            )
        return ScheduleEntry(
            day=day,
            minute=parse_clock(f"{where}.at", item["at"]),
            target_c=parse_target(f"{where}.target_c", item["target_c"]),
        )

    @classmethod
    def _checked(cls, entries: list[ScheduleEntry], key: str) -> WeeklySchedule:
        entries.sort(key=lambda e: e.minute_of_week)
        for a, b in itertools.pairwise(entries):
            if a.minute_of_week == b.minute_of_week:
                raise ValueError(
                    f"{key}.{DAYS[a.day]} = {format_clock(a.minute)} twice; "
                    "allowed: each time at most once a day"
                )
        per_day = [sum(1 for e in entries if e.day == d) for d in range(7)]
        if max(per_day, default=0) > MAX_ENTRIES_PER_DAY:
            day = DAYS[per_day.index(max(per_day))]
            raise ValueError(
                f"{key}.{day} has {max(per_day)} entries; allowed: at most {MAX_ENTRIES_PER_DAY}"
            )
        return cls(tuple(entries))
