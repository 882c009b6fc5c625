"""Which hashing backend this heater has: the ASIC chain on `[asic] port`, else the CPU."""

from __future__ import annotations

import importlib

from firmware.board import BoardProfile
from firmware.config import AsicConfig
from firmware.work import HashBackend


class BackendUnavailable(RuntimeError):
    """The configured backend is not part of this firmware build or not answering."""


async def open_backend(config: AsicConfig, board: BoardProfile) -> HashBackend:
    if config.port:
        try:
            asic = importlib.import_module("firmware.asic")
            detect = asic.detect_backend
        except (ImportError, AttributeError) as exc:
            raise BackendUnavailable(f"ASIC driver not available in this build: {exc}") from exc
        backend: HashBackend = await detect(config.port, board)
        return backend
    try:
        cpuminer = importlib.import_module("firmware.cpuminer")
        cpu_backend = cpuminer.CpuBackend
    except (ImportError, AttributeError) as exc:
        raise BackendUnavailable(f"CPU backend not available in this build: {exc}") from exc
    backend = cpu_backend(threads=config.cpu_threads)
    return backend
