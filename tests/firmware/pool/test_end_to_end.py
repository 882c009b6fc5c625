"""Client + local pool + the CPU backend, over real TCP sockets on localhost."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import pathlib
import ssl
import time
from collections.abc import AsyncIterator, Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from firmware.pool import OfflineTag, PoolConfig, PoolManager, ShareTag
from firmware.pool.work import sha256d
from firmware.work import FoundNonce, Job, difficulty_from_hash
from hw.sim.pool import LocalPool
from tests.firmware.pool.conftest import WatchedBackend

# Tiny fractional difficulty: a share every ~15 000 hashes, several a second.
DIFFICULTY = 3e-4
FAST = {
    "silence_timeout_s": 1.0,
    "connect_timeout_s": 1.0,
    "response_timeout_s": 1.0,
    "backoff_initial_s": 0.05,
    "backoff_max_s": 0.2,
    "primary_retry_s": 0.5,
    "job_refresh_s": 5.0,
    "offline_share_difficulty": 1e-4,
}


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def mining(
    pools: list[LocalPool], **options: object
) -> AsyncIterator[tuple[PoolManager, WatchedBackend]]:
    backend = WatchedBackend()
    configs = [PoolConfig(p.url, f"worker{i}", "secret") for i, p in enumerate(pools)]
    manager = PoolManager(configs, backend, **{**FAST, **options})  # type: ignore[arg-type]
    await backend.start()
    task = asyncio.create_task(manager.run())
    try:
        yield manager, backend
    finally:
        await manager.stop()
        await task
        await backend.stop()


@contextlib.asynccontextmanager
async def local_pools(count: int, **options: object) -> AsyncIterator[list[LocalPool]]:
    pools = [LocalPool(difficulty=DIFFICULTY, **options) for _ in range(count)]  # type: ignore[arg-type]
    for pool in pools:
        await pool.start()
    try:
        yield pools
    finally:
        for pool in pools:
            await pool.stop()


async def test_valid_shares_are_accepted_and_earn() -> None:
    async with local_pools(1) as (pool,), mining([pool]) as (manager, _):
        await until(lambda: manager.status().shares_accepted >= 3)
        status = manager.status()
        assert status.state == "connected"
        assert status.url == pool.url
        assert status.version_mask == 0x1FFFE000
        assert status.shares_rejected == 0
        assert pool.counters.accepted >= 3 and pool.counters.rejected == 0
        assert status.earned_sats > 0
        assert status.best_share_difficulty >= DIFFICULTY
        # Bitcoin difficulty for blocks 788,256-790,271 (May 2023), as explorers publish it.
        assert status.network_difficulty == pytest.approx(48_005_534_313_578, rel=1e-9)
        assert status.offline_heat is False


async def test_nonce_for_a_job_cleared_by_clean_jobs_is_stale_and_not_submitted() -> None:
    async with local_pools(1) as (pool,), mining([pool]) as (manager, backend):
        await until(lambda: bool(backend.jobs))
        old = backend.jobs[-1]
        await pool.new_job(clean=True)
        await until(lambda: backend.jobs[-1].tag.job_id != old.tag.job_id)
        found = _find_share(old)
        before = manager.status()
        backend.play_nonce(found)  # a late nonce from the chips, for the cleared job
        await until(lambda: manager.status().shares_stale > before.shares_stale)
        status = manager.status()
        reason = "stale: job replaced by clean_jobs"
        assert status.shares_stale >= before.shares_stale + 1
        assert status.reject_reasons[reason] >= before.reject_reasons.get(reason, 0) + 1
        assert pool.counters.stale == 0  # never sent to the pool
        assert status.shares_rejected == 0


async def test_failover_on_death_and_return_to_primary() -> None:
    async with local_pools(2) as (primary, backup), mining([primary, backup]) as (manager, _):
        await until(lambda: manager.status().shares_accepted >= 1)
        await primary.stop()
        await until(lambda: manager.status().state == "failover")
        assert manager.status().url == backup.url
        await until(lambda: backup.counters.accepted >= 1)
        accepted_at_primary = primary.counters.accepted
        await primary.start()
        await until(lambda: manager.status().state == "connected")
        assert manager.status().url == primary.url
        await until(lambda: primary.counters.accepted > accepted_at_primary)
        assert backup.clients == 0  # the backup session was closed


async def test_unresolvable_primary_fails_over_and_is_retried() -> None:
    async with local_pools(1) as (backup,):
        backend = WatchedBackend()
        pools = [
            PoolConfig("stratum+tcp://no-such-pool.invalid:3333", "w"),
            PoolConfig(backup.url, "w"),
        ]
        manager = PoolManager(pools, backend, **FAST)  # type: ignore[arg-type]
        await backend.start()
        task = asyncio.create_task(manager.run())
        try:
            await until(lambda: manager.status().shares_accepted >= 1)
            status = manager.status()
            assert status.state == "failover" and status.url == backup.url
            assert "no-such-pool.invalid" in (status.last_error or "")
            assert "cannot connect" in (status.last_error or "")
        finally:
            await manager.stop()
            await task
            await backend.stop()


async def test_failover_on_a_silent_pool() -> None:
    async with local_pools(2) as (primary, backup), mining([primary, backup]) as (manager, _):
        await until(lambda: manager.status().shares_accepted >= 1)
        primary.silent = True  # connection stays open, nothing comes back
        await until(lambda: manager.status().state == "failover")
        assert "silent" in (manager.status().last_error or "")
        await until(lambda: backup.counters.accepted >= 1)


async def test_failover_on_repeated_rejects() -> None:
    async with local_pools(2) as (primary, backup):
        primary.reject_shares = "invalid share (test)"
        async with mining([primary, backup], max_consecutive_rejects=3) as (manager, _):
            await until(lambda: manager.status().state == "failover")
            status = manager.status()
            assert status.shares_rejected >= 3
            assert status.reject_reasons.get("invalid share (test) (20)", 0) >= 3
            await until(lambda: backup.counters.accepted >= 1)


async def test_failover_when_shares_are_never_answered() -> None:
    async with local_pools(2) as (primary, backup):
        primary.answer_submits = False
        options = {"max_consecutive_rejects": 3, "silence_timeout_s": 30.0}
        async with mining([primary, backup], **options) as (manager, _):
            await until(lambda: manager.status().state == "failover")
            reasons = manager.status().reject_reasons
            assert reasons.get("no answer to mining.submit within 1.0 s", 0) >= 3
            await until(lambda: backup.counters.accepted >= 1)


async def test_offline_heat_while_no_pool_and_resume_when_it_returns() -> None:
    async with local_pools(1) as (pool,), mining([pool]) as (manager, backend):
        await until(lambda: manager.status().shares_accepted >= 1)
        await pool.stop()
        await until(lambda: manager.status().offline_heat)
        status = manager.status()
        assert status.state == "offline" and status.url is None
        assert isinstance(backend.jobs[-1].tag, OfflineTag)
        await until(lambda: manager.offline_nonces >= 1)  # the backend really hashes
        accepted = manager.status().shares_accepted
        await pool.start()
        await until(lambda: manager.status().state == "connected")
        assert manager.status().offline_heat is False
        assert isinstance(backend.jobs[-1].tag, ShareTag)
        await until(lambda: manager.status().shares_accepted > accepted)


@pytest.mark.parametrize("mode", ["ignore", "error"])
async def test_pool_without_version_rolling_still_works(mode: str) -> None:
    async with local_pools(1) as (pool,):
        pool.configure_mode = mode
        async with mining([pool]) as (manager, backend):
            await until(lambda: manager.status().shares_accepted >= 2)
            assert manager.status().version_mask == 0
            assert backend.jobs[-1].version_mask == 0
            assert pool.counters.rejected == 0


async def test_garbage_from_the_pool_is_survived() -> None:
    async with local_pools(1) as (pool,):
        pool.garbage = True
        async with mining([pool]) as (manager, _):
            await until(lambda: manager.status().shares_accepted >= 2)
            status = manager.status()
            assert status.bad_lines > 0
            assert status.state == "connected"
            assert pool.counters.rejected == 0


async def test_pool_config_changes_at_run_time() -> None:
    async with local_pools(2) as (first, second), mining([first]) as (manager, _):
        await until(lambda: manager.status().shares_accepted >= 1)
        await manager.set_pools([PoolConfig(second.url, "other", "pw")])
        await until(lambda: manager.status().url == second.url)
        assert manager.status().state == "connected"
        await until(lambda: second.counters.accepted >= 1)
        await until(lambda: first.clients == 0)


async def test_client_reconnect_to_another_port_on_the_same_host() -> None:
    async with local_pools(1) as (pool,), mining([pool]) as (manager, _):
        await until(lambda: manager.status().shares_accepted >= 1)
        moved = LocalPool(difficulty=DIFFICULTY)
        port = await moved.start()
        try:
            await pool.ask_reconnect(port)
            await until(lambda: moved.counters.accepted >= 1)
            assert manager.status().state == "connected"
        finally:
            await moved.stop()


async def test_counters_and_earnings_survive_a_restart() -> None:
    async with local_pools(1) as (pool,):
        async with mining([pool]) as (manager, _):
            await until(lambda: manager.status().shares_accepted >= 2)
        saved = manager.snapshot()
        async with mining([pool]) as (restarted, _):
            restarted.restore(saved)
            await until(lambda: restarted.status().shares_accepted > saved["accepted"])
            assert restarted.status().earned_sats > saved["earned_sats"]


def _find_share(job: Job) -> FoundNonce:
    assert isinstance(job.tag, ShareTag)
    head = job.header76()
    for nonce in range(1 << 22):
        digest = sha256d(head + nonce.to_bytes(4, "little"))
        if difficulty_from_hash(digest) >= job.tag.difficulty:
            return FoundNonce(job, nonce, job.version, difficulty_from_hash(digest))
    raise AssertionError("no share found")


async def test_mining_over_tls(tmp_path: pathlib.Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=str(cert))
    pool = LocalPool(difficulty=DIFFICULTY, ssl_context=server_tls)
    await pool.start()
    try:
        assert pool.url.startswith("stratum+ssl://")
        async with mining([pool], ssl_context=client_tls) as (manager, _):
            await until(lambda: manager.status().shares_accepted >= 1)
            assert pool.counters.accepted >= 1
        # Without trusting the certificate the client refuses the pool.
        async with mining([pool]) as (untrusting, _):
            await until(lambda: untrusting.status().offline_heat)
            assert "certificate" in (untrusting.status().last_error or "").lower()
    finally:
        await pool.stop()


def _self_signed(directory: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "pool.pem", directory / "pool.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_a_pool_cannot_make_the_heater_flood_it() -> None:
    async with local_pools(1) as (pool,):
        await pool.set_difficulty(1e-6)  # every ~4 000 hashes: far over the submit cap
        async with mining([pool], max_submits_per_s=20.0) as (manager, _):
            await until(lambda: manager.dropped_over_rate > 0)
            started = pool.counters.accepted + pool.counters.rejected
            await asyncio.sleep(1.0)
            sent = pool.counters.accepted + pool.counters.rejected - started
            assert sent <= 20 * 1.0 + 40 + 5  # rate plus burst, plus answers in flight
            assert manager.status().state == "connected"
