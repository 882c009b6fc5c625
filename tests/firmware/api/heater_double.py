"""The one fake heater (tests/support/fake_heater.py) behind the real HTTP server: its
settings, heat decisions and state are the daemon's real rules; this adds what only the
HTTP facade (`HeaterFacade`) asks for: the AxeOS miner facts, pools, hostname, actions."""

from __future__ import annotations

from dataclasses import replace

from firmware.api import MinerFacts, PoolView
from firmware.heat import HeatSettings
from firmware.work import ChipHealth, PowerReadings
from tests.support.fake_heater import FakeHeater


class HeaterDouble(FakeHeater):
    def __init__(self, *, room_c: float | None = 19.5) -> None:
        super().__init__(HeatSettings(target_c=21.0), room_c=room_c)
        self.pools = [
            PoolView("stratum+tcp://pool.example:3333", "bc1q.heater"),
            PoolView("stratum+tcp://backup.example:4444", "bc1q.backup"),
        ]
        self.passwords: list[str | None] = ["pool-secret-1", "pool-secret-2"]
        self.hostname = "hearth-test"
        self.actions: list[str] = []
        # What the board's parts measure; None: a board with no regulator or meter.
        self.measured = PowerReadings(
            input_v=12.05, input_a=33.1, power_w=398.9, vout_mv=1148.0, iout_a=310.0,
            vr_temp_c=48.0,
        )

    def miner_facts(self) -> MinerFacts:
        return MinerFacts(
            hostname=self.hostname,
            mac_address="02:00:00:12:34:56",
            version="0.1.0",
            board_name="hearth-400",
            asic_model="BM1370",
            asic_count=24,
            small_core_count=2040,
            frequency_mhz=525.0,
            default_frequency_mhz=525.0,
            frequency_options_mhz=(300.0, 525.0, 600.0),
            core_voltage_mv=1150,
            default_voltage_mv=1150,
            voltage_options_mv=(950, 1150, 1250),
            hashrate_ghs=25000.0,
            expected_hashrate_ghs=25704.0,
            # As the daemon's snapshot: the meter's reading where there is one, else the
            # model at the chain's point.
            power_w=self.measured.power_w if self.measured and self.measured.power_w else 400.0,
            chip_temp_c=55.0,
            fan_rpm=2400,
            fan_percent=60,
            max_power_w=470.0,
            uptime_s=100,
            shares_accepted=10,
            shares_rejected=1,
            reject_reasons={"Above target": 1},
            best_difficulty=4.29e9,
            session_best_difficulty=3.8e6,
            pool_difficulty=1000.0,
            pools=tuple(self.pools),
            active_pool_index=0,
            paused="pause" in self.actions[-1:],
            free_heap_bytes=1 << 20,
            hashing_backend="asic",
            measured=self.measured,
            chips=tuple(
                ChipHealth(
                    i,
                    i * 10,
                    responding=i != 5,
                    hashrate_ghs=0.0 if i == 5 else 1071.0,
                    hw_errors=3 if i == 5 else 0,
                    error_count=0,
                )
                for i in range(24)
            ),
        )

    async def apply_pools(self, pools: tuple[tuple[str, str, str | None], ...]) -> None:
        passwords = [
            pw if pw is not None else (self.passwords[i] if i < len(self.passwords) else None)
            for i, (_, _, pw) in enumerate(pools)
        ]
        self.pools = [replace(PoolView(url, user)) for url, user, _ in pools]
        self.passwords = passwords

    async def set_hostname(self, hostname: str) -> None:
        self.hostname = hostname

    async def restart(self) -> None:
        self.actions.append("restart")

    async def pause(self) -> None:
        self.actions.append("pause")
        self.paused = True

    async def resume(self) -> None:
        self.actions.append("resume")
        self.paused = False
