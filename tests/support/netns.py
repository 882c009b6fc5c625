"""Run a Python script inside a network namespace of its own, where multicast works on
loopback only: mDNS tests never send on the host's interfaces.

    result = run_in_netns(script, *args, timeout=60)   # a CompletedProcess

The namespace is `unshare -n` (root), then `ip link set lo up`, `ip link set lo
multicast on`, `ip route add 224.0.0.0/4 dev lo`. Where that is impossible (no root, no
iproute2) the calling test skips with the reason, except in CI, where it fails.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys

import pytest

SETUP = "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo"


def netns_unavailable() -> str | None:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare (util-linux) and ip (iproute2) are needed for a network namespace"
    probe = subprocess.run(
        ["unshare", "-n", "sh", "-c", SETUP], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        return f"cannot make a network namespace: {probe.stderr.strip()}"
    return None


def run_in_netns(script: str, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    reason = netns_unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    command = shlex.join([sys.executable, script, *args])
    return subprocess.run(
        ["unshare", "-n", "sh", "-c", f"{SETUP} && exec {command}"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=os.getcwd(),
    )
