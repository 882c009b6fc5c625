"""Send a signed image to the heater's update agent: `hearth flash device`.

Chunks are zlib-compressed one by one (so a resumed session needs no decompressor state)
and sent in a sliding window: the device acknowledges each with the next offset it
expects; a lower offset (a NAK) or silence makes the host go back to it (go-back-N).
"""

from __future__ import annotations

import hashlib
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from firmware.update.protocol import PROTOCOL_VERSION, Kind, data_payload, parse_ack
from host.flash.link import STOPPED, FlashError, UpdateLink
from host.flash.precheck import precheck

CHUNK = 16 * 1024
WINDOW = 8


@dataclass
class Progress:
    done: int
    total: int
    wire_bytes: int
    elapsed_s: float

    @property
    def rate(self) -> float:
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float:
        return (self.total - self.done) / self.rate if self.rate > 0 else float("inf")


@dataclass(frozen=True)
class FlashResult:
    slot: str
    version: str
    resumed_from: int
    bytes_sent: int  # on the wire, after compression and framing
    elapsed_s: float


def _chunks(image: bytes, start: int, size: int) -> list[tuple[int, bytes]]:
    out = []
    for offset in range(start, len(image), size):
        raw = image[offset : offset + size]
        out.append((offset, data_payload(offset, len(raw), zlib.compress(raw, 9))))
    return out


def flash_image(
    link: UpdateLink,
    image: bytes,
    *,
    resume: bool,
    reboot: bool = True,
    progress: Callable[[Progress], None] = lambda p: None,
) -> FlashResult:
    info = link.request(Kind.HELLO, {"proto": PROTOCOL_VERSION})
    precheck(image, info)
    max_chunk = info.get("max_chunk")
    chunk = min(CHUNK, max_chunk) if isinstance(max_chunk, int) else CHUNK
    if not resume:
        link.request(Kind.ABORT, {})
    digest = hashlib.sha256(image).hexdigest()
    ready = link.request(
        Kind.BEGIN,
        {"size": len(image), "sha256": digest, "chunk_size": chunk, "compression": "zlib"},
    )
    start = ready.get("resume_from")
    if not isinstance(start, int) or not 0 <= start <= len(image):
        raise FlashError(f"device proposed a bad resume offset {start!r}")
    started = time.monotonic()
    sent = _send_chunks(link, image, start, chunk, progress, started)
    done = link.request(Kind.END, {})
    if reboot:
        link.request(Kind.REBOOT, {})
    return FlashResult(
        slot=str(done.get("slot")),
        version=str(done.get("version")),
        resumed_from=start,
        bytes_sent=sent,
        elapsed_s=time.monotonic() - started,
    )


def _send_chunks(
    link: UpdateLink,
    image: bytes,
    start: int,
    chunk: int,
    progress: Callable[[Progress], None],
    started: float,
) -> int:
    frames = _chunks(image, start, chunk)
    index_of = {offset: i for i, (offset, _) in enumerate(frames)}
    base = 0  # first unacknowledged frame
    next_frame = 0
    wire = 0
    silent_rounds = 0
    rewound = False  # already went back for the current base: later NAKs repeat it
    while base < len(frames):
        while next_frame < len(frames) and next_frame < base + WINDOW:
            payload = frames[next_frame][1]
            link.send_data(payload)
            wire += len(payload)
            next_frame += 1
        packets = link.poll(link.timeout_s)
        if not packets:
            silent_rounds += 1
            if silent_rounds >= link.retries:
                raise FlashError(STOPPED)
            next_frame = base  # go back and resend the window
            continue
        silent_rounds = 0
        for packet in packets:
            if packet.kind is Kind.ERROR:
                answer = packet.json()
                raise FlashError(str(answer.get("message")), str(answer.get("code", "error")))
            if packet.kind is not Kind.ACK:
                continue
            expected = parse_ack(packet.payload)
            acked = len(frames) if expected >= len(image) else index_of.get(expected)
            if acked is None:
                raise FlashError(f"device asked for offset {expected}, not a chunk boundary")
            if acked > base:
                base, rewound = acked, False
            elif acked == base and next_frame > base + 1 and not rewound:
                next_frame, rewound = base, True  # the device lost a frame: go back to it
        done = frames[base][0] if base < len(frames) else len(image)
        progress(Progress(done, len(image), wire, time.monotonic() - started))
    return wire
