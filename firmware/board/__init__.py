"""Board profiles: the hashboard as data (chip model and count, UART speeds, frequency
and voltage steps, power model, thermal limits), read from `hw/boards/*.toml`."""

from firmware.board.error import BoardProfileError
from firmware.board.loader import (
    BOARDS_DIR_ENV,
    default_boards_dir,
    list_boards,
    load_board,
    parse_board,
)
from firmware.board.power_model import PowerModel
from firmware.board.profile import SUPPORTED_CHIP_MODELS, BoardProfile
from firmware.board.thermal_limits import ThermalLimits

__all__ = [
    "BOARDS_DIR_ENV",
    "SUPPORTED_CHIP_MODELS",
    "BoardProfile",
    "BoardProfileError",
    "PowerModel",
    "ThermalLimits",
    "default_boards_dir",
    "list_boards",
    "load_board",
    "parse_board",
]
