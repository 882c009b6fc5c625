"""The UART to the chain: pyserial for bytes, a reader thread for responses.

Serial I/O design: writes happen on the caller's thread (frames are at most 152 bytes;
at 115200 baud that is 13 ms, at 1 Mbaud under 2 ms). Reads happen in one daemon
thread that blocks in `serial.read`, parses responses and hands each batch, stamped
with the time it arrived, to `on_responses`, which the chain driver points at the
event loop (`loop.call_soon_threadsafe`). Blocking reads on a thread work the same for
a UART, a pty and a `socket://` URL, which `loop.add_reader` would not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import serial

from firmware.asic.responses import Response, ResponseParser

log = logging.getLogger(__name__)

ResponseSink = Callable[[list[Response], float], None]
READ_TIMEOUT_S = 0.05  # the reader thread looks at `close()` this often
WRITE_TIMEOUT_S = 1.0  # a frame takes at most 13 ms at 115200 baud: longer is a stuck line


class SerialLink:
    def __init__(
        self,
        url: str,
        baud: int,
        response_length: int,
        on_responses: ResponseSink,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.parser = ResponseParser(response_length)
        self._on_responses = on_responses
        self._clock = clock
        self._write_lock = threading.Lock()
        self._parse_lock = threading.Lock()
        self._closing = threading.Event()
        self.serial = serial.serial_for_url(
            url, baudrate=baud, timeout=READ_TIMEOUT_S, write_timeout=WRITE_TIMEOUT_S
        )
        self._thread = threading.Thread(target=self._read_loop, name=f"uart:{url}", daemon=True)
        self._thread.start()

    @property
    def baud(self) -> int:
        return int(self.serial.baudrate)

    def set_baud(self, baud: int) -> None:
        """Change the host's line speed (on a pty this is what the simulator watches)."""
        with self._write_lock:
            self.serial.flush()
            self.serial.baudrate = baud

    def write(self, frame: bytes) -> None:
        """Raises `serial.SerialTimeoutException` (an OSError) on a stuck line."""
        with self._write_lock:
            self.serial.write(frame)

    def discard_input(self) -> None:
        """Forget buffered bytes (after a reset or a speed change)."""
        with self._parse_lock:
            self.serial.reset_input_buffer()
            self.parser.reset()

    def close(self) -> None:
        self._closing.set()
        self._thread.join(timeout=1)
        self.serial.close()

    def _read_loop(self) -> None:
        while not self._closing.is_set():
            try:
                # At least the rest of a response: one wake-up per response, not one for
                # its first byte and another for the rest.
                data = self.serial.read(max(self.parser.wanted, self.serial.in_waiting))
            except (serial.SerialException, OSError, TypeError) as exc:
                if not self._closing.is_set():
                    log.error("serial read on %s failed: %s", self.url, exc)
                return
            if not data:
                continue
            stamp = self._clock()
            with self._parse_lock:
                responses = self.parser.feed(data)
            if responses:
                self._on_responses(responses, stamp)
