"""The simulated Braiins OS+ miner on its own terms, spoken to by pyasic's BOS+ clients:
gRPC calls need the session token from Login, a power target outside the range is
INVALID_ARGUMENT and changes nothing, pause/resume answer `already_*`; the
cgminer-compatible API on 4028 reports the same miner. The hand-encoded protobuf is
checked against pyasic's own message classes (betterproto, from the same .proto files)."""

from __future__ import annotations

import asyncio

import pytest
from grpclib.exceptions import GRPCError
from pyasic.errors import APIError
from pyasic.rpc.bosminer import BOSMinerRPCAPI
from pyasic.web.braiins_os.boser import BOSerWebAPI
from pyasic.web.braiins_os.proto.braiins.bos.v1 import Power, SaveAction, SetPowerTargetRequest

from hw.sim.miners.braiins import BraiinsServer
from hw.sim.miners.miner import S19_BOS, SimMiner
from hw.sim.miners.protobuf import decode, encode

HOST = "127.0.0.4"


def run(scenario) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        server = BraiinsServer(SimMiner(S19_BOS), host=HOST)
        await server.start()
        try:
            await asyncio.wait_for(scenario(server), 20.0)
        finally:
            await server.stop()

    asyncio.run(main())


def test_the_hand_encoding_matches_the_published_messages() -> None:
    request = SetPowerTargetRequest(
        power_target=Power(watt=1500), save_action=SaveAction(SaveAction.SAVE_AND_FORCE_APPLY)
    )
    assert encode([(1, 3), (2, [(1, 1500)])]) == bytes(request)
    assert decode(bytes(request)) == {1: [3], 2: [b"\x08\xdc\x0b"]}
    with pytest.raises(ValueError):
        decode(b"\x08")  # a key with no value


def test_target_pause_and_resume_over_grpc() -> None:
    async def scenario(server: BraiinsServer) -> None:
        web = BOSerWebAPI(HOST)
        assert (await web.set_power_target(1700))["powerTarget"]["watt"] == 1700
        mode = await web.get_active_performance_mode()
        assert mode["tunerMode"]["powerTarget"]["powerTarget"]["watt"] == 1700
        stats = await web.get_miner_stats()
        assert stats["powerStats"]["approximatedConsumption"]["watt"] == round(1700 * 0.985)
        assert (await web.pause_mining()).get("alreadyPaused", False) is False
        assert (await web.pause_mining())["alreadyPaused"] is True
        assert not server.miner.hashing()
        assert (await web.resume_mining()).get("alreadyMining", False) is False
        assert server.miner.hashing()

    run(scenario)


def test_out_of_range_and_unauthenticated_calls_change_nothing() -> None:
    async def scenario(server: BraiinsServer) -> None:
        web = BOSerWebAPI(HOST)
        with pytest.raises(APIError):
            await web.set_power_target(500)
        assert server.miner.setting == S19_BOS.default
        intruder = BOSerWebAPI(HOST)
        intruder.pwd = "wrong"
        # pyasic 0.79 lets a refused Login out as grpclib's own error, not an APIError.
        with pytest.raises((APIError, GRPCError)):
            await intruder.set_power_target(1500)
        assert server.miner.setting == S19_BOS.default and server.miner.commands == []

    run(scenario)


def test_the_cgminer_compatible_api_reports_the_same_miner() -> None:
    async def scenario(server: BraiinsServer) -> None:
        rpc = BOSMinerRPCAPI(HOST)
        assert (await rpc.tunerstatus())["TUNERSTATUS"][0]["PowerLimit"] == 3250
        assert all(dev["MHS 5s"] > 0 for dev in (await rpc.devs())["DEVS"])
        await rpc.pause()
        assert all(dev["MHS 5s"] == 0 for dev in (await rpc.devs())["DEVS"])
        await rpc.resume()
        assert server.miner.hashing()

    run(scenario)
