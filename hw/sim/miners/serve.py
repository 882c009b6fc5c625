"""Which simulated miner plays which `[backend] type` under `hearth sim` (the names are
Hearth's config vocabulary, as plain strings: this package imports no firmware)."""

from __future__ import annotations

from hw.sim.miners.avalon import AvalonServer
from hw.sim.miners.axeos import AxeOsServer
from hw.sim.miners.braiins import BraiinsServer
from hw.sim.miners.miner import GAMMA, NANO3S, S19_BOS, SimMiner

SimServer = AvalonServer | AxeOsServer | BraiinsServer

# type → its API's usual loopback address in the tests (any 127.0.0.x works).
SIMULATED = {"avalon-nano3s": "127.0.0.2", "bitaxe-gamma": "127.0.0.3", "braiins-s19": "127.0.0.4"}


def sim_server(miner_type: str, host: str) -> SimServer:
    """A simulated miner of `miner_type` listening on `host` (ValueError: none)."""
    if miner_type == "avalon-nano3s":
        return AvalonServer(SimMiner(NANO3S), host=host)
    if miner_type == "bitaxe-gamma":
        return AxeOsServer(SimMiner(GAMMA), host=host)  # port 80: root
    if miner_type == "braiins-s19":
        return BraiinsServer(SimMiner(S19_BOS), host=host)
    raise ValueError(
        f"no simulated miner for type {miner_type!r}; simulated: {', '.join(SIMULATED)}"
    )
