"""The device side of `hearth flash device` and `hearth provision` (docs/update-protocol.md).

`UpdateAgent.handle()` is the protocol core: one packet in, response frames out, all
state on disk under the update root so a session survives a disconnect or a power cut and
resumes from the last acknowledged chunk. `serve()` is the serial edge.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import zlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import serial
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from firmware.config import ConfigError, load_config, provision
from firmware.store.atomic_file import write_atomic
from firmware.update.boot_slot import started_slot
from firmware.update.image import MAX_IMAGE_BYTES, ImageError
from firmware.update.install import (
    downgrade_allowed,
    image_board,
    load_trusted,
    verify_and_install,
)
from firmware.update.protocol import (
    PROTOCOL_VERSION,
    Deframer,
    FrameError,
    Kind,
    Packet,
    ack_payload,
    encode,
    encode_json,
    parse_data,
)
from firmware.update.slots import SlotStore

MAX_CHUNK = 32 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _no_checkpoint(step: str) -> None:
    """Default step hook; the device simulator passes one that cuts the power."""


@dataclass(frozen=True)
class Session:
    """A download in progress, persisted after every acknowledged chunk."""

    sha256: str
    size: int
    received: int
    chunk_size: int
    compression: str

    @classmethod
    def from_json(cls, raw: bytes) -> Session | None:
        try:
            session = cls(**json.loads(raw))
        except (ValueError, TypeError):
            return None
        fields = (session.size, session.received, session.chunk_size)
        if not all(isinstance(value, int) for value in fields):
            return None
        return session if 0 <= session.received <= session.size else None


@dataclass(frozen=True)
class DeviceIdentity:
    board: str
    version: str
    running_slot: str


class UpdateAgent:
    def __init__(
        self,
        root: Path,
        identity: DeviceIdentity,
        *,
        trusted_keys: Mapping[bytes, Ed25519PublicKey] | None = None,
        free_bytes: Callable[[], int] | None = None,
        checkpoint: Callable[[str], None] = _no_checkpoint,
    ) -> None:
        self.root = root
        self.identity = identity
        self.store = SlotStore(root, checkpoint)
        self.checkpoint = checkpoint
        self.incoming = root / "incoming"
        self.incoming.mkdir(parents=True, exist_ok=True)
        self.trusted = dict(trusted_keys) if trusted_keys is not None else load_trusted(root)
        self._free_bytes = free_bytes or (lambda: shutil.disk_usage(root).free)
        self.reboot_requested = False

    # -- session on disk -------------------------------------------------------------
    @property
    def _session_path(self) -> Path:
        return self.incoming / "session.json"

    @property
    def _part_path(self) -> Path:
        return self.incoming / "image.part"

    def session(self) -> Session | None:
        try:
            return Session.from_json(self._session_path.read_bytes())
        except OSError:
            return None

    def _save_session(self, session: Session) -> None:
        data = json.dumps(asdict(session), sort_keys=True).encode()
        write_atomic(self._session_path, data, keep_previous=False)

    def _drop_session(self) -> None:
        self._session_path.unlink(missing_ok=True)
        self._part_path.unlink(missing_ok=True)

    # -- protocol ----------------------------------------------------------------------
    def handle(self, packet: Packet) -> list[bytes]:
        seq = packet.seq
        try:
            if packet.kind is Kind.DATA:
                return [encode(Kind.ACK, seq, ack_payload(self._data(packet.payload)))]
            handlers = {
                Kind.HELLO: self._hello,
                Kind.BEGIN: self._begin,
                Kind.END: self._end,
                Kind.REBOOT: self._reboot,
                Kind.PROVISION: self._provision,
                Kind.ABORT: self._abort,
            }
            handler = handlers.get(packet.kind)
            if handler is None:
                raise ImageError("protocol", f"{packet.kind.name} is not a request")
            kind, body = handler(packet.json())
            return [encode_json(kind, seq, body)]
        except ImageError as exc:
            return [encode_json(Kind.ERROR, seq, {"code": exc.code, "message": str(exc)})]
        except FrameError as exc:
            return [encode_json(Kind.ERROR, seq, {"code": "protocol", "message": str(exc)})]

    def _info(self) -> dict[str, object]:
        state = self.store.state()
        session = self.session()
        return {
            "proto": PROTOCOL_VERSION,
            "board": self.identity.board,
            "version": self.identity.version,
            "running_slot": self.identity.running_slot,
            "active": state.active,
            "trial": state.trial,
            "floor": state.floor,
            "highest": state.highest,
            "allow_downgrade": downgrade_allowed(self.root),
            # Public keys, so the host can check the whole image before sending a byte.
            "keys": [public_hex(key) for key in self.trusted.values()],
            "max_chunk": MAX_CHUNK,
            "session": None if session is None else asdict(session),
        }

    def _hello(self, body: dict[str, object]) -> tuple[Kind, dict[str, object]]:
        if body.get("proto") != PROTOCOL_VERSION:
            raise ImageError("protocol", f"host speaks protocol {body.get('proto')!r}, device 1")
        return Kind.INFO, self._info()

    def _begin(self, body: dict[str, object]) -> tuple[Kind, dict[str, object]]:
        size, digest = body.get("size"), body.get("sha256")
        chunk, compression = body.get("chunk_size"), body.get("compression")
        if not isinstance(size, int) or not 0 < size <= MAX_IMAGE_BYTES:
            raise ImageError("too_large", f"image size {size!r} must be 1..{MAX_IMAGE_BYTES}")
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise ImageError("protocol", "sha256 must be 64 lowercase hex characters")
        if not isinstance(chunk, int) or not 256 <= chunk <= MAX_CHUNK:
            raise ImageError("protocol", f"chunk_size {chunk!r} must be 256..{MAX_CHUNK}")
        if compression not in ("zlib", "none"):
            raise ImageError("protocol", f"compression {compression!r} must be zlib or none")
        # Room for the download and the unpacked slot beside it.
        if 3 * size > self._free_bytes():
            raise ImageError(
                "out_of_space",
                f"not enough space for a {size}-byte image ({self._free_bytes()} bytes free)",
            )
        old = self.session()
        if old is not None and old.sha256 == digest and old.size == size:
            # Resume: bytes past the last acknowledged chunk may be half-written.
            with open(self._part_path, "r+b") as part:
                part.truncate(old.received)
            session = replace(old, chunk_size=chunk, compression=compression)
        else:
            self._drop_session()
            self._part_path.write_bytes(b"")
            session = Session(digest, size, 0, chunk, compression)
        self._save_session(session)
        return Kind.READY, {"resume_from": session.received}

    def _data(self, payload: bytes) -> int:
        session = self.session()
        if session is None:
            raise ImageError("no_session", "DATA before BEGIN")
        offset, raw_len, chunk = parse_data(payload)
        if offset != session.received:
            return session.received  # a repeat or a gap: tell the host where to continue
        if not 0 < raw_len <= session.chunk_size or offset + raw_len > session.size:
            raise ImageError("protocol", f"chunk at {offset} of {raw_len} bytes is out of range")
        if session.compression == "zlib":
            inflater = zlib.decompressobj()
            try:
                raw = inflater.decompress(chunk, raw_len)
            except zlib.error as exc:
                raise ImageError("protocol", f"chunk at {offset} does not inflate: {exc}") from None
            if not inflater.eof or inflater.unconsumed_tail:
                raise ImageError("protocol", f"chunk at {offset} inflates past {raw_len} bytes")
        else:
            raw = chunk
        if len(raw) != raw_len:
            raise ImageError("protocol", f"chunk at {offset} is {len(raw)} bytes, not {raw_len}")
        with open(self._part_path, "r+b") as part:
            part.seek(offset)
            part.write(raw)
            part.flush()
            os.fsync(part.fileno())
        self.checkpoint("download:chunk-written")
        self._save_session(replace(session, received=offset + raw_len))
        self.checkpoint("download:chunk-acked")
        return offset + raw_len

    def _end(self, body: dict[str, object]) -> tuple[Kind, dict[str, object]]:
        session = self.session()
        if session is None:
            raise ImageError("no_session", "END before BEGIN")
        if session.received != session.size:
            raise ImageError(
                "truncated", f"image incomplete: {session.received} of {session.size} bytes"
            )
        data = self._part_path.read_bytes()
        if hashlib.sha256(data).hexdigest() != session.sha256:
            self._drop_session()
            raise ImageError("hash_mismatch", "received image does not match its SHA-256")
        try:
            installed = verify_and_install(
                self.store, data, board=self.identity.board, trusted=self.trusted
            )
        except ImageError:
            self._drop_session()
            raise
        self._drop_session()
        self.checkpoint("install:done")
        return Kind.DONE, asdict(installed)

    def _reboot(self, body: dict[str, object]) -> tuple[Kind, dict[str, object]]:
        self.reboot_requested = True
        return Kind.DONE, {"message": "restarting"}

    def _abort(self, body: dict[str, object]) -> tuple[Kind, dict[str, object]]:
        self._drop_session()
        return Kind.DONE, {"message": "partial download discarded"}

    def _provision(self, body: dict[str, object]) -> tuple[Kind, dict[str, object]]:
        settings = body.get("settings")
        if not isinstance(settings, dict):
            raise ImageError("invalid_settings", "PROVISION needs a 'settings' object")
        try:
            shown = provision.save(self.root / "state", settings)
        except ValueError as exc:
            raise ImageError("invalid_settings", str(exc)) from None
        return Kind.DONE, {"settings": shown}


def public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def serve(agent: UpdateAgent, port: str, *, poll_s: float = 0.05) -> None:
    """Answer packets on `port` until a REBOOT request has been answered."""
    link = serial.serial_for_url(port, baudrate=921600, timeout=poll_s)
    deframer = Deframer()
    try:
        while not agent.reboot_requested:
            data = link.read(link.in_waiting or 1)
            if not data:
                continue
            for packet in deframer.feed(data):
                for frame in agent.handle(packet):
                    link.write(frame)
            link.flush()
    finally:
        link.close()


EXIT_REBOOT = 4  # a REBOOT was answered: the service manager restarts the device
EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    """`python -m firmware.update.agent --config /etc/hearth/hearth.toml --port /dev/ttyGS0`:
    serve `hearth flash device` / `hearth provision` until a REBOOT is answered."""
    parser = argparse.ArgumentParser(prog="hearth-update-agent", description=__doc__)
    parser.add_argument("--port", required=True, help="USB serial gadget port (or pty)")
    parser.add_argument("--config", type=Path, help="hearthd's config: [update] root, board")
    parser.add_argument("--root", type=Path, help="update root (slots, keys); or from --config")
    parser.add_argument("--board", help="board profile name; or [device] board of --config")
    parser.add_argument("--version", help="running version; default: the running slot's")
    parser.add_argument("--slot", choices=("a", "b"), help="running slot; default: detected")
    args = parser.parse_args(argv)
    root, board = args.root, args.board
    if args.config is not None:
        try:
            config = load_config(args.config)
        except ConfigError as exc:
            print(f"hearth-update-agent: configuration refused: {exc}", file=sys.stderr)
            return EXIT_USAGE
        root = root or config.update.root
        board = board or image_board(config.device.board)
    if root is None or not board:
        print("hearth-update-agent: give --config, or --root and --board", file=sys.stderr)
        return EXIT_USAGE
    store = SlotStore(root)
    slot = args.slot or started_slot(root)
    version = args.version or str((store.slot_info(slot) or {}).get("version", "0.0.0"))
    agent = UpdateAgent(root, DeviceIdentity(board, version, slot))
    serve(agent, args.port)
    return EXIT_REBOOT


if __name__ == "__main__":
    raise SystemExit(main())
