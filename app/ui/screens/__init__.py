"""One module per screen; each is a Kivy Screen with `refresh()` reading the view-model."""
