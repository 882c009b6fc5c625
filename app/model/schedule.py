"""The weekly schedule: per day, time blocks each starting at `at` with a setpoint.

Wire form (sent as `schedule` in a `set` message, and read back from `state.schedule`):
`{"mon": [{"at": "06:30", "target_c": 21.0}, ...], ..., "sun": [...]}`. A block holds
from its `at` until the next block's `at` (the last one carries over into the next day).
Everything is validated before sending, so the heater never sees a schedule it must
refuse for a reason the app could have caught.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
TARGET_MIN_C = 5.0
TARGET_MAX_C = 30.0
MAX_BLOCKS_PER_DAY = 12
TIME_PATTERN = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class Block:
    at: str  # "HH:MM", local time of the heater
    target_c: float

    @property
    def minutes(self) -> int:
        match = TIME_PATTERN.fullmatch(self.at)
        return -1 if match is None else int(match[1]) * 60 + int(match[2])


def format_minutes(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ScheduleError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def validate(week: Mapping[str, list[Block]]) -> list[str]:
    """Every reason this schedule cannot be sent, in plain words (empty = fine)."""
    errors: list[str] = []
    for day in week:
        if day not in DAYS:
            errors.append(f"{day!r} is not a day (use {', '.join(DAYS)})")
    for day in DAYS:
        blocks = week.get(day, [])
        name = DAY_NAMES[day]
        if len(blocks) > MAX_BLOCKS_PER_DAY:
            errors.append(f"{name}: at most {MAX_BLOCKS_PER_DAY} blocks")
        previous = -1
        for block in blocks:
            if block.minutes < 0:
                errors.append(f"{name}: {block.at!r} is not a time like 06:30")
                continue
            if block.minutes <= previous:
                errors.append(f"{name}: {block.at} must come after the block before it")
            previous = block.minutes
            if not TARGET_MIN_C <= block.target_c <= TARGET_MAX_C:
                errors.append(
                    f"{name} {block.at}: {block.target_c:.1f} °C is outside "
                    f"{TARGET_MIN_C:.0f}–{TARGET_MAX_C:.0f} °C"
                )
            elif abs(round(block.target_c * 10) - block.target_c * 10) > 1e-6:
                errors.append(f"{name} {block.at}: setpoints go in steps of 0.1 °C")
    if not any(week.get(day) for day in DAYS):
        errors.append("the schedule is empty: add at least one block")
    return errors


def to_payload(week: Mapping[str, list[Block]]) -> dict[str, list[dict[str, object]]]:
    errors = validate(week)
    if errors:
        raise ScheduleError(errors)
    return {
        day: [{"at": block.at, "target_c": round(block.target_c, 1)} for block in week.get(day, [])]
        for day in DAYS
    }


def from_payload(raw: object) -> dict[str, list[Block]]:
    """Read a schedule the heater reports; raises ScheduleError if it is not one."""
    if not isinstance(raw, dict):
        raise ScheduleError(["the heater's schedule is not an object of days"])
    week: dict[str, list[Block]] = {}
    errors: list[str] = []
    for day, entries in raw.items():
        if not isinstance(entries, list):
            errors.append(f"{day}: not a list of blocks")
            continue
        blocks: list[Block] = []
        for entry in entries:
            at = entry.get("at") if isinstance(entry, dict) else None
            target = entry.get("target_c") if isinstance(entry, dict) else None
            if (
                not isinstance(at, str)
                or isinstance(target, bool)
                or not isinstance(target, int | float)
            ):
                errors.append(f"{day}: {entry!r} is not a block like {{'at': '06:30', ...}}")
                continue
            blocks.append(Block(at, float(target)))
        week[str(day)] = blocks
    errors += validate(week)
    if errors:
        raise ScheduleError(errors)
    return week


def is_empty(raw: object) -> bool:
    """A heater with no schedule yet reports `{}` or seven empty days: not an error."""
    return isinstance(raw, dict) and all(
        isinstance(blocks, list) and not blocks for blocks in raw.values()
    )


def default_week() -> dict[str, list[Block]]:
    """A sensible start for a new schedule: warm mornings and evenings, cool nights."""
    workday = [
        Block("06:30", 21.0),
        Block("08:30", 18.0),
        Block("17:00", 21.0),
        Block("22:30", 17.0),
    ]
    weekend = [Block("08:00", 21.0), Block("23:00", 17.0)]
    return {day: list(weekend if day in ("sat", "sun") else workday) for day in DAYS}


class ScheduleEditor:
    """The editing session behind the schedule screen."""

    def __init__(self, week: Mapping[str, list[Block]] | None = None) -> None:
        self.week: dict[str, list[Block]] = {
            day: list((week or default_week()).get(day, [])) for day in DAYS
        }
        self.day = "mon"
        self.errors: list[str] = []

    def blocks(self) -> list[Block]:
        return self.week[self.day]

    def select_day(self, day: str) -> None:
        if day not in DAYS:
            raise ValueError(f"{day!r} is not a day")
        self.day = day

    def add_block(self) -> None:
        blocks = self.week[self.day]
        if not blocks:
            blocks.append(Block("07:00", 20.0))
            return
        last = blocks[-1]
        start = min(last.minutes + 60, 23 * 60 + 59)
        blocks.append(Block(format_minutes(start), last.target_c))

    def remove_block(self, index: int) -> None:
        del self.week[self.day][index]

    def shift_time(self, index: int, minutes: int) -> None:
        block = self.week[self.day][index]
        start = max(0, min(23 * 60 + 59, block.minutes + minutes))
        self.week[self.day][index] = Block(format_minutes(start), block.target_c)

    def shift_target(self, index: int, delta_c: float) -> None:
        block = self.week[self.day][index]
        target = round(max(TARGET_MIN_C, min(TARGET_MAX_C, block.target_c + delta_c)), 1)
        self.week[self.day][index] = Block(block.at, target)

    def copy_day_to(self, days: tuple[str, ...]) -> None:
        for day in days:
            self.week[day] = list(self.week[self.day])

    def validate(self) -> list[str]:
        self.errors = validate(self.week)
        return self.errors

    def payload(self) -> dict[str, list[dict[str, object]]]:
        return to_payload(self.week)
