"""A local stratum v1 pool serving real block data, for the virtual heater and tests."""

from hw.sim.pool.block import SLUSH_790246, BlockTemplate
from hw.sim.pool.server import Counters, LocalPool

__all__ = ["SLUSH_790246", "BlockTemplate", "Counters", "LocalPool"]
