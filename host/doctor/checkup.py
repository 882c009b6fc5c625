"""The doctor's checks in order: the config and board file, USB-serial adapters, each
I2C part, the GPIO lines, then the hashboard UART (with `power_up`, after switching the
board on as hearthd would: core voltage at the board's default, READ_VOUT checked, power
enabled, reset released; switched off again afterwards)."""

from __future__ import annotations

import asyncio
from types import ModuleType

from firmware.board import BoardProfile, BoardProfileError, load_board
from firmware.config import ConfigError, HearthConfig, load_config
from firmware.daemon.backend_choice import power_for_probe, unpower
from firmware.parts.board_io import BoardIoError, open_board_io
from firmware.parts.errors import PartError
from firmware.work import RailFault
from host.doctor.finding import OK, PROBLEM, Finding
from host.doctor.gpio import check_lines
from host.doctor.i2c import check_parts
from host.doctor.uart import check_uart
from host.doctor.usb import check_usb


def load(config_path: str) -> tuple[list[Finding], HearthConfig | None, BoardProfile | None]:
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        return [Finding("config", PROBLEM, str(exc))], None, None
    try:
        board = load_board(config.device.board)
    except BoardProfileError as exc:
        return [Finding("config", PROBLEM, str(exc))], config, None
    text = f"{config_path}: board {board.name} ({board.description})"
    return [Finding("config", OK, text)], config, board


def run_checks(
    config: HearthConfig,
    board: BoardProfile,
    *,
    power_up: bool = False,
    gpiod_module: ModuleType | None = None,
) -> list[Finding]:
    findings, port = check_usb(config.asic.port)
    findings += check_parts(config.asic.i2c_bus, board)
    findings += check_lines(config.asic, gpiod_module)
    if config.asic.port and not port:
        return findings  # a usb: port that is not plugged in: said above
    if not power_up:
        return findings + check_uart(port, board)
    return findings + asyncio.run(_powered_uart(config, board, port, gpiod_module))


async def _powered_uart(
    config: HearthConfig, board: BoardProfile, port: str, gpiod_module: ModuleType | None
) -> list[Finding]:
    try:
        io = open_board_io(config.asic, board, gpiod_module=gpiod_module)
    except (BoardIoError, PartError, OSError) as exc:
        return [Finding("power", PROBLEM, f"cannot switch the board on: {exc}")]
    findings: list[Finding] = []
    try:
        try:
            await power_for_probe(io, board)
        except RailFault as exc:
            return [Finding("power", PROBLEM, f"core voltage not set: {exc} ({exc.code})")]
        if io.rail is not None:
            readings = await io.rail.read()
            findings.append(
                Finding(
                    "power",
                    OK,
                    f"core voltage set to {board.default_voltage_mv} mV, reads "
                    f"{readings.vout_mv} mV; input {readings.input_v} V",
                )
            )
        findings += await asyncio.to_thread(check_uart, port, board)
    finally:
        await unpower(io)
        io.close()
    return findings
