"""`HeaterDaemon`: one asyncio process wiring the heater's parts together.

    supervisor telemetry (room, board temps, fan) --> thermostat --> watts
    watts --> power cap and interlocks --> planner --> OperatingPoint --> backend.apply
    backend nonces --> PoolManager --> shares; pool jobs --> backend
    state (§3) --> MQTT bridge and HTTP API; `set` / PATCH --> settings --> store

Every part that is missing or not configured shows up in `alarms` and as null readings
in the state, never as made-up numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from firmware.api import ApiServer, MinerFacts, PoolView, WriteAuth
from firmware.board import BoardProfile, load_board
from firmware.bridge import (
    BridgeConfig,
    DemandSignal,
    DeviceInfo,
    DiscoveryInfo,
    MqttBridge,
    TlsConfig,
)
from firmware.broker import EmbeddedBroker
from firmware.config import HearthConfig
from firmware.daemon.backend_choice import open_backend
from firmware.daemon.energy import EnergyMeter
from firmware.daemon.http_token import load_or_create_token
from firmware.daemon.identity import default_hostname, firmware_version, mac_address
from firmware.daemon.operating_points import IDLE, point_for_watts, point_power_w
from firmware.daemon.slot_start import SlotStart
from firmware.daemon.state import Readings, compose_state
from firmware.daemon.supervisor_side import SupervisorSide
from firmware.heat import HeatController, HeatSettings, SettingsLimits, apply_update
from firmware.heat.demand import DemandSignal as HeatDemandSignal
from firmware.pool import PoolConfig, PoolManager, PoolStatus
from firmware.store import Store
from firmware.update.confirm import HealthCheck
from firmware.work import HashBackend, OperatingPoint

log = logging.getLogger(__name__)

CONTROL_PERIOD_S = 1.0  # wall seconds between thermostat updates
# Input voltage of the heater's 12 V rail as AxeOS reports it (mV); no sensor on the
# control board measures it.
NOMINAL_INPUT_MV = 12000.0
# Wall seconds: a longer gap between two power readings (suspend) is not integrated.
ENERGY_MAX_STEP_S = 60.0
# A demand signal without a duration holds until the next one (the bridge's limit: a week).
DEMAND_UNTIL_NEXT_S = 7 * 24 * 3600.0


def pools_fingerprint(pools: list[PoolConfig]) -> str:
    """A digest of a pool list (passwords included, never stored in clear by this)."""
    data = [[p.url, p.user, p.password, p.ca_file] for p in pools]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


class HeaterDaemon:
    def __init__(
        self,
        config: HearthConfig,
        *,
        board: BoardProfile | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.board = board or load_board(config.device.board)
        self._clock = clock
        self._wall = wall_clock
        self._speed = config.device.clock_speed
        self._started_at = clock()
        self.version = firmware_version()
        self.mac = mac_address()
        self.hostname = default_hostname(config.device.id)
        self._hostname_set = False  # True once the owner named it over the HTTP API
        self.store = Store(config.device.state_dir)
        self.energy = EnergyMeter(max_step_s=ENERGY_MAX_STEP_S * config.device.clock_speed)
        self.max_w = self.board.max_w()
        self.limits = SettingsLimits(max_power_w=self.max_w)
        self.heat = HeatController(
            HeatSettings(
                mode=config.heat.mode,
                preset=config.heat.preset,
                target_c=config.heat.target_c,
                power_limit_w=min(config.heat.power_limit_w, self.max_w),
            ),
            self.board.min_hashing_w(),
            self.max_w,
            room_max_c=self.board.thermal.room_max_c,
        )
        self.pool_configs = [
            PoolConfig(p.url, p.user, p.password.value, ca_file=str(p.ca_file or ""))
            for p in config.pools
        ]
        # The pool list as the config file (with provisioning) gives it: a list changed over
        # the HTTP API is kept only while this stays the same (see _restore_pools).
        self._pools_base = pools_fingerprint(self.pool_configs)
        self._pools_edited = False
        self.backend: HashBackend | None = None
        self.pool: PoolManager | None = None
        self.supervisor = SupervisorSide(config.supervisor.port, self.board)
        self.bridge: MqttBridge | None = None
        self.broker: EmbeddedBroker | None = None
        self.api: ApiServer | None = None
        self.point: OperatingPoint = IDLE
        self.demand_w = 0.0
        self.paused = False
        self.alarms: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._dirty = asyncio.Event()
        self._wake_control = asyncio.Event()
        self._best_at_start = 0.0
        self._stopped = False
        self._control_steps = 0
        self._supervisor_alarms: frozenset[str] = frozenset()
        self.slot_start = SlotStart(config.update)
        if config.provisioned:
            log.info("provisioned settings in use: %s", ", ".join(config.provisioned))
        if config.provisioning_error:
            self.alarms.add("provisioning_ignored")
            log.warning("provisioned settings ignored: %s", config.provisioning_error)
        # Set when a trial start did not prove itself healthy: hearthd must exit
        # (EXIT_TRIAL_FAILED) so the device restarts into the previous firmware.
        self.trial_failed = asyncio.Event()

    # ---- time ----------------------------------------------------------------------

    def control_time(self) -> float:
        """Seconds on the control loop's clock (simulated time under `hearth sim`)."""
        return (self._clock() - self._started_at) * self._speed

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self._restore()
        # The slot's own supervisor goes onto the MCU before the link opens (and before the
        # rail is on): installing it stops the supervisor, which cuts the rail.
        pushed = await self.slot_start.install_supervisor()
        if pushed is not None and not pushed.ok:
            self.alarms.add("supervisor_update_failed")
        # The supervisor switches the hashboard rail: it must be on before the chain can
        # answer the probe. It stays on while the daemon runs; idling is the backend's
        # job, and the supervisor cuts the rail itself on a trip.
        await self.supervisor.start()
        if self.supervisor.available:
            await self.supervisor.power_up()
        else:
            self.alarms.add("supervisor_unavailable")
        self.backend = await open_backend(self.config.asic, self.board)
        await self.backend.start()
        self.pool = PoolManager(self.pool_configs, self.backend)
        self._restore_pool()
        self._best_at_start = self.pool.status().best_share_difficulty
        await self._start_mqtt()
        await self._start_http()
        self._tasks = [
            asyncio.create_task(self.pool.run(), name="pool"),
            asyncio.create_task(self._control_loop(), name="control"),
            asyncio.create_task(self._save_loop(), name="store"),
        ]
        if self.slot_start.on_trial:
            self.alarms.add("update_trial")
            self._tasks.append(asyncio.create_task(self._confirm_trial(), name="confirm"))
        log.info(
            "hearthd %s up: board %s, backend %s, %d pool(s)",
            self.version,
            self.board.name,
            self.backend.name,
            len(self.pool_configs),
        )

    async def stop(self) -> None:
        """Ramp the chips down, stop mining, save everything, say offline, close."""
        if self._stopped:
            return
        self._stopped = True
        for task in self._tasks:
            if task.get_name() != "pool":
                task.cancel()
        await asyncio.gather(*self._tasks[1:], return_exceptions=True)
        if self.backend is not None:
            with contextlib.suppress(Exception):
                await self.backend.apply(IDLE)
            self.point = IDLE
        await self.supervisor.power_down()
        if self.pool is not None:
            await self.pool.stop()
        await asyncio.gather(*self._tasks[:1], return_exceptions=True)
        if self.backend is not None:
            await self.backend.stop()
        self.energy.record(self.control_time(), 0.0)
        self._save()
        if self.bridge is not None:
            await self.bridge.stop()
        if self.api is not None:
            await self.api.stop()
        await self.supervisor.stop()
        if self.broker is not None:
            await self.broker.stop()
        log.info("hearthd stopped; state saved to %s", self.store.path)

    # ---- a trial start (docs/update-protocol.md) ---------------------------------------

    def health_checks(self) -> list[HealthCheck]:
        """What a new firmware must show before it is kept."""
        checks: list[HealthCheck] = [
            ("daemon up", self._daemon_up),
            ("chain enumerated", self._chain_enumerated),
        ]
        if self.supervisor.available or self.config.update.supervisor_console:
            checks.append(("supervisor answering", self._supervisor_answering))
        return checks

    def _daemon_up(self) -> bool:
        return self._control_steps > 0 and "control_error" not in self.alarms and not self._stopped

    def _chain_enumerated(self) -> bool:
        if self.backend is None:
            return False
        stats = self.backend.stats()
        if not self.config.asic.port:
            return stats.kind == "cpu"  # a heater configured without a chain
        return stats.kind == "asic" and len(stats.chips) == self.board.chip_count

    def _supervisor_answering(self) -> bool:
        if not self.slot_start.supervisor_installed():
            return False
        return not self.supervisor.available or self.supervisor.answering()

    async def _confirm_trial(self) -> None:
        confirmed = await self.slot_start.confirm(self.health_checks())
        self.alarms.discard("update_trial")
        if not confirmed:
            self.alarms.add("update_unhealthy")
            self.trial_failed.set()
        if self.bridge is not None:
            self.bridge.notify_changed()

    # ---- persistence -----------------------------------------------------------------

    def _sections(self) -> dict[str, Any]:
        sections: dict[str, Any] = {
            "settings": self.heat.settings.to_dict(),
            "energy": self.energy.snapshot(),
            "thermostat": self.heat.thermostat.snapshot(),
            "identity": {"hostname": self.hostname, "owner_set": self._hostname_set},
        }
        if self._pools_edited:
            sections["pools"] = {
                "base": self._pools_base,
                "list": [
                    {"url": p.url, "user": p.user, "password": p.password, "ca_file": p.ca_file}
                    for p in self.pool_configs
                ],
            }
        if self.pool is not None:
            sections["pool"] = self.pool.snapshot()
        return sections

    def _save(self) -> None:
        try:
            self.store.save(self._sections())
        except (OSError, ValueError) as exc:
            self.alarms.add("store_error")
            log.error("store: save failed: %s", exc)

    def _restore(self) -> None:
        loaded = self.store.load()
        if loaded.problems:
            self.alarms.add("store_recovered")
        sections = loaded.sections
        self._loaded_sections = sections
        restorers: dict[str, Callable[[Any], None]] = {
            "settings": self._restore_settings,
            "energy": self.energy.restore,
            "thermostat": self.heat.thermostat.restore,
            "identity": self._restore_identity,
            "pools": self._restore_pools,
        }
        for name, restore in restorers.items():
            if name not in sections:
                continue
            try:
                restore(sections[name])
            except (ValueError, TypeError, KeyError) as exc:
                self.alarms.add("store_recovered")
                log.warning("store: ignored damaged %r section: %s", name, exc)

    def _restore_pool(self) -> None:
        data = self._loaded_sections.get("pool")
        if data is not None and self.pool is not None:
            try:
                self.pool.restore(data)
            except ValueError as exc:
                log.warning("store: ignored damaged 'pool' section: %s", exc)

    def _restore_settings(self, data: Any) -> None:
        self.heat.update_settings(
            HeatSettings.from_dict(data, self.limits, defaults=self.heat.settings)
        )

    def _restore_identity(self, data: Any) -> None:
        """A hostname the owner set over the API is kept; otherwise it follows the system
        (and the device id), as at first start."""
        if data.get("owner_set") is not True:
            return
        hostname = data["hostname"]
        if not isinstance(hostname, str) or not hostname:
            raise ValueError(f"hostname {hostname!r}")
        self.hostname = hostname
        self._hostname_set = True

    def _restore_pools(self, data: Any) -> None:
        """A pool list the owner set over the HTTP API wins over the config file, until
        the config's own list (or `hearth provision`) changes: then the new config wins."""
        if not isinstance(data, dict):
            return  # an older store kept every list, edited or not: the config decides
        if data["base"] != self._pools_base:
            log.info("pools: the config file's list changed since the HTTP edit; using it")
            return
        pools = [
            PoolConfig(p["url"], p["user"], p["password"], ca_file=p.get("ca_file", ""))
            for p in data["list"]
        ]
        if not pools:
            raise ValueError("empty pool list")
        self.pool_configs = pools
        self._pools_edited = True

    async def _save_loop(self) -> None:
        interval = self.config.store.save_interval_s
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dirty.wait(), interval)
            self._dirty.clear()
            await asyncio.to_thread(self.store.save, self._sections())

    # ---- control ---------------------------------------------------------------------

    async def _control_loop(self) -> None:
        while True:
            try:
                await self._control_step()
                self._control_steps += 1
            except Exception:
                self.alarms.add("control_error")
                log.exception("control step failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake_control.wait(), CONTROL_PERIOD_S)
            self._wake_control.clear()

    def target_now(self) -> float | None:
        decision = self.heat.last
        if decision is not None:
            return decision.target_c
        return self.heat.owner_target_c(datetime.datetime.now())

    async def _control_step(self) -> None:
        now = self.control_time()
        await self.supervisor.keep_power()
        # The interlocks' verdict first, so this step's readings carry this step's alarms.
        allowed_w = self.supervisor.allowed_w(self.max_w)
        readings = self.supervisor.readings()
        local = datetime.datetime.now()
        if self.paused:
            watts = 0.0
        elif readings.room_c is None:
            # No room sensor: heat like a plain heater at its power cap; the supervisor's
            # and the interlocks' limits still apply.
            self.alarms.add("no_room_sensor")
            owner = self.heat.owner_target_c(local)
            watts = 0.0 if owner is None else self._open_loop_cap(local)
        else:
            self.alarms.discard("no_room_sensor")
            watts = self.heat.tick(now, local, readings.room_c).watts
        watts = min(watts, allowed_w)
        self.demand_w = watts
        point = point_for_watts(self.board, watts)
        self._update_alarms(readings.alarms)
        if point != self.point and self.backend is not None:
            await self.backend.apply(point)
            self.point = point
        self.energy.record(now, self.power_w())
        if self.bridge is not None:
            self.bridge.notify_changed()

    def _open_loop_cap(self, local: datetime.datetime) -> float:
        settings = self.heat.settings
        cap = settings.power_limit_w or self.max_w
        quiet = settings.quiet_hours
        if quiet is not None and quiet.active(local.hour * 60 + local.minute):
            cap = min(cap, quiet.limit_w)
        return cap if cap >= self.board.min_hashing_w() else 0.0

    def _update_alarms(self, supervisor_alarms: tuple[str, ...]) -> None:
        # The interlocks' codes are this step's verdict: last step's go, today's come.
        self.alarms.difference_update(self._supervisor_alarms)
        self._supervisor_alarms = frozenset(supervisor_alarms)
        self.alarms.update(self._supervisor_alarms)
        pool = self.pool.status() if self.pool is not None else None
        if pool is None or pool.state == "offline":
            self.alarms.add("pool_offline")
        else:
            self.alarms.discard("pool_offline")
        self._chip_alarms()

    def _chip_alarms(self) -> None:
        """`chips_silent:<n>` while the chain hashes and n of its chips do not answer (a
        failing chip or solder joint: its share of heat and hashes is gone). Not while
        parked: the rail may be off then."""
        self.alarms.difference_update({a for a in self.alarms if a.startswith("chips_silent:")})
        stats = self.backend.stats() if self.backend is not None else None
        if stats is None or stats.kind != "asic" or stats.expected_hashrate_ghs <= 0:
            return
        silent = sum(1 for chip in stats.chips if not chip.responding)
        if silent:
            self.alarms.add(f"chips_silent:{silent}")

    def power_w(self) -> float:
        return point_power_w(self.board, self.point)

    # ---- MQTT and HTTP -------------------------------------------------------------------

    async def _start_mqtt(self) -> None:
        mqtt = self.config.mqtt
        if mqtt.embedded:
            self.broker = EmbeddedBroker(self.config.device.state_dir, port=mqtt.embedded_port)
            info = await self.broker.start()
            bridge_config = BridgeConfig(
                host=info.host, port=info.port, username=info.username, password=info.password
            )
        else:
            bridge_config = BridgeConfig(
                host=mqtt.host,
                port=mqtt.port,
                username=mqtt.username or None,
                password=mqtt.password.value or None,
                tls=TlsConfig(ca_file=str(mqtt.ca_file) if mqtt.ca_file else None)
                if mqtt.tls
                else None,
            )
        discovery = DiscoveryInfo(
            DeviceInfo(
                name=self.config.device.name,
                model=self.board.description,
                sw_version=self.version,
            ),
            enabled=mqtt.discovery,
            prefix=mqtt.discovery_prefix,
            power_limit_max_w=self.max_w,
        )
        self.bridge = MqttBridge(
            bridge_config,
            device_id=self.config.device.id,
            get_state=self.state,
            apply_set=self.apply_settings,
            prefix=mqtt.prefix,
            # Always given: with discovery off it carries enabled=False, and the bridge
            # then removes entities an earlier run announced.
            discovery=discovery,
            on_demand=self.on_demand,
        )
        await self.bridge.start()

    async def _start_http(self) -> None:
        http = self.config.http
        if http.port == 0:
            return
        token = http.token
        if http.write_auth and not token and not http.username:
            token = load_or_create_token(self.config.device.state_dir)
        auth = WriteAuth(http.write_auth, token, http.username, http.password)
        self.api = ApiServer(self, auth, http.bind, http.port)
        await self.api.start()

    # ---- the facade (MQTT `set`, HTTP API) -----------------------------------------------

    def state(self) -> Mapping[str, object]:
        readings = self.supervisor.readings()
        target = self.target_now()
        settings = self.heat.settings
        pool = self.pool.status() if self.pool is not None else None
        stats = self.backend.stats() if self.backend is not None else None
        return compose_state(
            Readings(
                mode=settings.mode,
                preset=settings.preset,
                target_c=target if target is not None else settings.target_c,
                power_limit_w=settings.power_limit_w,
                room_c=readings.room_c,
                chip_temp_c=readings.board_c,
                fan_rpm=readings.fan_rpm,
                demand_w=self.demand_w,
                power_w=self.power_w(),
                hashrate_ghs=stats.hashrate_ghs if stats else 0.0,
                paused=self.paused,
                fault=readings.tripped,
                pool=pool,
                energy_kwh=self.energy.kwh,
                uptime_s=self._clock() - self._started_at,
                alarms=tuple(sorted(self.alarms)),
                firmware=self.version,
                backend=stats.detail or stats.kind if stats else "none",
                schedule=settings.schedule.to_dict(),
            )
        )

    def on_demand(self, signal: DemandSignal) -> None:
        """A demand-response message from MQTT: cap (or restore) within one tick."""
        duration = signal.duration_s if signal.duration_s is not None else DEMAND_UNTIL_NEXT_S
        self.heat.demand_response(
            self.control_time(),
            HeatDemandSignal(limit_w=signal.max_power_w, duration_s=duration * self._speed),
        )
        self._wake_control.set()

    def settings(self) -> Mapping[str, object]:
        return self.heat.settings.to_dict()

    async def apply_settings(self, changes: Mapping[str, object]) -> None:
        previous = self.heat.settings
        self.heat.update_settings(apply_update(previous, changes, self.limits))
        try:
            await asyncio.to_thread(self.store.save, self._sections())
        except (OSError, ValueError) as exc:
            # Not kept means not applied: the owner must not believe it was saved.
            self.heat.update_settings(previous)
            raise ValueError(f"settings not saved ({exc}); nothing changed") from exc
        if self.bridge is not None:
            self.bridge.notify_changed()
        self._wake_control.set()

    async def apply_pools(self, pools: tuple[tuple[str, str, str | None], ...]) -> None:
        current = {i: p for i, p in enumerate(self.pool_configs)}
        configs = []
        for i, (url, user, password) in enumerate(pools):
            keep = current[i].password if i in current else "x"
            # The CA file stays with its pool: kept only while the URL is the same.
            ca_file = current[i].ca_file if i in current and current[i].url == url else ""
            configs.append(
                PoolConfig(url, user, keep if password is None else password, ca_file=ca_file)
            )
        if self.pool is not None:
            await self.pool.set_pools(configs)
        self.pool_configs = configs
        self._pools_edited = True
        self._dirty.set()

    async def set_hostname(self, hostname: str) -> None:
        self.hostname = hostname
        self._hostname_set = True
        self._dirty.set()

    async def restart(self) -> None:
        if self.pool is not None:
            await self.pool.set_pools(self.pool_configs)

    async def pause(self) -> None:
        self.paused = True
        self._wake_control.set()

    async def resume(self) -> None:
        self.paused = False
        self._wake_control.set()

    def miner_facts(self) -> MinerFacts:
        board = self.board
        stats = self.backend.stats() if self.backend is not None else None
        pool: PoolStatus | None = self.pool.status() if self.pool is not None else None
        readings = self.supervisor.readings()
        active = None
        if pool is not None and pool.url is not None:
            urls = [p.url for p in self.pool_configs]
            active = urls.index(pool.url) if pool.url in urls else None
        frequency = self.point.frequency_mhz
        best = pool.best_share_difficulty if pool else 0.0
        return MinerFacts(
            hostname=self.hostname,
            mac_address=self.mac,
            version=self.version,
            board_name=board.name,
            asic_model=board.chip_model,
            asic_count=board.chip_count,
            small_core_count=board.small_cores,
            frequency_mhz=frequency,
            default_frequency_mhz=board.default_frequency_mhz,
            frequency_options_mhz=board.frequency_steps(),
            core_voltage_mv=self.point.voltage_mv,
            default_voltage_mv=board.default_voltage_mv,
            voltage_options_mv=tuple(
                range(board.voltage_min_mv, board.voltage_max_mv + 1, board.voltage_step_mv)
            ),
            hashrate_ghs=stats.hashrate_ghs if stats else 0.0,
            expected_hashrate_ghs=board.hashrate_ghs(frequency, self.point.active_chips),
            power_w=self.power_w(),
            input_voltage_mv=NOMINAL_INPUT_MV,
            chip_temp_c=readings.board_c,
            vr_temp_c=readings.exhaust_c,
            fan_rpm=readings.fan_rpm or 0,
            fan_percent=readings.fan_percent or 0,
            max_power_w=self.max_w,
            uptime_s=int(self._clock() - self._started_at),
            shares_accepted=pool.shares_accepted if pool else 0,
            shares_rejected=pool.shares_rejected if pool else 0,
            reject_reasons=dict(pool.reject_reasons) if pool else {},
            best_difficulty=best,
            # The ledger's best is all-time (persisted): it counts for this session only
            # once it rose after start-up.
            session_best_difficulty=best if best > self._best_at_start else 0.0,
            pool_difficulty=pool.difficulty if pool else None,
            pools=tuple(PoolView(p.url, p.user, bool(p.password)) for p in self.pool_configs),
            active_pool_index=active,
            paused=self.paused,
            free_heap_bytes=0,
            hashing_backend=stats.kind if stats else "none",
            chips=stats.chips if stats else (),
        )
