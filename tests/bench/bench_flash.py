"""Flashing throughput over a wire paced at 921600 baud (issue target: >= 95% of link rate).

The simulated device answers on a pty wire that delivers at most baud/10 bytes per second
each way. Figures: the image's raw bytes per second as a fraction of the link rate
(compression counts, as in esptool's figures), and the wire's own utilisation. The
baseline is the same image sent uncompressed in one stream with no protocol at all, on the
same wire, in the same process: the most any protocol could move without compression.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path

import serial
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from host.flash.device import flash_image
from host.flash.link import UpdateLink, open_port
from hw.sim.device import SimulatedDevice, factory_install
from hw.sim.wire import PacedWire
from tests.firmware.update.images import BOARD, ImageKit

BAUD = 921600


def raw_stream_rate(data: bytes) -> float:
    """Bytes/s of a bare write through the paced wire to a reader at the far end."""
    wire = PacedWire(BAUD).start()
    try:
        sender = serial.Serial(wire.host_path, timeout=0.1)
        receiver = serial.Serial(wire.device_path, timeout=0.1)
        started = time.monotonic()
        writer = threading.Thread(target=sender.write, args=(data,))
        writer.start()
        got = 0
        while got < len(data):
            got += len(receiver.read(max(1, receiver.in_waiting)))
        elapsed = time.monotonic() - started
        writer.join()
        sender.close()
        receiver.close()
    finally:
        wire.stop()
    return len(data) / elapsed


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    kit = ImageKit(Ed25519PrivateKey.generate(), tmp / "trees")
    factory_install(tmp / "dev", kit.build("1.0.0", minimal=True), [kit.key.public_key()], BOARD)
    image = kit.build("1.1.0")  # the whole controller package, as shipped
    link_rate = BAUD / 10
    baseline = raw_stream_rate(os.urandom(256 * 1024))
    device = SimulatedDevice(tmp / "dev", board=BOARD, baud=BAUD).start()
    try:
        port = open_port(device.port)
        result = flash_image(UpdateLink(port), image, resume=False, reboot=False)
        port.close()
    finally:
        device.stop()
    effective = len(image) / result.elapsed_s
    print(
        json.dumps(
            {
                "bench": "bench_flash",
                "baud": BAUD,
                "image_bytes": len(image),
                "wire_bytes": result.bytes_sent,
                "seconds": round(result.elapsed_s, 2),
                "effective_bytes_per_s": round(effective),
                "link_bytes_per_s": link_rate,
                "fraction_of_link_rate": round(effective / link_rate, 3),
                "wire_utilisation": round(result.bytes_sent / result.elapsed_s / link_rate, 3),
                "baseline_raw_stream_fraction": round(baseline / link_rate, 3),
                "vs_baseline": round(effective / baseline, 3),
                "target_fraction": 0.95,
            }
        )
    )


if __name__ == "__main__":
    main()
