"""Board profiles: the committed boards load, their models match the published figures
they were calibrated on, and bad files are refused with the key, value and what is allowed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.board import (
    BOARDS_DIR_ENV,
    BoardProfileError,
    default_boards_dir,
    list_boards,
    load_board,
    parse_board,
)

BOARDS = Path(__file__).resolve().parents[3] / "hw" / "boards"


def board_data(name: str) -> dict:
    return tomllib.loads((BOARDS / f"{name}.toml").read_text())


def test_the_four_boards_are_there() -> None:
    assert {"bitaxe-ultra", "bitaxe-gamma", "bitaxe-max", "hearth-400"} <= set(list_boards())
    assert default_boards_dir().resolve() == BOARDS


@pytest.mark.parametrize(
    ("name", "model", "chips", "ghs", "watts"),
    [
        # ESP-Miner expected hashrate f × small cores × chips / 1000; watts per docs/boards.md
        ("bitaxe-ultra", "BM1366", 1, 485 * 894 / 1000, 12.0),
        ("bitaxe-gamma", "BM1370", 1, 525 * 2040 / 1000, 18.0),
        ("bitaxe-max", "BM1397", 1, 425 * 672 / 1000, 13.0),
        ("hearth-400", "BM1370", 24, 24 * 525 * 2040 / 1000, 400.0),
    ],
)
def test_default_point_matches_calibration(
    name: str, model: str, chips: int, ghs: float, watts: float
) -> None:
    board = load_board(name)
    point = board.default_point()
    assert (board.chip_model, board.chip_count) == (model, chips)
    assert board.hashrate_ghs(point.frequency_mhz) == pytest.approx(ghs)
    assert board.power_w(point.frequency_mhz, point.voltage_mv, chips) == pytest.approx(watts)
    assert point.voltage_mv >= board.min_voltage_mv(point.frequency_mhz)


def test_power_model_shape() -> None:
    board = load_board("hearth-400")
    f, v = 525.0, 1150
    base = board.power_w(f, v, 24)
    # dynamic power is linear in f: doubling f adds exactly the dynamic part again
    dynamic = 24 * 15.0 * 0.9
    assert board.power_w(2 * f, v, 24) - base == pytest.approx(dynamic)
    # fewer chips, less power; none hashing -> idle only
    assert board.power_w(f, v, 12) == pytest.approx(40.0 + 12 * 15.0)
    assert board.power_w(f, v, 0) == board.power.idle_w
    # higher voltage costs more than linearly
    assert board.power_w(f, 1265, 24) > base * 1.1
    with pytest.raises(ValueError):
        board.power_w(f, v, -1)


def test_frequency_grid_and_voltage_table() -> None:
    board = load_board("bitaxe-max")
    steps = board.frequency_steps()
    assert steps[0] == 300.0 and steps[-1] == 600.0 and len(steps) == 61
    assert board.min_voltage_mv(425.0) == 1400
    assert board.min_voltage_mv(487.0) == 1450  # 1441.3 rounded up to the 10 mV step
    with pytest.raises(ValueError, match="outside"):
        board.min_voltage_mv(650.0)


@given(st.floats(min_value=300.0, max_value=600.0), st.floats(min_value=300.0, max_value=600.0))
def test_min_voltage_is_monotone(a: float, b: float) -> None:
    board = load_board("hearth-400")
    low, high = sorted((a, b))
    assert board.min_voltage_mv(low) <= board.min_voltage_mv(high)
    assert board.min_voltage_mv(high) % board.voltage_step_mv == 0


def test_env_var_chooses_the_boards_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mine.toml").write_text((BOARDS / "bitaxe-gamma.toml").read_text())
    monkeypatch.setenv(BOARDS_DIR_ENV, str(tmp_path))
    assert list_boards() == ["mine"]
    assert load_board("mine").chip_model == "BM1370"
    with pytest.raises(BoardProfileError) as err:
        load_board("bitaxe-ultra")
    assert err.value.key == "board" and err.value.allowed == "mine"


def test_load_by_path() -> None:
    assert load_board(str(BOARDS / "bitaxe-max.toml")).name == "bitaxe-max"


@pytest.mark.parametrize(
    ("edit", "key", "allowed"),
    [
        (lambda d: d["chip"].update(model="BM1234"), "chip.model", "BM1366 | BM1368"),
        (lambda d: d["chip"].update(count=0), "chip.count", "an integer 1..256"),
        (lambda d: d["chip"].update(count="4"), "chip.count", "an integer"),
        (lambda d: d["chip"].pop("small_cores"), "chip.small_cores", "missing"),
        (lambda d: d["uart"].update(fast_baud=999), "uart.fast_baud", "an integer"),
        (lambda d: d["uart"].update(fast_baud=2000000), "uart.fast_baud", "115200 | 1000000"),
        (lambda d: d["frequency"].update(step_mhz=7.0), "frequency.max_mhz", "step_mhz"),
        (lambda d: d["default"].update(frequency_mhz=527.0), "default.frequency_mhz", "grid"),
        (lambda d: d["default"].update(voltage_mv=1100), "default.voltage_mv", "1150 mV"),
        (lambda d: d["voltage"]["table"].pop(), "voltage.table", "covering"),
        (
            lambda d: d["voltage"]["table"].reverse(),
            "voltage.table[1]",
            "strictly increasing",
        ),
        (lambda d: d["power"].update(leakage_fraction=1.5), "power.leakage_fraction", "0.0..0.9"),
        (lambda d: d["thermal"].update(derate_c=90.0), "thermal.derate_c", "below chip_max_c"),
        (lambda d: d.update(colour="red"), "colour", "unknown"),
        (lambda d: d["power"].update(overhead=1), "power.overhead", "unknown"),
    ],
)
def test_bad_profiles_name_key_value_and_allowed(edit, key: str, allowed: str) -> None:
    data = board_data("bitaxe-gamma")
    edit(data)
    with pytest.raises(BoardProfileError) as err:
        parse_board(data)
    assert err.value.key == key
    assert allowed in err.value.allowed
    assert key in str(err.value)


def test_broken_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("name = \n")
    with pytest.raises(BoardProfileError, match="valid TOML"):
        load_board(str(path))
