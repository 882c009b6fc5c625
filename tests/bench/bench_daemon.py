"""hearthd's own cost while the virtual heater runs at full rate: CPU (% of one core)
and RSS of the hearthd process alone (psutil, the simulators excluded), with the
simulators' CPU measured over the same window as the in-process baseline.

`hearth sim` runs a 24-chip hearth-400 chain simulator, the MicroPython supervisor,
the room model (started cold, target 30 °C, so the heater runs at full power) and the
local pool. Targets: ≤ 3 % of a core, ≤ 60 MB RSS.

    .venv/bin/python -m tests.bench.bench_daemon   # last stdout line: one JSON object
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

WARMUP_S = 20.0  # start-up: chain enumeration, PLL ramp, first jobs
WINDOW_S = 25.0
CONFIG = """
[device]
id = "bench"
[heat]
target_c = 30.0
[sim]
room_start_c = 12.0
speed = 60.0
duration_s = {duration}
"""


def cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def find_hearthd(sim: psutil.Process, timeout_s: float = 30.0) -> psutil.Process:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for child in sim.children(recursive=True):
            try:
                if any("hearthd" in part or "firmware.daemon" in part for part in child.cmdline()):
                    return child
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.2)
    raise RuntimeError("hearthd did not start")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(CONFIG.format(duration=WARMUP_S + WINDOW_S + 15))
        sim_proc = subprocess.Popen(
            [sys.executable, "-m", "host.cli", "sim", "--config", str(config),
             "--state-dir", str(Path(tmp) / "state")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        try:
            sim = psutil.Process(sim_proc.pid)
            daemon = find_hearthd(sim)
            time.sleep(WARMUP_S)
            others = [p for p in sim.children(recursive=True) if p.pid != daemon.pid] + [sim]
            daemon_before, others_before = cpu_s(daemon), sum(cpu_s(p) for p in others)
            started = time.monotonic()
            rss_peak = 0
            while time.monotonic() - started < WINDOW_S:
                rss_peak = max(rss_peak, daemon.memory_info().rss)
                time.sleep(1.0)
            elapsed = time.monotonic() - started
            daemon_cpu = cpu_s(daemon) - daemon_before
            others_cpu = sum(cpu_s(p) for p in others) - others_before
            rss_end = daemon.memory_info().rss
        finally:
            output, _ = sim_proc.communicate(timeout=90)
    summary_line = next(
        (line for line in output.splitlines() if line.startswith("summary: ")), "summary: {}"
    )
    summary = json.loads(summary_line.removeprefix("summary: "))
    state = summary.get("last_state") or {}
    daemon_pct = 100.0 * daemon_cpu / elapsed
    print(
        json.dumps(
            {
                "bench": "bench_daemon",
                "window_s": round(elapsed, 1),
                "hearthd_cpu_pct_of_core": round(daemon_pct, 2),
                "hearthd_rss_mb": round(rss_end / 2**20, 1),
                "hearthd_rss_peak_mb": round(rss_peak / 2**20, 1),
                "simulators_cpu_pct_of_core": round(100.0 * others_cpu / elapsed, 2),
                "hearthd_over_simulators_cpu": round(daemon_cpu / others_cpu, 3)
                if others_cpu
                else None,
                "power_w": state.get("power_w"),
                "hashrate_ghs": state.get("hashrate_ghs"),
                "shares_accepted_by_pool": summary.get("shares_accepted_by_pool"),
                "targets": {"cpu_pct": 3.0, "rss_mb": 60.0},
            }
        )
    )


if __name__ == "__main__":
    main()
