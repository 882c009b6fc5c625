"""The board's parts and lines as hearthd opens them: the board profile says which parts
the hashboard carries (`[parts]`, firmware/board/parts.py), the config says where this
controller reaches them (`[asic] i2c_bus`, `gpio_chip` and the lines). `open_board_io`
joins the two; what it cannot open is a `BoardIoError` saying what is missing and how
to look (`hearth doctor`), never a heater that hashes without the regulator its board
file names.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType

from firmware.board import BoardProfile
from firmware.config import AsicConfig
from firmware.parts.assembly import BoardParts, assemble
from firmware.parts.bus import SMBusLike, open_bus
from firmware.parts.gpio import BoardLines, GpioError, GpioLinesConfig
from firmware.work import CoreRail

log = logging.getLogger(__name__)

MAIN_BUS = "main"  # the bus name board files give their parts; `[asic] i2c_bus` is it


class BoardIoError(RuntimeError):
    """A configured bus or line that cannot be used; the message says what to check."""


@dataclass
class BoardIo:
    bus: SMBusLike | None = None
    parts: BoardParts | None = None
    lines: BoardLines | None = None

    @property
    def rail(self) -> CoreRail | None:
        return self.parts.rail if self.parts is not None else None

    def close(self) -> None:
        if self.lines is not None:
            self.lines.close()
            self.lines = None
        if self.bus is not None:
            self.bus.close()
            self.bus = None


def gpio_config(config: AsicConfig) -> GpioLinesConfig:
    return GpioLinesConfig(
        chip=config.gpio_chip,
        reset=config.reset_gpio,
        power_enable=config.power_enable_gpio,
        pgood=config.pgood_gpio,
    )


def open_board_io(
    config: AsicConfig, board: BoardProfile, *, gpiod_module: ModuleType | None = None
) -> BoardIo:
    """Open the bus and lines the config names for the parts the board has. A board with
    parts and no `i2c_bus` runs without them (logged: no Vcore control, no meter)."""
    io = BoardIo()
    try:
        if board.parts and config.i2c_bus:
            try:
                io.bus = open_bus(config.i2c_bus)
            except OSError as exc:
                raise BoardIoError(
                    f"I2C bus {config.i2c_bus} (asic.i2c_bus) cannot be opened: {exc}; on a "
                    "Raspberry Pi enable I2C (raspi-config) and add the hearth user to the "
                    "'i2c' group; `hearth doctor` checks each part"
                ) from None
            io.parts = assemble(board.parts, {MAIN_BUS: io.bus})
        elif board.parts:
            names = ", ".join(part.name for part in board.parts)
            log.warning(
                "board %s has parts (%s) but asic.i2c_bus is not set: no core-voltage "
                "control and no measured power",
                board.name,
                names,
            )
        lines = gpio_config(config)
        if lines.lines():
            try:
                io.lines = BoardLines(lines, gpiod_module=gpiod_module)
            except GpioError as exc:
                raise BoardIoError(f"{exc}; `hearth doctor` checks each line") from None
    except BaseException:
        io.close()
        raise
    return io
