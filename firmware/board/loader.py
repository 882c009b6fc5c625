"""Find and load board profiles (`<boards dir>/<name>.toml`), validating every key.

Where boards live, first match wins:
1. the `boards_dir` argument;
2. the `HEARTH_BOARDS_DIR` environment variable;
3. `hw/boards/` of the source tree the firmware package sits in (development);
4. `boards/` next to the firmware package (an on-device image bundles them there).

A wrong key, type or range raises `BoardProfileError` naming the key, the value and
what is allowed; unknown keys are errors too, so a typo never silently falls back.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from firmware.board.error import BoardProfileError
from firmware.board.power_model import PowerModel
from firmware.board.profile import SUPPORTED_CHIP_MODELS, BoardProfile
from firmware.board.thermal_limits import ThermalLimits

BOARDS_DIR_ENV = "HEARTH_BOARDS_DIR"
_FIRMWARE_PARENT = Path(__file__).resolve().parent.parent.parent

_BAUD_RATES = (115200, 1000000, 3125000)  # reset default, BM1366/68/70 fast, BM1397 fast


def default_boards_dir() -> Path:
    env = os.environ.get(BOARDS_DIR_ENV)
    if env:
        return Path(env)
    for candidate in (_FIRMWARE_PARENT / "hw" / "boards", _FIRMWARE_PARENT / "boards"):
        if candidate.is_dir():
            return candidate
    return _FIRMWARE_PARENT / "hw" / "boards"


def list_boards(boards_dir: Path | None = None) -> list[str]:
    """Names of the board profiles available, sorted."""
    directory = boards_dir if boards_dir is not None else default_boards_dir()
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_board(name_or_path: str, boards_dir: Path | None = None) -> BoardProfile:
    """Load a profile by name (`bitaxe-gamma`) or by path to a `.toml` file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        directory = boards_dir if boards_dir is not None else default_boards_dir()
        path = directory / f"{name_or_path}.toml"
        if not path.is_file():
            raise BoardProfileError(
                str(directory), "board", name_or_path, ", ".join(list_boards(directory)) or "none"
            )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BoardProfileError(str(path), "file", str(path), f"a readable file ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BoardProfileError(str(path), "file", str(path), f"valid TOML ({exc})") from exc
    return parse_board(data, source=path)


class _Section:
    """One TOML table being read: every key must be taken exactly once."""

    def __init__(self, source: str, prefix: str, data: object) -> None:
        if not isinstance(data, dict):
            raise BoardProfileError(source, prefix or "file", data, "a table")
        self.source = source
        self.prefix = prefix
        self.data: dict[str, Any] = data
        self.taken: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def raw(self, name: str) -> object:
        if name not in self.data:
            raise BoardProfileError(self.source, self.key(name), None, "a value (missing)")
        self.taken.add(name)
        return self.data[name]

    def section(self, name: str) -> _Section:
        return _Section(self.source, self.key(name), self.raw(name))

    def text(self, name: str) -> str:
        value = self.raw(name)
        if not isinstance(value, str) or not value.strip():
            raise BoardProfileError(self.source, self.key(name), value, "a non-empty string")
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.raw(name)
        if value not in allowed:
            raise BoardProfileError(self.source, self.key(name), value, " | ".join(allowed))
        return str(value)

    def integer(self, name: str, low: int, high: int) -> int:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise BoardProfileError(self.source, self.key(name), value, f"an integer {low}..{high}")
        return value

    def number(self, name: str, low: float, high: float) -> float:
        value = self.raw(name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= float(value) <= high
        ):
            raise BoardProfileError(self.source, self.key(name), value, f"a number {low}..{high}")
        return float(value)

    def check(self, name: str, ok: bool, allowed: str) -> None:
        if not ok:
            raise BoardProfileError(self.source, self.key(name), self.data.get(name), allowed)

    def done(self) -> None:
        extra = sorted(set(self.data) - self.taken)
        if extra:
            raise BoardProfileError(
                self.source, self.key(extra[0]), self.data[extra[0]], "no such key (unknown)"
            )


def _voltage_table(section: _Section, v_min: int, v_max: int) -> tuple[tuple[float, int], ...]:
    raw = section.raw("table")
    if not isinstance(raw, list) or not raw:
        raise BoardProfileError(section.source, section.key("table"), raw, "a non-empty array")
    points: list[tuple[float, int]] = []
    for i, entry in enumerate(raw):
        point = _Section(section.source, f"{section.key('table')}[{i}]", entry)
        f = point.number("frequency_mhz", 1.0, 2000.0)
        v = point.integer("voltage_mv", v_min, v_max)
        point.done()
        if points and (f <= points[-1][0] or v < points[-1][1]):
            raise BoardProfileError(
                section.source,
                f"{section.key('table')}[{i}]",
                entry,
                "frequencies strictly increasing and voltages non-decreasing",
            )
        points.append((f, v))
    return tuple(points)


def _on_grid(value: float, start: float, step: float) -> bool:
    steps = (value - start) / step
    return abs(steps - round(steps)) < 1e-9


def parse_board(data: dict[str, Any], source: Path | None = None) -> BoardProfile:
    """Build a `BoardProfile` from the parsed TOML document, or raise BoardProfileError."""
    where = str(source) if source is not None else "<data>"
    top = _Section(where, "", data)
    name = top.text("name")
    description = top.text("description")

    chip = top.section("chip")
    chip_model = chip.choice("model", SUPPORTED_CHIP_MODELS)
    chip_count = chip.integer("count", 1, 256)
    small_cores = chip.integer("small_cores", 1, 100000)
    chip.done()

    uart = top.section("uart")
    baud_initial = uart.integer("initial_baud", 9600, 10_000_000)
    baud_fast = uart.integer("fast_baud", 9600, 10_000_000)
    uart.check("initial_baud", baud_initial in _BAUD_RATES, " | ".join(map(str, _BAUD_RATES)))
    uart.check("fast_baud", baud_fast in _BAUD_RATES, " | ".join(map(str, _BAUD_RATES)))
    uart.done()

    freq = top.section("frequency")
    f_min = freq.number("min_mhz", 25.0, 2000.0)
    f_max = freq.number("max_mhz", f_min, 2000.0)
    f_step = freq.number("step_mhz", 0.01, 1000.0)
    freq.check("max_mhz", _on_grid(f_max, f_min, f_step), f"min_mhz + k × step_mhz ({f_step})")
    freq.done()

    volt = top.section("voltage")
    v_min = volt.integer("min_mv", 100, 3000)
    v_max = volt.integer("max_mv", v_min, 3000)
    v_step = volt.integer("step_mv", 1, 500)
    table = _voltage_table(volt, v_min, v_max)
    volt.check(
        "table",
        table[0][0] <= f_min and table[-1][0] >= f_max,
        f"points covering the frequency range {f_min}..{f_max} MHz",
    )
    volt.done()

    default = top.section("default")
    default_f = default.number("frequency_mhz", f_min, f_max)
    default.check(
        "frequency_mhz",
        _on_grid(default_f, f_min, f_step),
        f"a frequency on the grid {f_min} + k × {f_step} MHz",
    )
    default_v = default.integer("voltage_mv", v_min, v_max)
    default.done()

    power = top.section("power")
    model = PowerModel(
        overhead_w=power.number("overhead_w", 0.0, 10000.0),
        idle_w=power.number("idle_w", 0.0, 1000.0),
        calibration_frequency_mhz=power.number("calibration_frequency_mhz", 1.0, 2000.0),
        calibration_voltage_mv=power.number("calibration_voltage_mv", 100.0, 3000.0),
        calibration_chip_w=power.number("calibration_chip_w", 0.01, 1000.0),
        leakage_fraction=power.number("leakage_fraction", 0.0, 0.9),
        source=power.text("source"),
        rated_w=power.number("rated_w", 1.0, 100000.0) if "rated_w" in power.data else None,
    )
    power.done()

    thermal = top.section("thermal")
    limits = ThermalLimits(
        chip_max_c=thermal.number("chip_max_c", 30.0, 125.0),
        derate_c=thermal.number("derate_c", 20.0, 125.0),
        exhaust_max_c=thermal.number("exhaust_max_c", 30.0, 120.0),
        room_max_c=thermal.number("room_max_c", 15.0, 45.0),
    )
    thermal.check("derate_c", limits.derate_c < limits.chip_max_c, "below chip_max_c")
    thermal.done()
    top.done()

    profile = BoardProfile(
        name=name,
        description=description,
        chip_model=chip_model,
        chip_count=chip_count,
        small_cores=small_cores,
        baud_initial=baud_initial,
        baud_fast=baud_fast,
        frequency_min_mhz=f_min,
        frequency_max_mhz=f_max,
        frequency_step_mhz=f_step,
        voltage_min_mv=v_min,
        voltage_max_mv=v_max,
        voltage_step_mv=v_step,
        voltage_table=table,
        default_frequency_mhz=default_f,
        default_voltage_mv=default_v,
        power=model,
        thermal=limits,
        source=source,
    )
    stable = profile.min_voltage_mv(default_f)
    default.check(
        "voltage_mv", default_v >= stable, f"at least the table's {stable} mV at {default_f} MHz"
    )
    return profile
