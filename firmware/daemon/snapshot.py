"""The one published view of the heater: MQTT `state`, `/api/heater` and the AxeOS
facts all read the same `Snapshot`, which only the control loop replaces, after it has
applied the commands it accepted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from firmware.api import MinerFacts, PoolView
from firmware.board import BoardProfile
from firmware.daemon.owner import OwnerData
from firmware.daemon.supervisor_side import SupervisorReadings
from firmware.pool import PoolStatus
from firmware.work import BackendStats, OperatingPoint


@dataclass(frozen=True)
class Snapshot:
    state: Mapping[str, object]  # the `state` object (firmware/daemon/state.py)
    settings: Mapping[str, object]  # HeatSettings.to_dict() in force
    facts: MinerFacts
    seq: int  # counts snapshots: a newer one has a larger number


@dataclass(frozen=True)
class Identity:
    """What does not change while hearthd runs."""

    board: BoardProfile
    version: str
    mac: str


def miner_facts(
    identity: Identity,
    owner: OwnerData,
    *,
    stats: BackendStats | None,
    point: OperatingPoint,
    power_w: float,
    pool: PoolStatus | None,
    readings: SupervisorReadings,
    uptime_s: float,
    best_at_start: float,
    paused: bool,
) -> MinerFacts:
    """`point`: where the chain really is (read back); `power_w`: measured or modelled
    there."""
    board = identity.board
    active = None
    if pool is not None and pool.url is not None:
        urls = [p.url for p in owner.pools]
        active = urls.index(pool.url) if pool.url in urls else None
    best = pool.best_share_difficulty if pool else 0.0
    return MinerFacts(
        hostname=owner.hostname,
        mac_address=identity.mac,
        version=identity.version,
        board_name=board.name,
        asic_model=board.chip_model,
        asic_count=board.chip_count,
        small_core_count=board.small_cores,
        frequency_mhz=point.frequency_mhz,
        default_frequency_mhz=board.default_frequency_mhz,
        frequency_options_mhz=board.frequency_steps(),
        # AxeOS: `coreVoltage` the voltage set, `coreVoltageActual` the one read back.
        core_voltage_mv=(
            stats.target.voltage_mv
            if stats is not None and stats.target is not None and stats.target.active_chips
            else point.voltage_mv
        ),
        default_voltage_mv=board.default_voltage_mv,
        voltage_options_mv=tuple(
            range(board.voltage_min_mv, board.voltage_max_mv + 1, board.voltage_step_mv)
        ),
        hashrate_ghs=stats.hashrate_ghs if stats else 0.0,
        expected_hashrate_ghs=stats.expected_hashrate_ghs if stats else 0.0,
        power_w=power_w,
        chip_temp_c=readings.board_c,
        fan_rpm=readings.fan_rpm or 0,
        fan_percent=readings.fan_percent or 0,
        max_power_w=board.max_w(),
        uptime_s=int(uptime_s),
        shares_accepted=pool.shares_accepted if pool else 0,
        shares_rejected=pool.shares_rejected if pool else 0,
        reject_reasons=dict(pool.reject_reasons) if pool else {},
        best_difficulty=best,
        # The ledger's best is all-time (persisted): it counts for this session only
        # once it rose after start-up.
        session_best_difficulty=best if best > best_at_start else 0.0,
        pool_difficulty=pool.difficulty if pool else None,
        pools=tuple(PoolView(p.url, p.user, bool(p.password)) for p in owner.pools),
        active_pool_index=active,
        paused=paused,
        free_heap_bytes=0,
        hashing_backend=stats.kind if stats else "none",
        chips=stats.chips if stats else (),
        measured=stats.power if stats else None,
    )
