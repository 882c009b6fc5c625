"""Real pyasic against the heater's AxeOS face on loopback: the class pyasic's factory
picks for the chip model reads the heater's real chip count and expected hashrate, and
its writes (`reboot()`, which sends no credential) are refused (401) by default and work once
the owner turned on `axeos_lan_writes`, for the AxeOS endpoints only."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from firmware.api import ApiServer, WriteAuth
from firmware.config import Secret
from tests.firmware.api.heater_double import HeaterDouble

pyasic_factory = pytest.importorskip("pyasic.miners.factory")
pyasic_errors = pytest.importorskip("pyasic.errors")
TOKEN = "axeos-test-token-0123456789"


def pyasic_miner(port: int):
    """The class pyasic's factory chooses from `ASICModel`, aimed at our port."""
    cls = pyasic_factory.MINER_CLASSES[pyasic_factory.MinerTypes.BITAXE]["BM1370"]
    miner = cls("127.0.0.1")
    miner.web.port = port
    return miner


def run(axeos_open: bool, test) -> HeaterDouble:
    heater = HeaterDouble()
    auth = WriteAuth(True, Secret(TOKEN), "", Secret(""), axeos_open=axeos_open)

    async def main() -> None:
        server = ApiServer(heater, auth, "127.0.0.1", 0)
        await server.start()
        try:
            await test(server.port, heater)
        finally:
            await server.stop()

    asyncio.run(main())
    return heater


def test_pyasic_reads_the_real_chip_count_and_expected_hashrate() -> None:
    async def test(port: int, heater: HeaterDouble) -> None:
        data = await pyasic_miner(port).get_data()
        facts = heater.miner_facts()
        assert data.total_chips == facts.asic_count == 24
        assert [board.chips for board in data.hashboards] == [24]
        expected_ths = facts.small_core_count * facts.asic_count * facts.frequency_mhz / 1e6
        assert float(data.expected_hashrate) == pytest.approx(expected_ths, rel=1e-3)
        assert float(data.hashrate) == pytest.approx(facts.hashrate_ghs / 1000, rel=1e-3)

    run(False, test)


def test_pyasic_writes_need_the_owners_choice_and_reach_axeos_endpoints_only() -> None:
    async def refused(port: int, heater: HeaterDouble) -> None:
        with pytest.raises(pyasic_errors.APIError):  # pyasic raises on the 401
            await pyasic_miner(port).reboot()

    assert run(False, refused).actions == []

    async def allowed(port: int, heater: HeaterDouble) -> None:
        assert await pyasic_miner(port).reboot() is True
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as client:
            # Hearth's own endpoints still need the credential.
            async with client.patch("/api/heater", json={"target_c": 25}) as response:
                assert response.status == 401
            # AxeOS's frequency/voltage/fan keys are accepted and never applied.
            patch = {"frequency": 900, "coreVoltage": 1400, "fanspeed": 0, "hostname": "den"}
            async with client.patch("/api/system", json=patch) as response:
                body = await response.json()
                assert response.status == 200, body
            assert set(body["ignored"]) >= {"frequency", "coreVoltage", "fanspeed"}

    heater = run(True, allowed)
    assert heater.actions == ["restart"]
    assert heater.hostname == "den"
    assert heater.settings()["target_c"] == 21.0
