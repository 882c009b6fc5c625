import json
import pathlib
import socket

import pytest

from app.launch import LaunchError, parse


@pytest.fixture
def listener() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock
    sock.close()


def write_credentials(path: pathlib.Path, **data: object) -> pathlib.Path:
    path.write_text(json.dumps(data))
    return path


def test_explicit_broker_and_screen() -> None:
    options = parse(
        [
            "--broker",
            "10.1.2.3:1884",
            "--user",
            "u",
            "--password",
            "p",
            "--screenshot",
            "x.png",
            "--screen",
            "stats",
        ]
    )
    assert (options.broker.host, options.broker.port) == ("10.1.2.3", 1884)
    assert options.broker.username == "u" and options.screen == "stats"
    assert options.screenshot == pathlib.Path("x.png")


def test_virtual_heater_credentials_are_read_by_default(
    tmp_path: pathlib.Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    path = write_credentials(
        tmp_path / "c.json", host="0.0.0.0", port=port, username="hearth", password="pw"
    )
    options = parse(["--credentials", str(path)])
    assert options.broker.host == "127.0.0.1" and options.broker.port == port
    assert options.broker.password == "pw"


def test_no_virtual_heater_says_how_to_start_it(tmp_path: pathlib.Path) -> None:
    with pytest.raises(LaunchError, match="make run"):
        parse(["--credentials", str(tmp_path / "missing.json")])


def test_without_any_broker_the_saved_settings_are_used(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no state/sim/broker-credentials.json here
    assert parse([]).broker is None
    with pytest.raises(LaunchError, match="needs a broker"):
        parse(["--screenshot", "x.png"])


def test_a_stale_credentials_file_is_not_a_running_heater(tmp_path: pathlib.Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    path = write_credentials(
        tmp_path / "c.json", host="127.0.0.1", port=port, username="u", password="p"
    )
    with pytest.raises(LaunchError, match="nothing answers"):
        parse(["--credentials", str(path)])


@pytest.mark.parametrize("data", ['{"host": 1}', "[]", "{bad", '{"host": "h", "port": 0}'])
def test_bad_credentials_files(tmp_path: pathlib.Path, data: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(data)
    with pytest.raises(LaunchError):
        parse(["--credentials", str(path)])


def test_bad_arguments() -> None:
    with pytest.raises(LaunchError, match=r"\.png"):
        parse(["--broker", "h:1", "--screenshot", "shot.jpg"])
    with pytest.raises(LaunchError, match="port"):
        parse(["--broker", "h:notaport"])
    with pytest.raises(SystemExit):
        parse(["--broker", "h:1", "--screen", "nope"])
