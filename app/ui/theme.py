"""Colours and sizes of the app: warm, high-contrast, readable across a room."""

from __future__ import annotations

RGBA = tuple[float, float, float, float]


def hex_colour(text: str, alpha: float = 1.0) -> RGBA:
    text = text.lstrip("#")
    red, green, blue = (int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (red, green, blue, alpha)


BACKGROUND = hex_colour("#14171c")
SURFACE = hex_colour("#1f242c")
SURFACE_HIGH = hex_colour("#2a313b")
TEXT = hex_colour("#f3f1ee")
TEXT_DIM = hex_colour("#9aa3ad")
HEAT = hex_colour("#ff7a2f")  # heating, the target arc
HEAT_SOFT = hex_colour("#ff7a2f", 0.25)
IDLE = hex_colour("#4fb3a9")
ROOM = hex_colour("#6cb4ff")
POWER = hex_colour("#ffc64d")
HASHRATE = hex_colour("#b58cff")
OK = hex_colour("#4cc38a")
WARNING = hex_colour("#ffb020")
CRITICAL = hex_colour("#ff4d4f")
INFO = hex_colour("#6cb4ff")
PENDING = hex_colour("#ffd9a8")
TRACK = hex_colour("#323a45")
SELECTED = hex_colour("#ff7a2f")

SEVERITY_COLOURS = {"critical": CRITICAL, "warning": WARNING, "info": INFO}
ACTION_COLOURS = {"heating": HEAT, "idle": IDLE, "off": TEXT_DIM, "fault": CRITICAL}

WINDOW_SIZE = (480, 900)
FONT_HUGE = "84sp"
FONT_LARGE = "28sp"
FONT_FIGURE = "22sp"
FONT_MEDIUM = "19sp"
FONT_SMALL = "15sp"
