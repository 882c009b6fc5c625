"""A serial cable between two pseudo-terminals, paced like a real UART.

ptys move bytes as fast as they are written, so anything about link speed needs a wire
that delivers at most baud/10 bytes per second (8N1: ten bits a byte) each way. Either
end can be opened with pyserial by its path; the far end can go away and come back (a
device rebooting) without the near end noticing more than silence.
"""

from __future__ import annotations

import contextlib
import os
import select
import termios
import threading
import time
import tty


class _Pty:
    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        os.set_blocking(self.master, False)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class PacedWire:
    def __init__(self, baud: int | None = 921600) -> None:
        """`baud=None` gives an unpaced wire (bytes as fast as the ptys go)."""
        self.bytes_per_s = None if baud is None else baud / 10
        self._host = _Pty()
        self._device = _Pty()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._pump, args=(self._host, self._device), daemon=True),
            threading.Thread(target=self._pump, args=(self._device, self._host), daemon=True),
        ]
        self.carried = 0

    @property
    def host_path(self) -> str:
        return self._host.path

    @property
    def device_path(self) -> str:
        return self._device.path

    def start(self) -> PacedWire:
        for thread in self._threads:
            thread.start()
        return self

    def flush_device_side(self) -> None:
        """What a rebooting device loses: bytes that were waiting in its receive buffer."""
        termios.tcflush(self._device.slave, termios.TCIOFLUSH)

    def _pump(self, source: _Pty, sink: _Pty) -> None:
        clock = time.monotonic()
        while not self._stop.is_set():
            ready, _, _ = select.select([source.master], [], [], 0.05)
            if not ready:
                clock = max(clock, time.monotonic())
                continue
            try:
                data = os.read(source.master, 4096)
            except (BlockingIOError, OSError):
                continue
            view = memoryview(data)
            while view and not self._stop.is_set():
                piece = view[:256]
                if self.bytes_per_s is not None:
                    clock = max(clock, time.monotonic() - 0.002) + len(piece) / self.bytes_per_s
                    delay = clock - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                try:
                    written = os.write(sink.master, piece)
                except BlockingIOError:
                    time.sleep(0.001)  # the far end is not reading: a real UART would drop
                    continue
                except OSError:
                    break
                self.carried += written
                view = view[written:]

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self._host.close()
        self._device.close()
