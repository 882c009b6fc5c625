"""Compile the C SHA-256d core into `firmware.hashing._core` (cffi, API/out-of-line mode).

Two ways in, never at import time: the package build (`pip install .`, a wheel, the
editable install) compiles it through cffi's setuptools integration (setup.py's
`cffi_modules` names `package_ffi`), and `make core` (`python -m firmware.hashing.build`)
rebuilds it in place in a source tree. The compiled module embeds a build id (a hash of
the C sources, this file, the compiler flags and the Python version); when the module
already present carries the current id `make core` does nothing.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import shutil
import sys
import sysconfig
import tempfile

import cffi

HERE = pathlib.Path(__file__).resolve().parent
CSRC = HERE / "csrc"
SOURCES = ("dispatch.c", "sha256_portable.c", "sha256_shani.c", "sha256_avx2.c")
MODULE = "firmware.hashing._core"
# -O3 lets GCC unroll the 64 rounds and keep the rotating state in registers.
COMPILE_ARGS = ("-O3", "-Wall", "-Wextra", "-Wno-unused-parameter")

CDEF = """
const char *hearth_build_id(void);
int hearth_has_shani(void);
int hearth_has_avx2(void);
int hearth_sha256d(int impl, const uint8_t *data, size_t len, uint8_t out[32]);
int hearth_midstate(int impl, const uint8_t block[64], uint8_t out[32]);
int64_t hearth_scan(int impl, const uint8_t header76[76], uint32_t start, uint64_t count,
                    const uint8_t target_le[32], uint32_t *found, uint32_t found_cap,
                    uint64_t *scanned);
int64_t hearth_scan_midstate(int impl, const uint8_t midstate[32], const uint8_t tail12[12],
                             uint32_t start, uint64_t count, const uint8_t target_le[32],
                             uint32_t *found, uint32_t found_cap, uint64_t *scanned);
"""

PROTOTYPES = """
#include "sha256d.h"
const char *hearth_build_id(void);
int hearth_has_shani(void);
int hearth_has_avx2(void);
int hearth_sha256d(int impl, const uint8_t *data, size_t len, uint8_t out[32]);
int hearth_midstate(int impl, const uint8_t block[64], uint8_t out[32]);
int64_t hearth_scan(int impl, const uint8_t header76[76], uint32_t start, uint64_t count,
                    const uint8_t target_le[32], uint32_t *found, uint32_t found_cap,
                    uint64_t *scanned);
int64_t hearth_scan_midstate(int impl, const uint8_t midstate[32], const uint8_t tail12[12],
                             uint32_t start, uint64_t count, const uint8_t target_le[32],
                             uint32_t *found, uint32_t found_cap, uint64_t *scanned);
"""


def build_id() -> str:
    digest = hashlib.sha256()
    for path in sorted(CSRC.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(pathlib.Path(__file__).read_bytes())
    digest.update(" ".join(COMPILE_ARGS).encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:32]


def module_path() -> pathlib.Path:
    return HERE / ("_core" + str(sysconfig.get_config_var("EXT_SUFFIX")))


def is_up_to_date(ident: str) -> bool:
    path = module_path()
    return path.exists() and f"hearth-hash-core:{ident}".encode() in path.read_bytes()


def make_ffi(ident: str, root: pathlib.Path | None = None) -> cffi.FFI:
    """The core's FFI; with `root`, source paths relative to it (setuptools wants them so)."""

    def path(p: pathlib.Path) -> str:
        return str(p) if root is None else os.path.relpath(p, root)

    ffibuilder = cffi.FFI()
    ffibuilder.cdef(CDEF)
    ffibuilder.set_source(
        MODULE,
        PROTOTYPES,
        sources=[path(CSRC / name) for name in SOURCES],
        include_dirs=[path(CSRC)],
        define_macros=[("HEARTH_BUILD_ID", f'"{ident}"')],
        extra_compile_args=list(COMPILE_ARGS),
        # The full ABI suffix (_core.cpython-311-....so) either way in, so the package
        # build and `make core` write, and find, the same file.
        py_limited_api=False,
    )
    return ffibuilder


def package_ffi() -> cffi.FFI:
    """What setup.py's `cffi_modules` builds; setuptools runs it from the project root."""
    return make_ffi(build_id(), root=pathlib.Path.cwd())


def build(force: bool = False) -> pathlib.Path:
    """Compile the core if it is missing or stale; return the module's path."""
    ident = build_id()
    target = module_path()
    if not force and is_up_to_date(ident):
        print(f"hashing core up to date: {target.name}")
        return target
    with tempfile.TemporaryDirectory(prefix="hearth-core-") as tmp:
        built = pathlib.Path(make_ffi(ident).compile(tmpdir=tmp, verbose=False))
        # Replace, never overwrite in place: a running process may have the old one mapped.
        staged = target.with_name(f"_core.building-{os.getpid()}.so")  # gitignored, unimportable
        shutil.copyfile(built, staged)
        staged.replace(target)
    print(f"hashing core built: {target.name} (build {ident})")
    return target


def main(argv: list[str]) -> int:
    build(force="--force" in argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
