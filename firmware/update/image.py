"""Signed firmware images: the on-device parser and verifier (format in docs/image-format.md).

An image is a deterministic POSIX tar archive (the payload, `manifest.json` first) followed
by a fixed 96-byte signature footer. The device trusts an image only when the footer's
ed25519 signature over the payload digest verifies with one of its installed keys, every
file matches the manifest's SHA-256, the board matches, and the version is not below the
device's security floor. Verification reads only memory; nothing is written until it passes.
"""

from __future__ import annotations

import hashlib
import io
import struct
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from firmware.inputs import loads_strict
from firmware.update.version import parse_version

FORMAT = 1
FOOTER_MAGIC = b"HEARTHSG"
FOOTER_END = b"HEND"
# magic, format, flags, payload length, key id, signature, end marker
FOOTER = struct.Struct("<8sHHQ8s64s4s")
assert FOOTER.size == 96
SIGNED_CONTEXT = b"hearth-image-v1\x00"
MANIFEST_NAME = "manifest.json"
MAX_IMAGE_BYTES = 64 * 1024 * 1024
MAX_FILES = 4096
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
# Written by the slot store next to the image's files (slots.SLOT_MARKER).
RESERVED_NAMES = frozenset({"slot.json"})


class ImageError(ValueError):
    """An image the device must refuse. `code` is a short stable reason for the host."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Footer:
    payload_len: int
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class ManifestFile:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    version: str
    min_version: str
    board: str
    files: tuple[ManifestFile, ...]
    supervisor_arch: str = ""


@dataclass(frozen=True)
class VerifiedImage:
    manifest: Manifest
    payload: bytes
    key_id: bytes
    digest: bytes  # SHA-256 of the whole image

    def files(self) -> dict[str, bytes]:
        """Every file the manifest lists, by path (already checked against its hash)."""
        return _read_members(self.payload)


def key_id(public_key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:8]


def signed_message(payload: bytes) -> bytes:
    return SIGNED_CONTEXT + hashlib.sha256(payload).digest()


def pack_footer(payload: bytes, kid: bytes, signature: bytes) -> bytes:
    return FOOTER.pack(FOOTER_MAGIC, FORMAT, 0, len(payload), kid, signature, FOOTER_END)


def split_image(image: bytes) -> tuple[bytes, Footer]:
    """Separate payload and footer, refusing unsigned or truncated images."""
    if len(image) > MAX_IMAGE_BYTES:
        raise ImageError("too_large", f"image is {len(image)} bytes, limit {MAX_IMAGE_BYTES}")
    if len(image) < FOOTER.size or image[-4:] != FOOTER_END:
        if image[-FOOTER.size :].find(FOOTER_MAGIC) >= 0 or len(image) % 512 != 0:
            raise ImageError("truncated", "image is truncated: its signature footer is incomplete")
        raise ImageError("unsigned", "image is not signed (no signature footer)")
    magic, fmt, _flags, payload_len, kid, signature, _end = FOOTER.unpack(image[-FOOTER.size :])
    if magic != FOOTER_MAGIC:
        raise ImageError("unsigned", "image is not signed (no signature footer)")
    if fmt != FORMAT:
        raise ImageError(
            "format", f"image format {fmt} is not supported (this device reads {FORMAT})"
        )
    payload = image[: -FOOTER.size]
    if payload_len != len(payload):
        raise ImageError(
            "truncated",
            f"image is truncated: footer says {payload_len} payload bytes, found {len(payload)}",
        )
    return payload, Footer(payload_len, kid, signature)


def verify_signature(
    payload: bytes, footer: Footer, trusted: Mapping[bytes, Ed25519PublicKey]
) -> None:
    public = trusted.get(footer.key_id)
    if public is None:
        raise ImageError(
            "wrong_key",
            f"image is signed with key {footer.key_id.hex()}, which this device does not trust",
        )
    try:
        public.verify(footer.signature, signed_message(payload))
    except InvalidSignature:
        raise ImageError(
            "bad_signature", "image signature does not verify: it was altered"
        ) from None


def _read_members(payload: bytes) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:") as archive:
            for info in archive:
                if len(members) >= MAX_FILES:
                    raise ImageError("corrupt", f"image holds more than {MAX_FILES} files")
                if not info.isfile():
                    raise ImageError("corrupt", f"image member {info.name!r} is not a plain file")
                _check_path(info.name)
                if info.name in members:
                    raise ImageError("corrupt", f"image holds {info.name!r} twice")
                extracted = archive.extractfile(info)
                if extracted is None:
                    raise ImageError("corrupt", f"image member {info.name!r} cannot be read")
                members[info.name] = extracted.read()
    except (tarfile.TarError, EOFError) as exc:
        raise ImageError("corrupt", f"image payload is not a valid archive: {exc}") from None
    _check_layout(members)
    return members


def _check_layout(paths: Iterable[str]) -> None:
    """Refuse trees that cannot be installed: a file that is also another's directory
    (`controller/x` and `controller/x/y`), or a name the slot itself uses."""
    names = set(paths)
    for path in sorted(names):
        if path in RESERVED_NAMES:
            raise ImageError("corrupt", f"image path {path!r} is reserved for the slot itself")
        parts = path.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            if parent in names:
                raise ImageError(
                    "corrupt",
                    f"image holds both {parent!r} and {path!r}: a file cannot be a directory",
                )


def _check_path(path: str) -> None:
    parts = path.split("/")
    if path.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ImageError("corrupt", f"image path {path!r} is not a plain relative path")


def parse_manifest(raw: bytes) -> Manifest:
    try:
        data = loads_strict(raw, max_bytes=MAX_MANIFEST_BYTES)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"manifest format must be {FORMAT}")
        for key in ("version", "min_version", "board"):
            if not isinstance(data.get(key), str):
                raise ValueError(f"manifest key {key!r} must be a string")
        parse_version(data["version"])
        parse_version(data["min_version"])
        files = []
        for entry in data["files"]:
            path, digest, size = entry["path"], entry["sha256"], entry["size"]
            if not (isinstance(path, str) and isinstance(digest, str) and isinstance(size, int)):
                raise ValueError(f"manifest file entry has wrong types: {entry!r}")
            _check_path(path)
            files.append(ManifestFile(path, digest, size))
        arch = data.get("supervisor_arch", "")
        if not isinstance(arch, str):
            raise ValueError("manifest key 'supervisor_arch' must be a string")
    except (ValueError, KeyError, TypeError) as exc:
        raise ImageError("corrupt", f"image manifest is invalid: {exc}") from None
    return Manifest(data["version"], data["min_version"], data["board"], tuple(files), arch)


def check_contents(payload: bytes) -> Manifest:
    members = _read_members(payload)
    raw = members.pop(MANIFEST_NAME, None)
    if raw is None:
        raise ImageError("corrupt", "image has no manifest.json")
    manifest = parse_manifest(raw)
    listed = {entry.path: entry for entry in manifest.files}
    if set(listed) != set(members):
        extra = sorted(set(members) - set(listed))
        absent = sorted(set(listed) - set(members))
        raise ImageError(
            "corrupt", f"image files differ from its manifest: extra {extra}, missing {absent}"
        )
    for path, data in members.items():
        entry = listed[path]
        if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
            raise ImageError("corrupt", f"image file {path!r} does not match its manifest hash")
    return manifest


def check_compatibility(manifest: Manifest, board: str | None, security_floor: str) -> None:
    """The target board (skipped when `board` is None) and the security floor."""
    if board is not None and manifest.board != board:
        raise ImageError(
            "wrong_board", f"image is for board {manifest.board!r}, this device is {board!r}"
        )
    if parse_version(manifest.version) < parse_version(security_floor):
        raise ImageError(
            "downgrade",
            f"image version {manifest.version} is below this device's minimum {security_floor} "
            "(downgrades are allowed only at the device: docs/update-protocol.md)",
        )


def verify_image(
    image: bytes,
    trusted: Mapping[bytes, Ed25519PublicKey],
    *,
    board: str | None,
    security_floor: str = "0.0.0",
) -> VerifiedImage:
    """Everything the device checks before it writes a byte. `board=None` skips the board
    check (the host's `hearth image verify` without --board); the floor is always checked."""
    payload, footer = split_image(image)
    verify_signature(payload, footer, trusted)
    manifest = check_contents(payload)
    check_compatibility(manifest, board, security_floor)
    return VerifiedImage(manifest, payload, footer.key_id, hashlib.sha256(image).digest())


def load_public_key(raw: bytes) -> Ed25519PublicKey:
    """A trusted key as stored on the device: 32 raw bytes, or their 64 hex characters
    (surrounding whitespace allowed around the hex form only: raw bytes may be anything)."""
    if len(raw) == 32:
        return Ed25519PublicKey.from_public_bytes(raw)
    text = raw.strip()
    if len(text) == 64:
        try:
            text = bytes.fromhex(text.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise ValueError("a hex ed25519 public key must be 64 hex characters") from None
    if len(text) != 32:
        raise ValueError("an ed25519 public key is 32 bytes (or 64 hex characters)")
    return Ed25519PublicKey.from_public_bytes(text)
