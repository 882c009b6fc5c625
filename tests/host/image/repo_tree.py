"""The smallest source tree `hearth image build` accepts: a firmware package with a
two-file supervisor and one board profile."""

from __future__ import annotations

from pathlib import Path

BOARD = "test-board"


def make_repo(root: Path) -> Path:
    (root / "firmware").mkdir(parents=True)
    (root / "firmware" / "__init__.py").write_text('__version__ = "1.2.0"\n')
    sup = root / "firmware" / "supervisor"
    sup.mkdir()
    (sup / "main.py").write_text("import limits\n")
    (sup / "limits.py").write_text("MAX_C = 80\n")
    (root / "hw" / "boards").mkdir(parents=True)
    (root / "hw" / "boards" / f"{BOARD}.toml").write_text(f'name = "{BOARD}"\n')
    return root
