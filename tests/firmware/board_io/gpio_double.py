"""A stand-in for a GPIO chip where no gpio-sim kernel module exists (this machine has no
configfs): the real `gpiod` settings and enums, with `request_lines` answered by an
in-memory chip that keeps each line's physical level."""

from __future__ import annotations

import types

import gpiod
from gpiod.line import Direction, Value


class FakeChip:
    def __init__(self, path: str, names: dict[str, int], *, busy: set[int] = frozenset()):
        self.path = path
        self.names = names
        self.busy = set(busy)
        self.level: dict[int, int] = {}  # offset -> physical level (0 low, 1 high)
        self.history: list[tuple[int, int]] = []
        self.released = False

    def offset(self, ident: int | str) -> int:
        if isinstance(ident, int):
            return ident
        if ident not in self.names:
            raise ValueError(f"unknown line name {ident!r}")
        return self.names[ident]


class FakeRequest:
    def __init__(self, chip: FakeChip, settings: dict[int, gpiod.LineSettings]):
        self.chip = chip
        self.settings = settings

    def _physical(self, offset: int, value: Value) -> int:
        active = value == Value.ACTIVE
        return int(active != self.settings[offset].active_low)

    def set_value(self, ident, value: Value) -> None:
        offset = self.chip.offset(ident)
        assert self.settings[offset].direction == Direction.OUTPUT
        self.chip.level[offset] = self._physical(offset, value)
        self.chip.history.append((offset, self.chip.level[offset]))

    def get_value(self, ident) -> Value:
        offset = self.chip.offset(ident)
        high = self.chip.level.get(offset, 0)
        return Value.ACTIVE if bool(high) != self.settings[offset].active_low else Value.INACTIVE

    def release(self) -> None:
        self.chip.released = True


def fake_gpiod(chip: FakeChip) -> types.ModuleType:
    module = types.ModuleType("gpiod")

    def request_lines(path, *, consumer, config):
        if path != chip.path:
            raise FileNotFoundError(2, "No such file or directory", path)
        settings = {}
        for ident, setting in config.items():
            offset = chip.offset(ident)
            if offset in chip.busy:
                raise OSError(16, "Device or resource busy")
            settings[offset] = setting
        request = FakeRequest(chip, settings)
        for offset, setting in settings.items():
            if setting.direction == Direction.OUTPUT:
                request.set_value(offset, setting.output_value)
        return request

    module.LineSettings = gpiod.LineSettings
    module.line = gpiod.line
    module.request_lines = request_lines
    return module
