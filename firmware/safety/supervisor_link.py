"""SupervisorLink: the controller's asyncio client of the supervisor MCU.

Opens the link with `serial.serial_for_url` (a device, a pty, `socket://`, `loop://`),
sends a heartbeat every `heartbeat_interval_s`, keeps the latest telemetry, turns TRIP
frames into trip events, and sends commands that wait for their ACK (retried on timeout;
every command is idempotent, so a retry after a lost ACK is harmless).

Blocking reads stay in a worker thread; everything else runs on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

import serial

from firmware.safety.frames import FrameDecoder, encode_frame
from firmware.safety.messages import (
    Ack,
    MessageType,
    PayloadError,
    Telemetry,
    TripReport,
    encode_set_fan,
    encode_set_power,
)

log = logging.getLogger(__name__)

# A read returns as soon as a byte arrives; the timeout only bounds how long the worker
# thread waits on a silent line. Long, so a quiet link costs a few thread hops a second
# rather than twenty; `stop` cancels a waiting read where the port can (a device, a pty).
READ_TIMEOUT_S = 0.5
# The supervisor trips after this long without a heartbeat (firmware/supervisor/limits.py,
# HEARTBEAT_TIMEOUT_MS); at most half of it between heartbeats survives one lost frame.
SUPERVISOR_HEARTBEAT_TIMEOUT_S = 2.0
MAX_HEARTBEAT_INTERVAL_S = SUPERVISOR_HEARTBEAT_TIMEOUT_S / 2
REOPEN_DELAY_S = 1.0


class SupervisorLinkError(Exception):
    """The supervisor did not answer as the protocol says it must."""


class CommandTimeout(SupervisorLinkError, TimeoutError):
    pass


@dataclass
class LinkStats:
    frames_received: int = 0
    crc_errors: int = 0
    dropped_bytes: int = 0
    bad_payloads: int = 0
    heartbeats_sent: int = 0
    commands_retried: int = 0


class SupervisorLink:
    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 115200,
        heartbeat_interval_s: float = 0.5,
        command_timeout_s: float = 1.0,
        command_attempts: int = 3,
        lost_after_s: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < heartbeat_interval_s <= MAX_HEARTBEAT_INTERVAL_S:
            raise ValueError(
                f"heartbeat_interval_s {heartbeat_interval_s} must be in (0, "
                f"{MAX_HEARTBEAT_INTERVAL_S}]: the supervisor trips after "
                f"{SUPERVISOR_HEARTBEAT_TIMEOUT_S} s without one"
            )
        self.url = url
        self._baudrate = baudrate
        self._heartbeat_interval_s = heartbeat_interval_s
        self._command_timeout_s = command_timeout_s
        self._command_attempts = command_attempts
        self._lost_after_s = lost_after_s
        self._clock = clock
        self._serial: serial.SerialBase | None = None
        self._decoder = FrameDecoder()
        self._seq = 0
        self._pending: dict[tuple[int, int], asyncio.Future[Ack]] = {}
        self._telemetry: Telemetry | None = None
        self._telemetry_at: float | None = None
        self._telemetry_changed = asyncio.Event()
        self._trip_listeners: list[Callable[[TripReport], None]] = []
        self.trips: asyncio.Queue[TripReport] = asyncio.Queue()
        self.stats = LinkStats()
        self._closing = False
        self._tasks: list[asyncio.Task[None]] = []
        self._heartbeat_paused = False

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Open the port and start the heartbeat. A port that cannot be opened yet (the MCU
        not enumerated, a cable out) is retried every second: no power is permitted meanwhile,
        since `connected` stays false."""
        self._closing = False
        try:
            self._open()
        except serial.SerialException as error:
            log.warning("supervisor link %s: %s; retrying", self.url, error)
        self._tasks = [
            asyncio.create_task(self._read_loop(), name="supervisor-link-read"),
            asyncio.create_task(self._heartbeat_loop(), name="supervisor-link-heartbeat"),
        ]

    async def stop(self) -> None:
        self._closing = True
        reader, heartbeat = self._tasks or (None, None)
        self._tasks = []
        if heartbeat is not None:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        if reader is not None:
            # The reader notices _closing when its read returns (at once where the port can
            # cancel it, else within one read timeout); closing the port under a read still
            # running in its thread would only turn into a spurious error there.
            cancel_read = getattr(self._serial, "cancel_read", None)
            if cancel_read is not None:
                cancel_read()
            try:
                await asyncio.wait_for(reader, READ_TIMEOUT_S * 2)
            except TimeoutError:
                reader.cancel()
        if self._serial is not None:
            self._serial.close()
            self._serial = None
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()

    async def __aenter__(self) -> SupervisorLink:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- state --------------------------------------------------------------------------

    @property
    def telemetry(self) -> Telemetry | None:
        """The latest telemetry frame, however old (see `telemetry_age_s`)."""
        return self._telemetry

    @property
    def telemetry_age_s(self) -> float | None:
        if self._telemetry_at is None:
            return None
        return self._clock() - self._telemetry_at

    @property
    def connected(self) -> bool:
        """Telemetry arrived within `lost_after_s`."""
        age = self.telemetry_age_s
        return age is not None and age <= self._lost_after_s

    def add_trip_listener(self, listener: Callable[[TripReport], None]) -> None:
        """Called on the event loop for every TRIP frame (also queued on `trips`)."""
        self._trip_listeners.append(listener)

    async def wait_for_telemetry(
        self, predicate: Callable[[Telemetry], bool] | None = None, timeout_s: float = 5.0
    ) -> Telemetry:
        """The next telemetry frame for which `predicate` holds (any, without one)."""

        async def wait() -> Telemetry:
            while True:
                self._telemetry_changed.clear()
                await self._telemetry_changed.wait()
                current = self._telemetry
                if current is not None and (predicate is None or predicate(current)):
                    return current

        return await asyncio.wait_for(wait(), timeout_s)

    # --- commands -----------------------------------------------------------------------

    async def set_fan(self, duty_pct: int | None) -> Ack:
        """Manual fan duty 0..100 %, or None for the supervisor's automatic curve. The
        supervisor still raises it to its own floor (power on, or tripped)."""
        return await self._command(MessageType.SET_FAN, encode_set_fan(duty_pct))

    async def set_power(self, enable: bool) -> Ack:
        """Ask for hashboard power. Refused while tripped, without heartbeat or with a fault
        present (see the ACK status)."""
        return await self._command(MessageType.SET_POWER, encode_set_power(enable))

    async def clear_trip(self) -> Ack:
        """Clear a latched trip; refused (CAUSE_ACTIVE) while its cause or any fault remains."""
        return await self._command(MessageType.CLEAR_TRIP, b"")

    def pause_heartbeat(self, paused: bool = True) -> None:
        """Stop sending heartbeats (the supervisor trips after 2 s): for a deliberate
        hand-over of safety, e.g. before flashing the supervisor."""
        self._heartbeat_paused = paused

    # --- internals ----------------------------------------------------------------------

    def _open(self) -> None:
        self._serial = serial.serial_for_url(
            self.url, baudrate=self._baudrate, timeout=READ_TIMEOUT_S
        )

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq = (self._seq + 1) & 0xFF
        return seq

    def _write(self, frame_type: int, payload: bytes) -> int:
        seq = self._next_seq()
        if self._serial is None:
            raise SupervisorLinkError(f"link {self.url} is not open")
        self._serial.write(encode_frame(frame_type, seq, payload))
        return seq

    async def _command(self, frame_type: MessageType, payload: bytes) -> Ack:
        loop = asyncio.get_running_loop()
        for attempt in range(self._command_attempts):
            if attempt:
                self.stats.commands_retried += 1
            seq = self._write(frame_type, payload)
            future: asyncio.Future[Ack] = loop.create_future()
            self._pending[(frame_type, seq)] = future
            try:
                return await asyncio.wait_for(future, self._command_timeout_s)
            except TimeoutError:
                log.warning("supervisor: no ACK for %s seq %d", frame_type.name, seq)
            finally:
                self._pending.pop((frame_type, seq), None)
        raise CommandTimeout(
            f"supervisor did not acknowledge {frame_type.name} after {self._command_attempts} tries"
        )

    async def _heartbeat_loop(self) -> None:
        while True:
            if not self._heartbeat_paused and self._serial is not None:
                try:
                    self._write(MessageType.HEARTBEAT, b"")
                    self.stats.heartbeats_sent += 1
                except serial.SerialException as error:
                    log.warning("supervisor: heartbeat not sent: %s", error)
            await asyncio.sleep(self._heartbeat_interval_s)

    async def _read_loop(self) -> None:
        while not self._closing:
            port = self._serial
            try:
                if port is None:
                    await asyncio.sleep(REOPEN_DELAY_S)
                    self._open()
                    continue
                data = await asyncio.to_thread(_read_available, port)
            except serial.SerialException as error:
                log.warning("supervisor link %s: %s; reopening", self.url, error)
                if self._serial is not None:
                    self._serial.close()
                self._serial = None
                continue
            if data:
                self._on_bytes(data)

    def _on_bytes(self, data: bytes) -> None:
        frames = self._decoder.feed(data)
        self.stats.crc_errors = self._decoder.crc_errors
        self.stats.dropped_bytes = self._decoder.dropped_bytes
        for frame in frames:
            self.stats.frames_received += 1
            try:
                self._on_frame(frame.type, frame.payload)
            except PayloadError as error:
                self.stats.bad_payloads += 1
                log.warning("supervisor: %s", error)

    def _on_frame(self, frame_type: int, payload: bytes) -> None:
        if frame_type == MessageType.TELEMETRY:
            self._telemetry = Telemetry.decode(payload)
            self._telemetry_at = self._clock()
            self._telemetry_changed.set()
        elif frame_type == MessageType.TRIP:
            report = TripReport.decode(payload)
            log.error("supervisor tripped: %s (detail %d)", report.cause.code, report.detail)
            self.trips.put_nowait(report)
            for listener in self._trip_listeners:
                listener(report)
        elif frame_type == MessageType.ACK:
            ack = Ack.decode(payload)
            future = self._pending.get((ack.acked_type, ack.acked_seq))
            if future is not None and not future.done():
                future.set_result(ack)
        else:
            self.stats.bad_payloads += 1
            log.warning("supervisor: unexpected frame type 0x%02x", frame_type)


def _read_available(port: serial.SerialBase) -> bytes:
    """Whatever is waiting, or the first byte to arrive within the port's timeout."""
    # Every concrete port class has in_waiting; SerialBase does not declare it.
    waiting: int = getattr(port, "in_waiting", 0)
    return bytes(port.read(max(1, waiting)))


__all__ = ["CommandTimeout", "LinkStats", "SupervisorLink", "SupervisorLinkError"]
