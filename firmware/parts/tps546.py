"""TPS546D24A: TI's PMBus buck converter (4..18 V in, 0.5..5.5 V out, 40 A per phase,
stackable to four phases), the core regulator of the Bitaxe Gamma.

Command codes and formats: PMBus Part II Appendix I (command summary) and the
TPS546D24A datasheet's table of supported PMBus commands; VOUT_MODE is read at
configure time (the part reports ULINEAR16 with exponent -9: 1.953 mV per LSB).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.parts.device import I2cDevice
from firmware.parts.pmbus import (
    STATUS_BITS,
    FormatError,
    decode_linear11,
    decode_ulinear16,
    encode_linear11,
    encode_ulinear16,
    vout_mode_exponent,
)

PART = "TPS546D24A"


@dataclass(frozen=True)
class Command:
    code: int
    kind: str  # "send", "byte", "word", "linear11", "ulinear16", "block"
    source: str


# name -> command; "PMBus II" = PMBus Part II Appendix I, "DS" = the TPS546D24A datasheet.
COMMANDS: dict[str, Command] = {
    "OPERATION": Command(0x01, "byte", "PMBus II §12.1; DS: 0x80 on, 0x00 off immediately"),
    "ON_OFF_CONFIG": Command(0x02, "byte", "PMBus II §12.2; DS: 0x18 = act on OPERATION only"),
    "CLEAR_FAULTS": Command(0x03, "send", "PMBus II §15.1"),
    "VOUT_MODE": Command(0x20, "byte", "PMBus II §8.3; DS: linear, exponent -9"),
    "VOUT_COMMAND": Command(0x21, "ulinear16", "PMBus II §13.1"),
    "VOUT_MAX": Command(0x24, "ulinear16", "PMBus II §13.4"),
    "VOUT_SCALE_LOOP": Command(0x29, "linear11", "PMBus II §13.10; DS: 1, 0.5, 0.25, 0.125"),
    "VOUT_MIN": Command(0x2B, "ulinear16", "PMBus II §13.12"),
    "VIN_ON": Command(0x35, "linear11", "PMBus II §14.1"),
    "VIN_OFF": Command(0x36, "linear11", "PMBus II §14.2"),
    "IOUT_OC_FAULT_LIMIT": Command(0x46, "linear11", "PMBus II §15.11"),
    "IOUT_OC_WARN_LIMIT": Command(0x4A, "linear11", "PMBus II §15.15"),
    "OT_FAULT_LIMIT": Command(0x4F, "linear11", "PMBus II §15.19"),
    "OT_WARN_LIMIT": Command(0x51, "linear11", "PMBus II §15.21"),
    "VIN_UV_WARN_LIMIT": Command(0x58, "linear11", "PMBus II §15.26; 0 disables"),
    "STATUS_WORD": Command(0x79, "word", "PMBus II §17.2"),
    "STATUS_VOUT": Command(0x7A, "byte", "PMBus II §17.3"),
    "STATUS_IOUT": Command(0x7B, "byte", "PMBus II §17.4"),
    "STATUS_INPUT": Command(0x7C, "byte", "PMBus II §17.5"),
    "STATUS_TEMPERATURE": Command(0x7D, "byte", "PMBus II §17.6"),
    "STATUS_CML": Command(0x7E, "byte", "PMBus II §17.7"),
    "READ_VIN": Command(0x88, "linear11", "PMBus II §18.1"),
    "READ_VOUT": Command(0x8B, "ulinear16", "PMBus II §18.4"),
    "READ_IOUT": Command(0x8C, "linear11", "PMBus II §18.5"),
    "READ_TEMPERATURE_1": Command(0x8D, "linear11", "PMBus II §18.6"),
    "IC_DEVICE_ID": Command(0xAD, "block", "PMBus II §22.2; DS: 'TI' 'T' 0x6D 0x24 'A'/'b'"),
}

OPERATION_ON = 0x80
OPERATION_OFF = 0x00
ON_OFF_CONFIG_OPERATION_ONLY = 0x18  # PU (bit 4) + CMD (bit 3): start/stop on OPERATION
# IC_DEVICE_ID after its length byte: TPS546D24A and the TPS546D24S variant.
DEVICE_IDS = (b"TIT\x6d\x24A", b"TIT\x6d\x24b")
STATUS_BYTES = ("vout", "iout", "input", "temperature", "cml")
_STATUS_WORD_FLAG = {
    "vout": 0x8000,
    "iout": 0x4000,
    "input": 0x2000,
    "temperature": 0x0004,
    "cml": 0x0002,
}

# What the part can report at all (datasheet ratings, with margin); beyond is impossible.
VIN_RANGE_V = (0.0, 20.0)
VOUT_RANGE_V = (0.0, 6.0)
IOUT_RANGE_A = (-20.0, 200.0)
TEMPERATURE_RANGE_C = (-55.0, 175.0)


@dataclass(frozen=True)
class Tps546Limits:
    """The regulator's settings, from the board file (`[parts.<name>]`)."""

    vout_min_mv: float
    vout_max_mv: float
    vout_scale_loop: float
    iout_oc_warn_a: float
    iout_oc_fault_a: float
    vin_on_v: float
    vin_off_v: float
    vin_uv_warn_v: float
    ot_warn_c: float
    ot_fault_c: float
    tolerance_pct: float  # READ_VOUT within ± this of the command counts as settled
    domains: int = 1  # chips' voltage domains in series: output = domains × chip mV
    phases: int = 1


@dataclass(frozen=True)
class Tps546Telemetry:
    vin_v: float
    vout_v: float
    iout_a: float
    temperature_c: float


@dataclass(frozen=True)
class Tps546Status:
    word: int
    vout: int = 0
    iout: int = 0
    input: int = 0
    temperature: int = 0
    cml: int = 0

    def byte(self, register: str) -> int:
        return int(getattr(self, register))

    def bits(self) -> tuple[tuple[str, str, str | None], ...]:
        """(register, bit name, alarm code or None) for every bit set."""
        found = []
        for bit in STATUS_BITS:
            value = self.word if bit.register == "word" else self.byte(bit.register)
            if value & bit.mask:
                found.append((bit.register, bit.name, bit.alarm))
        return tuple(found)

    def alarms(self, *, output_on: bool) -> tuple[str, ...]:
        """Alarm codes of the bits set, sorted; POWER_GOOD# only counts with the output on."""
        codes = {
            alarm
            for _, _, alarm in self.bits()
            if alarm is not None and (output_on or alarm != "vr_pgood_low")
        }
        return tuple(sorted(codes))


class Tps546:
    """The driver. Every method is a few blocking I2C transactions (call it from a
    worker thread); a bus error raises PartNotAnswering, a reading the part cannot
    make raises ImpossibleReading."""

    def __init__(self, device: I2cDevice) -> None:
        self.device = device
        self.exponent: int | None = None  # from VOUT_MODE, read by configure()

    def identify(self) -> bytes:
        """IC_DEVICE_ID without its length byte; ImpossibleReading if it is no TPS546D24."""
        raw = self.device.read_block(COMMANDS["IC_DEVICE_ID"].code, 7)
        ident = bytes(raw[1 : 1 + raw[0]]) if 0 < raw[0] <= 6 else bytes(raw[1:])
        if ident not in DEVICE_IDS:
            raise self.device.impossible(f"IC_DEVICE_ID {ident.hex()} is not a {PART}")
        return ident

    def _vout_exponent(self) -> int:
        if self.exponent is None:
            mode = self.device.read_byte(COMMANDS["VOUT_MODE"].code)
            try:
                self.exponent = vout_mode_exponent(mode)
            except FormatError as exc:
                raise self.device.impossible(str(exc)) from None
        return self.exponent

    def _write_linear11(self, name: str, value: float) -> None:
        self.device.write_word(COMMANDS[name].code, encode_linear11(value))

    def _write_volts(self, name: str, volts: float) -> None:
        self.device.write_word(COMMANDS[name].code, encode_ulinear16(volts, self._vout_exponent()))

    def _read_volts(self, name: str) -> float:
        return decode_ulinear16(self.device.read_word(COMMANDS[name].code), self._vout_exponent())

    def _read_linear11(self, name: str) -> float:
        return decode_linear11(self.device.read_word(COMMANDS[name].code))

    def configure(self, limits: Tps546Limits) -> None:
        """Output off, OPERATION-only control, then every limit; faults cleared last."""
        self.set_output(False)
        self.device.write_byte(COMMANDS["ON_OFF_CONFIG"].code, ON_OFF_CONFIG_OPERATION_ONLY)
        self.exponent = None
        self._vout_exponent()
        self._write_linear11("VIN_ON", limits.vin_on_v)
        self._write_linear11("VIN_OFF", limits.vin_off_v)
        self._write_linear11("VIN_UV_WARN_LIMIT", limits.vin_uv_warn_v)
        self._write_linear11("VOUT_SCALE_LOOP", limits.vout_scale_loop)
        self._write_volts("VOUT_MAX", limits.vout_max_mv / 1000.0)
        self._write_volts("VOUT_MIN", limits.vout_min_mv / 1000.0)
        self._write_linear11("IOUT_OC_WARN_LIMIT", limits.iout_oc_warn_a)
        self._write_linear11("IOUT_OC_FAULT_LIMIT", limits.iout_oc_fault_a)
        self._write_linear11("OT_WARN_LIMIT", limits.ot_warn_c)
        self._write_linear11("OT_FAULT_LIMIT", limits.ot_fault_c)
        self.clear_faults()

    def set_vout_mv(self, mv: float) -> None:
        self._write_volts("VOUT_COMMAND", mv / 1000.0)

    def vout_command_mv(self) -> float:
        return self._read_volts("VOUT_COMMAND") * 1000.0

    def set_output(self, on: bool) -> None:
        self.device.write_byte(COMMANDS["OPERATION"].code, OPERATION_ON if on else OPERATION_OFF)

    def output_on(self) -> bool:
        return bool(self.device.read_byte(COMMANDS["OPERATION"].code) & 0x80)

    def clear_faults(self) -> None:
        self.device.send_byte(COMMANDS["CLEAR_FAULTS"].code)

    def _checked(self, name: str, value: float, low: float, high: float, unit: str) -> float:
        if not low <= value <= high:
            raise self.device.impossible(f"{name} {value:g} {unit} is outside {low:g}..{high:g}")
        return value

    def read_vout_v(self) -> float:
        return self._checked("READ_VOUT", self._read_volts("READ_VOUT"), *VOUT_RANGE_V, "V")

    def read_vin_v(self) -> float:
        return self._checked("READ_VIN", self._read_linear11("READ_VIN"), *VIN_RANGE_V, "V")

    def telemetry(self) -> Tps546Telemetry:
        return Tps546Telemetry(
            vin_v=self.read_vin_v(),
            vout_v=self.read_vout_v(),
            iout_a=self._checked("READ_IOUT", self._read_linear11("READ_IOUT"), *IOUT_RANGE_A, "A"),
            temperature_c=self._checked(
                "READ_TEMPERATURE_1",
                self._read_linear11("READ_TEMPERATURE_1"),
                *TEMPERATURE_RANGE_C,
                "°C",
            ),
        )

    def status(self) -> Tps546Status:
        """STATUS_WORD, and each status byte its summary bit says is set."""
        word = self.device.read_word(COMMANDS["STATUS_WORD"].code)
        detail = {
            register: self.device.read_byte(COMMANDS[f"STATUS_{register.upper()}"].code)
            for register in STATUS_BYTES
            if word & _STATUS_WORD_FLAG[register]
        }
        return Tps546Status(word=word, **detail)
