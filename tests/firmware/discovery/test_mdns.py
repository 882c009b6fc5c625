"""mDNS/DNS-SD in a network namespace of the test's own: a zeroconf browser finds
`_hearth._tcp` and `_http._tcp` with the TXT keys of docs/discovery.md, and sees the
pairing flag change when a code is opened."""

from __future__ import annotations

import json
import pathlib

from firmware.discovery import HEARTH_TYPE, HTTP_TYPE, advertised_addresses, instance_name
from tests.support.netns import run_in_netns

SCRIPT = pathlib.Path(__file__).with_name("netns_browse.py")


def test_an_app_browsing_the_lan_finds_the_heater_and_its_broker():
    result = run_in_netns(str(SCRIPT), "Living room heater")
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    hearth = found[HEARTH_TYPE]
    assert hearth["name"] == f"Living room heater.{HEARTH_TYPE}"
    assert hearth["port"] == 8123 and hearth["addresses"] == ["127.0.0.1"]
    assert hearth["txt"] == {
        "id": "hearth-test",
        "name": "Living room heater",
        "v": "9.9.9",
        "mqtt": f"127.0.0.1:{found['broker_port']}",
        "tls": "0",
        "prefix": "hearth",
        "pair": "0",
    }
    page = found[HTTP_TYPE]
    assert page["name"] == f"Living room heater.{HTTP_TYPE}"
    assert (page["port"], page["txt"]) == (8123, {"path": "/"})
    assert found["pairing"]["txt"]["pair"] == "1"


def test_loopback_alone_is_never_announced_unless_configured():
    assert advertised_addresses("", "127.0.0.1") == []
    assert advertised_addresses("", "0.0.0.0", ["127.0.0.1", "192.168.1.20"]) == ["192.168.1.20"]
    assert advertised_addresses("", "10.0.0.5") == ["10.0.0.5"]
    assert advertised_addresses("", "heater.lan") == []
    assert advertised_addresses("127.0.0.1", "127.0.0.1") == ["127.0.0.1"]


def test_instance_names_fit_one_dns_label():
    assert instance_name("Stube") == "Stube"
    long = "Wärmepumpen-Ersatz " * 6
    cut = instance_name(long)
    assert len(cut.encode()) <= 63 and long.startswith(cut)
    assert instance_name("   ") == "Hearth heater"
