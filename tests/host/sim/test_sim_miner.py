"""`hearth sim` on the miner path: `[backend] kind = "miner"` with a simulated Braiins OS+
S19 on 127.0.0.4 (gRPC and the cgminer-compatible API) in place of the chain; the
unchanged hearthd drives it through pyasic and its measured draw heats the room model."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import require
from tests.host.sim.test_virtual_heater import micropython_available

CONFIG = """
[backend]
kind = "miner"
host = "127.0.0.4"
type = "braiins-s19"

[heat]
target_c = 24.0

[[pool]]
url = "stratum+tcp://127.0.0.1:3333"
user = "bc1qsim.miner"
"""


def test_hearth_sim_runs_a_simulated_braiins_miner(tmp_path) -> None:
    require(micropython_available(), "the micropython unix port is not installed")
    config = tmp_path / "hearth.toml"
    config.write_text(CONFIG)
    run = subprocess.run(
        [
            sys.executable, "-m", "host.cli", "sim", "--config", str(config),
            "--duration", "10", "--speed", "60", "--state-dir", str(tmp_path / "state"),
            "--device-id", "msim",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    line = next(line for line in run.stdout.splitlines() if line.startswith("summary: "))
    summary = json.loads(line.removeprefix("summary: "))
    assert summary["hearthd_exit"] == 0
    state = summary["last_state"]
    assert state["backend"].startswith("miner braiins-s19 at 127.0.0.4")
    # A cold room: the miner runs, and the power is the miner's own reading (its tuner
    # lands 1.5 % under the target), never a model of Hearth's.
    assert state["action"] == "heating" and state["power_measured"] is True
    assert 1000 * 0.98 <= state["power_w"] <= 3250
    assert summary["room_end_c"] > summary["room_start_c"]
