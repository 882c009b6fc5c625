"""The parts Hearth has drivers for, as data: what each is for, the 7-bit addresses it
can answer at, and the limits a board file sets for it with the range the part allows
(its datasheet). `firmware/board/parts.py` checks a board's `[parts.<name>]` tables
against this; `assembly.py` builds drivers from the resulting `PartConfig`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Limit:
    low: float
    high: float
    unit: str
    meaning: str
    integer: bool = False
    default: float | None = None  # None: the board file must give it


@dataclass(frozen=True)
class PartKind:
    name: str
    # "regulator" (a PMBus core rail), "dac" (trims a fixed rail), "meter", "fan", "temperature"
    role: str
    alarm_prefix: str  # the <prefix>_not_answering alarm of this part
    addresses: tuple[int, ...]
    limits: Mapping[str, Limit]
    source: str


def _limits(**entries: Limit) -> Mapping[str, Limit]:
    return MappingProxyType(entries)


PART_KINDS: Mapping[str, PartKind] = MappingProxyType(
    {
        "TPS546D24A": PartKind(
            name="TPS546D24A",
            role="regulator",
            alarm_prefix="vr",
            # datasheet: ADRSEL pin strapping selects 0x08..0x7F; Bitaxe boards strap 0x24
            addresses=tuple(range(0x08, 0x78)),
            limits=_limits(
                vout_min_mv=Limit(500, 5500, "mV", "VOUT_MIN (datasheet: 0.5..5.5 V out)"),
                vout_max_mv=Limit(500, 5500, "mV", "VOUT_MAX"),
                vout_scale_loop=Limit(0.125, 1.0, "", "VOUT_SCALE_LOOP: 1, 0.5, 0.25 or 0.125"),
                iout_oc_warn_a=Limit(1, 160, "A", "IOUT_OC_WARN_LIMIT (40 A per phase)"),
                iout_oc_fault_a=Limit(1, 160, "A", "IOUT_OC_FAULT_LIMIT (40 A per phase)"),
                vin_on_v=Limit(4.0, 18.0, "V", "VIN_ON (datasheet: 4..18 V in)"),
                vin_off_v=Limit(4.0, 18.0, "V", "VIN_OFF, below VIN_ON"),
                vin_uv_warn_v=Limit(0.0, 18.0, "V", "VIN_UV_WARN_LIMIT (0 = off)"),
                ot_warn_c=Limit(25, 150, "°C", "OT_WARN_LIMIT"),
                ot_fault_c=Limit(25, 150, "°C", "OT_FAULT_LIMIT, above OT_WARN_LIMIT"),
                tolerance_pct=Limit(0.5, 10.0, "%", "READ_VOUT within ± this counts as set"),
                domains=Limit(1, 64, "", "chip voltage domains in series", integer=True, default=1),
                phases=Limit(
                    1, 4, "", "stacked TPS546 phases (datasheet: up to 4)", integer=True, default=1
                ),
            ),
            source="TPS546D24A datasheet; PMBus spec part II",
        ),
        "DS4432U": PartKind(
            name="DS4432U",
            role="dac",
            alarm_prefix="vr",
            addresses=(0x48,),  # datasheet: fixed slave address 1001 000
            limits=_limits(
                channel=Limit(0, 1, "", "OUT0 or OUT1", integer=True),
                rfs_ohm=Limit(40_000, 160_000, "Ω", "R_FS (datasheet: 40..160 kΩ)"),
                ra_ohm=Limit(100, 1_000_000, "Ω", "feedback resistor, output to FB"),
                rb_ohm=Limit(100, 1_000_000, "Ω", "feedback resistor, FB to ground"),
                vfb_mv=Limit(100, 2000, "mV", "the trimmed converter's feedback reference"),
                vout_min_mv=Limit(100, 5500, "mV", "lowest output the board may be set to"),
                vout_max_mv=Limit(100, 5500, "mV", "highest output the board may be set to"),
            ),
            source="DS4432U datasheet; TPS40305 datasheet (V_FB 600 mV)",
        ),
        "INA260": PartKind(
            name="INA260",
            role="meter",
            alarm_prefix="meter",
            addresses=tuple(range(0x40, 0x50)),  # datasheet: A1/A0 strapping, 16 addresses
            limits=_limits(
                vin_min_v=Limit(0.0, 36.0, "V", "input below this is vr_input_undervoltage"),
            ),
            source="INA260 datasheet (±15 A, 0..36 V)",
        ),
        "EMC2101": PartKind(
            name="EMC2101",
            role="fan",
            alarm_prefix="fan",
            addresses=(0x4C,),  # datasheet: fixed address 100 1100
            limits=_limits(
                fan_min_duty_pct=Limit(0, 100, "%", "the least PWM duty the fan is run at"),
            ),
            source="EMC2101 datasheet",
        ),
        "TMP1075": PartKind(
            name="TMP1075",
            role="temperature",
            alarm_prefix="temp",
            addresses=tuple(range(0x48, 0x50)),  # datasheet: A2..A0 strapping
            limits=_limits(),
            source="TMP1075 datasheet",
        ),
    }
)


@dataclass(frozen=True)
class PartConfig:
    """One `[parts.<name>]` table of a board file, checked."""

    name: str  # the table's name: "vcore", "meter", "fan", "board_temp"
    part: str  # a PART_KINDS key
    bus: str  # the board's I2C bus name; the config says where it is ("main")
    address: int
    limits: Mapping[str, float] = field(default_factory=dict)
    source: str = ""

    @property
    def kind(self) -> PartKind:
        return PART_KINDS[self.part]
