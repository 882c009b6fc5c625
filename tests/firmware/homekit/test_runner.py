"""The runner on loopback without mDNS (no advertisement address: zeroconf is never
started): it serves, shows its setup, follows the state, stops and frees its port; a
port in use fails the start cleanly."""

from __future__ import annotations

import asyncio
import socket

import pytest

from firmware.config.schema import HomeKitConfig
from firmware.homekit import AccessoryFacts, HomeKitRunner
from tests.support.mosquitto import free_port
from tests.support.waiting import eventually

FACTS = AccessoryFacts("Den heater", "hearth-den", "hearth-400", "0.1.0")


def runner(tmp_path, port, state):
    applied: list[object] = []

    async def apply(patch):
        applied.append(dict(patch))

    return HomeKitRunner(
        HomeKitConfig(enabled=True, port=port, bind="127.0.0.1"),
        tmp_path,
        FACTS,
        get_state=lambda: state,
        apply_settings=apply,
        advertise_on=[],
    ), applied


def test_it_serves_follows_the_state_and_frees_its_port(tmp_path):
    async def scenario():
        state = {"mode": "heat", "action": "idle", "target_c": 20.0, "room_c": 18.5}
        port = free_port()
        hk, _ = runner(tmp_path, port, state)
        await hk.start()
        try:
            setup = hk.setup()
            assert setup["running"] and setup["paired"] is False
            assert str(setup["setup_uri"]).startswith("X-HM://")
            assert hk.driver.advertiser is None  # nothing sent on any network
            chars = hk.accessory.chars
            assert chars["CurrentTemperature"].get_value() == 18.5
            state.update(target_c=23.0, action="heating")
            await eventually(lambda: chars["TargetTemperature"].get_value() == 23.0)
            assert chars["CurrentHeatingCoolingState"].get_value() == 1
        finally:
            await hk.stop()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))  # the HAP server let go of it

    asyncio.run(scenario())


def test_a_port_in_use_fails_the_start_and_leaves_nothing_open(tmp_path):
    async def scenario():
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            hk, _ = runner(tmp_path, taken.getsockname()[1], {})
            with pytest.raises(OSError):
                await hk.start()
            await hk.stop()
            assert hk.setup() == {"enabled": True, "running": False}

    asyncio.run(scenario())


def test_a_write_goes_to_apply_settings_once(tmp_path):
    async def scenario():
        state = {"mode": "heat", "action": "idle", "target_c": 20.0, "room_c": None}
        hk, applied = runner(tmp_path, free_port(), state)
        await hk.start()
        try:
            hk.accessory.chars["TargetTemperature"].service.setter_callback(
                {"TargetTemperature": 22.0, "TargetHeatingCoolingState": 3}
            )
            await eventually(lambda: applied == [{"target_c": 22.0, "mode": "auto"}])
        finally:
            await hk.stop()

    asyncio.run(scenario())


def test_a_damaged_pairings_file_fails_the_start_not_the_heater(tmp_path):
    from firmware.homekit.identity import PAIRINGS_FILE

    (tmp_path / PAIRINGS_FILE).write_text("{not json")

    async def scenario():
        hk, _ = runner(tmp_path, free_port(), {})
        with pytest.raises(ValueError):
            await hk.start()
        assert hk.setup()["running"] is False
        assert (tmp_path / PAIRINGS_FILE).read_text() == "{not json"  # kept for the owner

    asyncio.run(scenario())
