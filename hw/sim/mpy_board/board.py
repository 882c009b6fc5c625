"""MicroPythonBoard: the real MicroPython unix port made to behave like a board on a serial port.

A test (or `hearth flash supervisor`) opens `board.port` with pyserial as it would open
/dev/ttyACM0. Behind it the harness relays bytes to a `micropython` process whose
stdin/stdout are a second pty, and papers over the three ways the unix port differs from a
board (docs/supervisor-flashing.md, "Testing against a real MicroPython"):

- A board runs main.py at boot and drops to the REPL when it ends; the harness runs
  `micropython -i -m main` when the flash directory holds a main.py (or main.mpy).
- Ctrl-C on a board's console interrupts running code; over a pty it does not, so while
  main.py runs (until the REPL prompt shows), a Ctrl-C from the host is also sent as
  SIGINT. One that comes while the process is still starting is lost, as on a booting board.
- Ctrl-D (soft reset) makes the unix process exit; the harness prints `MPY: soft reboot`
  and starts it again, as the board reboots. Bytes sent while it restarts are lost, as they
  would be on a board in reset.

The flash directory is the board's filesystem (its cwd and first MICROPYPATH entry). Pin
outputs reported by the `machine` shim (hw/micropython) are recorded, so a test can check
what a pin did while the board was being written. The harness also plays the hardware
watchdog: once firmware starts `machine.WDT`, a gap in feeding longer than its timeout
kills the process and boots it again (no banner: a hard reset), and `watchdog_resets` counts.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
import tty
from pathlib import Path
from types import TracebackType

from hw.sim.supervisor.sim import SHIM_DIR, find_micropython

SOFT_REBOOT_BANNER = b"MPY: soft reboot\r\n"
REPL_PROMPT = b">>> "
CTRL_C = 0x03
RELAY_POLL_S = 0.02
STOP_GRACE_S = 2.0
MAIN_MODULES = ("main.py", "main.mpy")


def _ignore_interrupts_until_running() -> None:
    # Until MicroPython installs its own SIGINT handler (when it starts running main.py) a
    # Ctrl-C is lost, as on a board still booting, instead of killing the process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Pty:
    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class MicroPythonBoard:
    """Start with `start()` (or `with`); `port` is the path the host opens."""

    def __init__(self, flash_dir: Path, *, micropython: str | None = None) -> None:
        self.flash_dir = Path(flash_dir)
        self._micropython = micropython or find_micropython()
        self._host: _Pty | None = None
        self._board: _Pty | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._pins_r: int | None = None
        self._running_main = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._relay: threading.Thread | None = None
        self._corrupt: tuple[str, int] | None = None
        self._corrupt_left = 0
        self._corrupt_armed = True
        self._pin_events: list[tuple[int, int]] = []
        self._output_tail = b""
        self._wdt_timeout_s: float | None = None
        self._last_feed = 0.0
        self.watchdog_resets = 0
        self.boots = 0
        self.corruptions = 0

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> str:
        if self._relay is not None:
            raise RuntimeError("board already started")
        self.flash_dir.mkdir(parents=True, exist_ok=True)
        self._host = _Pty()
        self._board = _Pty()
        self._stop.clear()
        self._boot()
        self._relay = threading.Thread(target=self._run_relay, name="mpy-board", daemon=True)
        self._relay.start()
        return self._host.path

    def stop(self) -> None:
        self._stop.set()
        if self._relay is not None:
            self._relay.join(timeout=STOP_GRACE_S + 1.0)
            self._relay = None
        self._kill()
        for pty in (self._host, self._board):
            if pty is not None:
                pty.close()
        self._host = self._board = None

    def __enter__(self) -> MicroPythonBoard:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what tests look at and do ------------------------------------------------------

    @property
    def port(self) -> str:
        if self._host is None:
            raise RuntimeError("board not started")
        return self._host.path

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running_main(self) -> bool:
        """True while main.py runs (not interrupted into the REPL)."""
        with self._lock:
            return self._running_main

    def pin_events(self) -> list[tuple[int, int]]:
        """(pin, level) in the order the firmware drove its output pins, across boots."""
        self._read_pins()
        with self._lock:
            return list(self._pin_events)

    def corrupt_write(self, name: str, size: int, *, times: int = 1) -> None:
        """A write that goes bad: each of the next `times` times flash file `name` fills up to
        `size` bytes, flip its first byte before the host's next command reaches the board."""
        with self._lock:
            self._corrupt = (name, size)
            self._corrupt_left = times
            self._corrupt_armed = True

    # --- internals ----------------------------------------------------------------------

    def _boot(self) -> None:
        assert self._board is not None
        has_main = any((self.flash_dir / name).exists() for name in MAIN_MODULES)
        pins_r, pins_w = os.pipe()
        os.set_blocking(pins_r, False)
        env = dict(os.environ)
        env.update(
            MICROPYPATH=f"{self.flash_dir}:{SHIM_DIR}",
            HEARTH_MPY_SIM_OUT_FD=str(pins_w),
        )
        env.pop("HEARTH_MPY_SIM_IN_FD", None)
        env.pop("HEARTH_MPY_UART_FDS", None)
        args = [self._micropython, "-i", "-m", "main"] if has_main else [self._micropython]
        try:
            self._proc = subprocess.Popen(
                args,
                cwd=self.flash_dir,
                env=env,
                stdin=self._board.slave,
                stdout=self._board.slave,
                stderr=self._board.slave,
                pass_fds=(pins_w,),
                start_new_session=True,
                preexec_fn=_ignore_interrupts_until_running,
            )
        finally:
            os.close(pins_w)
        with self._lock:
            self._pins_r = pins_r
            self._running_main = has_main
            self._wdt_timeout_s = None  # a reset stops the watchdog until firmware starts it
        self.boots += 1

    def _kill(self) -> None:
        proc = self._proc
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=STOP_GRACE_S)
            self._proc = None
        self._read_pins()
        with self._lock:
            if self._pins_r is not None:
                os.close(self._pins_r)
                self._pins_r = None

    def _read_pins(self) -> None:
        with self._lock:
            fd = self._pins_r
            if fd is None:
                return
            data = b""
            with contextlib.suppress(BlockingIOError, OSError):
                while chunk := os.read(fd, 4096):
                    data += chunk
            for line in data.decode(errors="replace").splitlines():
                words = line.split()
                if len(words) == 3 and words[0] == "pin":
                    self._pin_events.append((int(words[1]), int(words[2])))
                elif len(words) == 2 and words[0] == "wdt":
                    self._wdt_timeout_s = int(words[1]) / 1000.0
                    self._last_feed = time.monotonic()
                elif words == ["feed"]:
                    self._last_feed = time.monotonic()

    def _run_relay(self) -> None:
        assert self._host is not None and self._board is not None
        host, board = self._host.master, self._board.master
        while not self._stop.is_set():
            readable, _, _ = select.select([host, board], [], [], RELAY_POLL_S)
            if board in readable:
                with contextlib.suppress(BlockingIOError, OSError):
                    self._from_board(os.read(board, 4096))
            if host in readable:
                with contextlib.suppress(BlockingIOError, OSError):
                    self._to_board(os.read(host, 4096))
            self._read_pins()
            proc = self._proc
            if self._watchdog_expired():
                self._kill()
                self.watchdog_resets += 1
                self._reboot(banner=b"")
            elif proc is not None and proc.poll() is not None:
                self._reboot(banner=SOFT_REBOOT_BANNER)

    def _from_board(self, data: bytes) -> None:
        assert self._host is not None
        seen = self._output_tail + data
        self._output_tail = seen[-len(REPL_PROMPT) :]
        if REPL_PROMPT in seen:
            with self._lock:
                self._running_main = False  # main.py has ended: the REPL is up
        self._write_all(self._host.master, data)

    def _to_board(self, data: bytes) -> None:
        assert self._board is not None
        self._apply_corruption()
        proc = self._proc
        if CTRL_C in data and proc is not None and self.running_main:
            proc.send_signal(signal.SIGINT)
        self._write_all(self._board.master, data)

    def _watchdog_expired(self) -> bool:
        with self._lock:
            timeout = self._wdt_timeout_s
            return timeout is not None and time.monotonic() - self._last_feed > timeout

    def _reboot(self, banner: bytes) -> None:
        assert self._host is not None and self._board is not None
        self._kill()
        with contextlib.suppress(BlockingIOError, OSError):
            while os.read(self._board.master, 4096):
                pass
        self._write_all(self._host.master, banner)
        if not self._stop.is_set():
            self._boot()

    def _apply_corruption(self) -> None:
        with self._lock:
            target = self._corrupt if self._corrupt_left > 0 else None
        if target is None:
            return
        path = self.flash_dir / target[0]
        try:
            size = path.stat().st_size
        except OSError:
            return
        with self._lock:
            if size < target[1]:
                self._corrupt_armed = True  # rewritten from the start: the next fill counts
                return
            if not self._corrupt_armed or target[1] == 0:
                return
            self._corrupt_armed = False
            self._corrupt_left -= 1
        with path.open("r+b") as file:
            first = file.read(1)
            file.seek(0)
            file.write(bytes([first[0] ^ 0xFF]))
        self.corruptions += 1

    @staticmethod
    def _write_all(fd: int, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + STOP_GRACE_S
        while view and time.monotonic() < deadline:
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                select.select([], [fd], [], RELAY_POLL_S)
                continue
            view = view[written:]
