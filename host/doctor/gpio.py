"""Can the configured GPIO lines be requested, and what does PGOOD read?

Requesting the lines puts the outputs in their safe state (reset held, power enable
off), as hearthd does at start: run the doctor with hearthd stopped.
"""

from __future__ import annotations

from types import ModuleType

from firmware.config import AsicConfig
from firmware.parts.board_io import gpio_config
from firmware.parts.gpio import BoardLines, GpioError
from host.doctor.finding import INFO, OK, PROBLEM, Finding


def check_lines(config: AsicConfig, gpiod_module: ModuleType | None = None) -> list[Finding]:
    wanted = gpio_config(config)
    lines = wanted.lines()
    if not lines:
        return [
            Finding(
                "gpio",
                INFO,
                "no GPIO lines configured ([asic] reset_gpio, power_enable_gpio, pgood_gpio): "
                "chips are reset over the UART only and cannot be held in reset when off",
            )
        ]
    try:
        board = BoardLines(wanted, gpiod_module=gpiod_module)
    except GpioError as exc:
        return [Finding("gpio", PROBLEM, str(exc))]
    findings = []
    try:
        for role, line in lines.items():
            text = f"{role} line {line} on {wanted.chip}: requested"
            if role == "pgood":
                text += ", reads " + ("high (power good)" if board.pgood() else "low (not good)")
            findings.append(Finding("gpio", OK, text))
    except GpioError as exc:
        findings.append(Finding("gpio", PROBLEM, str(exc)))
    finally:
        board.close()
    return findings
