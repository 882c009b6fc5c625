import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.schedule import (
    DAYS,
    MAX_BLOCKS_PER_DAY,
    Block,
    ScheduleEditor,
    ScheduleError,
    default_week,
    format_minutes,
    from_payload,
    is_empty,
    to_payload,
    validate,
)


def test_the_default_week_is_valid_and_has_the_wire_form() -> None:
    payload = to_payload(default_week())
    assert list(payload) == list(DAYS)
    assert payload["mon"][0] == {"at": "06:30", "target_c": 21.0}


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([Block("6:30", 20.0)], "not a time"),
        ([Block("24:00", 20.0)], "not a time"),
        ([Block("07:00", 20.0), Block("06:00", 20.0)], "must come after"),
        ([Block("07:00", 20.0), Block("07:00", 21.0)], "must come after"),
        ([Block("07:00", 31.0)], "outside"),
        ([Block("07:00", 4.9)], "outside"),
        ([Block("07:00", 20.05)], "steps of 0.1"),
        ([Block(format_minutes(i * 60), 20.0) for i in range(MAX_BLOCKS_PER_DAY + 1)], "at most"),
    ],
)
def test_bad_blocks_are_refused_with_a_reason(blocks: list[Block], message: str) -> None:
    errors = validate({"mon": blocks})
    assert any(message in error for error in errors), errors
    with pytest.raises(ScheduleError):
        to_payload({"mon": blocks})


def test_unknown_days_and_empty_weeks_are_refused() -> None:
    assert any("not a day" in e for e in validate({"funday": [Block("07:00", 20.0)]}))
    assert any("empty" in e for e in validate({}))


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        {"mon": "06:30"},
        {"mon": [{"at": "06:30"}]},
        {"mon": [{"at": 630, "target_c": 20}]},
        {"mon": [{"at": "06:30", "target_c": True}]},
        {"mon": [{"at": "06:30", "target_c": 99}]},
    ],
)
def test_a_heater_schedule_that_is_not_one_is_refused(raw: object) -> None:
    with pytest.raises(ScheduleError):
        from_payload(raw)


times = st.integers(0, 24 * 60 - 1)
targets = st.integers(50, 300).map(lambda tenths: tenths / 10)


@st.composite
def weeks(draw: st.DrawFn) -> dict[str, list[Block]]:
    week: dict[str, list[Block]] = {}
    for day in DAYS:
        starts = sorted(draw(st.sets(times, max_size=MAX_BLOCKS_PER_DAY)))
        week[day] = [Block(format_minutes(m), draw(targets)) for m in starts]
    if not any(week.values()):
        week["mon"] = [Block("07:00", 20.0)]
    return week


@given(weeks())
def test_valid_weeks_round_trip_through_the_wire_form(week: dict[str, list[Block]]) -> None:
    assert validate(week) == []
    assert from_payload(to_payload(week)) == week


def test_editor_add_shift_remove_copy() -> None:
    editor = ScheduleEditor({"mon": [Block("06:30", 21.0)]})
    editor.add_block()
    assert editor.blocks()[-1] == Block("07:30", 21.0)
    editor.shift_time(1, 15)
    editor.shift_target(1, -0.5)
    assert editor.blocks()[1] == Block("07:45", 20.5)
    editor.shift_target(0, 100)
    assert editor.blocks()[0].target_c == 30.0
    editor.copy_day_to(("tue", "wed"))
    assert editor.week["wed"] == editor.week["mon"]
    editor.remove_block(0)
    assert editor.blocks() == [Block("07:45", 20.5)]
    assert editor.validate() == []


def test_editor_catches_blocks_moved_out_of_order() -> None:
    editor = ScheduleEditor({"mon": [Block("06:30", 21.0), Block("07:00", 19.0)]})
    editor.shift_time(1, -45)
    assert any("must come after" in e for e in editor.validate())
    with pytest.raises(ScheduleError):
        editor.payload()
    with pytest.raises(ValueError):
        editor.select_day("someday")


def test_no_schedule_yet_is_not_an_error() -> None:
    assert is_empty({}) and is_empty({day: [] for day in DAYS})
    assert not is_empty({"mon": [{"at": "06:30", "target_c": 21.0}]})
    assert not is_empty(None) and not is_empty({"mon": "x"})
