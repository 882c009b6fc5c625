"""A chain of BM13xx chips on a pseudo-terminal.

`ChainSimulator.start()` opens a pty pair and returns the slave's path; the firmware
opens it with pyserial exactly as it would a UART. A background thread plays every
chip: enumeration, addressing, register reads and writes (PLL, ticket mask, version
mask, baud), job frames (CRC-checked; bad frames ignored as a chip does), real nonces
found by really hashing the job at the simulation's difficulty (see `hasher.py`), and
hash counters that advance at the modelled hashrate.

Baud: ptys carry bytes at any speed, but the pty's line settings are shared by both
ends, so the simulator reads the speed the host set (TCGETS2) and compares it with the
chips' modelled UART speed. While they differ (beyond a 3 % UART tolerance) host
frames are lost and chip responses arrive as noise, as on a real wire. A change of
the chips' speed gives the host `BAUD_GRACE_S` to follow.

CPU: hashing is throttled to `cpu_budget` (fraction of one core), so a simulated
400 W board costs a few percent of a core however fast its modelled hashrate is.
"""

from __future__ import annotations

import array
import fcntl
import logging
import os
import random
import select
import threading
import time
import tty
from collections import deque
from collections.abc import Callable

from firmware.board import BoardProfile
from firmware.work import DIFF1_TARGET
from hw.sim.chain.chip import SimChip
from hw.sim.chain.chip_models import CHIP_MODELS
from hw.sim.chain.hasher import (
    SimJob,
    decode_full_header_job,
    decode_midstate_job,
    scan_header,
    scan_midstate,
    sim_target,
)
from hw.sim.chain.wire import HostFrame, HostFrameReader, nonce_response, register_response

log = logging.getLogger(__name__)

TCGETS2 = 0x802C542A  # Linux: read termios2, which carries the numeric line speed
BAUD_TOLERANCE = 0.03
BAUD_GRACE_S = 0.5
SLICE_S = 0.02  # hashing slice: how often the thread comes back to serial I/O
VCORE_ON_MV = 300  # below this core voltage (per chip) the chips are unpowered
UNSTABLE_SPAN = 0.05  # every nonce wrong 5 % below the table's voltage; none at it


class ChainSimulator:
    def __init__(
        self,
        profile: BoardProfile,
        *,
        chips: int | None = None,
        share_bits: int = 16,
        cpu_budget: float = 0.1,
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= share_bits <= 32:
            raise ValueError(f"share_bits must be 1..32, got {share_bits!r}")
        if not 0.0 < cpu_budget <= 1.0:
            raise ValueError(f"cpu_budget must be within (0, 1], got {cpu_budget!r}")
        self.profile = profile
        self.model = CHIP_MODELS[profile.chip_model]
        count = profile.chip_count if chips is None else chips
        if not 1 <= count <= 256:
            raise ValueError(f"chips must be 1..256, got {count!r}")
        self.share_bits = share_bits
        self.target = sim_target(share_bits)
        self.cpu_budget = cpu_budget
        self._clock = clock
        self._rng = random.Random(seed)
        now = clock()
        self.chips = [SimChip(i, self.model, _since=now) for i in range(count)]
        self.baud = profile.baud_initial
        self._baud_changed_at = now
        self._lock = threading.RLock()
        self._reader = HostFrameReader()
        self._outbox: deque[tuple[float, bytes]] = deque()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._master = -1
        self._slave = -1
        self.port = ""
        self._job: SimJob | None = None
        self._next_nonce = 0
        self._roll = 0
        self._version_mask16 = 0
        self._hash_rate_est = 50_000.0  # nonces per CPU second, refined as we go
        self._powered = True
        self._reset_held = False
        self._voltage_mv: int | None = None
        # a simulated rail (hw/sim/parts) the core voltage comes from, when attached
        self._vcore_source: Callable[[], float] | None = None
        self._vcore_ok = True
        # fault settings
        self._corrupt_next = 0
        self._latency_s = 0.0
        # what happened, for tests and the virtual heater
        self.frequency_log: list[tuple[float, float]] = []  # (time, MHz) on every PLL write
        self.frames_received = 0
        self.jobs_received = 0
        self.jobs_while_off = 0  # job frames on the wire while reset held or unpowered
        self.bad_host_frames = 0
        self.lost_to_baud_mismatch = 0
        self.nonces_sent = 0
        self.hashes_done = 0

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> str:
        """Open the pty and start playing the chips; returns the path for the firmware."""
        if self._thread is not None:
            return self.port
        self._master, self._slave = os.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.port = os.ttyname(self._slave)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="chain-sim", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> ChainSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the room model and tests read -------------------------------------------

    @property
    def frequencies_mhz(self) -> tuple[float, ...]:
        with self._lock:
            return tuple(c.frequency_mhz for c in self.chips)

    @property
    def frequency_mhz(self) -> float:
        freqs = self.frequencies_mhz
        return sum(freqs) / len(freqs)

    @property
    def voltage_mv(self) -> int:
        """Core voltage: as set with `set_voltage_mv`, else the profile's minimum stable
        voltage for the current clock (a regulator that follows the planner)."""
        if self._vcore_source is not None:
            return round(self._vcore_source())
        if self._voltage_mv is not None:
            return self._voltage_mv
        p = self.profile
        f = min(p.frequency_max_mhz, max(p.frequency_min_mhz, self.frequency_mhz))
        return p.min_voltage_mv(f)

    @property
    def power_w(self) -> float:
        """Modelled electrical draw (all of it heat), from the profile's power model."""
        with self._lock:
            hashing = [c for c in self.chips if c.rate_hs() > 0]
            if not self._powered or not hashing:
                return self.profile.power.idle_w
            volts = self.voltage_mv
            chip_w = sum(self.profile.power.chip_w(c.frequency_mhz, volts) for c in hashing)
            return self.profile.power.overhead_w + chip_w

    @property
    def hashrate_ghs(self) -> float:
        """Modelled hashrate of the chips that are hashing now."""
        with self._lock:
            return sum(c.rate_hs() for c in self.chips) / 1e9

    @property
    def ticket_difficulty(self) -> float:
        """The difficulty every reported nonce meets (DIFF1 / the simulation target):
        what the firmware should take as the chips' ticket difficulty."""
        return DIFF1_TARGET / self.target

    @property
    def powered(self) -> bool:
        return self._powered

    @property
    def reset_held(self) -> bool:
        return self._reset_held

    @property
    def hashing_chips(self) -> int:
        """Chips hashing now (clocked, with a job, answering): 0 means no heat from work."""
        with self._lock:
            return sum(1 for c in self.chips if c.rate_hs() > 0)

    # -- controls and faults ----------------------------------------------------------

    def set_voltage_mv(self, millivolts: int | None) -> None:
        self._voltage_mv = millivolts

    def take_vcore_from(self, source: Callable[[], float] | None) -> None:
        """Take the chips' core voltage (mV per chip) from a simulated rail, as
        hw/sim/parts/board.py's regulator outputs it; None returns to the old model.
        Power then follows that voltage; below `VCORE_ON_MV` the chips are unpowered
        (silent, not hashing, back in their power-on state when it returns), and below
        the board profile's table voltage for their clock (the chips' real requirement)
        a share of their nonces comes out wrong, rising with the shortfall."""
        with self._lock:
            self._vcore_source = source
            self._follow_vcore(self._clock())

    def _follow_vcore(self, now: float) -> None:
        source = self._vcore_source
        ok = source is None or source() >= VCORE_ON_MV
        if ok == self._vcore_ok:
            return
        self._vcore_ok = ok
        self._reset_chips(now)  # power lost or back: the chips start from reset

    def _unstable(self, chip: SimChip) -> bool:
        """A nonce from `chip` comes out wrong: its voltage is short of the table's."""
        if self._vcore_source is None:
            return False
        p = self.profile
        f = min(p.frequency_max_mhz, max(p.frequency_min_mhz, chip.frequency_mhz))
        need = p.min_voltage_mv(f)
        shortfall = (need - self._vcore_source()) / (need * UNSTABLE_SPAN)
        return shortfall > 0 and self._rng.random() < min(1.0, shortfall)

    def set_power(self, on: bool) -> None:
        """Hashboard rail on/off. Off: chips silent and cold; on: chips come up reset."""
        with self._lock:
            now = self._clock()
            if on and not self._powered:
                self._reset_chips(now)
            for chip in self.chips:
                chip.set_hashing(now, chip.hashing and on)
            self._powered = on

    def reset(self) -> None:
        """A reset glitch (fault injection): every chip back to its power-on state
        (115200 baud, no address, 50 MHz, no job)."""
        with self._lock:
            self._reset_chips(self._clock())

    def hold_reset(self) -> None:
        """The RST line held low: chips in their power-on state, deaf, silent and not
        hashing until `release_reset`."""
        with self._lock:
            self._reset_chips(self._clock())
            self._reset_held = True

    def release_reset(self) -> None:
        with self._lock:
            if self._reset_held:
                self._reset_chips(self._clock())
            self._reset_held = False

    def corrupt_responses(self, count: int = 1) -> None:
        """The next `count` responses go out with a wrong CRC5."""
        with self._lock:
            self._corrupt_next += count

    def inject_garbage(self, length: int = 32) -> None:
        """Random bytes on the wire now (line noise)."""
        with self._lock:
            noise = bytes(self._rng.randrange(256) for _ in range(length))
            self._outbox.append((self._clock(), noise))

    def silence_chip(self, index: int, silent: bool = True) -> None:
        """A chip that stops answering (and hashing)."""
        with self._lock:
            self.chips[index].set_silent(self._clock(), silent)

    def wrong_nonces(self, index: int, enabled: bool = True) -> None:
        """A chip whose nonces fail verification (and whose error counter 0x4C rises)."""
        with self._lock:
            self.chips[index].wrong_nonces = enabled

    def set_latency(self, seconds: float) -> None:
        """A slow chain: every response leaves this much later."""
        self._latency_s = max(0.0, seconds)

    # -- the chip side ----------------------------------------------------------------

    def _reset_chips(self, now: float) -> None:
        for chip in self.chips:
            chip.reset(now)
        self.baud = self.profile.baud_initial
        self._baud_changed_at = now
        self._job = None
        self._version_mask16 = 0

    def _host_baud(self) -> int | None:
        buf = array.array("I", [0] * 11)
        try:
            fcntl.ioctl(self._master, TCGETS2, buf)
        except OSError:
            return None
        return int(buf[10])

    def _baud_matches(self, now: float) -> bool:
        host = self._host_baud()
        if host is None or now - self._baud_changed_at < BAUD_GRACE_S:
            return True
        return abs(host - self.baud) <= BAUD_TOLERANCE * self.baud

    def _send(self, frame: bytes) -> None:
        if self._corrupt_next > 0:
            self._corrupt_next -= 1
            frame = frame[:-1] + bytes((frame[-1] ^ 0x01,))
        self._outbox.append((self._clock() + self._latency_s, frame))

    def _flush(self) -> None:
        now = self._clock()
        while self._outbox and self._outbox[0][0] <= now:
            _, frame = self._outbox.popleft()
            if not self._baud_matches(now):
                frame = bytes(self._rng.randrange(256) for _ in frame)
            try:
                os.write(self._master, frame)
            except BlockingIOError:
                self._outbox.appendleft((now, frame))
                return
            except OSError:
                return

    def _answering(self) -> list[SimChip]:
        if not self._powered or self._reset_held or not self._vcore_ok:
            return []
        return [c for c in self.chips if not c.silent]

    def _handle(self, frame: HostFrame, now: float) -> None:
        self.frames_received += 1
        if frame.is_job:
            self._handle_job(frame.data, now)
            return
        data = frame.data
        if len(data) < 2:
            return
        command, long_form = frame.command, self.model.long_response
        if command == 3:  # chain inactive: chips wait to be given addresses in order
            for chip in self.chips:
                chip.addressed = False
        elif command == 0:  # set address: the first chip without one takes it
            for chip in self.chips:
                if not chip.addressed:
                    chip.address, chip.addressed = data[0], True
                    break
        elif command == 2:  # read register
            targets = self._answering() if frame.broadcast else self._by_address(data[0])
            for chip in targets:
                value = chip.read(data[1], now)
                self._send(register_response(value, chip.address, data[1], long_form))
        elif command == 1 and len(data) == 6:  # write register
            value = int.from_bytes(data[2:6], "big")
            targets = self.chips if frame.broadcast else self._by_address(data[0], all_=True)
            for chip in targets:
                self._write(chip, data[1], value, now)
            if frame.broadcast:
                self._chain_write(data[1], value, now)

    def _by_address(self, address: int, all_: bool = False) -> list[SimChip]:
        pool = self.chips if all_ else self._answering()
        return [c for c in pool if c.address == address]

    def _write(self, chip: SimChip, register: int, value: int, now: float) -> None:
        chip.registers[register] = value
        if register == 0x08:
            mhz = self.model.pll_mhz(value)
            if mhz > 0:
                chip.set_frequency(now, mhz)

    def _chain_write(self, register: int, value: int, now: float) -> None:
        if register == 0x08:
            self.frequency_log.append((now, self.chips[0].frequency_mhz))
        elif register == 0xA4:
            self._version_mask16 = value & 0xFFFF if value & 0x80000000 else 0
        new_baud = self.model.baud_after_write(register, value, self.baud)
        if new_baud != self.baud:
            self.baud = new_baud
            self._baud_changed_at = now

    def _handle_job(self, payload: bytes, now: float) -> None:
        try:
            if self.model.midstate_jobs:
                job = decode_midstate_job(payload)
            else:
                job = decode_full_header_job(payload)
        except ValueError:
            self.bad_host_frames += 1
            return
        self.jobs_received += 1
        self._job = job
        self._next_nonce = 0
        self._roll = 0
        for chip in self.chips:
            if not chip.hashing and self._powered:
                chip.set_hashing(now, True)

    def _rolled_field(self) -> int:
        """The version-rolling field for the current roll: the roll counter spread over
        the bits of the mask written to 0xA4."""
        mask = self._version_mask16
        if not mask:
            return 0
        field, counter = 0, self._roll
        for bit in range(16):
            if mask >> bit & 1:
                field |= (counter & 1) << bit
                counter >>= 1
        return field

    def _hash_slice(self, budget_s: float) -> None:
        job = self._job
        chips = [c for c in self._answering() if c.hashing]
        if job is None or not chips:
            return
        count = max(16, int(self._hash_rate_est * budget_s))
        count = min(count, (1 << 32) - self._next_nonce)
        start = self._next_nonce
        started = time.perf_counter()
        if job.header76 is not None:
            field = self._rolled_field()
            version = job.version | (field << 13)
            header = version.to_bytes(4, "little") + job.header76[4:]
            found = scan_header(header, start, count, self.target)
            midstate_index = 0
        else:
            field = 0
            midstate_index = self._roll % len(job.midstates)
            found = scan_midstate(
                job.midstates[midstate_index], job.header_tail, start, count, self.target
            )
        spent = time.perf_counter() - started
        self.hashes_done += count
        if spent > 0:
            self._hash_rate_est = 0.8 * self._hash_rate_est + 0.2 * (count / spent)
        # Real chips spread version rolls (or midstates) over their cores at once; the
        # simulation moves to the next roll every slice, with a fresh nonce range too.
        self._next_nonce = (start + count) % (1 << 32)
        self._roll += 1
        interval = max(1, 256 // len(self.chips))
        for nonce in found:
            nonce_bytes = nonce.to_bytes(4, "little")
            address = (int.from_bytes(nonce_bytes, "big") >> 17) & 0xFF
            index = address // interval
            if index >= len(self.chips):
                continue
            chip = self.chips[index]
            if chip.silent or not chip.hashing:
                continue
            if chip.wrong_nonces or self._unstable(chip):
                # flip low bits only: the finder's address bits (24..17) stay intact
                nonce_bytes = nonce_bytes[:3] + bytes((nonce_bytes[3] ^ 0x5A,))
                chip.errors += 1
            core = nonce_bytes[3] & 0x0F
            job_byte = self.model.job_byte(job.job_id, midstate_index if job.midstates else core)
            version_field = field if self.model.long_response else None
            self._send(nonce_response(nonce_bytes, midstate_index, job_byte, version_field))
            chip.nonces_sent += 1
            self.nonces_sent += 1

    def _run(self) -> None:
        try:
            self._serve()
        except Exception:
            log.exception("chain simulator stopped")
            raise

    def _serve(self) -> None:
        next_hash = time.perf_counter()
        while not self._stop.is_set():
            timeout = max(0.0, min(SLICE_S, next_hash - time.perf_counter()))
            with self._lock:
                if self._outbox:
                    timeout = min(timeout, max(0.0, self._outbox[0][0] - self._clock()))
            try:
                ready, _, _ = select.select([self._master], [], [], timeout)
            except (OSError, ValueError):
                return
            with self._lock:
                now = self._clock()
                self._follow_vcore(now)
                if ready:
                    try:
                        data = os.read(self._master, 4096)
                    except BlockingIOError:
                        data = b""
                    except OSError:
                        return
                    if data:
                        if self._reset_held or not self._powered or not self._vcore_ok:
                            # chips held in reset or unpowered act on nothing
                            frames = self._reader.feed(data)
                            self.jobs_while_off += sum(1 for f in frames if f.is_job)
                        elif self._baud_matches(now):
                            for frame in self._reader.feed(data):
                                self._handle(frame, now)
                            self.bad_host_frames = self._reader.bad_frames
                        else:
                            self.lost_to_baud_mismatch += len(data)
                if time.perf_counter() >= next_hash:
                    began = time.perf_counter()
                    self._hash_slice(SLICE_S * self.cpu_budget)
                    spent = time.perf_counter() - began
                    next_hash = began + max(SLICE_S, spent / self.cpu_budget)
                self._flush()
