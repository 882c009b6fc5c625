"""Pick the hashing backend: the ASIC chain if one answers on the port, else the CPU.

The probe opens the port at the profile's initial baud, broadcasts a chip-id read and
waits for one good answer of the profile's family. If the chain was left at the fast
speed by an earlier run, it asks chips to return to the default speed and tries once
more. Nothing answering (or no port at all) means the CPU backend, which the log and
the backend's stats both say.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import serial

from firmware.asic import frames
from firmware.asic.backend import AsicBackend
from firmware.asic.families import family_for
from firmware.asic.family import ChipFamily
from firmware.asic.responses import RegisterResponse, ResponseParser
from firmware.board import BoardProfile
from firmware.work import BackendStats, HashBackend, Job, NonceHandler, OperatingPoint

log = logging.getLogger(__name__)


def probe_chain(port_url: str, profile: BoardProfile, timeout_s: float = 1.0) -> str | None:
    """None if a chip of the profile's family answered on `port_url`, else the reason."""
    family = family_for(profile.chip_model)
    try:
        port = serial.serial_for_url(port_url, baudrate=profile.baud_initial, timeout=0.05)
    except (serial.SerialException, OSError, ValueError) as exc:
        return f"cannot open {port_url}: {exc}"
    try:
        port.reset_input_buffer()
        if _answers(port, family, timeout_s):
            return None
        # maybe left at the fast speed: ask at that speed to go back, then listen again
        port.baudrate = profile.baud_fast
        port.write(frames.write_register(*family.default_baud_write))
        port.flush()
        time.sleep(0.05)
        port.baudrate = profile.baud_initial
        port.reset_input_buffer()
        if _answers(port, family, timeout_s):
            return None
        return f"no {family.name} answered on {port_url} within {timeout_s:g} s"
    except (serial.SerialException, OSError) as exc:
        return f"probing {port_url} failed: {exc}"
    finally:
        port.close()


def _answers(port: Any, family: ChipFamily, timeout_s: float) -> bool:
    parser = ResponseParser(family.response_length)
    port.write(frames.read_register(0x00))
    port.flush()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        data = port.read(max(1, port.in_waiting))
        for response in parser.feed(data):
            if isinstance(response, RegisterResponse) and response.value >> 16 == family.chip_id:
                return True
    return False


class CpuFallback:
    """The CPU backend, labelled as the fallback it is (in `name` and `stats().detail`)."""

    def __init__(self, inner: HashBackend, reason: str) -> None:
        self.inner = inner
        self.reason = reason

    @property
    def name(self) -> str:
        return f"cpu-fallback:{self.inner.name}"

    def set_nonce_handler(self, handler: NonceHandler) -> None:
        self.inner.set_nonce_handler(handler)

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def submit_job(self, job: Job) -> None:
        await self.inner.submit_job(job)

    async def apply(self, point: OperatingPoint) -> None:
        await self.inner.apply(point)

    def stats(self) -> BackendStats:
        stats = self.inner.stats()
        detail = f"CPU fallback ({self.reason})"
        if stats.detail:
            detail += f"; {stats.detail}"
        return replace(stats, detail=detail)


def detect_backend(
    port_url: str | None,
    profile: BoardProfile | None,
    *,
    probe_timeout_s: float = 1.0,
    cpu_threads: int | None = None,
    **asic_options: Any,
) -> HashBackend:
    """An `AsicBackend` if a chain answers on `port_url`, else the CPU backend.

    `asic_options` go to `AsicBackend` (reset_line, rail, power_switch,
    ticket_difficulty, ...). With no port or no profile there is nothing to probe."""
    if port_url is None or profile is None:
        reason = "no ASIC port configured" if port_url is None else "no board profile"
    else:
        found = probe_chain(port_url, profile, probe_timeout_s)
        if found is None:
            log.info("ASIC chain of %s found on %s", profile.chip_model, port_url)
            return AsicBackend(port_url, profile, **asic_options)
        reason = found
    from firmware.cpuminer import CpuBackend  # only needed when there is no chain

    log.warning("no ASIC chain: %s; falling back to the CPU backend", reason)
    return CpuFallback(CpuBackend(threads=cpu_threads), reason)
