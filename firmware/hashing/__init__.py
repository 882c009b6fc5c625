"""SHA-256d for mining: the CPU fallback, nonce verification and midstates.

Faces (stable; docs/hashing.md): sha256d, midstate, scan, scan_midstate — backed by the
C core in csrc/ (compiled by the package build, or `make core` in a source tree), with
SHA-NI, AVX2 and portable paths chosen at run time (`impl()`), and `scan_parallel` over
threads. `reference` holds the pure-Python
definition they are tested against.

The faces load on first use, so `python -m firmware.hashing.build` and
`firmware.hashing.reference` work before the core is compiled; using a face without
the compiled core raises ImportError saying to run `make core`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from firmware.hashing.core import (
        IMPL_ENV,
        available_impls,
        impl,
        midstate,
        scan,
        scan_midstate,
        sha256d,
    )
    from firmware.hashing.parallel import scan_parallel

# Each face and the submodule that defines it.
_FACES = {
    "IMPL_ENV": "core",
    "available_impls": "core",
    "impl": "core",
    "midstate": "core",
    "scan": "core",
    "scan_midstate": "core",
    "sha256d": "core",
    "scan_parallel": "parallel",
}

__all__ = [
    "IMPL_ENV",
    "available_impls",
    "impl",
    "midstate",
    "scan",
    "scan_midstate",
    "scan_parallel",
    "sha256d",
]


def __getattr__(name: str) -> object:
    submodule = _FACES.get(name)
    if submodule is None:
        raise AttributeError(f"module 'firmware.hashing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"firmware.hashing.{submodule}"), name)
    globals()[name] = value
    return value
