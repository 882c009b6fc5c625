"""Which hashing backend this heater has: the ASIC chain on `[asic] port` when a chain
answers there, else the CPU (firmware.asic.detect_backend labels that as a fallback).

The chain gets the board's core-voltage rail (the regulator the board profile's
`[parts]` name, on `[asic] i2c_bus`) and its reset and power-enable lines
(`[asic] gpio_chip` and the lines, firmware/parts/gpio.py), opened by
`firmware.parts.board_io.open_board_io`. `[asic] port = "usb:VID:PID"` is the
USB-serial adapter with those ids (firmware/parts/usb_serial.py)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from firmware.asic import detect_backend
from firmware.asic.backend import AsicBackend
from firmware.board import BoardProfile
from firmware.config import AsicConfig
from firmware.config.schema import BackendConfig
from firmware.cpuminer import CpuBackend
from firmware.heat.planner import power_at_w
from firmware.parts.board_io import BoardIo, BoardIoError, open_board_io
from firmware.parts.errors import PartError
from firmware.parts.usb_serial import UsbPortError, is_usb_spec, resolve_usb_port
from firmware.work import HashBackend, RailFault


class BackendUnavailable(RuntimeError):
    """No backend could be opened."""


def open_io(config: AsicConfig, board: BoardProfile) -> BoardIo:
    """The board's parts bus and GPIO lines; BackendUnavailable saying what is missing."""
    if not config.port:
        return BoardIo()  # no chain: nothing to power, reset or measure
    try:
        return open_board_io(config, board)
    except (BoardIoError, PartError, OSError) as exc:
        raise BackendUnavailable(f"cannot open the board's parts: {exc}") from exc


async def open_backend(
    config: AsicConfig,
    board: BoardProfile,
    io: BoardIo | None = None,
    choice: BackendConfig | None = None,
) -> HashBackend:
    """The backend, with `io` (from `open_io`; opened here when not given) wired in: the
    rail, the reset line and the power switch, where the board has them. `[backend]
    kind = "cpu"` hashes on the CPU, `"miner"` runs the miner at `host` (docs/miners.md)."""
    if choice is not None and choice.kind == "miner":
        return open_miner(choice, board)
    if not config.port or (choice is not None and choice.kind == "cpu"):
        return CpuBackend(threads=config.cpu_threads)
    if io is None:
        io = open_io(config, board)
    options: dict[str, Any] = {}
    if config.ticket_difficulty > 0:
        options["ticket_difficulty"] = config.ticket_difficulty
    if io.rail is not None:
        options["rail"] = io.rail
    if io.lines is not None:
        if io.lines.has("reset"):
            options["reset_line"] = io.lines
        if io.lines.has("power_enable"):
            options["power_switch"] = io.lines.set_power
    try:
        port = resolve_usb_port(config.port) if is_usb_spec(config.port) else config.port
        await power_for_probe(io, board)
        # The probe blocks on the serial port for up to a second: keep it off the loop.
        backend = await asyncio.to_thread(
            detect_backend, port, board, cpu_threads=config.cpu_threads, **options
        )
    except (OSError, ValueError, UsbPortError, RailFault) as exc:
        await unpower(io)
        raise BackendUnavailable(f"cannot open the hashing backend: {exc}") from exc
    if not isinstance(backend, AsicBackend):
        await unpower(io)  # nothing answered: the CPU hashes, the hashboard stays off
    return backend


def open_miner(choice: BackendConfig, board: BoardProfile) -> HashBackend:
    """The network miner; the control loop plans on `board`'s watts, so each point is
    passed on as its share of the board's maximum (firmware/miner/backend.py)."""
    from firmware.miner.backend import MinerBackend  # pyasic loads only for a miner

    top = board.max_w()
    return MinerBackend(
        choice.host,
        choice.type or None,
        fraction_of=lambda point: power_at_w(board, point, True) / top if point.duty else 0.0,
        credentials=(choice.username, choice.password.value),
    )


async def power_for_probe(io: BoardIo, board: BoardProfile) -> None:
    """Chips answer the probe only powered and out of reset: power enabled, then the
    rail at the board's default voltage (READ_VOUT checked), then reset released. The
    backend holds them idle again once it has brought them up."""
    if io.lines is not None and io.lines.has("power_enable"):
        io.lines.set_power(True)
    if io.rail is not None:
        await io.rail.set_voltage_mv(board.default_voltage_mv)
    if io.lines is not None and io.lines.has("reset"):
        io.lines.release_reset()


async def unpower(io: BoardIo) -> None:
    if io.lines is not None and io.lines.has("reset"):
        io.lines.hold_reset()
    if io.rail is not None:
        with contextlib.suppress(RailFault):
            await io.rail.disable()
    if io.lines is not None and io.lines.has("power_enable"):
        io.lines.set_power(False)
