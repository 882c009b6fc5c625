import json

from hypothesis import given
from hypothesis import strategies as st

from app.model.heater import Heater
from app.model.heater_state import decode_state
from app.model.stats_view import stats_view
from app.model.thermostat_view import dial_fraction, target_at_fraction, thermostat_view
from app.model.units import format_step, format_temperature, from_display, to_display
from tests.app.contract_heater import contract_state

NOW = 1_750_000_000.0


def heater(**overrides: object) -> Heater:
    h = Heater("den", availability="online")
    h.apply_state(decode_state(json.dumps(contract_state(**overrides))), NOW)
    return h


def test_thermostat_view_of_a_heating_heater() -> None:
    view = thermostat_view(heater(), units="C", now=NOW, message="")
    assert view.online and view.room_text == "19.8°" and view.target_text == "21.5°"
    assert view.status_text == "Heating · 812 W" and view.hashrate_text == "2.15 TH/s"
    assert view.earned_text == "5,120 sats"
    assert view.mode == "heat" and view.preset == "comfort" and not view.target_pending


def test_thermostat_view_shows_pending_target_and_fahrenheit() -> None:
    h = heater()
    h.pending.add({"target_c": 22.0}, "r1", NOW)
    view = thermostat_view(h, units="F", now=NOW, message="")
    # 22.0 °C is 71.6 °F: shown on the °F half-degree grid.
    assert view.target_pending and view.target_text == "71.5°" and view.target_c == 22.0


def test_thermostat_view_offline_and_empty() -> None:
    h = heater()
    h.availability = "offline"
    view = thermostat_view(h, units="C", now=NOW, message="")
    assert not view.online and view.status_text.startswith("Offline") and view.action is None
    empty = thermostat_view(None, units="C", now=NOW, message="")
    assert empty.target_c is None and "Looking for heaters" in empty.status_text


def test_thermostat_view_with_missing_readings() -> None:
    view = thermostat_view(
        heater(room_c=None, power_w="x", action=None), units="C", now=NOW, message=""
    )
    assert view.room_text == "—" and view.room_fraction is None
    assert view.status_text == "Status unknown" and view.power_text == "—"


@given(st.floats(0.0, 1.0))
def test_dial_positions_map_to_contract_targets(fraction: float) -> None:
    target = target_at_fraction(fraction)
    assert 5.0 <= target <= 30.0 and round(target, 1) == target
    assert target_at_fraction(dial_fraction(target)) == target


@given(st.floats(-40, 60))
def test_units_round_trip(celsius: float) -> None:
    assert abs(from_display(to_display(celsius, "F"), "F") - celsius) < 1e-9


def test_unit_formatting() -> None:
    assert format_temperature(20.0, "F") == "68°F" and format_temperature(None, "C") == "—"
    assert format_temperature(21.0, "F") == "70°F"  # 69.8 °F, never shown as such
    assert format_step(0.5, "F") == "+0.5°" and format_step(-1.0, "F") == "-1°"
    assert format_step(-0.1, "C") == "-0.1°"


def test_stats_view_series_and_figures() -> None:
    h = heater()
    h.apply_state(decode_state(json.dumps(contract_state(room_c=20.5, energy_kwh=43.0))), NOW + 60)
    view = stats_view(h, units="C", now=NOW + 60)
    assert view.room == [(-60.0, 19.8), (0.0, 20.5)] and len(view.power) == 2
    assert view.hashrate == [(-60.0, 2.15), (0.0, 2.15)]
    assert view.energy_today_text == "0.63 kWh" and view.energy_total_text == "43.00 kWh"
    assert view.efficiency_text == "17.5 J/TH"
    assert stats_view(None, units="C", now=NOW).samples == 0


def test_the_thermostat_says_when_the_pool_is_down_and_why_power_is_held_back() -> None:
    view = thermostat_view(
        heater(pool="offline", limited_by="demand", limited_until=NOW + 1800),
        units="C",
        now=NOW,
        message="",
    )
    pool, shed = view.notices
    assert pool == (
        "Pool unreachable (stratum+tcp://127.0.0.1:3333): not mining, no earnings. "
        "The heater keeps heating."
    )
    assert shed.startswith("The grid asked for less power: heating held back until ")
    cap = thermostat_view(
        heater(limited_by="owner", power_limit_w=300), units="C", now=NOW, message=""
    )
    assert cap.notices == ("Power held to 300 W by your power cap.",)
    assert thermostat_view(heater(), units="C", now=NOW, message="").notices == ()
    newer = thermostat_view(heater(limited_by="moon"), units="C", now=NOW, message="")
    assert newer.notices == ("Power held back (moon).",)  # a newer firmware's reason
