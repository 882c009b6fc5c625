"""Simulators of every part the firmware touches, so the unchanged firmware runs on a PC."""
