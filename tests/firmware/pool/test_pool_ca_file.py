"""A self-hosted stratum+ssl pool with its own certificate: trusted through the pool's
`ca_file`, beside the system's trust store; refused without it."""

from __future__ import annotations

import asyncio
import pathlib
import ssl

import pytest

from firmware.config import ConfigError, parse_config
from firmware.pool import PoolConfig, PoolConfigError, PoolManager
from hw.sim.pool import LocalPool
from tests.firmware.pool.test_end_to_end import (
    DIFFICULTY,
    FAST,
    WatchedBackend,
    _self_signed,
    until,
)


async def test_a_pool_with_its_own_ca_file_is_trusted(tmp_path: pathlib.Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    pool = LocalPool(difficulty=DIFFICULTY, ssl_context=server_tls)
    await pool.start()
    try:
        for ca_file, accepted in ((str(cert), True), ("", False)):
            backend = WatchedBackend()
            manager = PoolManager(
                [PoolConfig(pool.url, "worker", "x", ca_file=ca_file)],
                backend,
                **FAST,  # type: ignore[arg-type]
            )
            await backend.start()
            task = asyncio.create_task(manager.run())
            try:
                if accepted:
                    await until(lambda m=manager: m.status().shares_accepted >= 1)
                else:
                    await until(lambda m=manager: m.status().offline_heat)
                    assert "certificate" in (manager.status().last_error or "").lower()
            finally:
                await manager.stop()
                await task
                await backend.stop()
    finally:
        await pool.stop()


def test_ca_file_is_checked_when_the_config_loads(tmp_path: pathlib.Path) -> None:
    cert, _ = _self_signed(tmp_path)

    def pools(**entry: object):
        return parse_config(
            {"pool": [{"url": "stratum+ssl://pool.lan:4443", "user": "u", **entry}]}
        )

    assert pools(ca_file=str(cert)).pools[0].ca_file == cert
    with pytest.raises(ConfigError, match=r"pool\[0\]\.ca_file"):
        pools(ca_file=str(tmp_path / "missing.pem"))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigError, match="readable PEM"):
        pools(ca_file=str(junk))
    with pytest.raises(ConfigError, match=r"only with a stratum\+ssl"):
        parse_config(
            {"pool": [{"url": "stratum+tcp://pool.lan:3333", "user": "u", "ca_file": str(cert)}]}
        )
    with pytest.raises(PoolConfigError):
        PoolConfig("stratum+tcp://pool.lan:3333", "u", ca_file=str(cert))
