"""`hearth` with a broken set-up says what is wrong in one line, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run_hearth(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "host.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def test_a_bad_hashing_path_in_the_environment_is_one_clear_line():
    done = run_hearth("--help", HEARTH_HASH_IMPL="bogus")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "hearth: HEARTH_HASH_IMPL='bogus': unknown hashing path 'bogus'; "
        "choose one of ['avx2', 'portable', 'shani']"
    ]


def test_bench_hash_json_has_the_interface_keys():
    done = run_hearth("bench", "hash", "--threads", "1", "--seconds", "0.2", "--json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1  # one JSON object, nothing else on stdout
    result = json.loads(lines[0])
    assert result["threads"] == 1 and result["mhs"] > 0 and result["impl"]
