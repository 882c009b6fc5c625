"""`hearth image` and `hearth keys`: every bad input is refused with one clear line naming
why, nothing is written, and no traceback reaches the user."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from host.cli import main
from host.image.build import build_image
from tests.host.image.repo_tree import BOARD, make_repo


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "repo")
    monkeypatch.setattr("host.commands.image.REPO", root)
    return root


@pytest.fixture
def signed(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """keys in tmp/k (hearth-signing and other), an image 1.2.0 signed with hearth-signing."""
    assert main(["keys", "new", "--dir", str(tmp_path / "k")]) == 0
    assert main(["keys", "new", "--dir", str(tmp_path / "k"), "--name", "other"]) == 0
    image = tmp_path / "fw.img"
    assert main(["image", "build", "--board", BOARD, "--version", "1.2.0", "-o", str(image)]) == 0
    assert main(["image", "sign", str(image), "--key", str(tmp_path / "k/hearth-signing.pem")]) == 0
    capsys.readouterr()
    return tmp_path / "fw.img.signed"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out


def build_args(out: Path, *extra: str) -> list[str]:
    return ["image", "build", "--board", BOARD, "--version", "1.2.0", "-o", str(out), *extra]


def test_build_refuses_bad_versions_and_writes_nothing(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fw.img"
    code, text = run(capsys, "image", "build", "--board", BOARD, "--version", "1.2", "-o", str(out))
    assert code == 1 and "MAJOR.MINOR.PATCH" in text and "'1.2'" in text
    code, text = run(capsys, *build_args(out, "--min-version", "1.3.0"))
    assert code == 1 and "min_version 1.3.0 is above version 1.2.0" in text
    code, text = run(capsys, *build_args(out, "--min-version", "one"))
    assert code == 1 and "MAJOR.MINOR.PATCH" in text
    assert not out.exists()


def test_build_refuses_a_missing_supervisor_folder(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(repo / "firmware" / "supervisor")
    out = tmp_path / "fw.img"
    code, text = run(capsys, *build_args(out))
    assert code == 1 and "supervisor folder" in text and "not found" in text
    (repo / "firmware" / "supervisor").mkdir()
    (repo / "firmware" / "supervisor" / "limits.py").write_text("MAX_C = 80\n")
    code, text = run(capsys, *build_args(out))
    assert code == 1 and "has no main.py" in text
    assert not out.exists()
    with pytest.raises(ValueError, match="supervisor folder"):
        build_image(repo, board=BOARD, version="1.0.0", min_version="1.0.0")


def test_build_refuses_board_paths_bad_arch_and_broken_supervisor_code(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fw.img"
    code, text = run(capsys, "image", "build", "--board", f"../boards/{BOARD}", "--version",
                     "1.2.0", "-o", str(out))  # fmt: skip
    assert code == 1 and "is not a board profile name" in text
    code, text = run(capsys, *build_args(out, "--arch", "pdp11"))
    assert code == 1 and "mpy-cross -march=pdp11 refused" in text
    code, text = run(capsys, *build_args(tmp_path / "no" / "such" / "dir" / "fw.img"))
    assert code == 1 and "cannot write" in text and "No such file or directory" in text
    (repo / "firmware" / "supervisor" / "limits.py").write_text("MAX_C = = 80\n")
    code, text = run(capsys, *build_args(out))
    assert code == 1 and "refused supervisor/limits.py" in text and "SyntaxError" in text
    assert not out.exists()


def test_sign_names_what_is_wrong_with_the_key(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "fw.img"
    out = tmp_path / "out.signed"
    rsa = generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "rsa.pem").write_bytes(
        rsa.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    (tmp_path / "locked.pem").write_bytes(
        rsa.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"pw"))
    )
    cases = {
        "k/hearth-signing.pub": "not a PEM private key (that is the public half: sign with",
        "rsa.pem": "is not an ed25519 private key",
        "locked.pem": "is passphrase-protected",
        "missing.pem": "cannot read key",
        "k": "cannot read key",
    }
    for name, why in cases.items():
        code, text = run(
            capsys, "image", "sign", str(image), "--key", str(tmp_path / name), "-o", str(out)
        )
        assert code == 1 and why in text, (name, text)
        assert len(text.splitlines()) == 1
    assert not out.exists()
    code, text = run(capsys, "image", "sign", str(signed), "--key", str(tmp_path / "k/other.pem"))
    assert code == 1 and "refused (signed): image is already signed" in text
    code, text = run(capsys, "image", "sign", str(tmp_path / "nope.img"), "--key",
                     str(tmp_path / "k/other.pem"))  # fmt: skip
    assert code == 1 and "cannot read image" in text


def test_verify_names_why_an_image_is_refused(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = str(tmp_path / "k/hearth-signing.pub")
    data = signed.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0x10
    images = {
        "unsigned": (tmp_path / "fw.img").read_bytes(),
        "truncated": data[:-10],
        "flipped": bytes(flipped),
    }
    for name, content in images.items():
        (tmp_path / name).write_bytes(content)
    expect = [
        ([str(tmp_path / "unsigned"), "--pub", pub], "REFUSED (unsigned)"),
        ([str(tmp_path / "truncated"), "--pub", pub], "REFUSED (truncated)"),
        ([str(tmp_path / "flipped"), "--pub", pub], "REFUSED (bad_signature)"),
        ([str(signed), "--pub", str(tmp_path / "k/other.pub")], "REFUSED (wrong_key)"),
        ([str(signed), "--pub", pub, "--board", "hearth-400"], "REFUSED (wrong_board)"),
        ([str(signed), "--pub", pub, "--board", BOARD, "--floor", "1.3.0"], "REFUSED (downgrade)"),
        # the floor applies without --board too, as it does on every device
        ([str(signed), "--pub", pub, "--floor", "2.0.0"], "REFUSED (downgrade)"),
        ([str(signed), "--pub", pub, "--floor", "2.0"], "MAJOR.MINOR.PATCH"),
        (
            [str(signed), "--pub", str(tmp_path / "k/hearth-signing.pem")],
            "is not an ed25519 public key (that is a private key: give its .pub)",
        ),
        ([str(signed), "--pub", str(tmp_path / "none.pub")], "cannot read key"),
        ([str(tmp_path / "none.img"), "--pub", pub], "cannot read image"),
    ]
    for argv, why in expect:
        code, text = run(capsys, "image", "verify", *argv)
        assert code == 1 and why in text and len(text.splitlines()) == 1, (argv, text)
    code, text = run(capsys, "image", "verify", str(signed), "--pub", pub, "--floor", "1.2.0")
    assert code == 0 and text.startswith("OK: version 1.2.0")


def test_keys_new_never_overwrites_and_writes_0600(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_umask = os.umask(0)  # even a permissive umask must not widen the private key
    try:
        code, _ = run(capsys, "keys", "new", "--dir", str(tmp_path / "k"))
    finally:
        os.umask(old_umask)
    private = tmp_path / "k" / "hearth-signing.pem"
    assert code == 0 and stat.S_IMODE(private.stat().st_mode) == 0o600
    before = private.read_bytes()
    code, text = run(capsys, "keys", "new", "--dir", str(tmp_path / "k"))
    assert code == 1 and "exists; refusing to overwrite" in text
    (tmp_path / "k" / "hearth-signing.pub").unlink()  # only the private half left
    code, text = run(capsys, "keys", "new", "--dir", str(tmp_path / "k"))
    assert code == 1 and "hearth-signing.pem exists" in text
    assert private.read_bytes() == before
    (tmp_path / "file").write_text("")
    code, text = run(capsys, "keys", "new", "--dir", str(tmp_path / "file"))
    assert code == 1 and text.startswith("hearth keys: ")
