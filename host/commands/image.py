"""`hearth image build|sign|verify`: make and check firmware images (docs/image-format.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from firmware.update.image import ImageError, key_id, verify_image
from firmware.update.version import parse_version
from host.image.build import build_image
from host.image.keys import load_private_key, load_public_key_file
from host.image.sign import sign_image

REPO = Path(__file__).resolve().parents[2]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("image", help="build, sign and verify firmware images")
    actions = parser.add_subparsers(dest="image_command", required=True)

    build = actions.add_parser("build", help="build an unsigned image from this tree")
    build.add_argument("--board", required=True, help="board profile name (hw/boards/NAME.toml)")
    build.add_argument("--version", required=True, help="image version, MAJOR.MINOR.PATCH")
    build.add_argument(
        "--min-version",
        help="security floor: once this image is confirmed, older images are refused "
        "(default: the image's own version's MAJOR.0.0)",
    )
    build.add_argument(
        "--arch", default="armv6m", help="mpy-cross -march for the supervisor MCU (armv6m)"
    )
    build.add_argument("-o", "--output", type=Path, required=True, help="image file to write")
    build.set_defaults(func=run_build)

    sign = actions.add_parser("sign", help="sign an image with an ed25519 private key")
    sign.add_argument("image", type=Path, help="unsigned image (hearth image build)")
    sign.add_argument(
        "--key", type=Path, required=True, help="private key: the .pem of hearth keys new"
    )
    sign.add_argument("-o", "--output", type=Path, help="default: IMAGE with .signed added")
    sign.set_defaults(func=run_sign)

    verify = actions.add_parser("verify", help="check an image as a device would")
    verify.add_argument("image", type=Path, help="signed image")
    verify.add_argument(
        "--pub",
        type=Path,
        action="append",
        required=True,
        help="a trusted public key (.pub); repeat for several",
    )
    verify.add_argument("--board", help="the device's board: refuse an image for another")
    verify.add_argument(
        "--floor",
        default="0.0.0",
        help="a device's security floor, MAJOR.MINOR.PATCH: an older image is refused",
    )
    verify.set_defaults(func=run_verify)


def run_build(args: argparse.Namespace) -> int:
    min_version = args.min_version or f"{args.version.split('.')[0]}.0.0"
    try:
        data = build_image(
            REPO,
            board=args.board,
            version=args.version,
            min_version=min_version,
            supervisor_arch=args.arch,
        )
    except (ValueError, FileNotFoundError) as exc:
        print(f"hearth image build: {exc}")
        return 1
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        print(f"hearth image build: cannot write {args.output}: {exc.strerror or exc}")
        return 1
    print(f"built {args.output} ({len(data)} bytes, board {args.board}, version {args.version})")
    return 0


def run_sign(args: argparse.Namespace) -> int:
    output = args.output or args.image.with_name(args.image.name + ".signed")
    try:
        key = load_private_key(args.key)
        image = _read(args.image, "image")
        signed = sign_image(image, key)
        output.write_bytes(signed)
    except ImageError as exc:
        print(f"hearth image sign: {args.image} refused ({exc.code}): {exc}")
        return 1
    except (ValueError, OSError) as exc:
        print(f"hearth image sign: {exc}")
        return 1
    print(f"signed {output}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    try:
        parse_version(args.floor)
        keys = [load_public_key_file(path) for path in args.pub]
        trusted = {key_id(key): key for key in keys}
        data = _read(args.image, "image")
        image = verify_image(data, trusted, board=args.board, security_floor=args.floor)
        if args.board is None:
            # verify_image checks the floor together with the board; without --board the
            # floor still applies, as the device would apply it.
            _check_floor(image.manifest.version, args.floor)
    except ImageError as exc:
        print(f"REFUSED ({exc.code}): {exc}")
        return 1
    except (ValueError, OSError) as exc:
        print(f"hearth image verify: {exc}")
        return 1
    manifest = image.manifest
    print(
        f"OK: version {manifest.version} (floor {manifest.min_version}) for board "
        f"{manifest.board}, {len(manifest.files)} files, key {image.key_id.hex()}"
    )
    return 0


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise OSError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def _check_floor(version: str, floor: str) -> None:
    if parse_version(version) < parse_version(floor):
        raise ImageError(
            "downgrade", f"image version {version} is below this device's minimum {floor}"
        )
