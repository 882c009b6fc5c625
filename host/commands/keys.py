"""`hearth keys new`: make an ed25519 image-signing key pair."""

from __future__ import annotations

import argparse
from pathlib import Path

from host.image.keys import describe, load_private_key, new_key


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("keys", help="image-signing keys")
    actions = parser.add_subparsers(dest="keys_command", required=True)
    new = actions.add_parser(
        "new", help="create a new ed25519 signing key pair (never overwrites one)"
    )
    new.add_argument(
        "--dir", type=Path, default=Path("keys"), help="where to write the keys (./keys)"
    )
    new.add_argument(
        "--name",
        default="hearth-signing",
        help="writes NAME.pem (private) and NAME.pub (hearth-signing)",
    )
    new.set_defaults(func=run_new)


def run_new(args: argparse.Namespace) -> int:
    try:
        private_path, public_path = new_key(args.dir, args.name)
    except FileExistsError as exc:
        print(f"hearth keys: {exc}")
        return 1
    except OSError as exc:
        print(f"hearth keys: cannot write keys in {args.dir}: {exc.strerror or exc}")
        return 1
    print(f"private key: {private_path} (keep it secret; mode 0600)")
    print(f"public key:  {public_path} (install on devices as a trusted key)")
    print(f"key id:      {describe(load_private_key(private_path))}")
    return 0
