"""The app's view-model: every bit of state and logic, with no Kivy import.

The views (app/ui) only bind to these objects and call their methods; the MQTT link
(app/link) feeds them messages. Everything here runs in plain unit tests.
"""
