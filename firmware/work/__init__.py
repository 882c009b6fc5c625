"""The unit of work shared by the pool, the hashing backends and the daemon.

A pool job becomes a `Job` (a header template); a backend hashes it and reports each
candidate as a `FoundNonce`; the pool turns those above its difficulty into shares.
"""

from firmware.work.backend import BackendStats, ChipHealth, HashBackend, NonceHandler
from firmware.work.difficulty import (
    DIFF1_TARGET,
    difficulty_from_hash,
    difficulty_to_target,
    hash_value,
)
from firmware.work.job import FoundNonce, Job, OperatingPoint
from firmware.work.rail import CoreRail, PowerReadings, RailFault

__all__ = [
    "DIFF1_TARGET",
    "BackendStats",
    "ChipHealth",
    "CoreRail",
    "FoundNonce",
    "HashBackend",
    "Job",
    "NonceHandler",
    "OperatingPoint",
    "PowerReadings",
    "RailFault",
    "difficulty_from_hash",
    "difficulty_to_target",
    "hash_value",
]
