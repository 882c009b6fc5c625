"""Find and load board profiles (`<boards dir>/<name>.toml`), validating every key.

Where boards live, first match wins:
1. the `boards_dir` argument;
2. the `HEARTH_BOARDS_DIR` environment variable;
3. `hw/boards/` of the source tree the firmware package sits in (development);
4. `boards/` next to the firmware package (an on-device image bundles them there).

Every table is checked with the validation vocabulary (firmware.validation): a wrong
key, type or range raises `BoardProfileError` naming the key, the value and what is
allowed; unknown keys are errors too, so a typo never silently falls back.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from firmware.board.error import BoardProfileError
from firmware.board.parts import board_parts
from firmware.board.power_model import PowerModel
from firmware.board.profile import SUPPORTED_CHIP_MODELS, BoardProfile
from firmware.board.thermal_limits import ThermalLimits
from firmware.validation import (
    Invalid,
    all_of,
    integer,
    list_of,
    number,
    one_of,
    string,
    table,
)

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
                "board", name_or_path, ", ".join(list_boards(directory)) or "none", str(directory)
            )
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BoardProfileError("file", where, f"a readable file ({exc})", where) from exc
    except UnicodeDecodeError as exc:
        raise BoardProfileError("file", where, f"UTF-8 text ({exc.reason})", where) from None
    except ValueError as exc:  # TOMLDecodeError, or an integer of over 4300 digits
        raise BoardProfileError("file", where, f"valid TOML ({exc})", where) from exc
    except RecursionError:
        raise BoardProfileError("file", where, "valid TOML (nested too deeply)", where) from None
    return parse_board(data, source=path)


def _check(ok: bool, path: tuple[str | int, ...], value: object, allowed: str) -> None:
    if not ok:
        raise Invalid(path, value, allowed)


def _on_grid(value: float, start: float, step: float) -> bool:
    steps = (value - start) / step
    return abs(steps - round(steps)) < 1e-9


def _all(validator: Any, *keys: str) -> Any:
    """A table whose keys are all required, each checked by `validator`."""
    return table({key: validator for key in keys})


_BAUD = all_of(integer(9600, 10_000_000), one_of(*_BAUD_RATES))
_TEXT = string(blank=False)
_POINT = table({"frequency_mhz": number(1.0, 2000.0), "voltage_mv": integer(100, 3000)})
_BOARD = table(
    {
        "name": _TEXT,
        "description": _TEXT,
        "chip": table(
            {
                "model": one_of(*SUPPORTED_CHIP_MODELS),
                "count": integer(1, 256),
                "small_cores": integer(1, 100000),
            }
        ),
        "uart": _all(_BAUD, "initial_baud", "fast_baud"),
        "frequency": table(
            {
                "min_mhz": number(25.0, 2000.0),
                "max_mhz": number(25.0, 2000.0),
                "step_mhz": number(0.01, 1000.0),
            }
        ),
        "voltage": table(
            {
                "min_mv": integer(100, 3000),
                "max_mv": integer(100, 3000),
                "step_mv": integer(1, 500),
                "table": list_of(_POINT, min_len=1, allowed="a non-empty array"),
            }
        ),
        "default": table({"frequency_mhz": number(1.0, 2000.0), "voltage_mv": integer(100, 3000)}),
        "power": table(
            {
                "overhead_w": number(0.0, 10000.0),
                "idle_w": number(0.0, 1000.0),
                "calibration_frequency_mhz": number(1.0, 2000.0),
                "calibration_voltage_mv": number(100.0, 3000.0),
                "calibration_chip_w": number(0.01, 1000.0),
                "leakage_fraction": number(0.0, 0.9),
                "source": _TEXT,
            },
            {"rated_w": number(1.0, 100000.0)},
        ),
        "thermal": table(
            {
                "chip_max_c": number(30.0, 125.0),
                "derate_c": number(20.0, 125.0),
                "exhaust_max_c": number(30.0, 120.0),
                "room_max_c": number(15.0, 45.0),
            }
        ),
    },
    # [parts.<name>] tables: checked by firmware/board/parts.py, which needs the voltages
    {"parts": lambda value: value},
)


def _frequency(freq: dict[str, float]) -> tuple[float, float, float]:
    f_min, f_max, f_step = freq["min_mhz"], freq["max_mhz"], freq["step_mhz"]
    _check(f_max >= f_min, ("frequency", "max_mhz"), f_max, f"a number {f_min}..2000.0")
    _check(
        _on_grid(f_max, f_min, f_step),
        ("frequency", "max_mhz"),
        f_max,
        f"min_mhz + k × step_mhz ({f_step})",
    )
    return f_min, f_max, f_step


def _voltage_table(
    raw: list[dict[str, Any]], v_min: int, v_max: int, f_range: tuple[float, float]
) -> tuple[tuple[float, int], ...]:
    points: list[tuple[float, int]] = []
    for i, point in enumerate(raw):
        f, v = point["frequency_mhz"], point["voltage_mv"]
        where = ("voltage", "table", i)
        _check(v_min <= v <= v_max, (*where, "voltage_mv"), v, f"an integer {v_min}..{v_max}")
        if points and (f <= points[-1][0] or v < points[-1][1]):
            raise Invalid(
                where, point, "frequencies strictly increasing and voltages non-decreasing"
            )
        points.append((f, v))
    f_min, f_max = f_range
    _check(
        points[0][0] <= f_min and points[-1][0] >= f_max,
        ("voltage", "table"),
        raw,
        f"points covering the frequency range {f_min}..{f_max} MHz",
    )
    return tuple(points)


def parse_board(data: dict[str, Any], source: Path | None = None) -> BoardProfile:
    """Build a `BoardProfile` from the parsed TOML document, or raise BoardProfileError."""
    where = str(source) if source is not None else "<data>"
    try:
        return _profile(_BOARD(data), data, where, source)
    except Invalid as exc:
        raise exc.as_(BoardProfileError).within(where) from None


def _profile(
    d: dict[str, Any], data: dict[str, Any], where: str, source: Path | None
) -> BoardProfile:
    chip, uart, volt, default = d["chip"], d["uart"], d["voltage"], d["default"]
    f_min, f_max, f_step = _frequency(d["frequency"])
    v_min, v_max = volt["min_mv"], volt["max_mv"]
    _check(v_max >= v_min, ("voltage", "max_mv"), v_max, f"an integer {v_min}..3000")
    table = _voltage_table(volt["table"], v_min, v_max, (f_min, f_max))

    default_f, default_v = default["frequency_mhz"], default["voltage_mv"]
    _check(
        f_min <= default_f <= f_max,
        ("default", "frequency_mhz"),
        default_f,
        f"a number {f_min}..{f_max}",
    )
    _check(
        _on_grid(default_f, f_min, f_step),
        ("default", "frequency_mhz"),
        default_f,
        f"a frequency on the grid {f_min} + k × {f_step} MHz",
    )
    _check(
        v_min <= default_v <= v_max,
        ("default", "voltage_mv"),
        default_v,
        f"an integer {v_min}..{v_max}",
    )

    power = d["power"]
    model = PowerModel(**power)
    limits = ThermalLimits(**d["thermal"])
    _check(
        limits.derate_c < limits.chip_max_c,
        ("thermal", "derate_c"),
        limits.derate_c,
        "below chip_max_c",
    )
    parts = board_parts(data, where, (v_min, v_max))

    profile = BoardProfile(
        name=d["name"],
        description=d["description"],
        chip_model=chip["model"],
        chip_count=chip["count"],
        small_cores=chip["small_cores"],
        baud_initial=uart["initial_baud"],
        baud_fast=uart["fast_baud"],
        frequency_min_mhz=f_min,
        frequency_max_mhz=f_max,
        frequency_step_mhz=f_step,
        voltage_min_mv=v_min,
        voltage_max_mv=v_max,
        voltage_step_mv=volt["step_mv"],
        voltage_table=table,
        default_frequency_mhz=default_f,
        default_voltage_mv=default_v,
        power=model,
        thermal=limits,
        source=source,
        parts=parts,
    )
    stable = profile.min_voltage_mv(default_f)
    _check(
        default_v >= stable,
        ("default", "voltage_mv"),
        default_v,
        f"at least the table's {stable} mV at {default_f} MHz",
    )
    return profile
