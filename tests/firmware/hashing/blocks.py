"""Real Bitcoin block headers the scan tests search for, with where each comes from.

Each header is rebuilt from its published fields (block explorers, the Bitcoin wiki);
the tests check that its sha256d is the block's published hash before using it, so a
typo here fails loudly instead of passing by accident.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    height: int
    block_hash: str  # as explorers print it (big-endian hex)
    version: int
    prev_hash: str
    merkle_root: str
    ntime: int
    nbits: int
    nonce: int
    source: str

    def header80(self) -> bytes:
        return (
            struct.pack("<I", self.version)
            + bytes.fromhex(self.prev_hash)[::-1]
            + bytes.fromhex(self.merkle_root)[::-1]
            + struct.pack("<III", self.ntime, self.nbits, self.nonce)
        )

    def header76(self) -> bytes:
        return self.header80()[:76]

    def network_target(self) -> int:
        """The target the compact `nbits` encodes (Bitcoin's "compact" format)."""
        exponent, mantissa = self.nbits >> 24, self.nbits & 0xFFFFFF
        return mantissa << (8 * (exponent - 3))


BLOCKS = (
    Block(
        height=0,
        block_hash="000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
        version=1,
        prev_hash="00" * 32,
        merkle_root="4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
        ntime=1231006505,
        nbits=0x1D00FFFF,
        nonce=2083236893,
        source="the genesis block (Bitcoin Core chainparams.cpp, CreateGenesisBlock)",
    ),
    Block(
        height=1,
        block_hash="00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048",
        version=1,
        prev_hash="000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
        merkle_root="0e3e2357e806b6cdb1f70b54c3a3a17b6714ee1f0e68bebb44a74b1efd512098",
        ntime=1231469665,
        nbits=0x1D00FFFF,
        nonce=2573394689,
        source="block 1 as any block explorer shows it",
    ),
    Block(
        height=2,
        block_hash="000000006a625f06636b8bb6ac7b960a8d03705d1ace08b1a19da3fdcc99ddbd",
        version=1,
        prev_hash="00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048",
        merkle_root="9b0fc92260312ce44e74ef369f5c66bbb85848f2eddd5a7a1cde251e54ccfdd5",
        ntime=1231469744,
        nbits=0x1D00FFFF,
        nonce=1639830024,
        source="block 2 as any block explorer shows it",
    ),
    Block(
        height=125552,
        block_hash="00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d",
        version=1,
        prev_hash="00000000000008a3a41b85b8b29ad444def299fee21793cd8b9e567eab02cd81",
        merkle_root="2b12fcf1b09288fcaff797d71e950e71ae42b91e8bdb2304758dfcffc2b620e3",
        ntime=1305998791,
        nbits=0x1A44B9F2,
        nonce=2504433986,
        source="the Bitcoin wiki's 'Block hashing algorithm' worked example",
    ),
)
