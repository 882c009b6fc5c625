import datetime

from app.model.daily_counter import DailyCounter
from app.model.history import History, Sample


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
