"""Signed images: build, sign, verify, and every way a bad image must be refused."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.update.image import (
    FOOTER,
    ImageError,
    key_id,
    load_public_key,
    pack_footer,
    signed_message,
    verify_image,
)
from host.cli import main
from host.image.build import build_image
from host.image.keys import load_private_key, new_key
from host.image.sign import sign_image
from tests.host.image.repo_tree import BOARD, make_repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("tree") / "repo")
    # A C source ships; a bytecode cache does not.
    (root / "firmware" / "hashing").mkdir()
    (root / "firmware" / "hashing" / "core.c").write_text("int x;\n")
    (root / "firmware" / "__pycache__").mkdir()
    (root / "firmware" / "__pycache__" / "junk.pyc").write_bytes(b"\0")
    return root


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def trusted(key: Ed25519PrivateKey) -> dict[bytes, object]:
    return {key_id(key.public_key()): key.public_key()}


@pytest.fixture(scope="module")
def payload(repo: Path) -> bytes:
    return build_image(repo, board=BOARD, version="1.2.0", min_version="1.0.0")


@pytest.fixture(scope="module")
def signed(payload: bytes, key: Ed25519PrivateKey) -> bytes:
    return sign_image(payload, key)


def test_build_is_deterministic_and_lists_every_file(repo: Path, payload: bytes) -> None:
    again = build_image(repo, board=BOARD, version="1.2.0", min_version="1.0.0")
    assert again == payload
    with tarfile.open(fileobj=io.BytesIO(payload)) as archive:
        names = archive.getnames()
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
        mpy = archive.extractfile("supervisor/limits.mpy").read()  # type: ignore[union-attr]
        main_py = archive.extractfile("supervisor/main.py").read()  # type: ignore[union-attr]
    assert names[0] == "manifest.json"
    assert sorted(f["path"] for f in manifest["files"]) == sorted(names[1:])
    assert "controller/firmware/hashing/core.c" in names
    assert not any("__pycache__" in name for name in names)
    assert f"boards/{BOARD}.toml" in names
    # mpy-cross output: header 'M', mpy format version 6; entry file kept as source.
    assert mpy[0:1] == b"M" and mpy[1] == 6
    assert main_py == b"import limits\n"
    assert manifest["version"] == "1.2.0" and manifest["board"] == BOARD


def test_signed_image_verifies(signed: bytes, trusted: dict[bytes, object]) -> None:
    image = verify_image(signed, trusted, board=BOARD, security_floor="1.0.0")  # type: ignore[arg-type]
    assert image.manifest.version == "1.2.0"
    files = image.files()
    assert files["controller/firmware/__init__.py"] == b'__version__ = "1.2.0"\n'
    for entry in image.manifest.files:
        assert hashlib.sha256(files[entry.path]).hexdigest() == entry.sha256


def refusal(data: bytes, trusted: object, **kw: object) -> str:
    with pytest.raises(ImageError) as info:
        verify_image(data, trusted, **kw)  # type: ignore[arg-type]
    return info.value.code


def test_unsigned_refused(payload: bytes, trusted: object) -> None:
    assert refusal(payload, trusted, board=BOARD) == "unsigned"


def test_wrong_key_refused(signed: bytes) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    assert refusal(signed, {key_id(other): other}, board=BOARD) == "wrong_key"


def test_wrong_board_and_downgrade_refused(signed: bytes, trusted: object) -> None:
    assert refusal(signed, trusted, board="bitaxe-ultra") == "wrong_board"
    assert refusal(signed, trusted, board=BOARD, security_floor="1.3.0") == "downgrade"


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=1, max_value=10**9))
def test_truncated_refused_wherever_cut(signed: bytes, trusted: object, cut: int) -> None:
    data = signed[: cut % len(signed)]
    assert refusal(data, trusted, board=BOARD) in {"truncated", "unsigned"}


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0, max_value=10**9), bit=st.integers(0, 7))
def test_any_bit_flip_refused(signed: bytes, trusted: object, position: int, bit: int) -> None:
    data = bytearray(signed)
    data[position % len(data)] ^= 1 << bit
    with pytest.raises(ImageError):
        verify_image(bytes(data), trusted, board=BOARD)  # type: ignore[arg-type]


def _sign_raw(payload: bytes, key: Ed25519PrivateKey) -> bytes:
    signature = key.sign(signed_message(payload))
    return payload + pack_footer(payload, key_id(key.public_key()), signature)


def _tar(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_validly_signed_but_malformed_contents_refused(
    key: Ed25519PrivateKey, trusted: object
) -> None:
    evil = b"owned"
    manifest = {
        "format": 1, "version": "9.0.0", "min_version": "9.0.0", "board": BOARD,
        "files": [{"path": "../etc/evil", "sha256": hashlib.sha256(evil).hexdigest(), "size": 5}],
    }  # fmt: skip
    traversal = _tar([("manifest.json", json.dumps(manifest).encode()), ("../etc/evil", evil)])
    assert refusal(_sign_raw(traversal, key), trusted, board=BOARD) == "corrupt"

    manifest["files"] = []
    extra = _tar([("manifest.json", json.dumps(manifest).encode()), ("unlisted", evil)])
    assert refusal(_sign_raw(extra, key), trusted, board=BOARD) == "corrupt"

    assert refusal(_sign_raw(b"not a tar" * 100, key), trusted, board=BOARD) == "corrupt"


def test_sign_refuses_signed_or_malformed_input(signed: bytes, key: Ed25519PrivateKey) -> None:
    with pytest.raises(ImageError):
        sign_image(signed, key)
    with pytest.raises(ImageError):
        sign_image(b"x" * 1024, key)


def test_footer_is_fixed_size(signed: bytes, payload: bytes) -> None:
    assert len(signed) == len(payload) + FOOTER.size == len(payload) + 96


def test_keys_are_private_and_never_overwritten(tmp_path: Path) -> None:
    private_path, public_path = new_key(tmp_path)
    assert stat.S_IMODE(os.stat(private_path).st_mode) == 0o600
    public = load_public_key(public_path.read_bytes())
    assert key_id(public) == key_id(load_private_key(private_path).public_key())
    with pytest.raises(FileExistsError):
        new_key(tmp_path)


def test_cli_build_sign_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("host.commands.image.REPO", repo)
    assert main(["keys", "new", "--dir", str(tmp_path / "k")]) == 0
    out = tmp_path / "fw.img"
    assert main(["image", "build", "--board", BOARD, "--version", "1.2.0", "-o", str(out)]) == 0
    assert main(["image", "sign", str(out), "--key", str(tmp_path / "k/hearth-signing.pem")]) == 0
    pub = str(tmp_path / "k/hearth-signing.pub")
    signed_path = str(out) + ".signed"
    assert main(["image", "verify", signed_path, "--pub", pub, "--board", BOARD]) == 0
    assert "OK: version 1.2.0" in capsys.readouterr().out
    assert main(["image", "verify", str(out), "--pub", pub]) == 1
    assert "REFUSED (unsigned)" in capsys.readouterr().out
    assert main(["image", "build", "--board", "nope", "--version", "1.0.0", "-o", str(out)]) == 1
    assert "unknown board 'nope'; known boards: test-board" in capsys.readouterr().out
