"""What every screen is: a named layout the app swaps into its content area."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout


class Page(BoxLayout):
    """A screen. Plain layouts swapped in and out, rather than Kivy's ScreenManager,
    whose RelativeLayout screens were drawn offset by the navigation bar's height."""

    def __init__(self, *, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name = name

    def refresh(self) -> None:
        raise NotImplementedError
