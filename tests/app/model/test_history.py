import datetime
import json
import pathlib

import pytest

from app.model.daily_counter import DailyCounter
from app.model.day_store import DayStore
from app.model.history import History, Sample
from app.model.session import AppModel
from app.model.settings import AppSettings
from tests.app.contract_heater import contract_state


def sample(at: float, room: float = 20.0) -> Sample:
    return Sample(at, room, 21.0, 800.0, 2000.0)


def test_fast_updates_merge_into_buckets() -> None:
    history = History(bucket_s=10, window_s=3600)
    for tenth in range(100):  # 10 s of 10 Hz updates
        history.add(sample(1000.0 + tenth / 10, room=tenth))
    assert len(history) == 1 and history.samples[-1].room_c == 99


def test_memory_stays_bounded_over_a_long_run() -> None:
    history = History(bucket_s=10, window_s=3600)
    for second in range(6 * 3600):  # six hours at 1 Hz
        history.add(sample(float(second)))
    assert len(history) <= 3600 / 10 + 1
    assert history.samples[0].at >= 6 * 3600 - 3600 - 10


def test_a_clock_step_backwards_is_ignored() -> None:
    history = History()
    history.add(sample(1000.0))
    history.add(sample(500.0))
    assert [s.at for s in history] == [1000.0]
    assert history.since(999.0) == [sample(1000.0)]


def noon(day: int) -> float:
    return datetime.datetime(2026, 1, day, 12, 0).timestamp()


def test_today_counts_from_the_first_value_of_the_day() -> None:
    counter = DailyCounter()
    assert counter.today() is None
    counter.update(noon(1), 10.0)
    counter.update(noon(1) + 3600, 11.5)
    assert counter.today() == 1.5
    counter.update(noon(2), 20.0)
    assert counter.today() == 0.0
    counter.update(noon(2) + 60, None)
    assert counter.today() == 0.0


def test_a_counter_reset_starts_again() -> None:
    counter = DailyCounter()
    counter.update(noon(1), 10.0)
    counter.update(noon(1) + 60, 2.0)
    counter.update(noon(1) + 120, 3.0)
    assert counter.today() == 1.0


def test_baselines_survive_a_restart_of_the_app(tmp_path: pathlib.Path) -> None:
    store = DayStore(tmp_path / "days.json")
    first = AppModel(AppSettings(), clock=lambda: noon(1))
    first.on_message("hearth/den/state", json.dumps(contract_state(energy_kwh=10.0)).encode())
    first.on_message("hearth/den/state", json.dumps(contract_state(energy_kwh=11.0)).encode())
    store.save(first.day_snapshot())
    later = AppModel(AppSettings(), clock=lambda: noon(1) + 3600, saved_days=store.load())
    later.on_message("hearth/den/state", json.dumps(contract_state(energy_kwh=12.5)).encode())
    heater = later.selected
    assert heater is not None and heater.energy_today_kwh() == 2.5
    next_day = AppModel(AppSettings(), clock=lambda: noon(2), saved_days=store.load())
    next_day.on_message("hearth/den/state", json.dumps(contract_state(energy_kwh=13.0)).encode())
    assert next_day.selected is not None and next_day.selected.energy_today_kwh() == 0.0


@pytest.mark.parametrize(
    "saved",
    [
        None,
        "x",
        {"day": 3},
        {"day": "not-a-day", "baseline": 1, "latest": 2},
        {"day": "2026-01-01", "baseline": True, "latest": 2},
    ],
)
def test_malformed_saved_baselines_are_ignored(saved: object) -> None:
    counter = DailyCounter()
    counter.restore(saved)
    assert counter.today() is None


def test_an_unreadable_day_file_starts_afresh(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "days.json"
    path.write_text("{oops")
    assert DayStore(path).load() == {}
    path.write_text("[1]")
    assert DayStore(path).load() == {}
