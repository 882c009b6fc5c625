import json

import pytest

from app.model.pending import CONFIRM_TIMEOUT_S
from app.model.schedule import Block, ScheduleEditor
from app.model.session import CONNECTED, AppModel, CommandRefused
from app.model.settings import AppSettings
from tests.app.contract_heater import contract_state


class FakeClock:
    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class Recorder:
    """The publisher the MQTT link would be: records (topic, payload)."""

    def __init__(self, accept: bool = True) -> None:
        self.sent: list[tuple[str, dict[str, object]]] = []
        self.accept = accept

    def __call__(self, topic: str, payload: bytes) -> bool:
        self.sent.append((topic, json.loads(payload)))
        return self.accept


def state(**overrides: object) -> bytes:
    return json.dumps(contract_state(**overrides)).encode()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def model(clock: FakeClock) -> AppModel:
    return AppModel(AppSettings(), clock=clock)


@pytest.fixture
def connected(model: AppModel) -> tuple[AppModel, Recorder]:
    recorder = Recorder()
    model.on_connected(recorder)
    model.on_message("hearth/livingroom/availability", b"online")
    model.on_message("hearth/livingroom/state", state())
    return model, recorder


def test_subscribes_to_every_heater_under_the_prefix(model: AppModel) -> None:
    assert model.subscriptions() == [
        "hearth/+/state",
        "hearth/+/availability",
        "hearth/+/result",
        "hearth/+/history/minute",
        "hearth/+/history/hour",
    ]


def test_discovers_every_heater_from_retained_state(model: AppModel) -> None:
    model.on_message("hearth/b-room/state", state(room_c=18.0))
    model.on_message("hearth/a-room/availability", b"online")
    model.on_message("hearth/a-room/state", state(room_c=22.0))
    assert [h.device_id for h in model.heater_list()] == ["a-room", "b-room"]
    model.select("a-room")
    assert model.selected is not None and model.selected.state is not None
    assert model.selected.state.room_c == 22.0
    with pytest.raises(KeyError):
        model.select("nope")


def test_an_online_heater_is_shown_until_the_owner_picks_one(model: AppModel) -> None:
    model.on_message("hearth/a-old/availability", b"offline")
    model.on_message("hearth/a-old/state", state())
    assert model.selected_id == "a-old"  # the only one
    model.on_message("hearth/b-new/state", state())
    assert model.selected_id == "b-new"  # online beats offline
    model.select("a-old")
    model.on_message("hearth/c-new/state", state())
    assert model.selected_id == "a-old"  # the owner's choice stays


def test_listeners_hear_every_change(model: AppModel) -> None:
    calls: list[int] = []
    model.subscribe(lambda: calls.append(model.revision))
    model.on_message("hearth/x/state", state())
    model.on_message("hearth/x/availability", b"online")
    assert calls == [1, 2]


@pytest.mark.parametrize(
    "topic",
    ["other/x/state", "hearth/x/state/extra", "hearth//state", "hearth/x/unknown", "hearth"],
)
def test_foreign_topics_are_ignored(model: AppModel, topic: str) -> None:
    model.on_message(topic, state())
    assert model.heaters == {}


def test_a_heater_that_goes_offline_is_shown_offline(
    connected: tuple[AppModel, Recorder], clock: FakeClock
) -> None:
    model, _ = connected
    heater = model.selected
    assert heater is not None and heater.online(clock())
    model.on_message("hearth/livingroom/availability", b"offline")
    assert not heater.online(clock())
    assert heater.state is not None  # last values kept, marked offline
    assert heater.alerts(clock())[0].code == "offline"


def test_alerts_of_every_heater_most_serious_first(model: AppModel) -> None:
    model.on_message("hearth/a/state", state(pool="failover"))
    model.on_message("hearth/b/state", state(alarms=["supervisor_trip:tip_over"]))
    assert [(name, alert.code) for name, alert in model.all_alerts()] == [
        ("b", "supervisor_trip:tip_over"),
        ("a", "pool_failover"),
    ]


def test_a_heater_that_stops_reporting_goes_stale(
    connected: tuple[AppModel, Recorder], clock: FakeClock
) -> None:
    model, _ = connected
    heater = model.selected
    assert heater is not None
    clock.now += 34
    assert heater.online(clock())
    clock.now += 2
    assert not heater.online(clock())


def test_a_heater_that_vanishes_is_forgotten(model: AppModel) -> None:
    model.on_message("hearth/a/state", state())
    model.on_message("hearth/b/state", state())
    model.on_message("hearth/a/state", b"")  # retained state cleared
    assert list(model.heaters) == ["b"] and model.selected_id == "b"
    model.on_message("hearth/b/state", b"")
    assert model.heaters == {} and model.selected is None


def test_malformed_state_keeps_the_last_good_one(connected: tuple[AppModel, Recorder]) -> None:
    model, _ = connected
    heater = model.selected
    assert heater is not None
    model.on_message("hearth/livingroom/state", b"{broken")
    assert heater.state is not None and heater.state.room_c == 19.8
    assert heater.bad_payload is not None and "not JSON" in heater.bad_payload
    assert any(alert.code == "bad_state" for alert in heater.alerts(model.clock()))


def test_oversized_state_is_refused(connected: tuple[AppModel, Recorder]) -> None:
    model, _ = connected
    model.on_message("hearth/livingroom/state", b'{"x": "' + b"a" * 70_000 + b'"}')
    heater = model.selected
    assert (
        heater is not None and heater.bad_payload is not None and "too large" in heater.bad_payload
    )


def test_set_target_publishes_a_correlated_set(connected: tuple[AppModel, Recorder]) -> None:
    model, recorder = connected
    request = model.set_target(22.04)
    topic, payload = recorder.sent[-1]
    assert topic == "hearth/livingroom/set"
    assert payload == {"target_c": 22.0, "id": request}


def test_targets_are_clamped_to_the_contract_range(connected: tuple[AppModel, Recorder]) -> None:
    model, recorder = connected
    model.set_target(40)
    assert recorder.sent[-1][1]["target_c"] == 30.0
    model.set_target(-3)
    assert recorder.sent[-1][1]["target_c"] == 5.0


def test_steps_build_on_the_pending_target(connected: tuple[AppModel, Recorder]) -> None:
    model, recorder = connected
    model.step_target(0.5)
    model.step_target(0.1)
    assert [p["target_c"] for _, p in recorder.sent] == [22.0, 22.1]


def test_pending_until_the_state_confirms(connected: tuple[AppModel, Recorder]) -> None:
    model, _ = connected
    heater = model.selected
    assert heater is not None
    model.set_target(23.0)
    assert heater.pending.is_pending("target_c") and model.shown_target_c() == 23.0
    model.on_message("hearth/livingroom/state", state(target_c=21.5))  # an older state
    assert heater.pending.is_pending("target_c")
    model.on_message("hearth/livingroom/state", state(target_c=23.0))
    assert not heater.pending.is_pending("target_c") and model.shown_target_c() == 23.0


def test_accepted_on_result_then_cleared_by_the_next_state(
    connected: tuple[AppModel, Recorder],
) -> None:
    model, _ = connected
    heater = model.selected
    assert heater is not None
    request = model.set_mode("auto")
    model.on_message(
        "hearth/livingroom/result",
        json.dumps({"ok": True, "error": None, "request": request}).encode(),
    )
    assert heater.pending.is_pending("mode")
    model.on_message("hearth/livingroom/state", state(mode="heat"))
    assert not heater.pending.is_pending("mode")


def test_refusal_on_result_drops_the_change_and_says_why(
    connected: tuple[AppModel, Recorder],
) -> None:
    model, _ = connected
    heater = model.selected
    assert heater is not None
    request = model.set_preset("boost")
    model.on_message(
        "hearth/livingroom/result",
        json.dumps({"ok": False, "error": "boost is off in summer", "request": request}).encode(),
    )
    assert not heater.pending.is_pending("preset")
    assert model.message == "The heater refused the preset: boost is off in summer"
    assert heater.shown("preset") == "comfort"


@pytest.mark.parametrize(
    "payload",
    [b"junk", b"[]", b'{"ok": "yes"}', b'{"ok": true, "request": "someone-else"}'],
)
def test_foreign_or_malformed_results_change_nothing(
    connected: tuple[AppModel, Recorder], payload: bytes
) -> None:
    model, _ = connected
    heater = model.selected
    assert heater is not None
    model.set_target(24.0)
    model.on_message("hearth/livingroom/result", payload)
    assert heater.pending.is_pending("target_c") and model.message == ""


def test_unconfirmed_changes_expire(connected: tuple[AppModel, Recorder], clock: FakeClock) -> None:
    model, _ = connected
    heater = model.selected
    assert heater is not None
    model.set_target(25.0)
    clock.now += CONFIRM_TIMEOUT_S + 1
    model.tick()
    assert not heater.pending.is_pending("target_c")
    assert "did not confirm the target temperature" in model.message
    assert model.shown_target_c() == 21.5


def test_commands_refused_when_disconnected(model: AppModel) -> None:
    model.on_message("hearth/x/state", state())
    with pytest.raises(CommandRefused, match="Not connected"):
        model.send({"mode": "off"})
    assert model.set_target(20.0) is None and "Not connected" in model.message


def test_commands_refused_without_a_heater(model: AppModel) -> None:
    model.on_connected(Recorder())
    assert model.connection == CONNECTED
    with pytest.raises(CommandRefused, match="No heater"):
        model.send({"mode": "off"})


def test_a_publish_that_fails_is_not_pending(connected: tuple[AppModel, Recorder]) -> None:
    model, recorder = connected
    recorder.accept = False
    assert model.set_target(22.0) is None
    heater = model.selected
    assert heater is not None and not heater.pending.is_pending("target_c")


def test_bad_mode_and_preset_are_programming_errors(connected: tuple[AppModel, Recorder]) -> None:
    model, _ = connected
    with pytest.raises(ValueError):
        model.set_mode("turbo")
    with pytest.raises(ValueError):
        model.set_preset("party")


def test_power_limit_is_range_checked(connected: tuple[AppModel, Recorder]) -> None:
    model, recorder = connected
    assert model.set_power_limit(-1) is None and "not 0–10000" in model.message
    model.set_power_limit(450.4)
    assert recorder.sent[-1][1]["power_limit_w"] == 450


def test_disconnect_stops_commands(connected: tuple[AppModel, Recorder]) -> None:
    model, _ = connected
    model.on_disconnected("Lost broker; reconnecting…")
    assert model.publisher is None and model.set_target(20.0) is None


def test_quiet_hours_in_the_heaters_form(connected: tuple[AppModel, Recorder]) -> None:
    model, recorder = connected
    model.set_quiet_hours("22:00", "07:00", 300.4)
    assert recorder.sent[-1][1]["quiet_hours"] == {"from": "22:00", "to": "07:00", "limit_w": 300}
    model.set_quiet_hours("22:00", "07:00", 0)
    assert recorder.sent[-1][1]["quiet_hours"] is None
    count = len(recorder.sent)
    for start, end, watts in (
        ("22:00", "22:00", 100),
        ("10pm", "07:00", 100),
        ("22:00", "07:00", -5),
    ):
        assert model.set_quiet_hours(start, end, watts) is None and model.message
    assert len(recorder.sent) == count


def test_a_schedule_is_validated_before_sending(connected: tuple[AppModel, Recorder]) -> None:
    model, recorder = connected
    editor = ScheduleEditor({"mon": [Block("07:00", 21.0), Block("06:00", 18.0)]})
    assert model.send_schedule(editor) is None and "Schedule not sent" in model.message
    assert recorder.sent == []
    editor.remove_block(1)
    request = model.send_schedule(editor)
    topic, payload = recorder.sent[-1]
    assert topic == "hearth/livingroom/set"
    assert payload["id"] == request and payload["schedule"]["mon"] == [
        {"at": "07:00", "target_c": 21.0}
    ]
    # The heater does not echo schedules in its state: an accepted result plus the next
    # state confirms it.
    heater = model.selected
    assert heater is not None and heater.pending.is_pending("schedule")
    model.on_message(
        "hearth/livingroom/result",
        json.dumps({"ok": True, "error": None, "request": request}).encode(),
    )
    model.on_message("hearth/livingroom/state", state())
    assert not heater.pending.is_pending("schedule")


def test_another_broker_starts_afresh_but_keeps_todays_baselines(
    connected: tuple[AppModel, Recorder],
) -> None:
    model, _ = connected
    model.select("livingroom")
    model.forget_all()
    assert model.heaters == {} and model.selected is None and not model.user_selected
    model.on_message("hearth/livingroom/state", state(energy_kwh=43.0))
    heater = model.selected
    assert heater is not None and heater.energy_today_kwh() == pytest.approx(0.63)


def test_commands_to_a_heater_that_is_offline_are_refused_in_plain_words(
    connected: tuple[AppModel, Recorder],
) -> None:
    model, recorder = connected
    model.on_message("hearth/livingroom/availability", b"offline")  # its last will
    sent = len(recorder.sent)
    assert model.set_target(23.0) is None and model.set_mode("off") is None
    assert model.message == "livingroom is offline: the change cannot reach it"
    assert len(recorder.sent) == sent  # nothing published, nothing left pending
    heater = model.selected
    assert heater is not None and not heater.pending.changes
    model.on_message("hearth/livingroom/availability", b"online")
    assert model.set_target(23.0) is not None
