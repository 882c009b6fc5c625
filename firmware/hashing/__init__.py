"""SHA-256d for mining: the CPU fallback, nonce verification and midstates.

Faces (INTERFACES.md §5, stable): sha256d, midstate, scan.
"""

from firmware.hashing.reference import midstate, scan, sha256d

__all__ = ["midstate", "scan", "sha256d"]
