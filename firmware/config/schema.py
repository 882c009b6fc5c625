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
    # True: AxeOS tools (pyasic, AxeOS dashboards) may use the AxeOS write endpoints
    # (PATCH /api/system, restart/pause/resume) without a credential; Hearth's own
    # endpoints still need one (docs/http-api.md, "AxeOS tools").
    axeos_lan_writes: bool = False


@dataclass(frozen=True)
class DiscoveryConfig:
    """mDNS/DNS-SD advertising (docs/discovery.md)."""

    mdns: bool = True
    # The IPv4 address announced (and the interface mDNS runs on); "" = the HTTP bind
    # address, or every non-loopback address when bound to all (never loopback alone).
    address: str = ""


@dataclass(frozen=True)
class HomeKitConfig:
    """The Apple Home (HomeKit) thermostat accessory (firmware/homekit, docs/homekit.md).
    Its setup code is generated once and kept in the state directory, never here."""

    enabled: bool = False
    port: int = 51826  # the HAP server's TCP port (HAP-python's default)
    bind: str = "0.0.0.0"  # the address it listens on; mDNS as `[discovery]` decides


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
class GridMeterConfig:
    """The house's grid meter on MQTT, for solar-surplus heating (firmware/grid/meter.py)."""

    topic: str = ""  # the meter's MQTT topic on the heater's broker; "" = no meter
    field: tuple[str | int, ...] = ()  # JSON path to the watts; () = the payload is a number
    sign: str = "import_positive"  # or "export_positive"
    unit: str = "W"  # or "kW"
    stale_s: float = 60.0  # an older reading is no reading: the plain thermostat


@dataclass(frozen=True)
class OpenAdrConfig:
    """The OpenADR 2.0b VEN (firmware/grid/openadr, docs/openadr.md)."""

    vtn_url: str = ""  # the VTN's base URL (…/OpenADR2/Simple/2.0b); "" = no VEN
    ven_name: str = ""  # this heater's name at the VTN
    ven_id: str = ""  # "" = the VTN assigns one at registration
    cert_file: pathlib.Path | None = None  # the VEN's certificate (TLS client + signatures)
    key_file: pathlib.Path | None = None
    key_passphrase: Secret = field(default_factory=lambda: Secret(""))
    ca_file: pathlib.Path | None = None  # the CA the VTN's certificate is checked against
    vtn_fingerprint: str = ""  # the VTN's certificate fingerprint: its signatures checked
    participation: str = "opt_in"  # or "opt_out": every event refused, reports still sent


@dataclass(frozen=True)
class RoomSensorConfig:
    """The room temperature from an MQTT topic instead of the heater's own sensor
    (firmware/room_sensor, docs/config.md)."""

    topic: str = ""  # "" = none (the heater's own room sensor)
    field: str = ""  # the JSON field holding °C ("temperature"); "" = a plain number
    stale_minutes: float = 10.0  # no reading this long: alarm, and the fallback below
    fallback_percent: float = 25.0  # stale and no own sensor: this share of max power


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
    grid_meter: GridMeterConfig = field(default_factory=GridMeterConfig)
    discovery: DiscoveryConfig = field(default_factory=DiscoveryConfig)
    room_sensor: RoomSensorConfig = field(default_factory=RoomSensorConfig)
    openadr: OpenAdrConfig = field(default_factory=OpenAdrConfig)
    homekit: HomeKitConfig = field(default_factory=HomeKitConfig)
    source: str = ""
    # Keys laid over the file from `hearth provision` (firmware/config/provisioned.py), and
    # why the provisioned settings were not used, if they were not.
    provisioned: tuple[str, ...] = ()
    provisioning_error: str = ""
