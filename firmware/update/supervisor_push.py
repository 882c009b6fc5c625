"""Write the supervisor's files to its MCU over the MicroPython raw REPL, verified on the board.

Shared by `hearth flash supervisor` (host, over USB) and the update agent (controller, over
the internal line to the supervisor's REPL console; docs/supervisor-flashing.md). The
transport is mpremote's SerialTransport (raw REPL, raw-paste); the install sequence is ours:

1. Ctrl-C interrupts the running supervisor. Its main loop ends through `finally:
   board.set_power(False)`, so hashboard power is off before anything is written (and it
   stays off: the power pin defaults off on every reset).
2. Ctrl-A enters the raw REPL; the board reports its free space, which must hold every new
   file beside the old ones.
3. Each file goes to a temporary name (`<name>.new`), then the board hashes it (SHA-256,
   hashlib on the MCU) and the hex digest is compared with ours. A mismatch is written
   again once; a second mismatch refuses the whole install.
4. Only when every file verified are the temporary files renamed over the old ones (and a
   module's stale twin removed: an old `board.py` would shadow a new `board.mpy`), then
   each final file is hashed again.
5. Ctrl-B, Ctrl-D: soft reset; the board must answer `soft reboot` and must not print a
   traceback while the new supervisor starts.

On any failure before step 4 the temporary files are removed and the board reset, so the old
supervisor runs again, unchanged.
"""

from __future__ import annotations

import binascii
import contextlib
import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mpremote.transport import TransportError
from mpremote.transport_serial import SerialTransport

TEMP_SUFFIX = ".new"
# Where an image (host/image/build.py) and a slot keep the supervisor's files.
IMAGE_FOLDER = "supervisor"
# Bytes of file data per raw-REPL command (sent base64-encoded: 4/3 of this on the wire).
CHUNK_BYTES = 2048
# Free space kept beyond the new files: the filesystem's own metadata needs blocks too.
SPACE_MARGIN_BYTES = 4096
WRITE_ATTEMPTS = 2
ENTER_TIMEOUT_S = 6.0
ENTER_ATTEMPT_S = 1.5
REBOOT_TIMEOUT_S = 5.0
# How long the new supervisor is watched after the reset for a crash (a traceback).
SETTLE_S = 1.0
READ_TIMEOUT_S = 0.5
# The watchdog timeout while flashing: under the RP2040's 8388 ms maximum, far above one
# command's time. The new supervisor's main.py sets its own (limits.WATCHDOG_TIMEOUT_MS)
# when it starts after the reset.
FLASHING_WATCHDOG_MS = 8000
EXEC_TIMEOUT_S = 10

RAW_REPL_BANNER = b"raw REPL; CTRL-B to exit\r\n"
SOFT_REBOOT = b"soft reboot"
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b")
# The MicroPython module suffixes; a module installed as one drops its twin of the other.
MODULE_SUFFIXES = (".py", ".mpy")


class SupervisorFlashError(Exception):
    """An install that did not happen. `code`: no-board, bad-name, no-space, hash-mismatch,
    board-error, no-reboot, crashed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FileProgress:
    """One step of an install, for progress displays."""

    name: str
    index: int  # 1-based position of the file in the install
    count: int
    stage: str  # "writing", "verified", "retrying"
    size: int


@dataclass(frozen=True)
class InstalledFile:
    name: str
    size: int
    sha256: str
    attempts: int


@dataclass
class PushResult:
    """What `push_supervisor` did. When `ok` is False the old supervisor is still installed."""

    ok: bool
    files: list[InstalledFile] = field(default_factory=list)
    error: str = ""
    code: str = ""
    rebooted: bool = False
    elapsed_s: float = 0.0


ProgressHandler = Callable[[FileProgress], None]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_names(files: Mapping[str, bytes]) -> None:
    """File names are relative paths on the board's filesystem, without `..`."""
    if not files:
        raise SupervisorFlashError("bad-name", "no files to install")
    for name in files:
        parts = name.split("/")
        if name.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise SupervisorFlashError("bad-name", f"not a plain relative file name: {name!r}")
        if name.endswith(TEMP_SUFFIX):
            raise SupervisorFlashError("bad-name", f"{name!r} ends in the temporary suffix")


def needed_bytes(files: Mapping[str, bytes]) -> int:
    return sum(len(data) for data in files.values()) + SPACE_MARGIN_BYTES


def stale_twins(name: str) -> list[str]:
    """The other-suffix names a module file replaces (`board.mpy` -> [`board.py`])."""
    for suffix in MODULE_SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return [stem + other for other in MODULE_SUFFIXES if other != suffix]
    return []


class BoardSession:
    """A raw-REPL session with one MicroPython board, over any pyserial URL or path.

    `watchdog_ms`: the supervisor starts the MCU's watchdog and nothing can stop it; once
    its loop is interrupted nobody feeds it, so every command first (re)arms it with this
    longer timeout and feeds it. None for a board without a watchdog running."""

    def __init__(
        self, transport: SerialTransport, *, watchdog_ms: int | None = FLASHING_WATCHDOG_MS
    ) -> None:
        self._transport = transport
        self._preamble = "" if watchdog_ms is None else _feed_watchdog_code(watchdog_ms)

    @classmethod
    def open(
        cls,
        port: str,
        *,
        baudrate: int = 115200,
        watchdog_ms: int | None = FLASHING_WATCHDOG_MS,
    ) -> BoardSession:
        try:
            transport = SerialTransport(port, baudrate=baudrate, timeout=READ_TIMEOUT_S)
        except (TransportError, OSError) as exc:
            raise SupervisorFlashError("no-board", f"cannot open {port}: {exc}") from exc
        return cls(transport, watchdog_ms=watchdog_ms)

    def close(self) -> None:
        try:
            self._transport.close()
        except OSError:
            self._transport.serial.close()

    def interrupt_and_enter(self, timeout_s: float = ENTER_TIMEOUT_S) -> None:
        """Stop whatever runs (Ctrl-C) and enter the raw REPL (Ctrl-A). Asked again while
        time remains: a board that was just booting may miss the first Ctrl-C."""
        serial = self._transport.serial
        deadline = time.monotonic() + timeout_s
        while True:
            serial.write(b"\r\x03")
            time.sleep(0.1)
            serial.reset_input_buffer()
            serial.write(b"\r\x01")
            wait_s = max(0.1, min(ENTER_ATTEMPT_S, deadline - time.monotonic()))
            seen = self._transport.read_until(
                1, RAW_REPL_BANNER, timeout=wait_s, timeout_overall=wait_s
            )
            if seen.endswith(RAW_REPL_BANNER):
                self._transport.in_raw_repl = True
                return
            if time.monotonic() >= deadline:
                raise SupervisorFlashError(
                    "no-board", "no MicroPython board answered (no raw REPL prompt)"
                )

    def run(self, code: str) -> bytes:
        """Execute `code` on the board; its printed output. Board exceptions are errors."""
        try:
            out, err = self._transport.exec_raw(self._preamble + code, timeout=EXEC_TIMEOUT_S)
        except (TransportError, OSError, ValueError) as exc:
            raise SupervisorFlashError("board-error", f"board stopped answering: {exc}") from exc
        if err:
            last = err.decode(errors="replace").strip().splitlines()[-1:]
            raise SupervisorFlashError("board-error", f"board error: {' '.join(last)}")
        return bytes(out)

    def free_bytes(self) -> int:
        out = self.run("import os\ns=os.statvfs('.')\nprint(s[1]*s[4])")
        try:
            return int(out.strip())
        except ValueError:
            raise SupervisorFlashError("board-error", f"odd free-space answer {out!r}") from None

    def write_file(self, name: str, data: bytes) -> None:
        folder = name.rpartition("/")[0]
        code = ["import os, binascii"]
        if folder:
            code.append(_make_dirs_code(folder))
        code.append(f"_f=open({name!r},'wb')")
        self.run("\n".join(code))
        try:
            for start in range(0, len(data), CHUNK_BYTES):
                encoded = binascii.b2a_base64(data[start : start + CHUNK_BYTES], newline=False)
                self.run(f"_f.write(binascii.a2b_base64({encoded!r}))")
        finally:
            self.run("_f.close()")

    def sha256(self, name: str) -> str:
        out = self.run(
            "import hashlib, binascii\n"
            "_h=hashlib.sha256()\n"
            f"with open({name!r},'rb') as _f:\n"
            " while True:\n"
            "  _b=_f.read(1024)\n"
            "  if not _b:\n"
            "   break\n"
            "  _h.update(_b)\n"
            "print(binascii.hexlify(_h.digest()).decode())"
        )
        return out.decode(errors="replace").strip()

    def rename_over(self, source: str, target: str, remove: list[str]) -> None:
        self.run(
            "import os\n"
            f"for _n in {remove!r}:\n"
            " try:\n"
            "  os.remove(_n)\n"
            " except OSError:\n"
            "  pass\n"
            "try:\n"
            f" os.rename({source!r},{target!r})\n"
            "except OSError:\n"
            f" os.remove({target!r})\n"
            f" os.rename({source!r},{target!r})"
        )

    def remove_quietly(self, names: list[str]) -> None:
        self.run(
            f"import os\nfor _n in {names!r}:\n try:\n  os.remove(_n)\n except OSError:\n  pass"
        )

    def soft_reset(self, timeout_s: float = REBOOT_TIMEOUT_S, settle_s: float = SETTLE_S) -> None:
        """Leave the raw REPL and soft-reset; the board must come back and not crash."""
        serial = self._transport.serial
        serial.write(b"\r\x02")
        time.sleep(0.05)
        serial.reset_input_buffer()
        serial.write(b"\x04")
        self._transport.in_raw_repl = False
        seen = self._transport.read_until(
            1, SOFT_REBOOT, timeout=timeout_s, timeout_overall=timeout_s
        )
        if not seen.endswith(SOFT_REBOOT):
            raise SupervisorFlashError("no-reboot", "the board did not come back after reset")
        after = self._transport.read_until(
            1, b"Traceback", timeout=settle_s, timeout_overall=settle_s
        )
        if b"Traceback" in after:
            rest = self._transport.read_until(1, b">>> ", timeout=1.0, timeout_overall=2.0)
            raise SupervisorFlashError(
                "crashed", f"the new supervisor crashed at start: {_exception_line(after + rest)}"
            )


def _feed_watchdog_code(timeout_ms: int) -> str:
    return (
        "try:\n"
        " import machine\n"
        f" machine.WDT(timeout={timeout_ms}).feed()\n"
        "except (ImportError, AttributeError):\n"
        " pass\n"
    )


def _exception_line(output: bytes) -> str:
    """The `SomeError: message` line of a MicroPython traceback."""
    lines = output.decode(errors="replace").splitlines()
    named = [line.strip() for line in lines if EXCEPTION_LINE.match(line)]
    return named[-1] if named else "see the board's console"


def _make_dirs_code(folder: str) -> str:
    return (
        "_p=''\n"
        f"for _d in {folder.split('/')!r}:\n"
        " _p=_p+'/'+_d if _p else _d\n"
        " try:\n"
        "  os.mkdir(_p)\n"
        " except OSError:\n"
        "  pass"
    )


def install_supervisor(
    session: BoardSession,
    files: Mapping[str, bytes],
    *,
    progress: ProgressHandler | None = None,
) -> list[InstalledFile]:
    """Steps 1-5 of the module docstring on an open session. Raises SupervisorFlashError;
    before the renames it leaves the old files in place and resets into them."""
    check_names(files)
    session.interrupt_and_enter()
    temps: list[str] = []
    try:
        free = session.free_bytes()
        need = needed_bytes(files)
        if free < need:
            raise SupervisorFlashError(
                "no-space", f"the board has {free} bytes free; the new files need {need}"
            )
        written = [
            _write_verified(session, name, data, index, len(files), temps, progress)
            for index, (name, data) in enumerate(files.items(), start=1)
        ]
    except SupervisorFlashError:
        _restore(session, temps)
        raise
    try:
        for name in files:
            session.rename_over(name + TEMP_SUFFIX, name, stale_twins(name))
        changed = [got.name for got in written if session.sha256(got.name) != got.sha256]
    except SupervisorFlashError:
        _reset_quietly(session)
        raise
    if changed:
        _reset_quietly(session)
        raise SupervisorFlashError(
            "hash-mismatch", f"changed on the board while being renamed: {', '.join(changed)}"
        )
    session.soft_reset()
    return written


def _write_verified(
    session: BoardSession,
    name: str,
    data: bytes,
    index: int,
    count: int,
    temps: list[str],
    progress: ProgressHandler | None,
) -> InstalledFile:
    want = sha256_hex(data)
    temp = name + TEMP_SUFFIX
    temps.append(temp)
    got = ""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        stage = "writing" if attempt == 1 else "retrying"
        if progress is not None:
            progress(FileProgress(name, index, count, stage, len(data)))
        session.write_file(temp, data)
        got = session.sha256(temp)
        if got == want:
            if progress is not None:
                progress(FileProgress(name, index, count, "verified", len(data)))
            return InstalledFile(name, len(data), want, attempt)
    raise SupervisorFlashError(
        "hash-mismatch",
        f"{name}: the board holds SHA-256 {got[:16]}..., expected {want[:16]}... "
        f"after {WRITE_ATTEMPTS} writes",
    )


def _restore(session: BoardSession, temps: list[str]) -> None:
    """Drop the temporary files and reset, so the old supervisor runs again."""
    if temps:
        with contextlib.suppress(SupervisorFlashError):
            session.remove_quietly(temps)
    _reset_quietly(session)


def _reset_quietly(session: BoardSession) -> None:
    # Called on the way out of a failed install: its error is the one to report.
    with contextlib.suppress(SupervisorFlashError, TransportError, OSError):
        session.soft_reset()


def supervisor_files(image_files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The MCU's files out of an image's or a slot's file map (those under `supervisor/`)."""
    prefix = IMAGE_FOLDER + "/"
    return {
        name[len(prefix) :]: data for name, data in image_files.items() if name.startswith(prefix)
    }


def read_supervisor_files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by its relative name (`/`-separated), as the board will
    hold them; caches and hidden files left out."""
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or any(
            part.startswith(".") or part == "__pycache__" for part in relative.parts
        ):
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def push_supervisor(
    port_url: str,
    files: Mapping[str, bytes],
    *,
    baudrate: int = 115200,
    progress: ProgressHandler | None = None,
) -> PushResult:
    """The update agent's step after a confirmed controller update: install the slot's
    `supervisor/` files on the MCU behind `port_url` (its REPL console). Never raises for a
    board problem: the result says what happened, and on failure the old supervisor runs."""
    started = time.monotonic()
    try:
        session = BoardSession.open(port_url, baudrate=baudrate)
    except SupervisorFlashError as exc:
        return PushResult(ok=False, error=str(exc), code=exc.code)
    try:
        installed = install_supervisor(session, files, progress=progress)
    except SupervisorFlashError as exc:
        return PushResult(
            ok=False, error=str(exc), code=exc.code, elapsed_s=time.monotonic() - started
        )
    finally:
        session.close()
    return PushResult(ok=True, files=installed, rebooted=True, elapsed_s=time.monotonic() - started)
