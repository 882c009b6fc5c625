"""Simulated network miners, written from their public API documents (cgminer's
API-README and Canaan's Avalon additions; ESP-Miner's AxeOS REST API; Braiins' bos-plus-api
protobuf definitions and the BOSminer API), never from Hearth's client code: an Avalon
Nano 3S on TCP 4028, a Bitaxe on HTTP port 80 and an Antminer S19 on Braiins OS+ (gRPC
50051 and TCP 4028), each on its own loopback address, with power for the room model and
injectable faults."""

from hw.sim.miners.avalon import AvalonServer
from hw.sim.miners.axeos import AxeOsServer
from hw.sim.miners.braiins import BraiinsServer
from hw.sim.miners.miner import GAMMA, NANO3S, S19_BOS, Faults, MinerModel, SimMiner

__all__ = [
    "GAMMA",
    "NANO3S",
    "S19_BOS",
    "AvalonServer",
    "AxeOsServer",
    "BraiinsServer",
    "Faults",
    "MinerModel",
    "SimMiner",
]
