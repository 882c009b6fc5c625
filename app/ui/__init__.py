"""The Kivy views. They bind to app.model objects and hold no state or logic of their own."""
