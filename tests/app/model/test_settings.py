import json
import pathlib
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.settings import (
    AppSettings,
    SettingsError,
    SettingsStore,
    checked,
    parse_broker_address,
)


def test_settings_round_trip_and_the_file_is_private(tmp_path: pathlib.Path) -> None:
    store = SettingsStore(tmp_path / "sub" / "settings.json")
    settings = AppSettings(
        broker_host="heater.local", units="F", tariff_per_kwh=0.31, btc_price=61000.0, password="pw"
    )
    store.save(settings)
    assert store.load() == settings and store.problems == []
    assert (store.path.stat().st_mode & 0o777) == 0o600


def test_missing_file_gives_defaults(tmp_path: pathlib.Path) -> None:
    assert SettingsStore(tmp_path / "none.json").load() == AppSettings()


@pytest.mark.parametrize("text", ["{broken", "[]", '"x"'])
def test_corrupt_file_gives_defaults_and_says_so(tmp_path: pathlib.Path, text: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text)
    store = SettingsStore(path)
    assert store.load() == AppSettings()
    assert store.problems and "defaults used" in store.problems[0]


def test_bad_values_fall_back_one_by_one(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps(
            {
                "units": "K",
                "broker_port": "1883",
                "tariff_per_kwh": 1,
                "btc_price": -5,
                "broker_host": "ok.local",
                "surprise": 1,
            }
        )
    )
    store = SettingsStore(path)
    settings = store.load()
    assert settings.broker_host == "ok.local" and settings.tariff_per_kwh == 1.0
    assert settings.units == "C" and settings.broker_port == 1883 and settings.btc_price == 0.0
    assert len(store.problems) == 3


@pytest.mark.parametrize(
    "changes",
    [
        {"broker_host": " "},
        {"broker_port": 0},
        {"units": "K"},
        {"tariff_per_kwh": -1},
        {"quiet_power_w": 20000.0},
        {"prefix": "a/#"},
    ],
)
def test_checked_names_the_bad_setting(changes: dict[str, object]) -> None:
    with pytest.raises(SettingsError):
        checked(replace(AppSettings(), **changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.5:1884", ("10.0.0.5", 1884)),
        ("heater.local", ("heater.local", 1883)),
        ("[::1]:1999", ("::1", 1999)),
        ("[fe80::1]", ("fe80::1", 1883)),
    ],
)
def test_broker_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_broker_address(text) == expected


@pytest.mark.parametrize("text", ["", "host:", "host:abc", "host:70000", ":1883"])
def test_bad_broker_addresses(text: str) -> None:
    with pytest.raises(SettingsError):
        parse_broker_address(text)


@given(st.from_regex(r"[a-z][a-z0-9.-]{0,20}", fullmatch=True), st.integers(1, 65535))
def test_broker_address_round_trip(host: str, port: int) -> None:
    assert parse_broker_address(f"{host}:{port}") == (host, port)
