"""The miners Hearth drives, by the `[backend] type` name: the pyasic class, the actuator
and the driver shape. Detected miners (no `type`) are matched on pyasic's class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyasic.miners.antminer.bosminer.X19.S19 import BOSMinerS19
from pyasic.miners.avalonminer.cgminer.mini.mini3 import CGMinerAvalonMini3
from pyasic.miners.avalonminer.cgminer.nano.nano3 import CGMinerAvalonNano3s
from pyasic.miners.bitaxe.espminer.BM.BM1370 import BitAxeGamma

from firmware.miner.actuators import ACTUATORS, Actuator
from firmware.miner.drivers import AvalonDriver, AxeOsDriver, Driver, PyasicDriver


@dataclass(frozen=True)
class MinerType:
    name: str
    pyasic_class: type
    actuator: Actuator
    driver: str  # "avalon" | "axeos" | "pyasic"

    def open(self, host: str) -> tuple[Any, Driver]:
        miner = self.pyasic_class(host)
        return miner, driver_for(self, miner)


def driver_for(kind: MinerType, miner: Any) -> Driver:
    if kind.driver == "avalon":
        return AvalonDriver(miner)
    if kind.driver == "axeos":
        return AxeOsDriver(miner, kind.actuator)
    return PyasicDriver(miner)


MINER_TYPES: dict[str, MinerType] = {
    t.name: t
    for t in (
        MinerType("avalon-nano3s", CGMinerAvalonNano3s, ACTUATORS["avalon-nano3s"], "avalon"),
        MinerType("avalon-mini3", CGMinerAvalonMini3, ACTUATORS["avalon-mini3"], "avalon"),
        MinerType("bitaxe-gamma", BitAxeGamma, ACTUATORS["bitaxe-gamma"], "axeos"),
        MinerType("braiins-s19", BOSMinerS19, ACTUATORS["braiins-s19"], "pyasic"),
    )
}


def type_of(miner: Any) -> MinerType | None:
    """The known type of a miner pyasic detected (None: Hearth has no actuator table)."""
    for kind in MINER_TYPES.values():
        if isinstance(miner, kind.pyasic_class):
            return kind
    return None
