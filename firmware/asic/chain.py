"""The chain driver: one class for every BM13xx family (the family tables hold the
differences), in the shape of esptool's loader.

Bring-up (`initialise`): reset, version mask, enumerate (count chips, compare with the
board profile), family init writes, chain-inactive and address assignment, per-chip
writes, ticket mask, the family's writes after the ticket mask, version mask, switch to
the fast baud (chips first, then the host via pyserial `baudrate`). Then `ramp_to`
moves the hash clock 6.25 MHz per 100 ms.

Running: `send_job` rotates job ids and remembers what each id means; every nonce that
comes back is decoded (job id, version, chip, core), de-duplicated and re-hashed on the
CPU before it is believed. A nonce that does not meet the ticket difficulty is a
hardware error charged to its chip and never reported. `poll_counters` reads the hash
and error counters of every chip once a second.

All methods run on the asyncio loop; the serial reader thread (`link.py`) hands
responses over with `call_soon_threadsafe`. Time comes from the injected `clock` and
waits go through the injected `sleep`, so tests can check the ramp's timing.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

from firmware.asic import frames
from firmware.asic.errors import ChainCountError, ChainError, ChainModelError
from firmware.asic.families import family_for
from firmware.asic.family import ChipFamily
from firmware.asic.health import ChipState
from firmware.asic.link import SerialLink
from firmware.asic.pll import pll_setting
from firmware.asic.responses import NonceResponse, RegisterResponse, Response
from firmware.asic.ticket_mask import ticket_mask
from firmware.asic.version_rolling import rolled_version, version_mask_register
from firmware.board import BoardProfile
from firmware.hashing import sha256d
from firmware.work import (
    DIFF1_TARGET,
    FoundNonce,
    Job,
    NonceHandler,
    difficulty_to_target,
    hash_value,
)

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class ResetLine(Protocol):
    """The chips' RST pin (active low): `firmware.parts.gpio.BoardLines` on a board,
    `ChainSimulator` in tests. Held, the chips stop hashing, stop answering and forget
    their set-up; released, they come up in their power-on state."""

    def hold_reset(self) -> None: ...

    def release_reset(self) -> None: ...


DEFAULT_VERSION_MASK = 0x1FFFE000  # BIP 310 / stratum default, as ESP-Miner writes at init
RESET_PULSE_S = 0.1  # RST low 100 ms, then 100 ms before talking (docs/bm13xx.md)
ENUMERATE_MAX_S = 5.0  # enumeration ends by then even if the line never falls quiet
DUPLICATE_MEMORY = 4096  # nonces remembered for duplicate suppression


class ChainDriver:
    def __init__(
        self,
        port_url: str,
        profile: BoardProfile,
        *,
        family: ChipFamily | None = None,
        ticket_difficulty: float | None = None,
        reset_line: ResetLine | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        enumerate_silence_s: float = 1.0,
        silent_after_s: float = 3.0,
    ) -> None:
        self.port_url = port_url
        self.profile = profile
        self.family = family or family_for(profile.chip_model)
        chosen = self.family.ticket_difficulty if ticket_difficulty is None else ticket_difficulty
        # Nonces must meet this to be believed. Below 1 only in simulation (share_bits).
        self.ticket_difficulty = float(chosen)
        self.ticket_target = difficulty_to_target(self.ticket_difficulty)
        self.reset_line = reset_line
        self.clock = clock
        self.sleep = sleep
        self.enumerate_silence_s = enumerate_silence_s
        self.silent_after_s = silent_after_s
        self.link: SerialLink | None = None
        self.chips: list[ChipState] = []
        self.address_interval = 1
        self.frequency_mhz = self.family.reset_frequency_mhz  # where the ramp stands
        self.programmed_mhz = self.family.reset_frequency_mhz  # what the PLL really gives
        self._last_step_at = -math.inf  # when the last ramp step was written
        self.version_mask = DEFAULT_VERSION_MASK
        self.nonce_handler: NonceHandler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._enumeration: list[RegisterResponse] | None = None
        self._last_response = 0.0
        self._jobs: dict[int, tuple[Job, tuple[int, ...]]] = {}
        self._job_id = 0
        self._seen: set[tuple[int, int, int]] = set()
        self._seen_order: deque[tuple[int, int, int]] = deque()
        self._poll_sent = 0.0
        # counters for stats
        self.nonces = 0  # verified nonces (valid work, at the ticket difficulty)
        self.reported = 0  # of those, handed to the nonce handler (>= share difficulty)
        self.hw_errors = 0
        self.duplicates = 0
        self.stale = 0  # nonces for job ids no longer known (after clean jobs)
        self.poll_latency_s = 0.0  # last poll's first-answer delay: a slow chain shows here

    # -- plumbing ---------------------------------------------------------------------

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.link = SerialLink(
            self.port_url,
            self.profile.baud_initial,
            self.family.response_length,
            self._from_reader_thread,
            self.clock,
        )

    def close(self) -> None:
        if self.link is not None:
            self.link.close()
            self.link = None

    @property
    def bad_frames(self) -> int:
        return self.link.parser.bad_frames if self.link is not None else 0

    def _write(self, frame: bytes) -> None:
        if self.link is None:
            raise ChainError("the chain driver is not open")
        self.link.write(frame)

    def _write_register(self, register: int, value: int, chip: int | None = None) -> None:
        self._write(frames.write_register(register, value, chip))

    def _from_reader_thread(self, responses: list[Response], stamp: float) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._dispatch, responses, stamp)

    def _dispatch(self, responses: list[Response], stamp: float) -> None:
        self._last_response = stamp
        for response in responses:
            if isinstance(response, NonceResponse):
                self._on_nonce(response, stamp)
            elif self._enumeration is not None and response.register == 0x00:
                self._enumeration.append(response)
            else:
                self._on_register(response, stamp)

    # -- bring-up ---------------------------------------------------------------------

    async def reset(self) -> None:
        """Put every chip back to its power-on state at the initial baud.

        With a reset line (a GPIO on real hardware, the simulator in tests) this holds
        RST low for 100 ms and releases it. Without one it is a soft reset: tell chips
        that may still be at the fast speed to return to the default baud, then follow
        them."""
        if self.link is None:
            raise ChainError("the chain driver is not open")
        if self.reset_line is not None:
            self.hold_reset()
        elif self.link.baud != self.profile.baud_initial:
            self._write_register(*self.family.default_baud_write)
        await self.sleep(RESET_PULSE_S)
        if self.reset_line is not None:
            self.reset_line.release_reset()
        self.link.set_baud(self.profile.baud_initial)
        await self.sleep(RESET_PULSE_S)
        self.link.discard_input()
        self.frequency_mhz = self.programmed_mhz = self.family.reset_frequency_mhz
        self._jobs.clear()

    def hold_reset(self) -> None:
        """RST low until the next `reset`/`initialise`: the chips stop at once."""
        if self.reset_line is None:
            raise ChainError("this board has no reset line")
        self.reset_line.hold_reset()
        self.frequency_mhz = self.programmed_mhz = self.family.reset_frequency_mhz
        self._jobs.clear()

    async def enumerate(self) -> int:
        """Broadcast a chip-id read and count answers until `enumerate_silence_s` of
        silence. Raises ChainModelError for another family's chip."""
        self._enumeration = []
        try:
            started = self.clock()
            self._last_response = started
            self._write(frames.read_register(0x00))
            while True:
                await asyncio.sleep(min(0.05, self.enumerate_silence_s / 4))
                now = self.clock()
                if now - self._last_response >= self.enumerate_silence_s:
                    break
                if now - started >= max(ENUMERATE_MAX_S, 2 * self.enumerate_silence_s):
                    break
            answers = self._enumeration
        finally:
            self._enumeration = None
        for answer in answers:
            chip_id = answer.value >> 16
            if chip_id != self.family.chip_id:
                raise ChainModelError(self.family.name, chip_id, self.port_url)
        return len(answers)

    async def initialise(self) -> int:
        """Reset, enumerate, address and configure the chain; leaves it at the fast baud
        and the reset clock. Returns the chip count (which matches the profile)."""
        family = self.family
        await self.reset()
        if family.rolls_version_in_chip:
            for _ in range(3):  # ESP-Miner repeats it before enumeration
                self._write_register(0xA4, version_mask_register(self.version_mask))
        found = await self.enumerate()
        if found != self.profile.chip_count:
            raise ChainCountError(family.name, self.profile.chip_count, found, self.port_url)
        for register, value in family.init_before_addressing:
            self._write_register(register, value)
        self._write(frames.chain_inactive())
        self.address_interval = max(1, 256 // found)
        self.chips = [ChipState(i, i * self.address_interval) for i in range(found)]
        for chip in self.chips:
            self._write(frames.set_address(chip.address))
        for register, value in family.init_after_addressing:
            self._write_register(register, value)
        for chip in self.chips:
            for register, value in family.init_per_chip:
                self._write_register(register, value, chip.address)
        self._write_register(0x14, ticket_mask(max(1.0, self.ticket_difficulty)))
        for register, value in family.init_after_ticket_mask:
            self._write_register(register, value)
        if family.rolls_version_in_chip:
            self._write_register(0xA4, version_mask_register(self.version_mask))
        await self.switch_to_fast_baud()
        self.mark_alive()
        log.info("%s: %dx %s up at %d baud", self.port_url, found, family.name, self.link_baud())
        return found

    def link_baud(self) -> int:
        return self.link.baud if self.link is not None else 0

    async def switch_to_fast_baud(self) -> None:
        """Chips first (at the old speed), then the host's UART."""
        if self.link is None:
            raise ChainError("the chain driver is not open")
        self._write_register(*self.family.fast_baud_write)
        await self.sleep(0.01)
        self.link.set_baud(self.profile.baud_fast)
        self.link.discard_input()

    async def set_version_mask(self, mask: int) -> None:
        if mask != self.version_mask and self.family.rolls_version_in_chip:
            self._write_register(0xA4, version_mask_register(mask))
        self.version_mask = mask

    # -- frequency --------------------------------------------------------------------

    def write_frequency(self, mhz: float) -> float:
        """Program PLL0 on every chip; returns the frequency the PLL really gives."""
        family = self.family
        setting = pll_setting(mhz, family.fb_div_range)
        for register, value in family.pll_prelude:
            for _ in range(family.pll_write_repeats):
                self._write_register(register, value)
        for _ in range(family.pll_write_repeats):
            self._write_register(0x08, family.pll_register_value(setting))
        return setting.frequency_mhz

    async def ramp_to(self, target_mhz: float) -> None:
        """Move the hash clock to `target_mhz` in steps of at most 6.25 MHz, at least
        100 ms apart (docs/bm13xx.md): big jumps upset the chips' PLLs and power rail.
        The wait comes before each step and counts from the last step of any ramp, so
        the task may be cancelled at any point (the backend does, to re-target) and a
        ramp started right after still keeps the pace."""
        step, interval = self.family.ramp_step_mhz, self.family.ramp_interval_s
        while abs(target_mhz - self.frequency_mhz) > 1e-9:
            wait = self._last_step_at + interval - self.clock()
            if wait > 0:
                await self.sleep(wait)
            current = self.frequency_mhz
            if target_mhz > current:
                current = min(target_mhz, current + step)
            else:
                current = max(target_mhz, current - step)
            self.jump_to(current)
            self._last_step_at = self.clock()

    def jump_to(self, mhz: float) -> None:
        """One PLL write straight to `mhz`: only downwards in the backend (a load drop,
        as a reset is), where going down must take effect at once."""
        self.programmed_mhz = self.write_frequency(mhz)
        self.frequency_mhz = mhz

    # -- jobs and nonces --------------------------------------------------------------

    def send_job(self, job: Job) -> int:
        """Encode and send a job under the next job id; returns the id used."""
        family = self.family
        if job.clean:
            self._jobs.clear()
        self._job_id = family.next_job_id(self._job_id)
        encoded = family.encode_job(self._job_id, job)
        self._jobs[self._job_id] = (job, encoded.versions)
        if job.version_mask != self.version_mask:
            # 0 too: a pool that refused version rolling must get nonces of the job's own
            # version only (a rolled one would fail its check and be thrown away).
            self.version_mask = job.version_mask
            if family.rolls_version_in_chip:
                self._write_register(0xA4, version_mask_register(job.version_mask))
        self._write(frames.job_frame(encoded.payload))
        return self._job_id

    def _chip_for_address(self, address: int) -> ChipState | None:
        index = address // self.address_interval
        return self.chips[index] if index < len(self.chips) else None

    def _on_nonce(self, response: NonceResponse, stamp: float) -> None:
        job_id, small = self.family.decode_job_byte(response.job_byte)
        entry = self._jobs.get(job_id)
        if entry is None:
            self.stale += 1
            return
        job, versions = entry
        chip = self._chip_for_address(response.chip_address)
        if chip is not None:
            chip.last_heard = stamp
        if self.family.rolls_version_in_chip:
            version = rolled_version(job.version, response.version_field)
        elif small < len(versions):
            version = versions[small]
        else:
            self._hardware_error(chip)
            return
        nonce = response.nonce
        key = (job_id, nonce, version)
        if key in self._seen:
            self.duplicates += 1
            return
        self._remember(key)
        value = hash_value(sha256d(job.header80(nonce, version)))
        if value > self.ticket_target:
            self._hardware_error(chip)
            return
        self.nonces += 1
        if chip is not None:
            chip.nonces += 1
        difficulty = DIFF1_TARGET / value if value else float("inf")
        if difficulty >= job.share_difficulty and self.nonce_handler is not None:
            self.reported += 1
            self.nonce_handler(
                FoundNonce(
                    job=job,
                    nonce=nonce,
                    version=version,
                    difficulty=difficulty,
                    chip=chip.index if chip is not None else None,
                    core=response.core,
                )
            )

    def _hardware_error(self, chip: ChipState | None) -> None:
        self.hw_errors += 1
        if chip is not None:
            chip.hw_errors += 1

    def _remember(self, key: tuple[int, int, int]) -> None:
        self._seen.add(key)
        self._seen_order.append(key)
        if len(self._seen_order) > DUPLICATE_MEMORY:
            self._seen.discard(self._seen_order.popleft())

    # -- counters ---------------------------------------------------------------------

    def poll_counters(self) -> None:
        """Ask every chip for its hash and error counters (broadcast reads)."""
        self._poll_sent = self.clock()
        self.poll_latency_s = -1.0
        for register in self.family.polled_registers:
            self._write(frames.read_register(register))

    def _on_register(self, response: RegisterResponse, stamp: float) -> None:
        chip = self._chip_for_address(response.chip_address)
        if chip is None or chip.address != response.chip_address:
            return
        chip.last_heard = stamp
        if self.poll_latency_s < 0:
            self.poll_latency_s = stamp - self._poll_sent
        register = response.register
        if register == self.family.hash_counter_register:
            if register == 0x04:
                chip.record_rate(response.value)
            else:
                chip.record_counter(stamp, response.value)
        elif register == 0x4C:
            chip.error_count = response.value

    def mark_alive(self) -> None:
        """Start the silence timers afresh (after bring-up or a ramp, when nobody polled)."""
        now = self.clock()
        for chip in self.chips:
            chip.last_heard = now

    def all_silent(self, now: float) -> bool:
        return bool(self.chips) and all(
            now - c.last_heard > self.silent_after_s for c in self.chips
        )
