"""Saving exactly what the window shows to an exact file name.

`Window.screenshot("x.png")` numbers its files (`x0001.png`), and a widget's
`export_to_png` draws Screen contents (RelativeLayouts) at the wrong offset, so the
window's own capture is taken under a scratch name and moved into place.
"""

from __future__ import annotations

import os
import pathlib

from kivy.core.window import Window


def capture_window(path: pathlib.Path) -> pathlib.Path:
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.stem}-capture.png")
    written = Window.screenshot(name=str(scratch))
    if not written:
        raise OSError(f"the window could not be captured to {path}")
    os.replace(written, path)
    return path
