"""`HeaterDaemon`: the composition root of hearthd. It builds the parts, wires them and
starts and stops them in order; it decides nothing itself.

    ControlLoop (control.py)   commands in, decisions, backend apply, one Snapshot out
    Persistence (persistence.py)  store sections, restore, the save loop
    HeaterService (service.py)    the facade the HTTP API and the MQTT bridge call
    SupervisorSide, backend, PoolManager, MqttBridge, ApiServer, SlotStart

Every part that is missing or not configured shows up in `alarms` and as null readings
in the state, never as made-up numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from firmware.api import ApiServer, MinerFacts, WriteAuth
from firmware.api.update import WebUpdate
from firmware.board import BoardProfile, load_board
from firmware.bridge import (
    BridgeConfig,
    DeviceInfo,
    DiscoveryInfo,
    MeterInput,
    MqttBridge,
    TlsConfig,
)
from firmware.broker import EmbeddedBroker
from firmware.config import HearthConfig
from firmware.daemon.backend_choice import open_backend, open_io
from firmware.daemon.control import ControlLoop
from firmware.daemon.energy import EnergyMeter
from firmware.daemon.http_token import load_or_create_token
from firmware.daemon.identity import default_hostname, firmware_version, mac_address
from firmware.daemon.lan import LanPresence
from firmware.daemon.owner import OwnerData
from firmware.daemon.persistence import Persistence
from firmware.daemon.service import HeaterService
from firmware.daemon.slot_start import SlotStart
from firmware.daemon.snapshot import Identity
from firmware.daemon.supervisor_side import SupervisorSide
from firmware.grid.meter import GridMeterFormat
from firmware.grid.openadr.policy import Limits as AdrLimits
from firmware.grid.surplus import SurplusFollower
from firmware.heat import HeatController, HeatSettings, PowerPlanner, SettingsLimits
from firmware.heat.planner import IDLE
from firmware.history import MQTT_LEVELS, HistoryRecorder, Span
from firmware.homekit import AccessoryFacts, HomeKitRunner, homekit_addresses
from firmware.parts.board_io import BoardIo
from firmware.pool import PoolConfig, PoolManager
from firmware.room_sensor import RoomSensorWatch
from firmware.store import Store
from firmware.store.secret_box import SecretBox
from firmware.update.confirm import HealthCheck
from firmware.update.install import image_board
from firmware.work import HashBackend

if TYPE_CHECKING:
    from firmware.grid.openadr.ven import OpenAdrVen

log = logging.getLogger(__name__)

# Wall seconds: a longer gap between two power readings (suspend) is not integrated.
ENERGY_MAX_STEP_S = 60.0
# Shutdown: each step is bounded by this, so SIGTERM ends hearthd even with a hung part
# (systemd's TimeoutStopSec is 30 s, `hearth sim` waits 20 s).
STOP_STEP_TIMEOUT_S = 3.0
# Start-up waits at most this long for the backend to take the first decision's point.
FIRST_APPLY_TIMEOUT_S = 10.0


class HeaterDaemon:
    def __init__(
        self,
        config: HearthConfig,
        *,
        board: BoardProfile | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.board = board or load_board(config.device.board)
        self.version = firmware_version()
        self.store = Store(config.device.state_dir)
        self.alarms: set[str] = set()
        self.max_w = self.board.max_w()
        self.limits = SettingsLimits(max_power_w=self.max_w)
        # The ASIC backend clocks the whole chain or none of it (one UART broadcast).
        planner = PowerPlanner(self.board, whole_chain=True)
        heat = HeatController(
            HeatSettings(
                mode=config.heat.mode,
                preset=config.heat.preset,
                target_c=config.heat.target_c,
                power_limit_w=min(config.heat.power_limit_w, self.max_w),
            ),
            planner.min_w,
            planner.max_w,
            room_max_c=self.board.thermal.room_max_c,
        )
        energy = EnergyMeter(max_step_s=ENERGY_MAX_STEP_S * config.device.clock_speed)
        self.owner = OwnerData(
            default_hostname(config.device.id),
            [
                PoolConfig(p.url, p.user, p.password.value, ca_file=str(p.ca_file or ""))
                for p in config.pools
            ],
            box=SecretBox.in_dir(config.device.state_dir),
        )
        self.supervisor = SupervisorSide(config.supervisor.port, self.board)
        self.control = ControlLoop(
            identity=Identity(self.board, self.version, mac_address()),
            heat=heat,
            planner=planner,
            supervisor=self.supervisor,
            energy=energy,
            owner=self.owner,
            alarms=self.alarms,
            clock=clock,
            speed=config.device.clock_speed,
        )
        room = config.room_sensor
        if room.topic:  # minutes on the control clock (simulated under `hearth sim`)
            self.control.room_sensor = RoomSensorWatch(
                room.field, room.stale_minutes * 60.0, room.fallback_percent / 100.0
            )
        meter = config.grid_meter
        if meter.topic:
            # staleness is the meter's (wall) seconds; the control clock runs at the speed
            self.control.surplus = SurplusFollower(
                planner.min_w, planner.max_w, stale_s=meter.stale_s * config.device.clock_speed
            )
        self.persistence = Persistence(
            self.store,
            heat=heat,
            limits=self.limits,
            energy=energy,
            owner=self.owner,
            alarms=self.alarms,
            on_alarm=self.control.poke,
        )
        self.service = HeaterService(self.control, self.persistence, self.owner, self.limits)
        # History is dated on the control clock from the wall time at start (simulated
        # wall time under `hearth sim`), so a fast simulation fills its charts fast.
        wall_at_start = time.time()
        self.history = HistoryRecorder(
            config.device.state_dir,
            get_state=self.service.state,
            now_unix=lambda: wall_at_start + self.control.control_time(),
            speed=config.device.clock_speed,
        )
        self.backend: HashBackend | None = None
        self.board_io: BoardIo | None = None
        self.pool: PoolManager | None = None
        self.bridge: MqttBridge | None = None
        self.broker: EmbeddedBroker | None = None
        self.api: ApiServer | None = None
        self.lan: LanPresence | None = None
        self.openadr: OpenAdrVen | None = None  # `[openadr]` (firmware/grid/openadr)
        self.homekit = (  # `[homekit]` (firmware/homekit): Apple Home
            HomeKitRunner(
                config.homekit,
                config.device.state_dir,
                AccessoryFacts(config.device.name, config.device.id, self.board.name, self.version),
                get_state=self.service.state,
                apply_settings=self.service.apply_settings,
                advertise_on=homekit_addresses(config),
            )
            if config.homekit.enabled
            else None
        )
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self._stopped = False
        self.slot_start = SlotStart(config.update)
        if config.provisioned:
            log.info("provisioned settings in use: %s", ", ".join(config.provisioned))
        if config.provisioning_error:
            self.alarms.add("provisioning_ignored")
            log.warning("provisioned settings ignored: %s", config.provisioning_error)
        # Set when a trial start did not prove itself healthy: hearthd must exit
        # (EXIT_TRIAL_FAILED) so the device restarts into the previous firmware.
        self.trial_failed = asyncio.Event()
        # Set by `POST /api/update/reboot`: hearthd stops in order and exits EXIT_REBOOT,
        # which the unit turns into a reboot into the slot on trial.
        self.reboot_requested = asyncio.Event()

    # ---- the facade, for callers holding the daemon ------------------------------------

    def state(self) -> Mapping[str, object]:
        return self.service.state()

    def miner_facts(self) -> MinerFacts:
        return self.service.miner_facts()

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self.persistence.restore()
        self.history.restore()
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
        # The board's parts bus and GPIO lines (rail, reset, power enable), where wired.
        self.board_io = open_io(self.config.asic, self.board)
        self.backend = await open_backend(
            self.config.asic, self.board, self.board_io, self.config.backend
        )
        await self.backend.start()
        self.control.attach(self.backend)
        # What the loop decides is what the chips do from the first decision on: a 0 W
        # start (mode off, target below the room) is applied before any work exists.
        await self.control.first_decision(FIRST_APPLY_TIMEOUT_S)
        self.pool = PoolManager(self.owner.pools, self.backend)
        self.control.pool = self.pool
        self.persistence.restore_pool(self.pool)
        self.control.best_at_start = self.pool.status().best_share_difficulty
        await self._start_mqtt()
        await self._start_http()
        await self._start_homekit()
        self._start_openadr()
        self._spawn("pool", self.pool.run())
        self._spawn("control", self.control.run())
        self._spawn("keeper", self._keep_power())
        self._spawn("store", self.persistence.run(self.config.store.save_interval_s))
        self._spawn("history", self.history.run())
        if self.slot_start.on_trial:
            self.alarms.add("update_trial")
            self._spawn("confirm", self._confirm_trial())
        log.info(
            "hearthd %s up: board %s, backend %s, %d pool(s)",
            self.version,
            self.board.name,
            self.backend.name,
            len(self.owner.pools),
        )

    def _spawn(self, name: str, coro: Awaitable[None]) -> None:
        self.tasks[name] = asyncio.create_task(coro, name=name)  # type: ignore[arg-type]

    async def _keep_power(self) -> None:
        """The rail stays requested while hearthd runs (idling the chips is the backend's
        job); beside the control loop, so a slow link never delays a decision."""
        while True:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.control.period_s * 5):
                    await self.supervisor.keep_power()
            await asyncio.sleep(self.control.period_s)

    async def stop(self) -> None:
        """Stop deciding, idle the chain, stop mining, save, say offline, close. Every
        step is bounded in time: a hung backend or link cannot keep hearthd alive."""
        if self._stopped:
            return
        self._stopped = True
        await self._cancel("openadr")  # its caps go through the control loop: first
        if self.openadr is not None:
            await self._bounded("stop OpenADR", self.openadr.stop())
        if self.homekit is not None:  # its writes go through the control loop too
            await self._bounded("stop HomeKit", self.homekit.stop())
        for name in ("control", "keeper", "store", "confirm", "history"):
            await self._cancel(name)
        await self._bounded("save the history", asyncio.to_thread(self.history.save))
        await self._bounded("idle the chain", self._idle_backend())
        await self._bounded("release the rail", self.supervisor.power_down())
        if self.pool is not None:
            await self._bounded("stop the pool", self.pool.stop())
        await self._cancel("pool")
        if self.backend is not None:
            await self._bounded("stop the backend", self.backend.stop())
        if self.board_io is not None:
            self.board_io.close()
        self.control.energy.record(self.control.control_time(), 0.0)
        self.persistence.save_now()
        if self.bridge is not None:
            await self._bounded("stop MQTT", self.bridge.stop())
        if self.lan is not None:
            await self._bounded("stop mDNS", self.lan.stop())
        if self.api is not None:
            await self._bounded("stop HTTP", self.api.stop())
        await self._bounded("close the supervisor link", self.supervisor.stop())
        if self.broker is not None:
            await self._bounded("stop the broker", self.broker.stop())
        log.info("hearthd stopped; state saved to %s", self.store.path)

    async def _idle_backend(self) -> None:
        await self.control.close()
        if self.backend is not None:
            await self.backend.apply(IDLE)

    async def _cancel(self, name: str) -> None:
        task = self.tasks.pop(name, None)
        if task is not None:
            task.cancel()
            await self._bounded(f"end task {name}", asyncio.gather(task, return_exceptions=True))

    async def _bounded(self, what: str, step: Awaitable[object]) -> None:
        try:
            async with asyncio.timeout(STOP_STEP_TIMEOUT_S):
                await step
        except TimeoutError:
            log.error("shutdown: %s did not finish within %.0f s; going on", what,
                      STOP_STEP_TIMEOUT_S)  # fmt: skip
        except Exception as exc:
            log.error("shutdown: %s failed: %s", what, exc)

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
        return (
            self.control.decisions > 0 and "control_error" not in self.alarms and not self._stopped
        )

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
        self.control.poke()

    # ---- MQTT and HTTP -------------------------------------------------------------------

    async def _start_mqtt(self) -> None:
        mqtt = self.config.mqtt
        if mqtt.embedded:
            self.broker = EmbeddedBroker(self.config.device.state_dir, port=mqtt.embedded_port)
            info = await self.broker.start()
            # The heater's own broker user: the owner's may not write state (topic_policy).
            bridge_config = BridgeConfig(
                host=info.host,
                port=info.port,
                username=info.heater_username or info.username,
                password=info.heater_password or info.password,
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
                # The heater's hostname (the owner's, or hearth-<id>): one name per heater.
                name=self.owner.hostname,
                model=self.board.description,
                sw_version=self.version,
            ),
            enabled=mqtt.discovery,
            prefix=mqtt.discovery_prefix,
            power_limit_max_w=self.max_w,
        )
        bridge = MqttBridge(
            bridge_config,
            device_id=self.config.device.id,
            get_state=self.service.state,
            apply_set=self.service.apply_settings,
            prefix=mqtt.prefix,
            # Always given: with discovery off it carries enabled=False, and the bridge
            # then removes entities an earlier run announced.
            discovery=discovery,
            on_demand=self.service.on_demand,
            on_prices=self.service.on_prices,
            grid_meter=self._meter_input(),
            room_sensor=(
                (self.config.room_sensor.topic, self._room_reading)
                if self.control.room_sensor is not None
                else None
            ),
        )
        self.bridge = bridge
        self.history.publish = lambda span, payload: self._publish_history(bridge, span, payload)
        self.control.publish = lambda urgent: (
            bridge.publish_now() if urgent else bridge.notify_changed()
        )
        await bridge.start()

    @staticmethod
    def _publish_history(bridge: MqttBridge, span: Span, payload: bytes) -> bool:
        return bridge.publish_retained(bridge.topics.history(MQTT_LEVELS[span.name]), payload)

    def _room_reading(self, payload: bytes) -> None:
        """An outside room sensor's payload (on the loop, from the bridge)."""
        watch = self.control.room_sensor
        if watch is None:
            return
        before = watch.last_error
        try:
            watch.take(payload, self.control.control_time())
        except ValueError as exc:
            if str(exc) != before:  # a sensor repeats itself every few seconds
                log.warning("%s (on %s)", exc, self.config.room_sensor.topic)
            return
        watch.last_error = ""
        self.control.poke()

    def _meter_input(self) -> MeterInput | None:
        meter = self.config.grid_meter
        if not meter.topic:
            return None
        fmt = GridMeterFormat(meter.field, meter.sign == "export_positive", meter.unit)
        return MeterInput(meter.topic, fmt.parse, self.service.on_grid_reading)

    def _start_openadr(self) -> None:
        adr = self.config.openadr
        if not adr.vtn_url:
            return
        # Imported here: openleadr (lxml, signxml, apscheduler) loads only on heaters with a VTN.
        from firmware.grid.openadr.ven import OpenAdrVen

        self.openadr = OpenAdrVen(
            adr,
            self.service,
            AdrLimits(max_w=self.max_w, min_w=self.control.heat.min_w),
            control_at=self.control.control_at,
            alarms=self.alarms,
            on_alarm=self.control.poke,
        )
        self._spawn("openadr", self.openadr.run())

    async def _start_http(self) -> None:
        http = self.config.http
        if http.port == 0:
            return
        token = http.token
        if http.write_auth and not token and not http.username:
            token = load_or_create_token(self.config.device.state_dir)
        auth = WriteAuth(
            http.write_auth, token, http.username, http.password, http.axeos_lan_writes
        )
        self.lan = LanPresence(self.config, self.version, self.broker)
        root = self.config.update.root
        update = (  # firmware uploads, the board named as the USB agent names it
            WebUpdate(root, image_board(self.config.device.board), self.reboot_requested.set)
            if root is not None
            else None
        )
        self.api = ApiServer(
            self.service, auth, http.bind, http.port, self.lan.pairing, self.history.history,
            self.homekit.setup if self.homekit is not None else None, update,
        )  # fmt: skip
        await self.api.start()
        await self.lan.start(self.api.port)

    async def _start_homekit(self) -> None:
        if self.homekit is None:
            return
        try:
            await self.homekit.start()
        except Exception as exc:  # a port in use, a damaged pairings file: it still heats
            log.error("HomeKit: not started: %s", exc)
            await self._bounded("stop HomeKit", self.homekit.stop())
