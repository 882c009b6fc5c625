"""The simulated heater behind a USB serial port.

A long-lived process owns the "USB cable" (a paced pty wire) and plays the hardware:
at power-on it runs the bootloader, then starts the firmware of the chosen slot as its
own process; when that process restarts itself (REBOOT), dies, or is cut off, the device
powers on again, like a board whose watchdog fires. A trial slot that has not confirmed
itself within the time limit is restarted too, so the bootloader rolls it back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from firmware.update.image import key_id, verify_image
from firmware.update.slots import SlotStore, slot_path
from hw.sim.device.power import POWER_CUT_EXIT
from hw.sim.wire import PacedWire

REPO = Path(__file__).resolve().parents[3]


def factory_install(root: Path, image: bytes, keys: list[Ed25519PublicKey], board: str) -> str:
    """What the factory does: trust the keys, install a first image, confirm it."""
    (root / "keys").mkdir(parents=True, exist_ok=True)
    trusted = {}
    for key in keys:
        kid = key_id(key)
        trusted[kid] = key
        raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        (root / "keys" / f"{kid.hex()}.pub").write_text(raw.hex() + "\n")
    store = SlotStore(root)
    slot = store.install(verify_image(image, trusted, board=board))
    store.boot()
    store.confirm(slot)
    return slot


@dataclass(frozen=True)
class Boot:
    slot: str
    version: str
    exit_code: int | None = None


class SimulatedDevice:
    def __init__(
        self,
        root: Path,
        *,
        board: str,
        baud: int | None = None,
        confirm_timeout_s: float = 5.0,
        trace: Path | None = None,
        cut_at: int | None = None,
    ) -> None:
        self.root = root
        self.board = board
        self.confirm_timeout_s = confirm_timeout_s
        self.trace = trace
        self.cut_at = cut_at
        self.wire = PacedWire(baud)
        self.boots: list[Boot] = []
        self.power_cuts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._monitor = threading.Thread(target=self._watch, daemon=True)
        self._lock = threading.Lock()

    @property
    def port(self) -> str:
        return self.wire.host_path

    def start(self) -> SimulatedDevice:
        self.wire.start()
        self._power_on()
        self._monitor.start()
        return self

    def _cut_args(self) -> list[str]:
        args = []
        if self.trace is not None:
            args += ["--trace", str(self.trace)]
            if self.cut_at is not None:
                args += ["--cut-at", str(self.cut_at)]
        return args

    def _env(self, first_on_path: Path | None = None) -> dict[str, str]:
        paths = [str(REPO)] if first_on_path is None else [str(first_on_path), str(REPO)]
        return dict(os.environ, PYTHONPATH=os.pathsep.join(paths), PYTHONDONTWRITEBYTECODE="1")

    def _power_on(self) -> None:
        self.wire.flush_device_side()
        boot = subprocess.run(
            [
                sys.executable,
                "-m",
                "hw.sim.device.bootloader",
                "--root",
                str(self.root),
                *self._cut_args(),
            ],
            capture_output=True,
            text=True,
            env=self._env(),
            cwd=REPO,
            check=False,
        )
        if boot.returncode == POWER_CUT_EXIT:
            self._after_cut()
            return self._power_on()
        slot = boot.stdout.split()[-1]
        controller = slot_path(self.root, slot) / "controller"
        info = SlotStore(self.root).slot_info(slot) or {}
        self.boots.append(Boot(slot, str(info.get("version", "?"))))
        runner = ["--root", str(self.root), "--slot", slot, "--port", self.wire.device_path]
        runner += ["--board", self.board, "--confirm-timeout", str(self.confirm_timeout_s)]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "hw.sim.device.slot_runner", *runner, *self._cut_args()],
            env=self._env(controller),
            cwd=controller,
        )
        self._started = time.monotonic()
        self._slot = slot

    def _after_cut(self) -> None:
        self.power_cuts += 1
        self.cut_at = None  # one cut per run: the next power-on must come up clean

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            with self._lock:
                process = self._process
                if process is None:
                    continue
                code = process.poll()
                on_trial = SlotStore(self.root).state().trial == self._slot
                overdue = time.monotonic() - self._started > self.confirm_timeout_s + 2
                if code is None and not (on_trial and overdue):
                    continue
                if code is None:
                    process.kill()  # the watchdog: a trial slot that never confirmed
                    code = process.wait()
                if code == POWER_CUT_EXIT:
                    self._after_cut()
                self.boots[-1] = Boot(self.boots[-1].slot, self.boots[-1].version, code)
                self._power_on()

    def wait_for_boots(self, count: int, timeout_s: float = 20.0) -> list[Boot]:
        deadline = time.monotonic() + timeout_s
        while len(self.boots) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.boots)

    def stop(self) -> None:
        self._stop.set()
        if self._monitor.is_alive():
            self._monitor.join(timeout=5)
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                self._process.kill()
                self._process.wait()
        self.wire.stop()
