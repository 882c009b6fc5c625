"""The control loop: the one owner of the heater's state.

Commands (`firmware/daemon/commands.py`: MQTT `set` and HTTP writes, demand signals,
prices, pause/resume) arrive on a queue; the loop applies them, decides, hands the
operating point to the backend without waiting for it (`Applier`), and publishes one
`Snapshot` that MQTT `state`, `/api/heater` and the AxeOS facts read. A command's
sender is answered only after the snapshot carrying it was published.

Every decision (each `period_s`, and at once after a command):
    supervisor readings, interlock cap --> HeatController --> watts --> PowerPlanner
    --> OperatingPoint --> Applier (backend.apply in its own task)
The very first decision is applied whatever the backend reports, before the pool can
send work. Between decisions, while the backend is still moving (an apply running, or
its read-back point not yet at its target), the snapshot is refreshed every
`SETTLE_PERIOD_S`, so a shed shows idle power as soon as the chain is really down.

Power in the snapshot is what the board measures (`stats().power.power_w`) or else the
board model at the chain's true point (`stats().point`; idle power when no work is
issued), never the plan.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from firmware.board import BoardProfile
from firmware.daemon.applier import Applier
from firmware.daemon.commands import (
    CapCommand,
    ChangeSettings,
    Command,
    Demand,
    GridReading,
    Refresh,
    SetPaused,
    SetPrices,
)
from firmware.daemon.energy import EnergyMeter
from firmware.daemon.owner import OwnerData
from firmware.daemon.snapshot import Identity, Snapshot, miner_facts
from firmware.daemon.state import Readings, compose_state
from firmware.daemon.supervisor_side import SupervisorSide
from firmware.grid.surplus import SurplusDecision, SurplusFollower
from firmware.heat import Cap, HeatController, PowerPlanner
from firmware.heat.planner import IDLE, power_at_w
from firmware.heat.power_correction import PowerCorrection
from firmware.heat.restore import RestoreRamp
from firmware.pool import PoolManager
from firmware.room_sensor import RoomSensorWatch
from firmware.room_sensor.watch import STALE_ALARM
from firmware.work import BackendStats, HashBackend, OperatingPoint

log = logging.getLogger(__name__)

CONTROL_PERIOD_S = 1.0  # wall seconds between decisions
SETTLE_PERIOD_S = 0.1  # snapshot refresh while the backend is moving
# ...for at most this long after a new point was sent (a chain that never arrives, a
# fault the backend is recovering from, is then refreshed once per decision).
SETTLE_MAX_S = 30.0
# ... and at least this long after a new point was sent, arrived or not: the board's
# meters read the power after the chain got there (the rail's read after a Vcore cut).
SETTLE_MIN_S = 2.0
COMMAND_TIMEOUT_S = 10.0  # a sender waits at most this long for its snapshot

Publish = Callable[[bool], None]  # urgent: publish now (a command's answer), else coalesce


@dataclass
class _Pending:
    command: Command
    done: asyncio.Future[None]


class ControlLoop:
    def __init__(
        self,
        *,
        identity: Identity,
        heat: HeatController,
        planner: PowerPlanner,
        supervisor: SupervisorSide,
        energy: EnergyMeter,
        owner: OwnerData,
        alarms: set[str],
        clock: Callable[[], float] = time.monotonic,
        local_time: Callable[[], datetime.datetime] = datetime.datetime.now,
        speed: float = 1.0,
        period_s: float = CONTROL_PERIOD_S,
    ) -> None:
        self.identity = identity
        self.board: BoardProfile = identity.board
        self.heat = heat
        self.planner = planner
        self.supervisor = supervisor
        self.energy = energy
        self.owner = owner
        self.alarms = alarms
        self._clock = clock
        self._local = local_time
        self._speed = speed
        self.period_s = period_s
        self.started_at = clock()
        self.backend: HashBackend | None = None
        self.applier: Applier | None = None
        self.pool: PoolManager | None = None
        self.publish: Publish = lambda urgent: None
        self.best_at_start = 0.0
        self.paused = False
        self.demand_w = 0.0  # what this decision asks for (watts)
        self.limited_by: Cap | None = None  # the cap that limited this decision
        # Solar surplus (`[grid_meter]`): the policy, fed by GridReading; None = no meter.
        self.surplus: SurplusFollower | None = None
        self.solar = SurplusDecision(None, 0.0)
        # An outside room sensor (`[room_sensor]`) fed by the bridge; None = the heater's own.
        self.room_sensor: RoomSensorWatch | None = None
        self.decisions = 0
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._supervisor_alarms: frozenset[str] = frozenset()
        self._backend_alarms_now: set[str] = set()
        self._target_c: float | None = None
        self._hardware: tuple[object, ...] = ()
        # The model corrected from the board's meter, so the watts asked are the watts read.
        self.power_correction = PowerCorrection()
        # After a demand or OpenADR cap lifts, power returns at the owner's restore_ramp_s.
        self.restore = RestoreRamp()
        self.snapshot = self._compose(None, 0)

    # ---- time ------------------------------------------------------------------------

    def control_time(self) -> float:
        """Seconds on the control clock (simulated time under `hearth sim`)."""
        return (self._clock() - self.started_at) * self._speed

    # ---- inputs ----------------------------------------------------------------------

    def attach(self, backend: HashBackend) -> None:
        self.backend = backend
        self.applier = Applier(backend, self.poke, self._clock)

    async def send(self, command: Command, timeout_s: float = COMMAND_TIMEOUT_S) -> None:
        """Queue `command`; returns once a snapshot reflecting it was published."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(command, done))
        async with asyncio.timeout(timeout_s):
            await done

    def poke(self) -> None:
        """Refresh the snapshot soon (no new decision): something outside changed."""
        self._wake.set()

    # ---- the loop --------------------------------------------------------------------

    async def first_decision(self, timeout_s: float) -> None:
        """At start-up, before the pool can send work: decide, and wait (bounded) for the
        backend to take that point: a 0 W start is idle before any job exists."""
        self._cycle([])
        if self.applier is not None:
            await self.applier.settle(timeout_s)
            self._refresh(urgent=False)

    async def run(self) -> None:
        next_decision = self._clock() + self.period_s
        while True:
            settling = self._settling()
            wait = min(next_decision - self._clock(), SETTLE_PERIOD_S if settling else 1e9)
            batch = await self._next_commands(max(0.0, wait))
            decide = any(not isinstance(p.command, Refresh) for p in batch)
            failed: Exception | None = None
            try:
                if decide or self._clock() >= next_decision:
                    next_decision = self._clock() + self.period_s
                    self._cycle(batch)
                else:
                    self._refresh(urgent=bool(batch))
            except Exception as exc:  # the loop outlives any one bad step
                self.alarms.add("control_error")
                log.exception("control step failed")
                failed = exc
            for pending in batch:
                if pending.done.done():
                    continue
                if failed is None:
                    pending.done.set_result(None)
                else:  # its snapshot was not published: the sender must not think so
                    pending.done.set_exception(RuntimeError(f"control step failed: {failed}"))

    async def _next_commands(self, wait_s: float) -> list[_Pending]:
        batch: list[_Pending] = []
        if self._queue.empty() and not self._wake.is_set():
            getter = asyncio.ensure_future(self._queue.get())
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait((getter, waker), timeout=wait_s, return_when="FIRST_COMPLETED")
            finally:
                waker.cancel()
                if not getter.done():
                    getter.cancel()
                elif not getter.cancelled():
                    batch.append(getter.result())
        self._wake.clear()
        while not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    def _cycle(self, batch: list[_Pending]) -> None:
        for pending in batch:
            self._handle(pending.command)
        try:
            self._decide()
            self.decisions += 1
            self.alarms.discard("control_error")
        except Exception:
            self.alarms.add("control_error")
            log.exception("control decision failed")
        self._refresh(urgent=bool(batch) or self.decisions == 1)

    def _handle(self, command: Command) -> None:
        if isinstance(command, ChangeSettings):
            self.heat.update_settings(command.settings)
        elif isinstance(command, Demand):
            self.heat.demand_response(self.control_time(), command.signal, time_scale=self._speed)
        elif isinstance(command, SetPaused):
            self.paused = command.paused
        elif isinstance(command, SetPrices):
            self.heat.set_prices(command.prices)
        elif isinstance(command, CapCommand):
            self.heat.post_cap(command.source, command.cap)
        elif isinstance(command, GridReading) and self.surplus is not None:
            # the heater's own draw is inside the meter's reading: surplus = draw - grid
            self.surplus.reading(
                self.control_time(), command.grid_w, float(self.snapshot.facts.power_w)
            )

    # ---- deciding --------------------------------------------------------------------

    def _decide(self) -> None:
        now = self.control_time()
        max_w = self.planner.max_w
        allowed_w = self.supervisor.allowed_w(max_w)  # the interlocks' verdict first
        readings = self.supervisor.readings()
        local = self._local()
        self._target_c = self.heat.owner_target_c(local)
        room_c = self._room_c(now, readings.room_c, alarm=True)
        self._follow_surplus(now, room_c)
        ramp_s = self.heat.settings.restore_ramp_s
        in_force = self.heat.caps.in_force(now, room_c)
        self.heat.post_cap("restore", self.restore.update(now, in_force, max_w, ramp_s))
        if self.paused:
            watts, self.limited_by = 0.0, None
        elif room_c is None and self.room_sensor is not None:
            # The outside sensor is silent and the heater has none of its own: a bounded
            # level under every cap, never full power blind.
            self.alarms.discard("no_room_sensor")
            cap_w, self.limited_by, _ = self.heat.limit_w(now, local, None)
            fallback_w = self.room_sensor.fallback_w(now, cap_w, max_w, self.planner.min_w)
            watts = 0.0 if self._target_c is None else fallback_w
        elif room_c is None:
            # No room sensor: heat like a plain heater at its power cap; the supervisor's
            # and the interlocks' limits, quiet hours and demand response still apply.
            self.alarms.add("no_room_sensor")
            cap_w, self.limited_by, _ = self.heat.limit_w(now, local, None)
            watts = 0.0 if self._target_c is None else cap_w
        else:
            self.alarms.discard("no_room_sensor")
            decision = self.heat.tick(now, local, room_c)
            watts, self._target_c = decision.watts, decision.target_c
            self.limited_by = decision.limited_by
        watts = min(watts, allowed_w)
        # The planner counts the model's watts: the ask corrected from the meter first.
        asked_model_w = self.power_correction.model_w_for(watts)
        if asked_model_w < self.planner.min_w:
            watts = asked_model_w = 0.0  # a cap the chain cannot run under: no heating
        self.demand_w = watts
        point = self.planner.best_for(asked_model_w).point if watts > 0 else IDLE
        self._update_alarms(readings.alarms)
        if self.applier is not None:
            self.applier.want(point)

    def _room_c(self, now: float, own_c: float | None, *, alarm: bool = False) -> float | None:
        """The room temperature to heat on: the outside sensor's while fresh, else the
        heater's own (firmware/room_sensor); `alarm`: raise or clear `room_sensor_stale`."""
        if self.room_sensor is None:
            return own_c
        choice = self.room_sensor.choose(now, own_c)
        if alarm and choice.stale:
            self.alarms.add(STALE_ALARM)
        elif alarm:
            self.alarms.discard(STALE_ALARM)
        return choice.room_c

    def _follow_surplus(self, now: float, room_c: float | None) -> None:
        """The surplus policy's answer, offered to the heat controller in "surplus_first";
        a stale or missing meter offers nothing: the plain thermostat."""
        settings = self.heat.settings
        if self.surplus is None:
            return
        self.solar = self.surplus.decide(now, room_c, self._target_c, settings.comfort_band_c)
        offered = self.solar.heat_w if settings.solar == "surplus_first" else 0.0
        self.heat.set_surplus(offered)

    def control_at(self, unix_s: float) -> float:
        """The control-clock time of wall-clock `unix_s` (a cap's end from outside)."""
        return self.control_time() + (unix_s - self._local().timestamp()) * self._speed

    def limited_until_unix(self) -> float | None:
        """When the cap limiting power now ends, in unix seconds (None: until cleared)."""
        cap = self.limited_by
        if cap is None or cap.until_s is None:
            return None
        left = (cap.until_s - self.control_time()) / self._speed
        return round(self._local().timestamp() + left, 1)

    def _update_alarms(self, supervisor_alarms: tuple[str, ...]) -> None:
        # The interlocks' codes are this decision's verdict: last one's go, today's come.
        self.alarms.difference_update(self._supervisor_alarms)
        self._supervisor_alarms = frozenset(supervisor_alarms)
        self.alarms.update(self._supervisor_alarms)
        pool = self.pool.status() if self.pool is not None else None
        if pool is None or pool.state == "offline":
            self.alarms.add("pool_offline")
        else:
            self.alarms.discard("pool_offline")
        if pool is not None and pool.difficulty_unreachable:
            self.alarms.add("pool_difficulty_unreachable")
        else:
            self.alarms.discard("pool_difficulty_unreachable")

    # ---- the snapshot ----------------------------------------------------------------

    def _settling(self) -> bool:
        applier = self.applier
        if applier is None:
            return False
        since = self._clock() - applier.sent_at
        if since > SETTLE_MAX_S:
            return False
        if since < SETTLE_MIN_S:  # the meters catch up after the chain arrived
            return True
        stats = self.backend.stats() if self.backend is not None else None
        return applier.moving or (stats is not None and not arrived(stats, self.board))

    def _refresh(self, *, urgent: bool) -> None:
        stats = self.backend.stats() if self.backend is not None else None
        self._backend_alarms(stats)
        self._learn_power(stats)
        snapshot = self._compose(stats, self.snapshot.seq + 1)
        self.energy.record(self.control_time(), float(snapshot.facts.power_w))
        # The chain starting or stopping work, arriving where it was sent, or the meter
        # reaching idle power (which may come a refresh after the chain stopped) is news:
        # a shed is published the moment the meters read the chain stopped, not coalesced.
        at_idle = float(snapshot.facts.power_w) <= self.board.power.idle_w
        hardware = (
            (stats.issuing_work, arrived(stats, self.board), at_idle) if stats is not None else ()
        )
        urgent = urgent or hardware != self._hardware
        self._hardware = hardware
        self.snapshot = snapshot
        self.publish(urgent)

    def _backend_alarms(self, stats: BackendStats | None) -> None:
        """The backend's own fault code, a failed apply, and `chips_silent:<n>` while the
        chain hashes and n of its chips do not answer: this refresh's, last one's go."""
        self.alarms.difference_update(self._backend_alarms_now)
        now: set[str] = set()
        if stats is not None:
            if stats.fault:
                now.add(stats.fault)
            if self.applier is not None and self.applier.error:
                now.add(self.applier.error)
            if stats.kind == "asic" and stats.expected_hashrate_ghs > 0:
                silent = sum(1 for chip in stats.chips if not chip.responding)
                if silent:
                    now.add(f"chips_silent:{silent}")
        self._backend_alarms_now = now
        self.alarms.update(now)

    def _learn_power(self, stats: BackendStats | None) -> None:
        """Feed the power correction: the point the chain has arrived at (its clock and
        chips where the target is, work issued), the model there, and the meter."""
        measured = self.measured_w(stats, hashing=True)
        if stats is None or measured is None:
            return
        target = stats.target
        here = target if stats.point is not None and arrived(stats, self.board) else None
        model_w = power_at_w(self.board, here, True) if here is not None else 0.0
        self.power_correction.observe(self._clock(), here, model_w, measured)

    def measured_w(self, stats: BackendStats | None, *, hashing: bool) -> float | None:
        """The board's input power from its meters: an input meter's reading, or the
        core rail's output plus the board's modelled draw beside the chips (its overhead
        while hashing, its idle draw otherwise); None where nothing measures."""
        if stats is None or stats.power is None:
            return None
        rest = self.board.power.overhead_w if hashing else self.board.power.idle_w
        return stats.power.wall_w(rest)

    def true_point(self, stats: BackendStats | None) -> tuple[OperatingPoint, float]:
        """Where the chain is and what it draws: measured, or modelled at that point."""
        if stats is None:
            return IDLE, power_at_w(self.board, None, False)
        if stats.point is not None:
            # Read back: chips still clocked and counting (a board with no reset line, no
            # power switch and no rail cannot stop them) hash and heat, work issued or not.
            point = stats.point
            issuing = stats.issuing_work or (point.frequency_mhz > 0 and point.active_chips > 0)
        else:  # a backend that does not read its point back: what it was last asked
            point = (self.applier.requested if self.applier else None) or IDLE
            issuing = stats.expected_hashrate_ghs > 0
        measured = self.measured_w(stats, hashing=issuing)
        power = measured if measured is not None else power_at_w(self.board, point, issuing)
        return (point if issuing else IDLE), power

    def _compose(self, stats: BackendStats | None, seq: int) -> Snapshot:
        readings = self.supervisor.readings()
        settings = self.heat.settings
        pool = self.pool.status() if self.pool is not None else None
        point, power_w = self.true_point(stats)
        uptime = self._clock() - self.started_at
        target = self._target_c if self._target_c is not None else settings.target_c
        state = compose_state(
            Readings(
                mode=settings.mode,
                preset=settings.preset,
                target_c=target,
                power_limit_w=settings.power_limit_w,
                room_c=self._room_c(self.control_time(), readings.room_c),
                chip_temp_c=readings.board_c,
                fan_rpm=readings.fan_rpm,
                demand_w=self.demand_w,
                limited_by=self.limited_by.source if self.limited_by else None,
                limited_until=self.limited_until_unix(),
                surplus_w=self.solar.surplus_w,
                solar_w=0.0 if self.paused else self.heat.surplus_w,
                prices=self.heat.prices_summary(self._local()),
                power_w=power_w,
                hashrate_ghs=stats.hashrate_ghs if stats else 0.0,
                paused=self.paused,
                fault=readings.tripped,
                pool=pool,
                energy_kwh=self.energy.kwh,
                uptime_s=uptime,
                alarms=tuple(sorted(self.alarms)),
                firmware=self.identity.version,
                backend=(stats.detail or stats.kind) if stats else "none",
                schedule=settings.schedule.to_dict(),
                measured=stats.power if stats else None,
            )
        )
        facts = miner_facts(
            self.identity,
            self.owner,
            stats=stats,
            point=point,
            power_w=power_w,
            pool=pool,
            readings=readings,
            uptime_s=uptime,
            best_at_start=self.best_at_start,
            paused=self.paused,
        )
        return Snapshot(state=state, settings=settings.to_dict(), facts=facts, seq=seq)

    async def close(self) -> None:
        if self.applier is not None:
            with contextlib.suppress(Exception):
                await self.applier.close()


def arrived(stats: BackendStats, board: BoardProfile) -> bool:
    """The chain is where it was last sent (a backend without read-back: yes). For a 0 W
    target: no work issued, no chip hashing, and, where the board meters its core rail,
    the rail read back below the chips' minimum voltage: the cut is measured, so the
    power the state shows is the power after it. Otherwise: issuing work at the
    target's clock."""
    point, target = stats.point, stats.target
    if point is None or target is None:
        return True
    if target.active_chips == 0 or target.duty == 0:
        cut = stats.power is None or point.voltage_mv < board.voltage_min_mv
        return not stats.issuing_work and point.active_chips == 0 and cut
    return stats.issuing_work and point.frequency_mhz == target.frequency_mhz
