"""`[backend]`: kind asic | cpu | miner, a miner's host, type and masked credentials, and
the backend hearthd opens for each."""

from __future__ import annotations

import pytest

from firmware.board import load_board
from firmware.config import ConfigError, parse_config
from firmware.cpuminer import CpuBackend
from firmware.daemon.backend_choice import open_backend
from firmware.miner.backend import MinerBackend

POOL = [{"url": "stratum+tcp://pool.example:3333", "user": "u"}]


def config(**backend: object):  # type: ignore[no-untyped-def]
    return parse_config({"pool": POOL, "backend": backend})


def test_default_is_the_asic_chain() -> None:
    assert config().backend.kind == "asic"


def test_a_miner_with_credentials_never_shows_the_password() -> None:
    c = config(kind="miner", host="127.0.0.2", type="avalon-nano3s", username="root",
               password="hunter2")
    assert (c.backend.host, c.backend.type) == ("127.0.0.2", "avalon-nano3s")
    assert "hunter2" not in repr(c)


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        ({"kind": "antminer"}, "backend.kind"),
        ({"kind": "miner"}, "backend.host"),
        ({"kind": "miner", "host": "127.0.0.2", "type": "s21"}, "backend.type"),
    ],
)
def test_bad_backend_keys_are_refused(keys: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError) as info:
        config(**keys)
    assert named in str(info.value)


async def test_hearthd_opens_what_the_config_names() -> None:
    board = load_board("hearth-400")
    c = config(kind="miner", host="127.0.0.2", type="avalon-nano3s")
    miner = await open_backend(c.asic, board, None, c.backend)
    assert isinstance(miner, MinerBackend)
    cpu = config(kind="cpu")
    assert isinstance(await open_backend(cpu.asic, board, None, cpu.backend), CpuBackend)
