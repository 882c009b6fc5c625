"""Set-up mistakes and secrets at rest: a state_dir that is a file and an HTTP bind that
does not resolve end in one line and exit 2 (the real `hearthd`); a pool password set
over the API is kept across a restart but never in clear in store.json."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from firmware.config import parse_config
from firmware.daemon.daemon import HeaterDaemon
from firmware.store.secret_box import SecretBox

POOL = '[[pool]]\nurl = "stratum+tcp://127.0.0.1:9"\nuser = "bc1q.worker"\n'


def hearthd(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firmware.daemon.main", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ('state_dir = "{tmp}/a-file"\n', "is not a directory"),
        ('state_dir = "{tmp}/state"\n[http]\nbind = "no-such-host.invalid"\nport = 8080\n',
         "does not resolve"),
    ],
)  # fmt: skip
def test_setup_mistakes_are_one_line_and_exit_2(tmp_path: Path, extra: str, needle: str) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    config = tmp_path / "hearth.toml"
    config.write_text(
        '[device]\nid = "den"\nboard = "bitaxe-gamma"\n' + extra.format(tmp=tmp_path) + POOL
    )
    result = hearthd(config)
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_an_api_set_pool_password_is_sealed_in_the_store(tmp_path: Path) -> None:
    config = parse_config(
        {
            "device": {"id": "sealed", "board": "bitaxe-ultra", "state_dir": str(tmp_path)},
            "pool": [{"url": "stratum+tcp://127.0.0.1:9", "user": "bc1qfile.worker"}],
            "mqtt": {"broker": "embedded", "embedded_port": 0},
            "http": {"port": 0},
        }
    )
    secret = "hunter2-pool-password"

    async def run(edit: bool) -> list[str]:
        daemon = HeaterDaemon(config)
        await daemon.start()
        try:
            if edit:
                await daemon.service.apply_pools(
                    (("stratum+tcp://127.0.0.1:11", "bc1qapi.worker", secret),)
                )
            return [p.password for p in daemon.owner.pools]
        finally:
            await daemon.stop()

    assert asyncio.run(run(edit=True)) == [secret]
    stored = (tmp_path / "store.json").read_bytes()
    assert secret.encode() not in stored and b"sealed" in stored
    assert (tmp_path / "store.key").stat().st_mode & 0o077 == 0
    assert asyncio.run(run(edit=False)) == [secret]  # restart: opened with the device key


def test_a_foreign_or_tampered_seal_is_refused(tmp_path: Path) -> None:
    box = SecretBox.in_dir(tmp_path)
    sealed = box.seal("pw")
    assert box.open(sealed) == "pw"
    with pytest.raises(ValueError, match="key"):
        SecretBox(b"\x01" * 32).open(sealed)
    with pytest.raises(ValueError):
        box.open({"sealed": sealed["sealed"][:-4] + "AAAA"})
