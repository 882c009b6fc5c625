"""The daemon's configuration as frozen dataclasses, one per TOML table.

Every key is documented in `hearth.example.toml` at the repository root; the loader
(`firmware.config.loader`) builds these only from a fully valid file.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field

from firmware.validation import Secret

EMBEDDED_BROKER = "embedded"


@dataclass(frozen=True)
class DeviceConfig:
    id: str
    name: str
    board: str
    state_dir: pathlib.Path
    # Time factor of the control loop and energy counter: 1 on a real heater; `hearth sim`
    # sets its --speed so they run on the room model's simulated time.
    clock_speed: float = 1.0


@dataclass(frozen=True)
class AsicConfig:
    port: str  # serial device path or pyserial URL; "" = no ASIC chain, hash on the CPU
    cpu_threads: int  # CPU backend threads when there is no chain
    # Difficulty at which chips report nonces; 0 = the driver's default for the family.
    # Simulated chains report far easier nonces (hw/sim/chain `share_bits`).
    ticket_difficulty: float = 0.0
    # The bus the board's parts (regulator, meter, fan, sensors) are on: /dev/i2c-1, or a
    # simulator's socket://HOST:PORT; "" = none wired (no Vcore control, no measurements).
    i2c_bus: str = ""
    # The hashboard's GPIO lines (firmware/parts/gpio.py): a chip, and each line by offset
    # ("17") or name ("GPIO17"); "" = not wired to this controller.
    gpio_chip: str = ""
    reset_gpio: str = ""
    power_enable_gpio: str = ""
    pgood_gpio: str = ""


@dataclass(frozen=True)
class PoolEntry:
    url: str
    user: str
    password: Secret = field(default_factory=lambda: Secret("x"))
    ca_file: pathlib.Path | None = None  # extra trusted CA (PEM) for a stratum+ssl pool


@dataclass(frozen=True)
class MqttConfig:
    broker: str  # "embedded" or "HOST:PORT"
    username: str
    password: Secret
    tls: bool
    ca_file: pathlib.Path | None
    prefix: str
    discovery: bool
    discovery_prefix: str
    embedded_port: int  # port the embedded broker listens on (0 = any free port)

    @property
    def embedded(self) -> bool:
        return self.broker == EMBEDDED_BROKER

    @property
    def host(self) -> str:
        return self.broker.rsplit(":", 1)[0] if not self.embedded else "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self.broker.rsplit(":", 1)[1]) if not self.embedded else self.embedded_port


@dataclass(frozen=True)
class HttpConfig:
    port: int  # 0 = no HTTP API
    bind: str
    token: Secret  # bearer token for writes
    username: str  # basic auth for writes (with password)
    password: Secret
    write_auth: bool  # False: anyone on the LAN may write (the owner's explicit choice)


@dataclass(frozen=True)
class BackendConfig:
    """What hashes: "asic" (the chain on `[asic] port`, the CPU when it is empty), "cpu",
    or "miner": a miner on the network run through pyasic (docs/miners.md)."""

    kind: str = "asic"
    host: str = ""  # the miner's address (kind = "miner")
    type: str = ""  # a firmware/miner/actuators.py ACTUATORS name; "" = pyasic detects
    username: str = ""
    password: Secret = field(default_factory=lambda: Secret(""))


@dataclass(frozen=True)
class SupervisorConfig:
    port: str  # serial device path or URL of the supervisor MCU; "" = none


@dataclass(frozen=True)
class UpdateConfig:
    """Where the A/B firmware slots live and how a new firmware proves itself
    (docs/update-protocol.md, "Confirming a trial start")."""

    root: pathlib.Path | None = None  # the update agent's root (boot.json, slots/); None = none
    confirm_timeout_s: float = 180.0  # a trial start not healthy within this is rolled back
    supervisor_console: str = ""  # the supervisor MCU's REPL console line; "" = none


@dataclass(frozen=True)
class HeatConfig:
    mode: str
    preset: str
    target_c: float
    power_limit_w: float  # 0 = the board's maximum


@dataclass(frozen=True)
class StoreConfig:
    save_interval_s: float  # counters are written at most this often (power-cut loss bound)


@dataclass(frozen=True)
class SimConfig:
    """Read only by `hearth sim`; the daemon ignores it."""

    speed: float
    duration_s: float  # 0 = run until stopped
    room: str  # a room model of hw/sim/room (snug, living, hall)
    room_start_c: float


@dataclass(frozen=True)
class HearthConfig:
    device: DeviceConfig
    asic: AsicConfig
    pools: tuple[PoolEntry, ...]
    mqtt: MqttConfig
    http: HttpConfig
    supervisor: SupervisorConfig
    heat: HeatConfig
    store: StoreConfig
    sim: SimConfig
    update: UpdateConfig = field(default_factory=UpdateConfig)
    backend: BackendConfig = field(default_factory=BackendConfig)
    source: str = ""
    # Keys laid over the file from `hearth provision` (firmware/config/provisioned.py), and
    # why the provisioned settings were not used, if they were not.
    provisioned: tuple[str, ...] = ()
    provisioning_error: str = ""
