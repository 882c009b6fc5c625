"""The MicroPython frame codec (firmware/supervisor/link.py) run on the real MicroPython unix
port against the CPython one (firmware/safety/frames.py): the same streams, garbage
included, give the same frames, and frames encoded on either side decode on the other."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.safety.frames import MAX_PAYLOAD, Frame, FrameDecoder, encode_frame
from hw.sim.supervisor.sim import find_micropython

FIRMWARE_DIR = Path(__file__).resolve().parents[3] / "firmware" / "supervisor"

# Reads a hex stream and a chunk size from stdin, decodes with the firmware's parser, prints
# each frame as "type seq payloadhex", then re-encodes each one and prints that too.
MPY_SCRIPT = """
import sys
from link import FrameParser, encode_frame
stream = bytes.fromhex(sys.stdin.readline().strip())
chunk = int(sys.stdin.readline())
parser = FrameParser()
for start in range(0, len(stream), chunk):
    for frame_type, seq, payload in parser.feed(stream[start:start + chunk]):
        print("F", frame_type, seq, payload.hex())
        print("E", encode_frame(frame_type, seq, payload).hex())
"""

frames = st.builds(
    Frame,
    type=st.integers(0, 255),
    seq=st.integers(0, 255),
    payload=st.binary(max_size=MAX_PAYLOAD),
)
pieces = st.lists(st.one_of(frames, st.binary(min_size=1, max_size=40)), max_size=8)


def run_micropython(stream: bytes, chunk: int) -> list[str]:
    result = subprocess.run(
        [find_micropython(), "-c", MPY_SCRIPT],
        input=f"{stream.hex()}\n{chunk}\n",
        capture_output=True,
        text=True,
        timeout=20,
        env={"MICROPYPATH": str(FIRMWARE_DIR)},
        check=True,
    )
    return result.stdout.split("\n")[:-1]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces, st.integers(1, 50))
def test_both_decoders_agree_on_any_stream(parts: list[Frame | bytes], chunk: int) -> None:
    stream = b"".join(
        encode_frame(p.type, p.seq, p.payload) if isinstance(p, Frame) else p for p in parts
    )
    expected = FrameDecoder().feed(stream)
    lines = run_micropython(stream, chunk)
    decoded = [line.split(" ") for line in lines if line.startswith("F")]
    assert [Frame(int(t), int(s), bytes.fromhex(p)) for _, t, s, p in decoded] == expected
    reencoded = [bytes.fromhex(line[2:]) for line in lines if line.startswith("E")]
    assert reencoded == [encode_frame(f.type, f.seq, f.payload) for f in expected]
    # Every whole frame that was sent is found by both, garbage around it or not.
    sent = [p for p in parts if isinstance(p, Frame)]
    assert all(frame in expected for frame in sent)
