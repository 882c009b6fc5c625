"""Install the Debian packages the tests need, when running as root and they are missing.

Usage: python -m host.sysdeps PACKAGE...   (prints what it did; exits non-zero on failure)
Outside CI and without root, missing packages are reported and the tests that need them
skip with that reason; in CI (CI=true) a missing package is an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def missing(packages: list[str]) -> list[str]:
    if shutil.which("dpkg-query") is None:
        return list(packages)
    absent = []
    for name in packages:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if "install ok installed" not in result.stdout:
            absent.append(name)
    return absent


def ensure(packages: list[str]) -> int:
    absent = missing(packages)
    if not absent:
        return 0
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        where = "CI" if os.environ.get("CI") == "true" else "this machine"
        print(f"sysdeps: missing Debian packages on {where}: {' '.join(absent)}", file=sys.stderr)
        print("sysdeps: install them with: sudo apt-get install " + " ".join(absent))
        return 1 if os.environ.get("CI") == "true" else 0
    print(f"sysdeps: installing {' '.join(absent)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    result = subprocess.run(["apt-get", "install", "-y", "-qq", *absent], check=False, env=env)
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(ensure(sys.argv[1:]))
