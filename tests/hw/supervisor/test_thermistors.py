"""The simulator's thermistor circuits against the firmware's NTC conversion: a temperature
set in the simulator reads back as the same temperature in the firmware, through a 16-bit
ADC code. (The firmware module is plain arithmetic, so CPython can import it.)"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

from hypothesis import given
from hypothesis import strategies as st

from hw.sim.supervisor.thermistors import CIRCUITS, ThermistorCircuit

FIRMWARE_THERMISTOR = (
    Path(__file__).resolve().parents[3] / "firmware" / "supervisor" / "thermistor.py"
)


def _firmware_thermistor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("supervisor_thermistor", FIRMWARE_THERMISTOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


thermistor = _firmware_thermistor()
FIRMWARE_PARTS = {"room": "NCP18XH103F03RB", "intake": "NCP18XH103F03RB",
                  "exhaust": "NCP18XH103F03RB", "board": "NCP18WF104F03RC"}  # fmt: skip


@given(st.sampled_from(CIRCUITS), st.floats(-30.0, 125.0))
def test_temperature_round_trips_through_the_adc(
    circuit: ThermistorCircuit, celsius: float
) -> None:
    code = round(circuit.ratio(celsius) * 65535)
    ratio = code / 65535
    assert thermistor.sensor_status(ratio) == thermistor.SENSOR_OK
    back = thermistor.celsius_from_ratio(ratio, FIRMWARE_PARTS[circuit.name], circuit.series_ohm)
    assert math.isclose(back, celsius, abs_tol=0.05)


def test_datasheet_point_at_25c() -> None:
    for circuit in CIRCUITS:
        assert math.isclose(circuit.resistance(25.0), circuit.r25_ohm)
        assert math.isclose(circuit.ratio(25.0), 0.5)  # series resistor = R25 on this board


def test_open_and_short_are_recognised() -> None:
    assert thermistor.sensor_status(1.0) == thermistor.SENSOR_OPEN
    assert thermistor.sensor_status(0.0) == thermistor.SENSOR_SHORT
