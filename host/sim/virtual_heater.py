"""The virtual heater: simulators on real ptys + the unchanged hearthd against them.

    ChainSimulator (pty) <--UART--> hearthd <--UART--> SupervisorSim (MicroPython, pty)
          | modelled power    ^ Vcore                        ^ thermistors
          v                   |                              |
          |     SimBoard parts (regulator, meter, fan) <--I2C (socket://)-- hearthd
        Room model (RoomRunner, --speed) --> room / intake / exhaust / board °C
    hearthd <--stratum--> LocalPool       hearthd --MQTT--> embedded broker --> status line

With `[backend] kind = "miner"` (a `type` of hw/sim/miners/serve.py and a 127.0.0.x
`host`) the chain is replaced by that simulated miner on its own loopback address,
driven by hearthd through pyasic; its power heats the room model.

A board whose profile lists `[parts]` gets them simulated (hw/sim/parts), served on a
loopback socket (hw/sim/i2c) that hearthd opens as its `[asic] i2c_bus`: the chips take
their core voltage from the simulated regulator, which hearthd must really set.

This process glues the physical loop (power -> heat -> temperatures -> sensors) and
runs hearthd as a subprocess with a generated config, exactly as a device would run it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import tomli_w

from firmware.board import load_board
from firmware.broker import CREDENTIALS_FILE, BrokerCredentials
from host.sim.embedded_login import embedded_port, seed_login
from host.sim.heater_thermals import HeaterThermals
from host.sim.options import SimPlan
from host.sim.pairing_code import fetch_homekit_setup, fetch_pairing_code
from host.sim.status import StateWatcher, status_line
from hw.sim.chain import ChainSimulator
from hw.sim.i2c import I2cServer
from hw.sim.miners.serve import SimServer, sim_server
from hw.sim.parts import SimBoard
from hw.sim.pool.server import LocalPool
from hw.sim.room import Room, RoomRunner, room_params
from hw.sim.supervisor import SupervisorSim

PHYSICS_PERIOD_S = 0.5  # wall seconds between room model steps / thermistor updates
STATUS_PERIOD_S = 1.0
# Nonces of the simulated chain meet 2^-16 difficulty (hw/sim/chain share_bits=16) at a
# few tens per second; the demo pool asks for 2^-11, so a share every second or two.
SIM_SHARE_BITS = 16
LOCAL_POOL_DIFFICULTY = 2.0**-11
CHAIN_CPU_BUDGET = 0.1
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
DAEMON_CONFIG = "hearthd.toml"
DAEMON_LOG = "hearthd.log"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def hearthd_command(config_path: pathlib.Path) -> list[str]:
    """The installed `hearthd` entry point next to this Python, as a device runs it."""
    script = pathlib.Path(sys.executable).with_name("hearthd")
    if script.exists():
        return [str(script), "--config", str(config_path)]
    return [sys.executable, "-m", "firmware.daemon.main", "--config", str(config_path)]


@dataclasses.dataclass
class Summary:
    duration_s: float
    room_start_c: float
    room_end_c: float
    target_c: float | None
    shares_accepted_by_pool: int | None
    state_messages: int
    last_state: dict[str, object] | None
    hearthd_exit: int | None


class VirtualHeater:
    def __init__(self, plan: SimPlan, *, interactive: bool) -> None:
        self.plan = plan
        self.config = plan.config
        self.interactive = interactive
        self.state_dir = self.config.device.state_dir.resolve()
        self.board = load_board(self.config.device.board)
        self.pool: LocalPool | None = None
        self.chain: ChainSimulator | None = None
        self.parts: SimBoard | None = None  # the board's simulated I2C parts
        self.i2c: I2cServer | None = None
        self.miner: SimServer | None = None  # `[backend] kind = "miner"`
        self.supervisor: SupervisorSim | None = None
        self.daemon: subprocess.Popen[bytes] | None = None
        self.watcher: StateWatcher | None = None
        sim = self.config.sim
        params = dataclasses.replace(room_params(sim.room), initial_c=sim.room_start_c)
        self.room = RoomRunner(Room(params), speed=sim.speed)
        self.thermals = HeaterThermals(board_c=sim.room_start_c)
        self.http_port: int | None = None
        self._stop = asyncio.Event()

    # ---- set-up --------------------------------------------------------------------

    async def start_simulators(self) -> dict[str, Any]:
        """Start what the plan needs; returns the hearthd config data pointing at them."""
        data = json.loads(json.dumps(self.plan.data))  # deep copy of plain TOML data
        data["device"]["state_dir"] = str(self.state_dir)
        data["device"]["clock_speed"] = self.config.sim.speed
        if self.plan.local_pool:
            self.pool = LocalPool("127.0.0.1", 0, LOCAL_POOL_DIFFICULTY)
            await self.pool.start()
            data["pool"][0]["url"] = self.pool.url
        asic = data.setdefault("asic", {})
        backend = self.config.backend
        if backend.kind == "miner":
            if not backend.host.startswith("127."):
                raise ValueError(f"backend.host {backend.host!r}: hearth sim needs a 127.0.0.x")
            self.miner = sim_server(backend.type, backend.host)
            await self.miner.start()
        elif not self.config.asic.port:
            self.chain = ChainSimulator(
                self.board, share_bits=SIM_SHARE_BITS, cpu_budget=CHAIN_CPU_BUDGET
            )
            asic["port"] = self.chain.start()
            asic["ticket_difficulty"] = self.chain.ticket_difficulty
            if self.board.parts and not self.config.asic.i2c_bus:
                self.parts = SimBoard(self.board, ambient_c=self.config.sim.room_start_c)
                self.parts.attach(self.chain)
                self.i2c = I2cServer(self.parts.bus)
                asic["i2c_bus"] = self.i2c.start()
        if not self.config.supervisor.port:
            start_c = self.config.sim.room_start_c
            self.supervisor = SupervisorSim(
                room_c=start_c, intake_c=start_c, exhaust_c=start_c, board_c=start_c
            )
            data.setdefault("supervisor", {})["port"] = self.supervisor.start()
        mqtt = data.setdefault("mqtt", {})
        if self.config.mqtt.embedded:
            if not self.plan.embedded_port_given:
                mqtt["embedded_port"] = embedded_port(self.state_dir)
            if self.config.mqtt.username:
                seed_login(
                    self.state_dir,
                    mqtt["embedded_port"],
                    self.config.mqtt.username,
                    self.config.mqtt.password.value,
                )
        http = data.setdefault("http", {})
        if "port" not in http:
            http["port"] = free_port()
        self.http_port = http["port"] or None
        http.setdefault("bind", "127.0.0.1")
        return data

    def write_daemon_config(self, data: dict[str, Any]) -> pathlib.Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / DAEMON_CONFIG
        header = "# Generated by `hearth sim`; hearthd runs unchanged with this file.\n"
        path.write_text(header + tomli_w.dumps(data), encoding="utf-8")
        os.chmod(path, 0o600)
        return path

    async def start_daemon(self, config_path: pathlib.Path) -> None:
        log_path = self.state_dir / DAEMON_LOG
        log = open(log_path, "wb")  # noqa: SIM115 (handed to the child, closed on stop)
        # Its own process group: a Ctrl-C in the terminal signals the whole foreground
        # group, and hearthd must be stopped by this process, once, in order (SIGTERM
        # in shutdown()), not interrupted next to the simulators it depends on.
        self.daemon = subprocess.Popen(
            hearthd_command(config_path),
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
        log.close()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            # The physical loop runs during start-up too: the daemon switches the
            # hashboard rail on through the supervisor before it probes the chain.
            self.physics_step()
            if self._stop.is_set() or b"hearthd ready" in log_path.read_bytes():
                return  # ready, or Ctrl-C during start-up: run() goes straight to shutdown
            if self.daemon.poll() is not None:
                tail = log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"hearthd exited with {self.daemon.returncode}:\n{tail}")
            await asyncio.sleep(0.1)
        raise RuntimeError(f"hearthd not ready after {READY_TIMEOUT_S:.0f} s; see {log_path}")

    def broker_login(self) -> tuple[str, int, str | None, str | None]:
        mqtt = self.config.mqtt
        if not mqtt.embedded:
            return mqtt.host, mqtt.port, mqtt.username or None, mqtt.password.value or None
        path = self.state_dir / CREDENTIALS_FILE
        credentials = BrokerCredentials.from_json(path.read_text(encoding="utf-8"))
        return credentials.host, credentials.port, credentials.username, credentials.password

    def banner(self, host: str, port: int, user: str | None, password: str | None) -> str:
        lines = [
            f"Hearth virtual heater '{self.config.device.id}' ({self.board.description})",
            f"  MQTT broker : mqtt://{host}:{port}"
            + (f"  user {user}  password {password}" if user else ""),
            f"  state topic : {self.config.mqtt.prefix}/{self.config.device.id}/state",
        ]
        if self.http_port:
            token = self.state_dir / "http-token"
            lines.append(f"  HTTP API    : http://127.0.0.1:{self.http_port}/")
            if token.exists():
                lines.append(f"  HTTP token  : {token.read_text().strip()} (for writes)")
                code = fetch_pairing_code(self.http_port, token.read_text().strip())
                lines.append(f"  pairing code: {code}")
                if self.config.homekit.enabled:
                    setup = fetch_homekit_setup(self.http_port, token.read_text().strip())
                    lines.append(f"  Apple Home  : {setup}")
        if self.parts is not None and self.i2c is not None:
            names = ", ".join(f"{n} {p.name}" for n, p in self.parts.parts.items())
            lines.append(f"  board parts : {names} on {self.i2c.url}")
        pool = self.pool.url if self.pool else ", ".join(p.url for p in self.config.pools)
        lines += [
            f"  pool        : {pool}",
            f"  room model  : {self.config.sim.room}, {self.config.sim.speed:g}x time",
            f"  state dir   : {self.state_dir} (hearthd log: {DAEMON_LOG})",
            "  Ctrl-C stops everything.",
        ]
        return "\n".join(lines)

    # ---- the physical loop -------------------------------------------------------------

    def physics_step(self) -> None:
        if self.miner is not None:
            power = self.miner.miner.power_w()  # the simulated miner's own draw
        elif self.chain is not None:
            power = self.chain.power_w
        else:
            power = self._reported_power()
        state = self.room.set_heater(power)
        # A network miner stands in the room, not in the heater's case: the supervisor's
        # thermistors then only read the room (its room sensor stands in for the owner's).
        case_w = 0.0 if self.miner is not None else power
        self.thermals.step(PHYSICS_PERIOD_S * self.config.sim.speed, state.air_c, case_w)
        if self.parts is not None:
            self.parts.ambient_c = state.air_c  # the regulator and chip cool into the room
        if self.supervisor is not None:
            self.supervisor.set_temperatures(
                room=state.sensor_c,
                intake=state.air_c,
                exhaust=HeaterThermals.exhaust_c(state.air_c, case_w),
                board=self.thermals.board_c,
            )
        if self.chain is not None and self.supervisor is not None:
            # The supervisor switches the hashboard rail.
            on = self.supervisor.power_enabled
            if on != self.chain.powered:
                self.chain.set_power(on)

    def _reported_power(self) -> float:
        state = self.watcher.state if self.watcher else None
        value = state.get("power_w") if state else None
        return float(value) if isinstance(value, int | float) else 0.0

    # ---- run -----------------------------------------------------------------------------

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> Summary:
        started = time.monotonic()
        room_start = self.room.room.state().air_c
        try:
            data = await self.start_simulators()
            config_path = self.write_daemon_config(data)
            self.physics_step()
            await self.start_daemon(config_path)
            if not self._stop.is_set():
                host, port, user, password = self.broker_login()
                print(self.banner(host, port, user, password), flush=True)
                topic = f"{self.config.mqtt.prefix}/{self.config.device.id}/state"
                self.watcher = StateWatcher(host, port, topic, user, password)
                self.watcher.start()
                await self._loop(started)
        finally:
            exit_code = await self.shutdown()
        state = self.watcher.state if self.watcher else None
        return Summary(
            duration_s=round(time.monotonic() - started, 1),
            room_start_c=round(room_start, 2),
            room_end_c=round(self.room.room.state().air_c, 2),
            target_c=state.get("target_c") if state else None,  # type: ignore[arg-type]
            shares_accepted_by_pool=self.pool.counters.accepted if self.pool else None,
            state_messages=self.watcher.messages if self.watcher else 0,
            last_state=state,
            hearthd_exit=exit_code,
        )

    async def _loop(self, started: float) -> None:
        duration = self.config.sim.duration_s
        next_status = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if duration and now - started >= duration:
                break
            if self.daemon is not None and self.daemon.poll() is not None:
                print(f"\nhearthd exited with {self.daemon.returncode}", file=sys.stderr)
                break
            self.physics_step()
            if now >= next_status:
                next_status = now + STATUS_PERIOD_S
                self._print_status(now - started)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), PHYSICS_PERIOD_S)
        if self.interactive:
            print(flush=True)

    def _print_status(self, elapsed: float) -> None:
        line = status_line(
            elapsed, self.room.room.state().air_c, self.watcher.state if self.watcher else None
        )
        if self.interactive:
            print("\r\033[K" + line, end="", flush=True)
        elif int(elapsed) % 5 == 0:
            print(line, flush=True)

    async def shutdown(self) -> int | None:
        exit_code: int | None = None
        if self.daemon is not None:
            if self.daemon.poll() is None:
                self.daemon.send_signal(signal.SIGTERM)
                try:
                    await asyncio.to_thread(self.daemon.wait, STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    print("hearthd did not stop in time: killing it", file=sys.stderr)
                    self.daemon.kill()
                    await asyncio.to_thread(self.daemon.wait)
            exit_code = self.daemon.returncode
        if self.watcher is not None:
            with contextlib.suppress(Exception):
                self.watcher.stop()
        if self.supervisor is not None:
            await asyncio.to_thread(self.supervisor.stop)
        if self.i2c is not None:
            await asyncio.to_thread(self.i2c.stop)
        if self.chain is not None:
            await asyncio.to_thread(self.chain.stop)
        if self.miner is not None:
            await self.miner.stop()
        if self.pool is not None:
            await self.pool.stop()
        return exit_code
