"""°F as a Fahrenheit thermostat has it: half-degree display, 0.5/1 °F steps, exact round trip."""

import json

from hypothesis import given
from hypothesis import strategies as st

from app.model.schedule import TARGET_MAX_C, TARGET_MIN_C
from app.model.session import AppModel
from app.model.settings import AppSettings
from app.model.thermostat_view import target_at_fraction
from app.model.units import STEPS, format_temperature, setpoint_c, snap_display
from tests.app.contract_heater import contract_state

# Every half degree between 41 °F (5 °C) and 86 °F (30 °C), the contract's target range.
HALF_DEGREES_F = [41 + k / 2 for k in range(((86 - 41) * 2) + 1)]


def test_every_fahrenheit_setpoint_reads_back_as_chosen() -> None:
    for shown in HALF_DEGREES_F:
        celsius = setpoint_c(shown, "F")
        assert round(celsius, 1) == celsius and TARGET_MIN_C <= celsius <= TARGET_MAX_C
        assert snap_display(celsius, "F") == shown, (shown, celsius)


def test_celsius_setpoints_are_the_contracts_tenths() -> None:
    assert setpoint_c(21.55, "C") == 21.6 and snap_display(21.04, "C") == 21.0
    assert STEPS["C"] == (-0.5, -0.1, 0.1, 0.5) and STEPS["F"] == (-1.0, -0.5, 0.5, 1.0)


@given(st.floats(0.0, 1.0))
def test_the_dial_in_fahrenheit_lands_on_half_degrees(fraction: float) -> None:
    celsius = target_at_fraction(fraction, "F")
    assert TARGET_MIN_C <= celsius <= TARGET_MAX_C and round(celsius, 1) == celsius
    assert snap_display(celsius, "F") * 2 == round(snap_display(celsius, "F") * 2)


def fahrenheit_model(target_c: float) -> tuple[AppModel, list[dict[str, object]]]:
    sent: list[dict[str, object]] = []
    model = AppModel(AppSettings(units="F"), clock=lambda: 1_750_000_000.0)
    model.on_connected(lambda _t, payload: sent.append(json.loads(payload)) or True)
    model.on_message("hearth/den/availability", b"online")
    model.on_message("hearth/den/state", json.dumps(contract_state(target_c=target_c)).encode())
    return model, sent


def test_fahrenheit_steps_go_from_the_value_shown() -> None:
    model, sent = fahrenheit_model(21.0)  # 69.8 °F, shown as 70 °F
    assert format_temperature(21.0, "F") == "70°F"
    model.step_target(1.0)
    assert sent[-1]["target_c"] == 21.7 and format_temperature(21.7, "F") == "71°F"
    model.step_target(-0.5)  # from the pending 71 °F
    assert sent[-1]["target_c"] == 21.4 and format_temperature(21.4, "F") == "70.5°F"
