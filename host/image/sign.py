"""Sign an image: append the ed25519 footer over the payload digest."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.update.image import (
    FOOTER,
    FOOTER_END,
    ImageError,
    check_contents,
    key_id,
    pack_footer,
    signed_message,
)


def sign_image(payload: bytes, key: Ed25519PrivateKey) -> bytes:
    """Return payload + footer. The payload must be an unsigned, well-formed image."""
    if len(payload) >= FOOTER.size and payload[-4:] == FOOTER_END:
        raise ImageError("signed", "image is already signed")
    check_contents(payload)
    signature = key.sign(signed_message(payload))
    return payload + pack_footer(payload, key_id(key.public_key()), signature)
