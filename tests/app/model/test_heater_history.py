"""The heater's own history fills the charts the moment it arrives: day and week views."""

import json

import pytest

from app.model.heater_history import HistoryPayloadError, decode_history
from app.model.session import AppModel
from app.model.settings import AppSettings
from app.model.stats_view import DAY, WEEK, stats_view
from tests.app.contract_heater import contract_history, contract_state

NOW = 1_750_000_000.0


def connected_model() -> AppModel:
    model = AppModel(AppSettings(broker_host="h"), clock=lambda: NOW)
    model.on_connected(lambda _t, _p: True)
    model.on_message("hearth/den/availability", b"online")
    model.on_message("hearth/den/state", json.dumps(contract_state()).encode())
    return model


def test_a_retained_minute_history_fills_48_hours_at_once() -> None:
    model = connected_model()
    document = contract_history(NOW, hours=48, interval_s=60, gap_rows=5)
    model.on_message("hearth/den/history/minute", json.dumps(document).encode())
    view = stats_view(model.selected, units="C", now=NOW, view=DAY)
    assert view.kept_samples == 2880 and view.samples == 1
    # 2,875 known room readings and the live one; the unknown (null) minutes are gaps.
    assert len(view.room) == 2876 and view.room[0][0] == pytest.approx(-48 * 3600)
    assert view.hashrate[0][1] in (2.1, 0.0)  # TH/s as sent (hashrate_ths)
    assert "last 48 hours from the heater's own history" in view.note


def test_the_week_view_uses_the_hourly_history() -> None:
    model = connected_model()
    hours = contract_history(NOW, hours=90 * 24, interval_s=3600)
    model.on_message("hearth/den/history/hour", json.dumps(hours).encode())
    week = stats_view(model.selected, units="F", now=NOW, view=WEEK)
    assert week.kept_samples == 7 * 24 and week.window_hours == 168
    assert all(60 < value < 75 for _, value in week.room)  # converted to °F
    assert stats_view(model.selected, units="C", now=NOW, view=DAY).kept_samples == 0


def test_a_new_heaters_history_with_nothing_older_than_the_live_readings() -> None:
    model = connected_model()
    document = contract_history(NOW + 240, hours=0.05, interval_s=60)  # after the first live
    model.on_message("hearth/den/history/minute", json.dumps(document).encode())
    view = stats_view(model.selected, units="C", now=NOW)
    assert view.kept_samples == 0
    assert view.note == (
        "1 reading kept by this app while connected; "
        "the heater's own history holds nothing older yet."
    )


def test_without_a_history_the_note_says_so() -> None:
    view = stats_view(connected_model().selected, units="C", now=NOW)
    assert view.note == "1 reading kept by this app while connected; no history from the heater."


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"[1, 2]", "must be a JSON object"),
        (b'{"interval_s": 0, "fields": [], "samples": []}', "interval_s"),
        (b'{"interval_s": 60, "fields": "room_c", "samples": []}', "fields"),
        (b'{"interval_s": 60, "fields": [], "samples": {}}', "samples"),
        (b"x" * (3 * 1024 * 1024), "too large"),
    ],
)
def test_a_bad_history_is_refused_with_its_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(HistoryPayloadError, match=reason):
        decode_history(payload)
    model = connected_model()
    model.on_message("hearth/den/history/minute", payload)
    heater = model.selected
    assert heater is not None and not heater.kept and reason in (heater.history_problem or "")
    assert "could not be read" in stats_view(heater, units="C", now=NOW).note


def test_bad_rows_are_skipped_not_guessed() -> None:
    document = {
        "interval_s": 60,
        "fields": ["power_w", "room_c"],  # another order, fewer fields
        "samples": [
            [NOW - 120, 500, 20.0],
            ["x", 1, 2],
            [NOW - 60, True, "warm"],
            [NOW - 90, 1, 1],
        ],
    }
    history = decode_history(json.dumps(document))
    assert history.skipped == 2  # a text time, and a row older than the one before it
    assert [(s.power_w, s.room_c) for s in history.samples] == [(500.0, 20.0), (None, None)]


def test_rows_of_the_wrong_length_are_skipped_and_units_follow_the_fields() -> None:
    document = {
        "interval_s": 3600,
        "fields": ["room_c", "hashrate_ths", "earnings_sat", "a_newer_field"],
        "samples": [
            [NOW - 7200, 20.5, 2.5, 10, "x"],
            [NOW - 3600, 21.0, None, 11],  # one value short
            [NOW, 21.5, None, 12, None],
            "not a row",
            [],
        ],
    }
    history = decode_history(json.dumps(document))
    assert history.interval_s == 3600 and history.skipped == 3
    first, last = history.samples
    assert (first.room_c, first.target_c, first.power_w) == (20.5, None, None)
    assert first.hashrate_ghs == 2500.0 and last.hashrate_ghs is None  # TH/s sent, GH/s kept
