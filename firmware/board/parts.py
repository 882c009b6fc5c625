"""The `[parts.<name>]` tables of a board file: which parts the hashboard carries besides
its chips, on which I2C bus and 7-bit address, with their limits, checked against the
parts catalog (firmware/parts/catalog.py: the addresses each part can have, the range
each limit may take).

    [parts.vcore]
    part = "TPS546D24A"        # a catalog name
    bus = "main"               # the board's I2C bus; the config's [asic] i2c_bus opens it
    address = 0x24
    source = "ESP-Miner main/power/vcore.c (Gamma): ..."
    vout_min_mv = 1000         # the part's limits (every one the catalog names)
    ...

Refused, naming the key, the value and what is allowed: an unknown part or key, an
address the part cannot have, two parts on one address of one bus, a limit outside the
part's range, two core rails (a regulator and a DAC), limits that contradict each other
or do not cover the board's own voltage range.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from firmware.parts.catalog import PART_KINDS, Limit, PartConfig, PartKind
from firmware.parts.ds4432u import DacTrim
from firmware.validation import Invalid, integer, number, one_of, string, table

_NAME = string(min_len=1, max_len=40, blank=False)
SCALE_LOOPS = (1.0, 0.5, 0.25, 0.125)
AMPS_PER_PHASE = 40.0  # TPS546D24A datasheet: 40 A continuous per device
SINGLE = ("rail", "meter", "fan")  # roles a board has at most one part for


def _limit(limit: Limit) -> Any:
    if limit.integer:
        return integer(int(limit.low), int(limit.high))
    return number(limit.low, limit.high)


def _address(kind: PartKind) -> Any:
    spans = f"0x{kind.addresses[0]:02x}..0x{kind.addresses[-1]:02x}"
    allowed = (
        f"0x{kind.addresses[0]:02x} (the {kind.name}'s fixed address)"
        if len(kind.addresses) == 1
        else f"a 7-bit address {spans}"
    )

    def check(value: object) -> int:
        address = integer(allowed=allowed)(value)
        if address not in kind.addresses:
            raise Invalid((), value, allowed)
        return address

    return check


def _one_part(name: str, raw: object) -> PartConfig:
    if not isinstance(raw, Mapping):
        raise Invalid((), raw, "a table with part, bus, address, source and the part's limits")
    if "part" not in raw:
        raise Invalid("part", None, "a value (missing): " + " | ".join(PART_KINDS))
    try:
        part = one_of(*PART_KINDS, allowed=" | ".join(PART_KINDS))(raw["part"])
    except Invalid as exc:
        raise exc.at("part") from None
    kind = PART_KINDS[part]
    required: dict[str, Any] = {
        "part": lambda value: value,
        "bus": string(min_len=1, max_len=20, blank=False),
        "address": _address(kind),
        "source": string(min_len=1, blank=False),
    }
    optional: dict[str, Any] = {}
    defaults: dict[str, object] = {}
    for key, limit in kind.limits.items():
        if limit.default is None:
            required[key] = _limit(limit)
        else:
            optional[key] = _limit(limit)
            defaults[key] = limit.default
    checked = table(required, optional, defaults=defaults)(raw)
    limits = {key: checked[key] for key in kind.limits}
    return PartConfig(
        name=name,
        part=part,
        bus=checked["bus"],
        address=checked["address"],
        limits=limits,
        source=checked["source"],
    )


def _require(ok: bool, key: str, value: object, allowed: str) -> None:
    if not ok:
        raise Invalid(key, value, allowed)


def _check_tps546(lim: Mapping[str, float], board_mv: tuple[int, int]) -> None:
    _require(
        lim["vout_scale_loop"] in SCALE_LOOPS,
        "vout_scale_loop",
        lim["vout_scale_loop"],
        " | ".join(f"{s:g}" for s in SCALE_LOOPS),
    )
    _require(
        lim["vout_max_mv"] >= lim["vout_min_mv"],
        "vout_max_mv",
        lim["vout_max_mv"],
        f"at least vout_min_mv ({lim['vout_min_mv']:g})",
    )
    most = AMPS_PER_PHASE * lim["phases"]
    _require(
        lim["iout_oc_fault_a"] <= most,
        "iout_oc_fault_a",
        lim["iout_oc_fault_a"],
        f"at most {most:g} A ({AMPS_PER_PHASE:g} A × {lim['phases']:g} phases)",
    )
    _require(
        lim["iout_oc_warn_a"] <= lim["iout_oc_fault_a"],
        "iout_oc_warn_a",
        lim["iout_oc_warn_a"],
        f"at most iout_oc_fault_a ({lim['iout_oc_fault_a']:g})",
    )
    _require(
        lim["vin_off_v"] < lim["vin_on_v"],
        "vin_off_v",
        lim["vin_off_v"],
        f"below vin_on_v ({lim['vin_on_v']:g})",
    )
    _require(
        lim["ot_warn_c"] < lim["ot_fault_c"],
        "ot_warn_c",
        lim["ot_warn_c"],
        f"below ot_fault_c ({lim['ot_fault_c']:g})",
    )
    low, high = (mv * lim["domains"] for mv in board_mv)
    _require(
        lim["vout_min_mv"] <= low and high <= lim["vout_max_mv"],
        "vout_min_mv",
        lim["vout_min_mv"],
        f"a VOUT_MIN..VOUT_MAX covering the board's voltage.min_mv..max_mv × domains "
        f"({low:g}..{high:g} mV); vout_max_mv is {lim['vout_max_mv']:g}",
    )


def _check_ds4432u(lim: Mapping[str, float], board_mv: tuple[int, int]) -> None:
    trim = DacTrim(
        channel=int(lim["channel"]),
        rfs_ohm=lim["rfs_ohm"],
        ra_ohm=lim["ra_ohm"],
        rb_ohm=lim["rb_ohm"],
        vfb_mv=lim["vfb_mv"],
    )
    reach = f"{trim.min_mv():.0f}..{trim.max_mv():.0f} mV"
    _require(
        trim.min_mv() <= lim["vout_min_mv"] <= lim["vout_max_mv"] <= trim.max_mv(),
        "vout_min_mv",
        lim["vout_min_mv"],
        f"vout_min_mv..vout_max_mv within what the resistors reach ({reach}); "
        f"vout_max_mv is {lim['vout_max_mv']:g}",
    )
    _require(
        lim["vout_min_mv"] <= board_mv[0] and board_mv[1] <= lim["vout_max_mv"],
        "vout_min_mv",
        lim["vout_min_mv"],
        f"a range covering the board's voltage.min_mv..max_mv ({board_mv[0]}..{board_mv[1]} mV)",
    )


def _role(kind: PartKind) -> str:
    return "rail" if kind.role in ("regulator", "dac") else kind.role


def parse_parts(raw: object, *, board_mv: tuple[int, int]) -> tuple[PartConfig, ...]:
    """The checked parts of a board file's `parts` table (absent: none). `board_mv` is
    the board's voltage.min_mv..max_mv, which its core rail must be able to reach.
    Raises `Invalid` with a path starting at `parts`."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise Invalid("parts", raw, "a table of [parts.<name>] tables")
    found: list[PartConfig] = []
    taken: dict[tuple[str, int], str] = {}
    roles: dict[str, str] = {}
    for name, entry in raw.items():
        try:
            _NAME(name)
            config = _one_part(name, entry)
            if config.part == "TPS546D24A":
                _check_tps546(config.limits, board_mv)
            elif config.part == "DS4432U":
                _check_ds4432u(config.limits, board_mv)
            where = (config.bus, config.address)
            if where in taken:
                raise Invalid(
                    "address",
                    config.address,
                    f"an address no other part on bus {config.bus!r} has "
                    f"(0x{config.address:02x} is parts.{taken[where]}'s)",
                )
            role = _role(config.kind)
            if role in SINGLE and role in roles:
                raise Invalid(
                    "part",
                    config.part,
                    f"one {role} part per board (parts.{roles[role]} is the {role})",
                )
        except Invalid as exc:
            raise exc.at("parts", name) from None
        taken[where] = name
        roles.setdefault(role, name)
        found.append(config)
    return tuple(found)


def board_parts(
    document: Mapping[str, Any], source: str, board_mv: tuple[int, int]
) -> tuple[PartConfig, ...]:
    """`parse_parts` of a whole board document, errors as `BoardProfileError` naming the file."""
    from firmware.board.error import BoardProfileError

    try:
        return parse_parts(document.get("parts"), board_mv=board_mv)
    except Invalid as exc:
        raise exc.within(source).as_(BoardProfileError) from None
