"""Read a QR code back from a picture with a real decoder, ZBar's `zbarimg` (Debian's
zbar-tools): an independent witness for the codes the heater draws with segno."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

ZBARIMG = shutil.which("zbarimg")
DECODE_TIMEOUT_S = 30.0


def zbar_missing() -> str | None:
    return None if ZBARIMG is not None else "needs Debian zbar-tools (zbarimg)"


def decode_qr(picture: pathlib.Path) -> list[str]:
    """Every QR code's text in `picture`, one per symbol found; [] when none is."""
    result = subprocess.run(
        [ZBARIMG or "zbarimg", "--nodbus", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
         str(picture)],
        capture_output=True, text=True, timeout=DECODE_TIMEOUT_S, check=False,
    )  # fmt: skip
    if result.returncode not in (0, 4):  # 4: the picture was read, no symbol in it
        raise RuntimeError(f"zbarimg failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout.splitlines()
