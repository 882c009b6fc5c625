"""Which hashing backend this heater has: the ASIC chain on `[asic] port` when a chain
answers there, else the CPU (firmware.asic.detect_backend labels that as a fallback)."""

from __future__ import annotations

import asyncio

from firmware.asic import detect_backend
from firmware.board import BoardProfile
from firmware.config import AsicConfig
from firmware.cpuminer import CpuBackend
from firmware.work import HashBackend


class BackendUnavailable(RuntimeError):
    """No backend could be opened."""


async def open_backend(config: AsicConfig, board: BoardProfile) -> HashBackend:
    if not config.port:
        return CpuBackend(threads=config.cpu_threads)
    options: dict[str, float] = {}
    if config.ticket_difficulty > 0:
        options["ticket_difficulty"] = config.ticket_difficulty
    try:
        # The probe blocks on the serial port for up to a second: keep it off the loop.
        return await asyncio.to_thread(
            detect_backend, config.port, board, cpu_threads=config.cpu_threads, **options
        )
    except (OSError, ValueError) as exc:
        raise BackendUnavailable(f"cannot open the hashing backend: {exc}") from exc
