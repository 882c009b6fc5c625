"""Does each part the board file names answer at its address, with the right identity?

Each driver's `identify()` reads the part's ID registers (IC_DEVICE_ID of the TPS546,
the INA260's manufacturer and die IDs, the EMC2101's product and maker IDs, the TMP1075's
device ID); the DS4432U has none, so reading its output register is the check. Nothing
is written: the regulator's output is left as it is.
"""

from __future__ import annotations

from firmware.board import BoardProfile
from firmware.parts.assembly import Driver, assemble
from firmware.parts.board_io import MAIN_BUS
from firmware.parts.bus import SMBusLike, open_bus
from firmware.parts.catalog import PartConfig
from firmware.parts.ds4432u import Ds4432u
from firmware.parts.errors import ImpossibleReading, PartNotAnswering
from firmware.parts.pmbus_rail import PmbusRail
from host.doctor.finding import INFO, OK, PROBLEM, Finding


def check_parts(bus_spec: str, board: BoardProfile, bus: SMBusLike | None = None) -> list[Finding]:
    if not board.parts:
        return [
            Finding(
                "i2c",
                INFO,
                f"board {board.name} names no I2C parts: no core-voltage control and no "
                "measured power (power is the board profile's model)",
            )
        ]
    names = ", ".join(f"{p.name} ({p.part} at 0x{p.address:02x})" for p in board.parts)
    if not bus_spec:
        return [
            Finding(
                "i2c",
                PROBLEM,
                f"board {board.name} carries {names}, but [asic] i2c_bus is not set: set it "
                "(on a Raspberry Pi /dev/i2c-1, after enabling I2C in raspi-config)",
            )
        ]
    opened = bus is None
    if bus is None:
        try:
            bus = open_bus(bus_spec)
        except OSError as exc:
            return [
                Finding(
                    "i2c",
                    PROBLEM,
                    f"cannot open {bus_spec}: {exc}. Is I2C enabled (dtparam=i2c_arm=on) and "
                    "the hearth user in the 'i2c' group?",
                )
            ]
    try:
        parts = assemble(board.parts, {MAIN_BUS: bus})
        findings = [
            _check_one(bus_spec, config.name, parts.drivers[config.name], config)
            for config in board.parts
        ]
    finally:
        if opened:
            bus.close()
    if parts.rail is not None:
        kind = "PMBus regulator" if isinstance(parts.rail, PmbusRail) else "DAC-trimmed rail"
        findings.append(Finding("i2c", INFO, f"core voltage through the {kind}"))
    return findings


def _check_one(bus_spec: str, name: str, driver: Driver, config: PartConfig) -> Finding:
    where = f"{name}: {config.part} at 0x{config.address:02x} on {bus_spec}"
    try:
        if isinstance(driver, Ds4432u):
            code = driver.read_code()
            return Finding("i2c", OK, f"{where} answers (no ID register; DAC code 0x{code:02x})")
        driver.identify()
    except PartNotAnswering:
        return Finding(
            "i2c",
            PROBLEM,
            f"{where} does not answer: is the hashboard powered, SDA/SCL wired (and pulled "
            "up), the address strapped as the board file says? `i2cdetect -y 1` lists what "
            "answers",
        )
    except ImpossibleReading as exc:
        return Finding(
            "i2c", PROBLEM, f"{where} answers with the wrong identity ({exc}): another part?"
        )
    return Finding("i2c", OK, f"{where} answers, ID right")
