"""Real block data the local pool serves: a mining.notify that slush pool (Braiins)
sent on 2023-05-18 while mining block 790,246 (the BIP34 height push `03 e60e0c` in
coinb1).

Source: skot/ESP-Miner, components/stratum/test/test_job_pipeline.c (the SV1 fixture
also documented by components/stratum/test/verifiers/bm1397.py), which gives for
extranonce1 `1165060344b679` and extranonce2 `0000000000000000` the header-order
merkle root `cd1be821…c604a846` (ESP-Miner prints it word-reversed) and the first
midstate that the real BM1397 job frame in docs/bm13xx.md ("Job frames") carries.

The coinbase is a real one: 3 outputs paying 6.25 BTC subsidy + fees to slush's
address, an RSK merge-mining commitment and the segwit witness commitment. The 12
branch hashes are the real merkle path of that template's transactions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BlockTemplate:
    prevhash: str  # stratum order (4-byte words byte-swapped)
    coinb1: str
    coinb2: str
    merkle_branches: tuple[str, ...]
    version: int
    nbits: int
    ntime: int
    extranonce1_size: int  # what the coinbase's scriptSig length leaves room for
    extranonce2_size: int


SLUSH_790246 = BlockTemplate(
    prevhash="bf44fd3513dc7b837d60e5c628b572b448d204a8000007490000000000000000",
    coinb1=(
        "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff"
        "4b03e60e0cfabe6d6d7595fc426909f3a63c563a88773a618ec42cc51188ed0632b69f1c3053a8f818"
        "0100000000000000"
    ),
    coinb2=(
        "2c28569a1f2f736c7573682f0000000003a1f3a22b000000001976a9147c154ed1dc59609e3d26abb2"
        "df2ea3d587cd8c4188ac00000000000000002c6a4c2952534b424c4f434b3a799d4c611eff5765ba06"
        "d2c58ad71b5734d677cea10942664b2a712d005108ae0000000000000000266a24aa21a9ed5c4d2056"
        "e3eef09b05d95897adec38c5c3f460a919e95f87e15664957c70305a00000000"
    ),
    merkle_branches=(
        "4ea53a030256c37391b891b0d5060537df63944ce3fcd45121215596376bb3db",
        "22cd1dde2c1b083237bbadd62ed1d51ee455265b7defe04dc8bcae7e5acacb33",
        "60c781a8b02c07544cb3a91de3b4d7a13f9939c8579f3ac92fa28e802ace1b39",
        "d89820b36568adc0705d71d639e69ccb7c168a1051697846cf5d98e5725ee4e3",
        "73f0f773a3b6097388984f934ba1b01afc771c33db6df126cd6971cfea9f8f49",
        "420958bbb39f6b8ad30e5b45b38a3825bf76f619b7dbb73a0366605ff882e91d",
        "75f9ef87931104db956c88d65198596049af51017af4685c4548f2c31ec75b6d",
        "70dd7189d5b927ac10a750062e5ab9f8b83fb784068e1c80d0df919bcf22e1b2",
        "b34f2440b2b4609e44594885a397086339f4a2d880fb2d50ac585f757b895832",
        "4c62d861fb259a743d1e2787eeac5bdd22a9883b5cc0b025843cff9441ea6b74",
        "62522d5d8e2ff9d721a9a4b91931ec61069fff7c8ad23119718c068a035b9b1b",
        "a0e7cf5509d9d0d87ff9a4f6332f76a243de01f4e93289b290e937e7fd03224f",
    ),
    version=0x20000004,
    nbits=0x1705DD01,
    ntime=0x64658BD8,
    extranonce1_size=7,
    extranonce2_size=8,
)
