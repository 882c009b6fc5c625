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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from firmware.validation import Invalid, Segment, string, target_c

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_ENTRIES_PER_DAY = 12
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_TARGET = target_c()
_TIME = string(pattern=_CLOCK, allowed="a time HH:MM, 00:00..23:59")
KeyPath = Segment | tuple[Segment, ...]


def _path(key: KeyPath) -> tuple[Segment, ...]:
    return key if isinstance(key, tuple) else (key,)


def parse_target(key: KeyPath, value: object) -> float:
    """A setpoint: TARGET_MIN_C..TARGET_MAX_C °C on the 0.1 °C grid
    (firmware.validation.heat, the one home of the target range)."""
    try:
        return _TARGET(value)
    except Invalid as exc:
        raise exc.at(*_path(key)) from None


def parse_clock(key: KeyPath, value: object) -> int:
    """ "HH:MM" → minutes after midnight."""
    try:
        text = _TIME(value)
    except Invalid as exc:
        raise exc.at(*_path(key)) from None
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


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
    def from_dict(cls, data: object, key: KeyPath = "schedule") -> WeeklySchedule:
        """Parse the JSON form (or the flat list); `Invalid` (a ValueError) names the bad
        part, its path starting at `key` (`()`: relative, for a table around it)."""
        path = _path(key)
        if isinstance(data, Mapping):
            return cls._from_days(data, path)
        if isinstance(data, Sequence) and not isinstance(data, str | bytes):
            return cls._from_list(data, path)
        raise Invalid(path, data, 'an object {"mon": [{"at": "06:30", "target_c": 21.0}]}')

    @classmethod
    def _from_days(cls, data: Mapping[object, object], path: tuple[Segment, ...]) -> WeeklySchedule:
        entries: list[ScheduleEntry] = []
        for day, items in data.items():
            if day not in DAYS:
                raise Invalid((*path, str(day)), items, f"days {', '.join(DAYS)}")
            where = (*path, str(day))
            if not isinstance(items, list):
                raise Invalid(where, items, 'a list of {"at", "target_c"}')
            if len(items) > MAX_ENTRIES_PER_DAY:
                raise Invalid(where, items, f"at most {MAX_ENTRIES_PER_DAY} entries")
            for i, item in enumerate(items):
                entries.append(
                    cls._entry((*where, i), DAYS.index(str(day)), item, ("at", "target_c"))
                )
        return cls._checked(entries, path)

    @classmethod
    def _from_list(cls, data: Sequence[object], path: tuple[Segment, ...]) -> WeeklySchedule:
        if len(data) > 7 * MAX_ENTRIES_PER_DAY:
            raise Invalid(path, data, f"at most {7 * MAX_ENTRIES_PER_DAY} entries")
        entries: list[ScheduleEntry] = []
        for i, item in enumerate(data):
            where = (*path, i)
            if not isinstance(item, Mapping) or "day" not in item:
                raise Invalid(where, item, '{"day", "at", "target_c"}')
            day = item["day"]
            if day != "*" and day not in DAYS:
                raise Invalid((*where, "day"), day, f"{', '.join(DAYS)} or *")
            days = range(7) if day == "*" else (DAYS.index(str(day)),)
            for d in days:
                entries.append(cls._entry(where, d, item, ("day", "at", "target_c")))
        return cls._checked(entries, path)

    @staticmethod
    def _entry(
        where: tuple[Segment, ...], day: int, item: object, keys: tuple[str, ...]
    ) -> ScheduleEntry:
        if not isinstance(item, Mapping) or set(item) != set(keys):
            raise Invalid(where, item, f"an object with exactly {', '.join(keys)}")
        return ScheduleEntry(
            day=day,
            minute=parse_clock((*where, "at"), item["at"]),
            target_c=parse_target((*where, "target_c"), item["target_c"]),
        )

    @classmethod
    def _checked(cls, entries: list[ScheduleEntry], path: tuple[Segment, ...]) -> WeeklySchedule:
        entries.sort(key=lambda e: e.minute_of_week)
        for a, b in itertools.pairwise(entries):
            if a.minute_of_week == b.minute_of_week:
                raise Invalid(
                    (*path, DAYS[a.day]),
                    format_clock(a.minute),
                    "each time at most once a day (this one is there twice)",
                )
        per_day = [sum(1 for e in entries if e.day == d) for d in range(7)]
        if max(per_day, default=0) > MAX_ENTRIES_PER_DAY:
            day = DAYS[per_day.index(max(per_day))]
            raise Invalid(
                (*path, day), max(per_day), f"at most {MAX_ENTRIES_PER_DAY} entries a day"
            )
        return cls(tuple(entries))
