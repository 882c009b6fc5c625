"""verify_image's floor holds whether or not a board is named; raw trusted keys load
whatever their bytes are."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from firmware.update.image import ImageError, key_id, load_public_key, verify_image
from tests.firmware.update.images import BOARD, ImageKit


def test_the_security_floor_applies_without_a_board(tmp_path):
    key = Ed25519PrivateKey.generate()
    image = ImageKit(key, tmp_path).build("1.2.0", minimal=True)
    trusted = {key_id(key.public_key()): key.public_key()}
    for board in (None, BOARD):
        with pytest.raises(ImageError) as refused:
            verify_image(image, trusted, board=board, security_floor="2.0.0")
        assert refused.value.code == "downgrade"
        assert verify_image(image, trusted, board=board, security_floor="1.2.0")


def test_raw_keys_load_whatever_their_bytes():
    for _ in range(200):
        public = Ed25519PrivateKey.generate().public_key()
        raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert key_id(load_public_key(raw)) == key_id(public)
        assert key_id(load_public_key(raw.hex().encode() + b"\n")) == key_id(public)
    with pytest.raises(ValueError):
        load_public_key(b"\x00" * 31)
