"""The CPU miner: a `HashBackend` that hashes jobs with the C SHA-256d core on N threads."""

from firmware.cpuminer.backend import CpuBackend

__all__ = ["CpuBackend"]
