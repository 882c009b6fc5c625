"""The setup payload as the QR code the Home app scans (pure).

Drawn with segno (a maintained pure-Python QR encoder, ISO/IEC 18004) rather than by
hand. The payload `X-HM://…` is 20 characters of QR's alphanumeric set, so it fits a
version-1 symbol at error level M; segno picks the smallest symbol that holds it. The
SVG is black modules on white with the standard four-module quiet zone, so a phone
camera reads it off a screen at any page colour.
"""

from __future__ import annotations

import io

import segno

MODULE_PX = 6  # one module, in SVG user units; the page scales the image to its box
QUIET_ZONE = 4  # modules of white around the symbol (ISO/IEC 18004 minimum)


def setup_qr_svg(uri: str) -> bytes:
    if not uri.startswith("X-HM://"):
        raise ValueError("a HomeKit setup payload starts with X-HM://")
    symbol = segno.make(uri, error="m", micro=False)
    out = io.BytesIO()
    symbol.save(
        out,
        kind="svg",
        scale=MODULE_PX,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        title="Apple Home setup code",
    )
    return out.getvalue()
