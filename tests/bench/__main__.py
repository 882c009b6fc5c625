"""`make bench`: run every tests/bench/bench_*.py in its own process and print its JSON.

Each benchmark module prints one JSON object on its last stdout line. Figures are
quoted against a baseline measured in the same process, because machines here are
shared and noisy. Results are also written to bench-results/<name>.json.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).parent
RESULTS = HERE.parent.parent / "bench-results"


def run_one(path: pathlib.Path) -> dict[str, object]:
    module = f"tests.bench.{path.stem}"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", module], capture_output=True, text=True, check=False
    )
    elapsed = round(time.monotonic() - started, 1)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        return {
            "bench": path.stem,
            "error": f"exit {proc.returncode}",
            "stderr": proc.stderr[-2000:],
            "wall_s": elapsed,
        }
    figures: dict[str, object] = json.loads(lines[-1])
    figures.setdefault("bench", path.stem)
    figures["wall_s"] = elapsed
    return figures


def main(argv: list[str]) -> int:
    wanted = set(argv)
    RESULTS.mkdir(exist_ok=True)
    failed = 0
    for path in sorted(HERE.glob("bench_*.py")):
        if wanted and path.stem not in wanted and path.stem.removeprefix("bench_") not in wanted:
            continue
        figures = run_one(path)
        failed += "error" in figures
        text = json.dumps(figures, sort_keys=True)
        print(text, flush=True)
        (RESULTS / f"{path.stem}.json").write_text(text + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
