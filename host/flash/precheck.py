"""What the host checks before sending a byte: the same `verify_image` the device runs,
against the facts the device gave in INFO (its board, security floor, highest confirmed
version, downgrade permission and trusted public keys). An unsigned, truncated, tampered,
wrong-board or downgrade image is then refused in a second instead of after the upload.
The device checks everything again at END: this is for the user's time, not for trust.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from firmware.update.image import (
    ImageError,
    check_compatibility,
    check_contents,
    key_id,
    load_public_key,
    split_image,
    verify_image,
)
from firmware.update.version import parse_version
from host.flash.link import FlashError


def _version(value: object) -> str:
    try:
        parse_version(value)  # type: ignore[arg-type]
    except ValueError:
        return "0.0.0"
    return str(value)


def _trusted(keys: object) -> dict[bytes, Ed25519PublicKey]:
    trusted: dict[bytes, Ed25519PublicKey] = {}
    for text in keys if isinstance(keys, list) else []:
        try:
            key = load_public_key(bytes.fromhex(str(text)))
        except ValueError:
            continue
        trusted[key_id(key)] = key
    return trusted


def minimum_version(info: Mapping[str, object]) -> str:
    floor, highest = _version(info.get("floor")), _version(info.get("highest"))
    if info.get("allow_downgrade") is True:
        return floor
    return max(floor, highest, key=parse_version)


def precheck(image: bytes, info: Mapping[str, object]) -> None:
    board = info.get("board") if isinstance(info.get("board"), str) else None
    minimum = minimum_version(info)
    trusted = _trusted(info.get("keys"))
    try:
        if trusted:
            verify_image(image, trusted, board=board, security_floor=minimum)  # type: ignore[arg-type]
        else:  # an agent that does not list its keys: all but the signature
            payload, _footer = split_image(image)
            check_compatibility(check_contents(payload), board, minimum)  # type: ignore[arg-type]
    except ImageError as exc:
        raise FlashError(f"image refused before upload: {exc}", exc.code) from None
