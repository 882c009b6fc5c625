"""The pure OpenADR core: an openleadr event dict read (or refused with a reason), the
owner's policy and the signal table turning it into caps, and the book of accepted events
(the cap in force, its end, the next change, overrides)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from firmware.grid.openadr.book import EventBook, InForce
from firmware.grid.openadr.event import OptOut, read_event
from firmware.grid.openadr.policy import Limits, Step, plan_event

T0 = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
LIMITS = Limits(max_w=400.0, min_w=120.0)


def event(
    signals: list[tuple[str, str, list[tuple[float, float, float]]]],
    *,
    event_id: str = "e1",
    status: str = "far",
    startafter_s: float | None = None,
    scale: str | None = None,
) -> dict[str, Any]:
    """An event as openleadr's parser hands it over; intervals (start min, length min, value)."""
    raw_signals = []
    for name, kind, intervals in signals:
        raw: dict[str, Any] = {
            "signal_name": name,
            "signal_type": kind,
            "signal_id": "s",
            "intervals": [
                {
                    "dtstart": T0 + timedelta(minutes=a),
                    "duration": timedelta(minutes=n),
                    "uid": i,
                    "signal_payload": v,
                }
                for i, (a, n, v) in enumerate(intervals)
            ],
        }
        if scale is not None:
            raw["measurement"] = {"name": "powerReal", "unit": "W", "scale": scale}
        raw_signals.append(raw)
    first = min(a for _, _, ivs in signals for a, _, _ in ivs)
    end = max(a + n for _, _, ivs in signals for a, n, _ in ivs)
    period: dict[str, Any] = {
        "dtstart": T0 + timedelta(minutes=first),
        "duration": timedelta(minutes=end - first),
    }
    if startafter_s is not None:
        period["tolerance"] = {"tolerate": {"startafter": timedelta(seconds=startafter_s)}}
    return {
        "event_descriptor": {
            "event_id": event_id,
            "modification_number": 0,
            "event_status": status,
        },
        "active_period": period,
        "event_signals": raw_signals,
    }


def plan(raw: dict[str, Any], now: datetime = T0, draw: float = 0.0, participation="opt_in"):
    return plan_event(
        read_event(raw),
        now_s=now.timestamp(),
        limits=LIMITS,
        participation=participation,
        draw=draw,
    )


def at(minutes: float) -> float:
    return (T0 + timedelta(minutes=minutes)).timestamp()


@pytest.mark.parametrize(("level", "watts"), [(0, None), (1, 200.0), (2, 120.0), (3, 0.0)])
def test_simple_levels_map_to_documented_caps(level: int, watts: float | None) -> None:
    steps = plan(event([("SIMPLE", "level", [(0, 30, level)])])).steps
    assert steps == (Step(at(0), at(30), watts),)


def test_a_simple_event_of_several_intervals_follows_each() -> None:
    steps = plan(event([("SIMPLE", "level", [(0, 10, 1), (10, 20, 3), (30, 10, 0)])])).steps
    assert steps == (
        Step(at(0), at(10), 200.0),
        Step(at(10), at(30), 0.0),
        Step(at(30), at(40), None),
    )


@pytest.mark.parametrize(
    ("name", "kind", "value", "scale", "watts"),
    [
        ("LOAD_DISPATCH", "setpoint", 250.0, None, 250.0),
        ("LOAD_DISPATCH", "setpoint", 0.3, "k", 300.0),  # kW
        ("LOAD_DISPATCH", "setpoint", 9000.0, None, 400.0),  # never above the maximum
        ("LOAD_DISPATCH", "delta", -150.0, None, 250.0),
        ("LOAD_DISPATCH", "multiplier", 0.25, None, 100.0),
        ("LOAD_CONTROL", "x-loadControlCapacity", 0.6, None, 240.0),
        ("LOAD_CONTROL", "x-loadControlPercentOffset", 75.0, None, 100.0),
        ("LOAD_CONTROL", "x-loadControlLevelOffset", 2.0, None, 120.0),
        ("LOAD_CONTROL", "x-loadControlCapacity", -1.0, None, 0.0),  # never below 0 W
    ],
)
def test_load_signals_become_caps_in_watts(name, kind, value, scale, watts) -> None:
    steps = plan(event([(name, kind, [(0, 15, value)])], scale=scale)).steps
    assert steps == (Step(at(0), at(15), watts),)


def test_several_signals_the_most_restrictive_wins() -> None:
    raw = event(
        [
            ("SIMPLE", "level", [(0, 30, 1)]),
            ("LOAD_DISPATCH", "setpoint", [(10, 10, 50.0)]),
        ]
    )
    assert plan(raw).steps == (
        Step(at(0), at(10), 200.0),
        Step(at(10), at(20), 50.0),
        Step(at(20), at(30), 200.0),
    )


def test_randomisation_moves_the_start_within_startafter_not_the_end() -> None:
    raw = event([("SIMPLE", "level", [(0, 30, 3)])], startafter_s=600)
    assert plan(raw, draw=0.0).steps == (Step(at(0), at(30), 0.0),)
    assert plan(raw, draw=0.5).steps == (Step(at(5), at(30), 0.0),)
    assert plan(raw, draw=1.0).steps == (Step(at(10), at(30), 0.0),)


def test_an_event_under_way_is_followed_from_now() -> None:
    steps = plan(
        event([("SIMPLE", "level", [(0, 10, 1), (10, 10, 2)])]), now=T0 + timedelta(minutes=12)
    ).steps
    assert steps == (Step(at(10), at(20), 120.0),)


@pytest.mark.parametrize(
    ("raw", "now", "participation", "reason"),
    [
        (
            event([("SIMPLE", "level", [(0, 30, 3)])]),
            T0 + timedelta(hours=1),
            "opt_in",
            "wholly in the past",
        ),
        (
            event([("x-heatPump", "level", [(0, 30, 3)])]),
            T0,
            "opt_in",
            "x-heatPump/level is not supported",
        ),
        (event([("ELECTRICITY_PRICE", "price", [(0, 30, 0.3)])]), T0, "opt_in", "not supported"),
        (
            event([("SIMPLE", "level", [(0, 30, 7)])]),
            T0,
            "opt_in",
            "SIMPLE level 7: allowed: 0, 1, 2 or 3",
        ),
        (event([("SIMPLE", "level", [(0, 30, 1.5)])]), T0, "opt_in", "SIMPLE level 1.5"),
        (event([("SIMPLE", "level", [(0, 30, 3)])]), T0, "opt_out", "the owner opts out"),
        (event([("SIMPLE", "level", [(0, 30, 3)])], status="cancelled"), T0, "opt_in", "cancelled"),
    ],
)
def test_refused_events_say_why(raw, now, participation, reason) -> None:
    with pytest.raises(OptOut, match=reason):
        plan(raw, now=now, participation=participation)


def damaged(path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    raw = event([("SIMPLE", "level", [(0, 30, 3)])])
    node: Any = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return raw


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (damaged(("event_descriptor", "event_id"), ""), "event_descriptor.event_id = ''"),
        (damaged(("active_period", "dtstart"), datetime(2026, 12, 4)), "UTC offset"),
        (damaged(("active_period", "duration"), timedelta(0)), "open-ended"),
        (damaged(("event_signals",), []), "one or more signals"),
        (damaged(("event_signals", 0, "intervals", 0, "signal_payload"), float("nan")), "finite"),
        (damaged(("event_signals", 0, "intervals", 0, "signal_payload"), True), "finite"),
        (damaged(("active_period", "tolerance"), {"startafter": timedelta(seconds=-1)}), ">= 0"),
        (damaged(("event_signals", 0, "measurement"), {"scale": "x"}), "measurement.scale"),
    ],
)
def test_malformed_events_are_refused_naming_the_field(raw, reason) -> None:
    with pytest.raises(OptOut, match=reason.replace("(", r"\(").replace(".", r"\.")):
        read_event(raw)


def test_the_book_gives_the_cap_in_force_its_end_and_the_next_change() -> None:
    book = EventBook()
    book.accept(plan(event([("SIMPLE", "level", [(10, 20, 1)])], event_id="a")))
    book.accept(plan(event([("SIMPLE", "level", [(20, 20, 3)])], event_id="b")))
    assert book.in_force(at(5)) is None and book.next_change(at(5)) == at(10)
    assert book.in_force(at(10)) == InForce(200.0, at(30), "a")
    assert book.in_force(at(25)) == InForce(0.0, at(40), "b")  # the most restrictive
    assert book.next_change(at(25)) == at(30)
    book.expire(at(35))
    assert book.ids() == ("b",)
    assert book.drop("b") and book.in_force(at(36)) is None and book.next_change(at(36)) is None


def test_an_override_ends_only_the_events_in_force() -> None:
    book = EventBook()
    book.accept(plan(event([("SIMPLE", "level", [(0, 20, 2)])], event_id="now")))
    book.accept(plan(event([("SIMPLE", "level", [(60, 20, 3)])], event_id="later")))
    assert book.override(at(5)) == ("now",)
    assert list(book.overridden) == ["now"] and book.ids() == ("later",)
    assert book.in_force(at(5)) is None and book.in_force(at(65)) == InForce(0.0, at(80), "later")
