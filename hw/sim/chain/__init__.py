"""The ASIC chain simulator: BM13xx chips played on a pseudo-terminal."""

from hw.sim.chain.simulator import ChainSimulator

__all__ = ["ChainSimulator"]
