"""The hashboard's GPIO lines through libgpiod's Python bindings (`gpiod` 2.x):

    reset         output, active low: the BM13xx RST pin (the chain driver's `ResetLine`:
                  it holds it low 100 ms at bring-up, as ESP-Miner does, and while the
                  chain must not hash: off, a rail fault).
    power_enable  output, active high: the hashboard's core regulator enable, where the
                  board switches it from the controller rather than from its supervisor.
    pgood         input, active high: the regulator's power-good (open drain, pulled up).

Each line is named in the config (`[asic] gpio_chip`, `reset_gpio`, `power_enable_gpio`,
`pgood_gpio`) by its offset on the chip ("17") or its line name ("GPIO17", as the
Raspberry Pi's device tree names them). A missing chip, a line that does not exist or is
taken by another program, or no permission (the `gpio` group) raises `GpioError` saying
which line and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

CONSUMER = "hearthd"


class GpioError(RuntimeError):
    """A GPIO line that cannot be used; the message names the chip, the line and why."""


@dataclass(frozen=True)
class GpioLinesConfig:
    chip: str  # /dev/gpiochip0; "" = the board's lines are not wired to this controller
    reset: str = ""  # offset or line name; "" = none
    power_enable: str = ""
    pgood: str = ""

    def lines(self) -> dict[str, str]:
        """role -> line, for the lines that are configured."""
        named = {"reset": self.reset, "power_enable": self.power_enable, "pgood": self.pgood}
        return {role: line for role, line in named.items() if line}


def line_id(text: str) -> int | str:
    """A config line as gpiod takes it: an offset for digits, else a line name."""
    return int(text) if text.isdigit() else text


class BoardLines:
    """The configured lines, requested once for the life of hearthd (so no other program
    can toggle the reset line under it). Outputs start in their safe state: reset held,
    power enable off."""

    def __init__(self, config: GpioLinesConfig, *, gpiod_module: ModuleType | None = None):
        self.config = config
        if gpiod_module is None:
            import gpiod  # only where lines are configured

            gpiod_module = gpiod
        self._gpiod: Any = gpiod_module
        self._ids = {role: line_id(line) for role, line in config.lines().items()}
        self._request: Any = None
        self.reset_held = False
        self.powered = False
        if self._ids:
            self._request = self._request_lines()
            if "reset" in self._ids:
                self.hold_reset()

    def _request_lines(self) -> Any:
        gpiod = self._gpiod
        line = gpiod.line
        settings: dict[int | str, Any] = {}
        for role, ident in self._ids.items():
            if role == "pgood":
                settings[ident] = gpiod.LineSettings(direction=line.Direction.INPUT)
            else:
                settings[ident] = gpiod.LineSettings(
                    direction=line.Direction.OUTPUT,
                    active_low=role == "reset",
                    # reset asserted (low) and power off until hearthd says otherwise
                    output_value=line.Value.ACTIVE if role == "reset" else line.Value.INACTIVE,
                )
        try:
            return gpiod.request_lines(self.config.chip, consumer=CONSUMER, config=settings)
        except FileNotFoundError:
            raise GpioError(
                f"no GPIO chip {self.config.chip}: check [asic] gpio_chip (gpiodetect lists "
                "the chips)"
            ) from None
        except PermissionError:
            raise GpioError(
                f"no permission to use {self.config.chip}: add the hearth user to the 'gpio' group"
            ) from None
        except OSError as exc:
            wanted = ", ".join(f"{role} {ident}" for role, ident in self._ids.items())
            raise GpioError(
                f"cannot request lines ({wanted}) on {self.config.chip}: {exc.strerror or exc}"
                " (taken by another program?)"
            ) from None
        except ValueError as exc:
            raise GpioError(f"{self.config.chip}: {exc} (gpioinfo lists the line names)") from None

    def has(self, role: str) -> bool:
        return role in self._ids

    def _set(self, role: str, active: bool) -> None:
        value = self._gpiod.line.Value
        try:
            self._request.set_value(self._ids[role], value.ACTIVE if active else value.INACTIVE)
        except OSError as exc:
            raise GpioError(f"setting {role} ({self._ids[role]}): {exc}") from None

    def hold_reset(self) -> None:
        """RST low: the chips stop and forget their set-up."""
        self._set("reset", True)
        self.reset_held = True

    def release_reset(self) -> None:
        self._set("reset", False)
        self.reset_held = False

    def set_power(self, on: bool) -> None:
        self._set("power_enable", on)
        self.powered = on

    def pgood(self) -> bool:
        try:
            value = self._request.get_value(self._ids["pgood"])
        except OSError as exc:
            raise GpioError(f"reading pgood ({self._ids['pgood']}): {exc}") from None
        return bool(value == self._gpiod.line.Value.ACTIVE)

    def close(self) -> None:
        """Release the lines (the kernel keeps outputs where they were)."""
        if self._request is not None:
            self._request.release()
            self._request = None
