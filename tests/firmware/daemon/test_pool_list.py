"""Which pool list and hostname hearthd runs with after a restart: a pool list the owner
set over the HTTP API until the config file's own list changes (an edit, `hearth
provision`), then the config; a hostname only if the owner set one."""

from __future__ import annotations

import asyncio
from pathlib import Path

from firmware.config import parse_config
from firmware.daemon.daemon import HeaterDaemon


def config(tmp_path: Path, url: str):
    return parse_config(
        {
            "device": {"id": "pools", "board": "bitaxe-ultra", "state_dir": str(tmp_path)},
            "pool": [{"url": url, "user": "bc1qfile.worker"}],
            "mqtt": {"broker": "embedded", "embedded_port": 0},
            "http": {"port": 0},
        }
    )


def run(tmp_path: Path, url: str, edit: tuple[str, str] | None = None) -> list[str]:
    """Start hearthd with `url` in its config file, optionally change the pools over the
    API, stop it; returns the pool URLs it ran with (after the edit)."""

    async def scenario() -> list[str]:
        daemon = HeaterDaemon(config(tmp_path, url))
        await daemon.start()
        try:
            if edit is not None:
                await daemon.service.apply_pools(((edit[0], edit[1], None),))
            return [p.url for p in daemon.owner.pools]
        finally:
            await daemon.stop()

    return asyncio.run(scenario())


def test_a_config_file_edit_takes_effect_when_the_api_never_changed_the_pools(tmp_path):
    assert run(tmp_path, "stratum+tcp://127.0.0.1:9") == ["stratum+tcp://127.0.0.1:9"]
    assert run(tmp_path, "stratum+tcp://127.0.0.1:10") == ["stratum+tcp://127.0.0.1:10"]


def test_an_api_edit_is_kept_until_the_config_file_changes(tmp_path):
    api = ("stratum+tcp://127.0.0.1:11", "bc1qapi.worker")
    assert run(tmp_path, "stratum+tcp://127.0.0.1:9", edit=api) == [api[0]]
    assert run(tmp_path, "stratum+tcp://127.0.0.1:9") == [api[0]]  # restart: still the API's
    assert run(tmp_path, "stratum+tcp://127.0.0.1:12") == ["stratum+tcp://127.0.0.1:12"]


def test_a_hostname_is_kept_only_when_the_owner_set_it(tmp_path):
    async def start_stop(rename: str | None) -> str:
        daemon = HeaterDaemon(config(tmp_path, "stratum+tcp://127.0.0.1:9"))
        await daemon.start()
        try:
            if rename is not None:
                await daemon.service.set_hostname(rename)
            return daemon.owner.hostname
        finally:
            await daemon.stop()

    derived = asyncio.run(start_stop(None))
    assert asyncio.run(start_stop(None)) == derived
    assert asyncio.run(start_stop("attic-heater")) == "attic-heater"
    assert asyncio.run(start_stop(None)) == "attic-heater"  # kept across restarts
