"""The work builder against a block that was really mined: block 100,000.

Its coinbase transaction, the txids of its other three transactions, its header fields
and its hash are public (any block explorer; also the Bitcoin wiki's merkle example).
The notify below is what a pool would have sent for it: the coinbase cut around an
extranonce1 of one byte and an extranonce2 of one byte (`06` and `02` of the real
scriptSig `04 4c86041b 02 0602`), and the merkle path of the coinbase (txid 1, then
sha256d(txid 2 ‖ txid 3)). Building the job through the session and hashing its header
with the real nonce must give the real block hash, so coinbase assembly, the merkle
fold, the stratum prevhash word order and the little-endian header fields are all
checked against the chain itself. Each fixture is first checked with hashlib alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import json

from firmware.pool.earnings import coinbase_value, network_difficulty
from firmware.pool.session import StratumSession
from firmware.pool.work import submit_params
from firmware.work import Job
from tests.firmware.pool.offline_session import offline_session

COINBASE = (
    "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff"
    "08044c86041b020602ffffffff0100f2052a010000004341041b0e8c2567c12536aa13357b79a073dc"
    "4444acb83c4ec7a0e2f99dd7457516c5817242da796924ca4e99947d087fedf9ce467cb9f7c6287078f8"
    "01df276fdf84ac00000000"
)
# txids as explorers show them (byte-reversed sha256d), coinbase first.
TXIDS = (
    "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
    "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
    "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
    "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
)
MERKLE_ROOT = "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766"
PREV_BLOCK = "000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250"
BLOCK_HASH = "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506"
NTIME, NBITS, NONCE = 1293623863, 0x1B04864C, 274148111

SPLIT = COINBASE.index("044c86041b02") + len("044c86041b02")
EXTRANONCE1, EXTRANONCE2 = "06", "02"
NOTIFY = {
    "id": None,
    "method": "mining.notify",
    "params": [
        "186a0",
        # the prev hash in stratum's order: header order with each 4-byte word swapped
        "1901125004612a1701c3a621d930d31d36b607df1fccc2160002d01c00000000",
        COINBASE[:SPLIT],
        COINBASE[SPLIT + 4 :],
        [
            "c40297f730dd7b5a99567eb8d27b78758f607507c52292d02d4031895b52f2ff",
            "49aef42d78e3e9999c9e6ec9e1dddd6cb880bf3b076a03be1318ca789089308e",
        ],
        "00000001",
        f"{NBITS:08x}",
        f"{NTIME:08x}",
        True,
    ],
}


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def test_fixture_is_the_real_block() -> None:
    coinbase = bytes.fromhex(COINBASE)
    assert _sha256d(coinbase)[::-1].hex() == TXIDS[0]
    assert COINBASE[SPLIT : SPLIT + 4] == EXTRANONCE1 + EXTRANONCE2
    leaves = [bytes.fromhex(txid)[::-1] for txid in TXIDS]
    branch0, branch1 = (bytes.fromhex(b) for b in NOTIFY["params"][4])  # type: ignore[union-attr]
    assert branch0 == leaves[1] and branch1 == _sha256d(leaves[2] + leaves[3])
    root = _sha256d(_sha256d(leaves[0] + leaves[1]) + _sha256d(leaves[2] + leaves[3]))
    assert root[::-1].hex() == MERKLE_ROOT
    stratum_prev = bytes.fromhex(NOTIFY["params"][1])  # type: ignore[arg-type]
    header_prev = b"".join(stratum_prev[i : i + 4][::-1] for i in range(0, 32, 4))
    assert header_prev == bytes.fromhex(PREV_BLOCK)[::-1]


def _job_from_session() -> tuple[StratumSession, Job]:
    async def build() -> tuple[StratumSession, Job]:
        session = offline_session(
            url="stratum+tcp://pool.example:3333",
            extranonce1=bytes.fromhex(EXTRANONCE1),
            extranonce2_size=1,
        )
        await session.feed(json.dumps(NOTIFY).encode() + b"\n")
        assert session.template is not None and session.bad_lines == 0
        first = session.next_job(clean=True)
        second = session.next_job(clean=False)
        assert first is not None and second is not None
        assert first.tag.extranonce2 == b"\x01"  # type: ignore[attr-defined]
        return session, second  # the counter's second value is the real 02

    return asyncio.run(build())


def test_job_from_the_notify_rebuilds_the_real_block_header() -> None:
    _, job = _job_from_session()
    assert job.tag.extranonce2 == bytes.fromhex(EXTRANONCE2)  # type: ignore[attr-defined]
    assert job.merkle_root == bytes.fromhex(MERKLE_ROOT)[::-1]
    assert job.prev_hash == bytes.fromhex(PREV_BLOCK)[::-1]
    assert _sha256d(job.header80(NONCE))[::-1].hex() == BLOCK_HASH


def test_share_fields_earnings_and_difficulty_of_the_real_block() -> None:
    session, job = _job_from_session()
    params = submit_params("w", job.tag, NONCE, 0, 0)  # type: ignore[arg-type]
    assert params == ["w", "186a0", "02", "4d1b2237", "10572b0f"]
    assert session.template is not None
    assert session.template.block_reward_sats == 50 * 100_000_000  # 50 BTC, no fees
    assert coinbase_value(bytes.fromhex(COINBASE)) == 50 * 100_000_000
    # Block 100,000's difficulty as explorers publish it.
    assert abs(network_difficulty(NBITS) - 14484.16236122) < 1e-6
