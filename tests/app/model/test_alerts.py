from app.model.alerts import CRITICAL, INFO, WARNING, alerts_for
from app.model.heater_state import HeaterState


def test_all_good_means_no_alerts() -> None:
    assert (
        alerts_for(HeaterState(pool="connected", action="idle"), online=True, heater_name="H") == []
    )


def test_offline_while_heat_is_wanted_is_critical() -> None:
    alerts = alerts_for(HeaterState(mode="heat"), online=False, heater_name="Den")
    assert alerts[0].severity == CRITICAL and "Den is offline" in alerts[0].title
    assert "not being heated" in alerts[0].title
    idle = alerts_for(HeaterState(mode="off"), online=False, heater_name="Den")
    assert idle[0].severity == WARNING


def test_known_codes_explain_what_to_do_and_unknown_codes_still_show() -> None:
    alerts = alerts_for(
        HeaterState(alarms=("brand_new_code", "supervisor_trip:tip_over", "brand_new_code")),
        online=True,
        heater_name="H",
    )
    codes = [alert.code for alert in alerts]
    # critical first, duplicates once
    assert codes == ["supervisor_trip:tip_over", "brand_new_code"]
    assert "upright" in alerts[0].advice and alerts[0].severity == CRITICAL
    assert "brand_new_code" in alerts[1].title and alerts[1].severity == WARNING


def test_every_firmware_code_has_words() -> None:
    for code in (
        "chip_hot",
        "exhaust_hot",
        "fan_fault",
        "room_hot",
        "supervisor_lost",
        "no_room_sensor",
        "store_recovered",
        "supervisor_trip:over_temp",
        "supervisor_trip:heartbeat_lost",
    ):
        alert = alerts_for(HeaterState(alarms=(code,)), online=True, heater_name="H")[0]
        assert "alarm “" not in alert.title and "“" not in alert.title, code
    odd_trip = alerts_for(
        HeaterState(alarms=("supervisor_trip:new",)), online=True, heater_name="H"
    )[0]
    assert odd_trip.severity == CRITICAL and "new" in odd_trip.title


def test_fault_without_an_explaining_alarm_is_raised() -> None:
    alerts = alerts_for(HeaterState(action="fault"), online=True, heater_name="H")
    assert [a.code for a in alerts] == ["fault"] and alerts[0].severity == CRITICAL
    explained = alerts_for(
        HeaterState(action="fault", alarms=("chip_hot",)), online=True, heater_name="H"
    )
    assert [a.code for a in explained] == ["chip_hot"]


def test_an_offline_heaters_stale_pool_status_is_not_an_alert() -> None:
    alerts = alerts_for(
        HeaterState(mode="heat", pool="offline", alarms=("chip_hot",)),
        online=False,
        heater_name="H",
    )
    assert [a.code for a in alerts] == ["offline", "chip_hot"]


def test_pool_trouble() -> None:
    offline = alerts_for(HeaterState(pool="offline"), online=True, heater_name="H")
    assert [(a.code, a.severity) for a in offline] == [("pool_offline", WARNING)]
    failover = alerts_for(HeaterState(pool="failover"), online=True, heater_name="H")
    assert [(a.code, a.severity) for a in failover] == [("pool_failover", INFO)]


def test_unreadable_readings_are_mentioned() -> None:
    alerts = alerts_for(HeaterState(), online=True, heater_name="H", problems=("room_c: bad",))
    assert alerts[0].code == "bad_state" and "room_c: bad" in alerts[0].advice
