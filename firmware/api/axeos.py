"""The AxeOS (ESP-Miner) face of the heater, as pure functions over `MinerFacts`.

Field names and units follow ESP-Miner's `/api/system/info` and `/api/system/asic`
(components `http_server/http_server.c` and `axe-os/src/app/services/system.service.ts`),
because pyasic's BitAxe/ESPMiner backends and hass-miner index these keys directly:
`hashRate` (GH/s), `power` (W), `temp`, `vrTemp`, `voltage` (mV, input), `fanrpm`,
`uptimeSeconds`, `hostname`, `macAddr`, `version`, `asicCount`, `smallCoreCount`,
`frequency`, `stratumURL`/`stratumPort`/`stratumUser`, `autofanspeed`, `fanspeed`.
`stratumURL` is the bare host (ESP-Miner keeps scheme and port apart).

Measured fields come from the board's parts (`MinerFacts.measured`) and are null where
the board has no part for them, never a constant or a model: `voltage` (input mV),
`current` (mA: the input current where an INA260 meters the input, else the regulator's
output current, as ESP-Miner reports it on TPS546 boards), `coreVoltageActual`
(READ_VOUT, mV), `vrTemp` (the regulator's own temperature). `power` is the meter's
input watts where there is one, else the board model at the chain's true point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from firmware.api.facade import MinerFacts, PoolView
from firmware.inputs import bounded_echo
from firmware.work.rail import PowerReadings

DEFAULT_SCHEME = "stratum+tcp"
SCHEMES = ("stratum+tcp", "stratum+ssl")
HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
# A pool host: DNS labels or an IPv4 literal (urlsplit alone lets "a b" through).
POOL_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
# A pool user is a wallet address plus a worker name: far below this, one line.
MAX_TEXT_CHARS = 256
# ESP-Miner prints difficulties with SI suffixes ("4.29G").
SI_SUFFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))

# PATCH keys, lower-cased (AxeOS clients differ in case: pyasic sends `autoFanspeed`,
# ESP-Miner reports `autofanspeed`), mapped to (pool index, field).
POOL_KEYS: dict[str, tuple[int, str]] = {
    "stratumurl": (0, "url"),
    "stratumport": (0, "port"),
    "stratumuser": (0, "user"),
    "stratumpassword": (0, "password"),
    "fallbackstratumurl": (1, "url"),
    "fallbackstratumport": (1, "port"),
    "fallbackstratumuser": (1, "user"),
    "fallbackstratumpassword": (1, "password"),
    # AxeOS 2.x keeps TLS apart from the URL: 0 = plain, 1 = TLS checked against the
    # system's CA store; 2 and 3 (a pasted certificate) are not supported here.
    "stratumtls": (0, "tls"),
    "fallbackstratumtls": (1, "tls"),
}
TLS_SCHEMES = {0: "stratum+tcp", 1: "stratum+ssl"}
# Hearth speaks Stratum V1 only; AxeOS's `stratumProtocol` says which one a pool is.
STRATUM_PROTOCOL_KEYS = frozenset({"stratumprotocol", "fallbackstratumprotocol"})
STRATUM_V1 = "SV1"
# AxeOS settings a heater accepts and deliberately does not apply: the power planner
# owns frequency, voltage and fans (thermal safety), and there is no display or Wi-Fi
# manager on the control board. Listed so that tools sending a whole AxeOS config work.
IGNORED_KEYS = frozenset(
    {
        "frequency",
        "corevoltage",
        "autofanspeed",
        "fanspeed",
        "minfanspeed",
        "manualfanspeed",
        "temptarget",
        "overheat_mode",
        "overclockenabled",
        "flipscreen",
        "invertscreen",
        "rotation",
        "display",
        "displaytimeout",
        "statsfrequency",
        "displayoffset",
        "usecustomwww",
        "ssid",
        "wifipass",
        "usefallbackstratum",
        "stratumcert",
        "fallbackstratumcert",
        "stratumdecodecoinbase",
        "fallbackstratumdecodecoinbase",
        "stratumv2channeltype",
        "fallbackstratumv2channeltype",
        "stratumv2authoritypubkey",
        "fallbackstratumv2authoritypubkey",
        "stratumsuggesteddifficulty",
        "stratumextranoncesubscribe",
        "fallbackstratumsuggesteddifficulty",
        "fallbackstratumextranoncesubscribe",
    }
)


@dataclass
class _PoolChange:
    # (scheme or None for a bare host, host, port from the URL or None)
    url: tuple[str | None, str, int | None] | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    scheme: str | None = None  # from stratumTLS


class PatchError(ValueError):
    """A PATCH body that cannot be applied; nothing was changed."""


@dataclass(frozen=True)
class SystemPatch:
    hostname: str | None
    # Pool list to apply: (url, user, password or None = keep), or None if untouched.
    pools: tuple[tuple[str, str, str | None], ...] | None
    applied: tuple[str, ...]  # keys as the client sent them
    ignored: tuple[str, ...]


def format_difficulty(value: float) -> str:
    for scale, suffix in SI_SUFFIXES:
        if value >= scale:
            return f"{value / scale:.2f}{suffix}"
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


def split_pool_url(url: str) -> tuple[str, str, int]:
    """`stratum+tcp://host:port` -> (scheme, host, port)."""
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port or 0


def _pool_fields(pools: tuple[PoolView, ...], index: int) -> tuple[str, int, str, int]:
    """(host, port, user, stratumTLS) of one configured pool, empty if there is none."""
    if index >= len(pools):
        return "", 0, "", 0
    scheme, host, port = split_pool_url(pools[index].url)
    return host, port, pools[index].user, int(scheme == TLS_SCHEMES[1])


def _scaled(value: float | None, scale: float, digits: int) -> float | None:
    """A measurement in AxeOS units (mV, mA), or None where the board has no part."""
    return None if value is None else round(value * scale, digits)


def system_info(facts: MinerFacts) -> dict[str, object]:
    host, port, user, tls = _pool_fields(facts.pools, 0)
    fb_host, fb_port, fb_user, fb_tls = _pool_fields(facts.pools, 1)
    m = facts.measured or PowerReadings()
    info: dict[str, object] = {
        # The snapshot's power: measured where the board meters it, else the model.
        "power": round(facts.power_w, 2),
        "voltage": _scaled(m.input_v, 1000.0, 1),
        "current": _scaled(m.input_a if m.input_a is not None else m.iout_a, 1000.0, 1),
        "temp": facts.chip_temp_c,
        "vrTemp": _scaled(m.vr_temp_c, 1.0, 1),
        "maxPower": round(facts.max_power_w, 1),
        "nominalVoltage": None if m.input_v is None else round(m.input_v),
        "hashRate": round(facts.hashrate_ghs, 3),
        "expectedHashrate": round(facts.expected_hashrate_ghs, 3),
        "bestDiff": format_difficulty(facts.best_difficulty),
        "bestSessionDiff": format_difficulty(facts.session_best_difficulty),
        "stratumDiff": facts.pool_difficulty or 0,
        "isUsingFallbackStratum": int(facts.active_pool_index not in (None, 0)),
        "isPSRAMAvailable": 0,
        "freeHeap": facts.free_heap_bytes,
        "coreVoltage": facts.core_voltage_mv,
        "coreVoltageActual": _scaled(m.vout_mv, 1.0, 0),
        "frequency": round(facts.frequency_mhz, 2),
        "ssid": "",
        "macAddr": facts.mac_address,
        "hostname": facts.hostname,
        "wifiStatus": "Wired",
        "wifiRSSI": 0,
        "apEnabled": 0,
        "sharesAccepted": facts.shares_accepted,
        "sharesRejected": facts.shares_rejected,
        "sharesRejectedReasons": [
            {"message": reason, "count": count} for reason, count in facts.reject_reasons.items()
        ],
        "uptimeSeconds": facts.uptime_s,
        "asicCount": facts.asic_count,
        "smallCoreCount": facts.small_core_count,
        "ASICModel": facts.asic_model,
        "stratumURL": host,
        "stratumPort": port,
        "stratumUser": user,
        "stratumTLS": tls,
        "fallbackStratumURL": fb_host,
        "fallbackStratumPort": fb_port,
        "fallbackStratumUser": fb_user,
        "fallbackStratumTLS": fb_tls,
        "version": facts.version,
        "axeOSVersion": facts.version,
        "idfVersion": "none (Linux)",
        "boardVersion": facts.board_name,
        "deviceModel": facts.board_name,
        "runningPartition": "hearth",
        "overheat_mode": 0,
        "autofanspeed": 1,
        "fanspeed": facts.fan_percent,
        "fanrpm": facts.fan_rpm,
        "miningPaused": int(facts.paused),
        "hashingBackend": facts.hashing_backend,
        # Hearth's addition: whether `power` is the board's meter or its power model.
        "powerMeasured": int(m.power_w is not None or m.core_w is not None),
    }
    return info


def asic_info(facts: MinerFacts) -> dict[str, object]:
    return {
        "ASICModel": facts.asic_model,
        "deviceModel": facts.board_name,
        "asicCount": facts.asic_count,
        "smallCoreCount": facts.small_core_count,
        "defaultFrequency": facts.default_frequency_mhz,
        "frequencyOptions": list(facts.frequency_options_mhz),
        "defaultVoltage": facts.default_voltage_mv,
        "voltageOptions": list(facts.voltage_options_mv),
        # Hearth's addition: each chip's health, so a failing chip can be found.
        "chips": [
            {
                "index": chip.index,
                "address": chip.address,
                "responding": chip.responding,
                "hashRate": round(chip.hashrate_ghs, 3),
                "hwErrors": chip.hw_errors,
                "errorCount": chip.error_count,
            }
            for chip in facts.chips
        ],
    }


def _text(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PatchError(f"{key} must be a non-empty string, got {bounded_echo(value)!r}")
    if len(value) > MAX_TEXT_CHARS:
        raise PatchError(f"{key} is {len(value)} characters long (at most {MAX_TEXT_CHARS})")
    if not value.isprintable():
        raise PatchError(f"{key} must be one line of printable text")
    return value.strip()


def _port(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise PatchError(f"{key} must be a port number 1..65535, got {bounded_echo(value)!r}")
    return value


def _tls_scheme(key: str, value: object) -> str:
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int) or value not in TLS_SCHEMES:
        raise PatchError(
            f"{key} must be 0 (plain) or 1 (TLS with the system's CA store), "
            f"got {bounded_echo(value)!r}; "
            "a custom pool certificate is not supported"
        )
    return TLS_SCHEMES[value]


def _parse_stratum_url(key: str, value: object) -> tuple[str | None, str, int | None]:
    """A host, or `scheme://host[:port]` as users paste it -> (scheme, host, port); a bare
    host (what AxeOS clients send) keeps the pool's current scheme."""
    text = _text(key, value)
    bare = "://" not in text
    if bare:
        text = f"{DEFAULT_SCHEME}://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise PatchError(f"{key} {bounded_echo(value)!r} is not a pool address ({exc})") from None
    if parts.scheme not in SCHEMES:
        raise PatchError(f"{key} scheme {parts.scheme!r} is not one of {', '.join(SCHEMES)}")
    if (
        not parts.hostname
        or not POOL_HOST.fullmatch(parts.hostname)
        or parts.path not in ("", "/")
        or parts.query
        or parts.username
    ):
        raise PatchError(
            f"{key} {bounded_echo(value)!r} must be a host, optionally with scheme and port"
        )
    return (None if bare else parts.scheme), parts.hostname, port


def parse_system_patch(body: object, current: tuple[PoolView, ...]) -> SystemPatch:
    """Validate a PATCH /api/system body against the current pools; raises PatchError."""
    if not isinstance(body, dict):
        raise PatchError("body must be a JSON object of settings")
    hostname: str | None = None
    pool_fields: dict[int, _PoolChange] = {}
    applied: list[str] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for key, value in body.items():
        folded = key.lower()
        if folded in seen:
            raise PatchError(
                f"{bounded_echo(key)!r} and {bounded_echo(seen[folded])!r} are the same setting"
            )
        seen[folded] = key
        if folded == "hostname":
            hostname = _text(key, value)
            if not HOSTNAME.fullmatch(hostname):
                raise PatchError(f"hostname {hostname!r} must be 1-32 letters, digits or '-'")
            applied.append(key)
        elif folded in POOL_KEYS:
            index, field_name = POOL_KEYS[folded]
            change = pool_fields.setdefault(index, _PoolChange())
            if field_name == "url":
                change.url = _parse_stratum_url(key, value)
            elif field_name == "port":
                change.port = _port(key, value)
            elif field_name == "user":
                change.user = _text(key, value)
            elif field_name == "tls":
                change.scheme = _tls_scheme(key, value)
            else:
                if not isinstance(value, str):
                    raise PatchError(f"{key} must be a string")
                change.password = value
            applied.append(key)
        elif folded in STRATUM_PROTOCOL_KEYS:
            if not isinstance(value, str) or value.upper() != STRATUM_V1:
                raise PatchError(
                    f"{key} {bounded_echo(value)!r}: this heater speaks Stratum V1 only ('SV1')"
                )
            ignored.append(key)
        elif folded in IGNORED_KEYS:
            ignored.append(key)
        else:
            raise PatchError(f"unknown setting {bounded_echo(key)!r}")
    pools = _merge_pools(pool_fields, current) if pool_fields else None
    return SystemPatch(hostname, pools, tuple(applied), tuple(ignored))


def _merge_pools(
    changes: dict[int, _PoolChange], current: tuple[PoolView, ...]
) -> tuple[tuple[str, str, str | None], ...]:
    merged: list[tuple[str, str, str | None]] = []
    for index in range(max(len(current), max(changes) + 1)):
        change = changes.get(index, _PoolChange())
        old = current[index] if index < len(current) else None
        scheme, host, port = split_pool_url(old.url) if old else (DEFAULT_SCHEME, "", 0)
        if change.url is not None:
            url_scheme, host, url_port = change.url
            scheme = url_scheme or scheme
            port = url_port if url_port is not None else port
        if change.scheme is not None:
            url_scheme = change.url[0] if change.url is not None else None
            if url_scheme is not None and url_scheme != change.scheme:
                raise PatchError(
                    f"{'fallback ' if index else ''}stratumTLS contradicts the scheme of the "
                    f"URL ({url_scheme})"
                )
            scheme = change.scheme
        if change.port is not None:
            port = change.port
        user = change.user if change.user is not None else (old.user if old else "")
        password = change.password
        label = "fallback pool" if index else "pool"
        if not host:
            raise PatchError(f"{label} needs a stratumURL")
        if not port:
            raise PatchError(f"{label} needs a stratumPort (or a port in the URL)")
        if not user:
            raise PatchError(f"{label} needs a stratumUser")
        merged.append(
            (f"{scheme}://{host}:{port}", user, None if password is None else str(password))
        )
    return tuple(merged)
