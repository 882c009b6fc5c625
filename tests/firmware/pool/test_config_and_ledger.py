"""Pool URLs and credentials; persisted counters and earnings."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.pool import PoolConfig, PoolConfigError, parse_pool_url
from firmware.pool.backoff import Backoff
from firmware.pool.earnings import Earnings, network_difficulty, target_from_nbits
from firmware.pool.ledger import ShareLedger
from firmware.pool.rate_limit import TokenBucket
from firmware.validation import mask_url


def test_pool_urls() -> None:
    assert parse_pool_url("stratum+tcp://pool.example.com:3333") == (
        "pool.example.com",
        3333,
        False,
    )
    assert parse_pool_url("stratum+ssl://10.0.0.2:443") == ("10.0.0.2", 443, True)
    assert parse_pool_url("stratum+tcp://[::1]:3333") == ("::1", 3333, False)


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("http://pool:3333", "'http'"),
        ("pool.example.com:3333", "scheme"),
        ("stratum+tcp://pool.example.com", "port"),
        ("stratum+tcp://pool.example.com:0", "port"),
        ("stratum+tcp://pool.example.com:99999", "port must be 1..65535"),
        ("stratum+tcp://:3333", "no host"),
        ("stratum+tcp://user:pw@pool:3333", "only scheme"),
        ("stratum+tcp://pool:3333/path", "only scheme"),
    ],
)
def test_bad_pool_urls_are_refused_with_a_clear_message(url: str, names: str) -> None:
    with pytest.raises(PoolConfigError) as error:
        PoolConfig(url, "worker")
    # the URL is named, a password in it masked (firmware.validation.mask)
    assert mask_url(url) in str(error.value) and names in str(error.value)
    assert "pw@" not in str(error.value)
    assert "stratum+tcp://host:port" in str(error.value)


def test_password_never_shown() -> None:
    pool = PoolConfig("stratum+tcp://pool:3333", "bc1q.heater", "hunter2")
    assert "hunter2" not in repr(pool) and "hunter2" not in str(pool)
    assert pool.password == "hunter2" and pool.tls is False and pool.port == 3333
    with pytest.raises(PoolConfigError, match="user"):
        PoolConfig("stratum+tcp://pool:3333", " ")


def test_backoff_is_jittered_and_capped() -> None:
    backoff = Backoff(random.Random(1), 1.0, 8.0)
    delays = [backoff.next_delay() for _ in range(10)]
    assert all(0.5 <= d <= 8.0 for d in delays)
    assert delays[0] <= 1.0 and max(delays) > 4.0
    assert len(set(delays)) == len(delays)
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_nbits_decoding_against_genesis() -> None:
    # Genesis block nbits 0x1d00ffff is difficulty 1 by definition.
    assert target_from_nbits(0x1D00FFFF) == 0xFFFF << 208
    assert network_difficulty(0x1D00FFFF) == 1.0


def test_earnings_of_one_share() -> None:
    earnings = Earnings()
    value = earnings.credit(1024.0, 0x1D00FFFF, 625_000_000)
    assert value == 1024 * 625_000_000
    assert earnings.accepted_difficulty == 1024.0


@given(
    st.integers(0, 10**9),
    st.integers(0, 10**9),
    st.integers(0, 10**9),
    st.dictionaries(st.text(max_size=100), st.integers(0, 10**6), max_size=32),
    st.none() | st.floats(0, 4e9),
    st.floats(0, 1e12),
    st.floats(0, 1e15),
)
def test_snapshot_round_trips_through_json(
    accepted: int,
    rejected: int,
    stale: int,
    reasons: dict[str, int],
    last: float | None,
    sats: float,
    difficulty: float,
) -> None:
    ledger = ShareLedger(
        accepted, rejected, stale, reasons, last, difficulty / 3, Earnings(sats, difficulty)
    )
    restored = ShareLedger()
    restored.restore(json.loads(json.dumps(ledger.snapshot())))
    assert restored.snapshot() == ledger.snapshot()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"version": 2}, "version"),
        ({"accepted": -1}, "accepted"),
        ({"rejected": 1.5}, "rejected"),
        ({"stale": True}, "stale"),
        ({"reasons": []}, "reasons"),
        ({"reasons": {"x": -1}}, "count"),
        ({"earned_sats": math.nan}, "earned_sats"),
        ({"earned_sats": "12"}, "earned_sats"),
        ({"last_share_at": -5}, "last_share_at"),
        ({"accepted_difficulty": math.inf}, "accepted_difficulty"),
        ({"best_difficulty": -1.0}, "best_difficulty"),
    ],
)
def test_bad_snapshot_is_refused_and_changes_nothing(change: dict[str, Any], field: str) -> None:
    ledger = ShareLedger()
    ledger.accept(1.0, 0x1D00FFFF, 100, 1000.0)
    before = ledger.snapshot()
    with pytest.raises(ValueError, match=field):
        ledger.restore({**before, **change})
    assert ledger.snapshot() == before
    with pytest.raises(ValueError):
        ledger.restore("not a dict")
    assert ledger.snapshot() == before


def test_reject_reasons_are_bounded() -> None:
    ledger = ShareLedger()
    for i in range(100):
        ledger.reject(f"reason {i}")
    assert len(ledger.reasons) == 32 and ledger.reasons["other"] == 69
    assert ledger.rejected == 100
    ShareLedger().restore(ledger.snapshot())


def test_token_bucket_limits_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(10.0, 20.0, lambda: now[0])
    assert sum(bucket.take() for _ in range(100)) == 20  # the burst
    now[0] = 1.0
    assert sum(bucket.take() for _ in range(100)) == 10  # then the rate
    now[0] = 100.0
    assert sum(bucket.take() for _ in range(100)) == 20  # never more than the burst
