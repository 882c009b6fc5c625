"""Done means (issue 16): a fresh app finds a running `hearth sim` through mDNS, pairs
with the code `hearth sim` printed and shows a full 48-hour chart. All of it inside a
network namespace the test makes (multicast never leaves the machine), with the real
heater, its embedded broker, the real app under Kivy on a private Xvfb."""

from __future__ import annotations

import json
import pathlib

import pytest

from tests.support.netns import run_in_netns

SCRIPT = pathlib.Path(__file__).with_name("netns_pair.py")
HOURS_48 = 48 * 3600


@pytest.mark.slow
def test_a_fresh_app_finds_pairs_and_shows_48_hours(tmp_path: pathlib.Path) -> None:
    result = run_in_netns(str(SCRIPT), str(tmp_path / "run"), timeout=400)
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["driver_exit"] == 0, found["driver_stderr"]
    report = found["report"]
    assert "error" not in report, report
    # A fresh app opens on Setup and lists the heater mDNS found, with its broker.
    assert report["first_screen"] == "settings"
    assert report["found"]["name"] == "Hearth heater" and report["found"]["pairing_open"]
    assert "Hearth heater · v0.1.0 · pairing open" in report["found_labels"]
    assert report["code_typed"] == found["code"]
    # Pairing gave the app a login of its own, which the owner sees on the heater.
    login = report["saved_login"]
    assert login["username"].startswith("app-") and login["username"] != "hearth"
    assert f"{login['host']}:{login['port']}" == report["found"]["mqtt"]
    assert [app["username"] for app in found["paired_apps"]] == [login["username"]]
    assert found["paired_apps"][0]["client"] == "Hearth app"
    assert report["pairing_message"] == "Paired with Hearth heater."
    # The retained minute history fills the 48-hour view at once: 2,880 minutes seeded.
    stats = report["stats"]
    assert stats["kept_samples"] >= 48 * 60 - 5
    assert stats["oldest_s"] <= -(HOURS_48 - 600)
    assert stats["note"].startswith("The last 48 hours from the heater's own history")
    assert "48 h ago – now" in stats["labels"]
    # Drawn: the room line and the power line, by their colours' pixels.
    assert stats["room_pixels"] > 1000 and stats["power_pixels"] > 1000
    # Settings are kept the moment they change (no Connect, no restart).
    assert report["saved_after_change"] == {"units": "F", "tariff_per_kwh": 0.31}
    for name in ("found.png", "stats.png"):
        assert (tmp_path / "run" / name).stat().st_size > 10_000
