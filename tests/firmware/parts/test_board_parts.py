"""The `[parts]` tables of a board file: what the profiles name, and what is refused."""

import copy
import tomllib

import pytest

from firmware.board import BoardProfileError, default_boards_dir, load_board, parse_board


def document(name):
    return tomllib.loads((default_boards_dir() / f"{name}.toml").read_text())


def refused(data):
    with pytest.raises(BoardProfileError) as caught:
        parse_board(data)
    return caught.value


@pytest.mark.parametrize(
    ("board", "parts"),
    [
        ("bitaxe-gamma", {"vcore": "TPS546D24A", "fan": "EMC2101"}),
        ("bitaxe-ultra", {"vcore": "DS4432U", "meter": "INA260", "fan": "EMC2101"}),
        ("bitaxe-max", {"vcore": "DS4432U", "meter": "INA260", "fan": "EMC2101"}),
        (
            "hearth-400",
            {"vcore": "TPS546D24A", "board_temp_inlet": "TMP1075", "board_temp_outlet": "TMP1075"},
        ),
    ],
)
def test_each_profile_names_its_parts_with_their_sources(board, parts):
    profile = load_board(board)
    assert {p.name: p.part for p in profile.parts} == parts
    assert all(p.source and p.bus == "main" for p in profile.parts)


def test_a_board_without_parts_has_none():
    data = document("bitaxe-gamma")
    del data["parts"]
    assert parse_board(data).parts == ()


def test_an_unknown_part_is_refused_with_the_known_ones():
    data = document("bitaxe-gamma")
    data["parts"]["vcore"]["part"] = "TPS999"
    error = refused(data)
    assert error.key == "parts.vcore.part"
    assert error.value == "TPS999"
    assert "TPS546D24A" in error.allowed and "DS4432U" in error.allowed


def test_two_parts_on_one_address_of_one_bus_are_refused():
    data = document("hearth-400")
    data["parts"]["board_temp_outlet"]["address"] = 0x4A
    error = refused(data)
    assert error.key == "parts.board_temp_outlet.address"
    assert "parts.board_temp_inlet" in error.allowed


def test_the_same_address_on_another_bus_is_fine():
    data = document("hearth-400")
    data["parts"]["board_temp_outlet"].update(address=0x4A, bus="aux")
    assert len(parse_board(data).parts) == 3


def test_an_address_the_part_cannot_have_is_refused():
    data = document("bitaxe-gamma")
    data["parts"]["fan"]["address"] = 0x4D
    error = refused(data)
    assert error.key == "parts.fan.address"
    assert "0x4c" in error.allowed


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("vout_max_mv", 6000, "500"),
        ("iout_oc_fault_a", 45.0, "40 A × 1 phases"),
        ("iout_oc_warn_a", 35.0, "iout_oc_fault_a"),
        ("vin_off_v", 5.0, "below vin_on_v"),
        ("vout_scale_loop", 0.3, "0.25"),
        ("vout_min_mv", 1100, "voltage.min_mv..max_mv"),
        ("tolerance_pct", 50.0, "10"),
    ],
)
def test_a_limit_outside_the_part_or_the_board_is_refused(key, value, allowed):
    data = document("bitaxe-gamma")
    data["parts"]["vcore"][key] = value
    error = refused(data)
    assert error.key.startswith("parts.vcore.")
    assert allowed in error.allowed


def test_a_dac_whose_resistors_cannot_reach_the_range_is_refused():
    data = document("bitaxe-ultra")
    data["parts"]["vcore"]["ra_ohm"] = 1000.0
    error = refused(data)
    assert error.key == "parts.vcore.vout_min_mv"
    assert "resistors reach" in error.allowed


def test_a_missing_limit_and_an_unknown_key_are_refused():
    data = document("bitaxe-gamma")
    del data["parts"]["vcore"]["iout_oc_fault_a"]
    assert refused(data).key == "parts.vcore.iout_oc_fault_a"
    data = document("bitaxe-gamma")
    data["parts"]["fan"]["rpm_max"] = 5000
    assert refused(data).key == "parts.fan.rpm_max"


def test_two_core_rails_are_refused():
    data = document("bitaxe-gamma")
    data["parts"]["trim"] = copy.deepcopy(document("bitaxe-ultra")["parts"]["vcore"])
    data["parts"]["trim"]["vout_max_mv"] = 1300
    error = refused(data)
    assert error.key == "parts.trim.part"
    assert "parts.vcore" in error.allowed


def test_the_message_names_file_key_value_and_allowed():
    data = document("bitaxe-gamma")
    data["parts"]["vcore"]["iout_oc_fault_a"] = 500
    text = str(refused(data))
    assert "parts.vcore.iout_oc_fault_a = 500" in text
    assert "allowed:" in text
