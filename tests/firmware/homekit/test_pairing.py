"""aiohomekit pairs with the heater's HomeKit accessory and sets the target to 22 °C;
the heater's state follows (docs/homekit.md). All of it inside a network namespace of
the test's own (mDNS included), so multicast never leaves the machine. In the same run a
real headless Chromium captures the heater's own page as the owner sees it then: the
thermostat at 22.0 °C and the Apple Home card, paired, with the setup QR code that ZBar
reads back as the setup payload (docs/screenshots/homekit-22c.png is that capture)."""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any

import pytest
from PIL import Image

from firmware.homekit.setup_code import CATEGORY_THERMOSTAT, setup_uri
from tests.conftest import require
from tests.firmware.homekit.netns_pair import QR_SHOT
from tests.support.chromium import chromium_missing
from tests.support.netns import run_in_netns
from tests.support.qr import decode_qr, zbar_missing

SCRIPT = pathlib.Path(__file__).with_name("netns_pair.py")
REPO = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def paired(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One netns run for both tests; the screenshot only where Chromium can run."""
    shot = tmp_path_factory.mktemp("homekit") / "homekit-22c.png"
    args = [str(shot)] if chromium_missing() is None else []
    with pytest.MonkeyPatch.context() as env:  # the script imports tests.support
        env.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
        result = run_in_netns(str(SCRIPT), *args, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    out = dict(json.loads(result.stdout.strip().splitlines()[-1]))
    out["shot"] = shot
    return out


def test_a_home_app_pairs_and_sets_the_target_and_the_heater_follows(paired):
    out = paired
    setup, kept = out["setup"], out["kept"]
    assert out["setup_anonymous_status"] == 401  # the code is the owner's to see
    assert setup["setup_code"] == kept["setup_code"] and setup["paired"] is False
    assert setup["setup_uri"] == setup_uri(kept["setup_code"], kept["setup_id"])
    assert out["discovered"]["address"] == "127.0.0.1"
    assert out["discovered"]["category"] == CATEGORY_THERMOSTAT
    assert out["put_22"] == {}  # every characteristic written
    assert out["after_22"]["state"] == 22.0
    assert out["after_22"]["settings"]["target_c"] == 22.0
    # Outside the heater's range: refused, nothing applied (not clamped to 30).
    assert [v["status"] for v in out["put_35"].values()] != [0]
    assert out["after_off"] == {"target_c": 22.0, "mode": "off"}
    assert out["hap_after_off"] == {"target_c": 22.0, "target_state": 0, "current_state": 0}
    assert out["paired_flag"] is True
    assert out["exit_1"] == 0 and out["exit_2"] == 0
    assert out["after_restart"] == 22.0 and out["mode_after_restart"] == "heat"
    assert kept["setup_code"] not in out["log"]  # shown to the owner, never logged


def test_the_owners_page_shows_22_and_the_apple_home_pairing(paired):
    reason = chromium_missing()
    require(reason is None, reason or "")
    page, kept = paired["page"], paired["kept"]
    assert "target 22.0 °C" in page["thermostat"] and page["mode"] == "heat"
    assert page["homekit_shown"] and page["hk_code"] == kept["setup_code"]
    assert page["hk_paired"] == "(paired with a Home)"
    assert page["hk_uri"] == setup_uri(kept["setup_code"], kept["setup_id"])
    reason = zbar_missing()
    require(reason is None, reason or "")
    # The QR code the Home app would scan, read off the page by a real decoder.
    qr_shot = paired["shot"].with_name(QR_SHOT)
    assert decode_qr(qr_shot) == [setup_uri(kept["setup_code"], kept["setup_id"])]
    shot: pathlib.Path = paired["shot"]
    with Image.open(shot) as image:  # a real picture of the page, not a blank one
        assert image.format == "PNG" and image.width == 1280  # the whole page, in one
        assert image.height >= page["page_height"]
        low, high = image.convert("L").getextrema()
        assert high - low > 100 and len(image.getcolors(1 << 20) or []) > 50
    assert shot.stat().st_size > 20_000
