"""ed25519 signing keys for firmware images."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from firmware.update.image import key_id, load_public_key


def new_key(directory: Path, name: str = "hearth-signing") -> tuple[Path, Path]:
    """Write `<name>.pem` (private, mode 0600) and `<name>.pub` (64 hex chars, the form the
    device's trusted-key folder holds). Refuses to overwrite an existing key."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / f"{name}.pem"
    public_path = directory / f"{name}.pub"
    for path in (private_path, public_path):
        if path.exists():
            raise FileExistsError(f"{path} exists; refusing to overwrite a signing key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    public_path.write_text(raw.hex() + "\n")
    return private_path, public_path


def _read_key(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise OSError(f"cannot read key {path}: {exc.strerror or exc}") from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The `.pem` that `hearth keys new` wrote; ValueError/OSError name the file and why."""
    data = _read_key(path)
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:  # encrypted with a passphrase
        raise ValueError(f"{path} is passphrase-protected; use an unencrypted key") from None
    except ValueError:
        hint = " (that is the public half: sign with the .pem)" if path.suffix == ".pub" else ""
        raise ValueError(f"{path} is not a PEM private key{hint}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an ed25519 private key")
    return key


def load_public_key_file(path: Path) -> Ed25519PublicKey:
    """A trusted key file (`.pub`: 64 hex characters, or 32 raw bytes)."""
    data = _read_key(path)
    try:
        return load_public_key(data)
    except ValueError as exc:
        hint = " (that is a private key: give its .pub)" if b"PRIVATE KEY" in data else ""
        raise ValueError(f"{path} is not an ed25519 public key{hint}: {exc}") from None


def describe(key: Ed25519PrivateKey) -> str:
    return key_id(key.public_key()).hex()
