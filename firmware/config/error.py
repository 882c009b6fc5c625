"""The one error a bad configuration raises: it names the key, the value and what is allowed.

It is the validation vocabulary's `Invalid` (firmware.validation), typed so that callers
can tell a refused config file from other errors; secrets are never printed.
"""

from __future__ import annotations

from firmware.validation import Invalid


class ConfigError(Invalid):
    """Start-up stops on this before anything is started (nothing half-configured)."""
