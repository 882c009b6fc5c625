"""`hearth flash device` against the simulated heater over real ptys: install, refuse,
resume, roll back, and survive a power cut at every step of an update."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.config import load_config
from firmware.update.agent import EXIT_REBOOT
from firmware.update.boot_slot import BOOT_SLOT_ENV
from firmware.update.slots import SlotStore
from host.cli import main
from host.flash.device import Progress, flash_image
from host.flash.link import FlashError, UpdateLink, open_port
from hw.sim.device import SimulatedDevice, factory_install
from hw.sim.wire import PacedWire
from tests.firmware.update.images import BOARD, ImageKit


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> ImageKit:
    return ImageKit(Ed25519PrivateKey.generate(), tmp_path_factory.mktemp("trees"))


def start_device(root: Path, kit: ImageKit, **options: object) -> SimulatedDevice:
    factory_install(root, kit.build("1.0.0", minimal=True), [kit.key.public_key()], BOARD)
    return SimulatedDevice(root, board=BOARD, confirm_timeout_s=2.0, **options).start()  # type: ignore[arg-type]


@pytest.fixture
def device(tmp_path: Path, kit: ImageKit) -> Iterator[SimulatedDevice]:
    dev = start_device(tmp_path / "dev", kit)
    yield dev
    dev.stop()


def wait_for(condition: object, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def settled(dev: SimulatedDevice, slot: str) -> bool:
    """The device runs `slot`, confirmed, and its firmware is up."""
    state = SlotStore(dev.root).state()
    last = dev.boots[-1]
    return state.trial is None and state.active == slot == last.slot and last.exit_code is None


def test_flash_installs_and_new_firmware_confirms_itself(
    device: SimulatedDevice, kit: ImageKit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "fw.img"
    image.write_bytes(kit.build("1.1.0"))  # the full firmware package
    assert main(["flash", "device", "--port", device.port, str(image)]) == 0
    assert "installed version 1.1.0 in slot a" in capsys.readouterr().out
    wait_for(lambda: settled(device, "a"))
    assert device.boots[-1].version == "1.1.0"
    assert "1.1.0" in (device.root / "slots/a/controller/firmware/__init__.py").read_text()


def test_refused_image_leaves_device_as_it_was(
    device: SimulatedDevice, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stranger = ImageKit(Ed25519PrivateKey.generate(), tmp_path / "other")
    image = tmp_path / "evil.img"
    image.write_bytes(stranger.build("2.0.0", minimal=True))
    before = (SlotStore(device.root).state(), len(device.boots))
    assert main(["flash", "device", "--port", device.port, str(image)]) == 1
    out = capsys.readouterr().out
    assert "REFUSED (wrong_key)" in out and "was not changed" in out
    assert (SlotStore(device.root).state(), len(device.boots)) == before


def test_interrupted_upload_resumes(
    device: SimulatedDevice, kit: ImageKit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = kit.build("1.2.0")
    image = tmp_path / "fw.img"
    image.write_bytes(data)

    class Unplugged(Exception):
        pass

    def unplug_midway(progress: Progress) -> None:
        if progress.done > len(data) // 3:
            raise Unplugged

    port = open_port(device.port)
    with pytest.raises(Unplugged):
        flash_image(UpdateLink(port), data, resume=False, progress=unplug_midway)
    port.close()
    assert main(["flash", "device", "--port", device.port, "--resume", str(image)]) == 0
    out = capsys.readouterr().out
    resumed_at = int(out.split("resumed at byte ")[1].split(")")[0])
    assert len(data) // 3 < resumed_at < len(data)
    wait_for(lambda: settled(device, "a"))


def test_broken_firmware_rolls_back(device: SimulatedDevice, kit: ImageKit, tmp_path: Path) -> None:
    image = tmp_path / "broken.img"
    image.write_bytes(kit.build("1.3.0", broken=True, minimal=True))
    assert main(["flash", "device", "--port", device.port, str(image)]) == 0
    wait_for(lambda: len(device.boots) >= 3 and settled(device, "b"))
    trial = device.boots[1]
    assert (trial.slot, trial.version) == ("a", "1.3.0") and trial.exit_code != 0
    assert device.boots[2].version == "1.0.0"
    # And the device still takes a good update afterwards.
    good = tmp_path / "good.img"
    good.write_bytes(kit.build("1.3.1", minimal=True))
    assert main(["flash", "device", "--port", device.port, str(good)]) == 0
    wait_for(lambda: settled(device, "a"))


def flash_until_done(port_path: str, image: bytes) -> int:
    """Like a person re-running `hearth flash device --resume` after a failure."""
    for attempt in range(6):
        port = open_port(port_path)
        try:
            flash_image(UpdateLink(port, timeout_s=1.0), image, resume=True)
            return attempt
        except FlashError:
            time.sleep(0.3)
        finally:
            port.close()
    raise AssertionError("update never completed")


def test_power_cut_at_every_step_leaves_a_bootable_device(tmp_path: Path, kit: ImageKit) -> None:
    image = kit.build("1.1.0", minimal=True)
    trace = tmp_path / "clean.trace"
    dev = start_device(tmp_path / "clean", kit, trace=trace)
    try:
        flash_until_done(dev.port, image)
        wait_for(lambda: settled(dev, "a"))
    finally:
        dev.stop()
    steps = trace.read_text().splitlines()
    assert {"download:chunk-acked", "install:trial", "boot:trial", "confirm:after"} <= set(steps)

    for cut in range(1, len(steps) + 1):
        root = tmp_path / f"cut{cut}"
        dev = start_device(root, kit, trace=tmp_path / f"cut{cut}.trace", cut_at=cut)
        try:
            flash_until_done(dev.port, image)
            wait_for(lambda dev=dev: dev.power_cuts == 1)  # type: ignore[misc]
            wait_for(lambda dev=dev: settled(dev, SlotStore(dev.root).state().active))  # type: ignore[misc]
            # Every boot ran a complete slot; the device ends on the new or the old image,
            # and if the cut took the update back, a second attempt installs it.
            store = SlotStore(root)
            assert all(store.slot_complete(boot.slot) for boot in dev.boots), dev.boots
            if dev.boots[-1].version != "1.1.0":
                flash_until_done(dev.port, image)
            wait_for(
                lambda dev=dev: (
                    dev.boots[-1].version == "1.1.0"  # type: ignore[misc]
                    and settled(dev, SlotStore(dev.root).state().active)
                )
            )
        finally:
            dev.stop()


def test_provision_over_usb(device: SimulatedDevice, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["provision", "--port", device.port, "--device-name", "den"]
    args += ["--pool-url", "stratum+tcp://pool.example:3333", "--pool-password", "s3cret-pass"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "device_name = den" in out and "pool_password = ***" in out
    assert "s3cret-pass" not in out
    stored = device.root / "state/provisioned.json"
    before = stored.read_bytes()
    assert main(["provision", "--port", device.port, "--mqtt-port", "0"]) == 1
    out = capsys.readouterr().out
    assert "mqtt_port" in out and "Nothing was changed" in out
    assert stored.read_bytes() == before
    # hearthd on that device runs with what was provisioned over its config file.
    config_file = device.root / "hearth.toml"
    config_file.write_text(
        f'[update]\nroot = "{device.root}"\n\n[[pool]]\nurl = "stratum+tcp://factory:3333"\n'
        'user = "bc1qfactory"\n'
    )
    config = load_config(config_file)
    assert (config.device.id, config.provisioned) == (
        "den",
        ("device_name", "pool_password", "pool_url"),
    )
    assert [(p.url, p.password.value) for p in config.pools] == [
        ("stratum+tcp://pool.example:3333", "s3cret-pass")
    ]


def test_the_device_agent_service_entry_point_serves_a_flash_then_asks_for_reboot(
    tmp_path: Path, kit: ImageKit, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m firmware.update.agent --config hearth.toml --port ...` as
    hearth-update.service runs it: update root and board from hearthd's config, running
    slot and version found on its own; exit 4 after the host's REBOOT."""
    root = tmp_path / "dev"
    factory_install(root, kit.build("1.0.0", minimal=True), [kit.key.public_key()], BOARD)
    config = tmp_path / "hearth.toml"
    config.write_text(
        f'[device]\nboard = "{BOARD}"\n\n[update]\nroot = "{root}"\n\n'
        '[[pool]]\nurl = "stratum+tcp://pool:3333"\nuser = "bc1q"\n'
    )
    wire = PacedWire(None).start()
    command = [sys.executable, "-m", "firmware.update.agent", "--config", str(config)]
    agent = subprocess.Popen(
        [*command, "--port", wire.device_path],
        env={k: v for k, v in os.environ.items() if k != BOOT_SLOT_ENV},
    )
    try:
        image = tmp_path / "fw.img"
        image.write_bytes(kit.build("1.4.0", minimal=True))
        assert main(["flash", "device", "--port", wire.host_path, str(image)]) == 0
        out = capsys.readouterr().out
        assert "installed version 1.4.0 in slot a" in out
        assert agent.wait(timeout=30) == EXIT_REBOOT
        assert SlotStore(root).state().trial == "a"
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        wire.stop()
