"""Share difficulty and targets, as Bitcoin pools define them.

Difficulty 1 is the target 0xFFFF × 2**208 (the "pdiff" convention stratum pools use).
A hash, read as a little-endian 256-bit integer, has difficulty DIFF1_TARGET / value.
"""

DIFF1_TARGET = 0xFFFF << 208
MAX_TARGET = (1 << 256) - 1


def hash_value(digest: bytes) -> int:
    """The 32-byte double-SHA-256 digest read the way Bitcoin compares it to a target."""
    if len(digest) != 32:
        raise ValueError(f"a sha256d digest is 32 bytes, got {len(digest)}")
    return int.from_bytes(digest, "little")


def difficulty_from_hash(digest: bytes) -> float:
    """Difficulty of a hash; an all-zero hash (never seen in practice) is infinitely hard."""
    value = hash_value(digest)
    if value == 0:
        return float("inf")
    return DIFF1_TARGET / value


def difficulty_to_target(difficulty: float) -> int:
    """Largest hash value that meets `difficulty` (fractional difficulties allowed)."""
    if not difficulty > 0:
        raise ValueError(f"difficulty must be positive, got {difficulty!r}")
    target = int(DIFF1_TARGET / difficulty)
    return min(target, MAX_TARGET)
