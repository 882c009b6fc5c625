"""SHA-256d for mining: the CPU fallback, nonce verification and midstates.

Faces (INTERFACES.md §5, stable): sha256d, midstate, scan — backed by the C core in
csrc/ (compiled by `make core`), with a SHA-NI path and a portable path chosen at run
time (`impl()`). `reference` holds the pure-Python definition they are tested against.
"""

from firmware.hashing.core import IMPL_ENV, available_impls, impl, midstate, scan, sha256d
from firmware.hashing.parallel import scan_parallel

__all__ = [
    "IMPL_ENV",
    "available_impls",
    "impl",
    "midstate",
    "scan",
    "scan_parallel",
    "sha256d",
]
