"""docs/safety.md: in normal operation the controller's interlocks (board profile
`[thermal]`) stop the heater below the supervisor's hard limits, so the supervisor never
trips. Checked for every board profile against firmware/supervisor/limits.py as written
(read from source: it is MicroPython)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from firmware.board import list_boards, load_board

LIMITS_PY = Path(__file__).resolve().parents[3] / "firmware" / "supervisor" / "limits.py"


def supervisor_constant(name: str) -> object:
    for node in ast.parse(LIMITS_PY.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not in {LIMITS_PY}")


@pytest.mark.parametrize("board_name", list_boards())
def test_interlocks_stop_below_the_supervisor_trips(board_name: str) -> None:
    thermal = load_board(board_name).thermal
    trip_c = supervisor_constant("TRIP_C")
    hysteresis_c = supervisor_constant("CLEAR_HYSTERESIS_C")
    assert isinstance(trip_c, dict) and isinstance(hysteresis_c, float)
    # Below trip − hysteresis the supervisor also accepts SET_POWER 1 and CLEAR_TRIP.
    assert thermal.exhaust_max_c <= trip_c["exhaust"] - hysteresis_c
    assert thermal.chip_max_c <= trip_c["board"] - hysteresis_c
    assert thermal.room_max_c <= trip_c["room"] - hysteresis_c
