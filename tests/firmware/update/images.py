"""Real signed images for update tests, built from this repo's own firmware package.

The image tree is a copy of the real `firmware/` (so the simulated device runs the real
update agent out of its slot) with a tiny supervisor and a test board profile.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from host.image.build import build_image
from host.image.sign import sign_image

REPO = Path(__file__).resolve().parents[3]
BOARD = "sim-board"


@dataclass(frozen=True)
class ImageKit:
    key: Ed25519PrivateKey
    tree: Path

    def build(
        self,
        version: str,
        *,
        min_version: str = "0.0.0",
        broken: bool = False,
        minimal: bool = False,
        crashing_supervisor: bool = False,
        board: str = BOARD,
    ) -> bytes:
        """`minimal` ships only the package root and the update agent: a small image for
        tests that repeat a whole update many times. `crashing_supervisor`: its supervisor's
        main.py raises as it starts. `board`: the board the manifest names."""
        name = f"{version}{'-broken' if broken else ''}{'-minimal' if minimal else ''}"
        name += "-crashing" if crashing_supervisor else ""
        tree = self.tree / name
        if not tree.exists():
            ignore = shutil.ignore_patterns("__pycache__", "*.so", "supervisor")
            if minimal:
                (tree / "firmware").mkdir(parents=True)
                shutil.copytree(REPO / "firmware/update", tree / "firmware/update", ignore=ignore)
            else:
                shutil.copytree(REPO / "firmware", tree / "firmware", ignore=ignore)
            supervisor = tree / "firmware" / "supervisor"
            supervisor.mkdir()
            main = "import limits\n"
            if crashing_supervisor:
                main += 'raise RuntimeError("supervisor " + limits.VERSION + " fails")\n'
            (supervisor / "main.py").write_text(main)
            (supervisor / "limits.py").write_text(f"VERSION = {version!r}\n")
            init = tree / "firmware" / "__init__.py"
            if broken:
                init.write_text('raise ImportError("this build is broken")\n')
            else:
                init.write_text(f'"""Hearth firmware."""\n\n__version__ = {version!r}\n')
            (tree / "hw" / "boards").mkdir(parents=True)
        profile = tree / "hw" / "boards" / f"{board}.toml"
        if not profile.exists():
            profile.write_text(f'name = "{board}"\n')
        payload = build_image(tree, board=board, version=version, min_version=min_version)
        return sign_image(payload, self.key)
