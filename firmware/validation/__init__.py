"""One validation vocabulary for config, board profiles, provisioning and heat settings.

ESPHome's config validation is the model: small validators composed into bigger ones,
one error type, and messages naming the key, the value and what is allowed:

    pool[0].url = 'htp://x': allowed: stratum+tcp://host:port or stratum+ssl://host:port
        (the scheme 'htp' is not one of these)

A validator is any callable `value -> checked value` that raises `Invalid`. Values
come from TOML or JSON, so nothing is trusted: wrong types, NaN/inf, integers too big
for a float, lone surrogates and deep nesting are refused with an `Invalid`, never a
traceback.

Scalars (firmware.validation.scalars):
    boolean()                                     true | false
    integer(low, high)                            int (not bool) in low..high
    number(low, high, finite=True, step=None)     int/float → float; grid with step
    string(min_len, max_len, pattern, blank=True) UTF-8 text; `blank=False` refuses "  "
    one_of(*options)                              exactly one of the options (same type)
    url(schemes)                                  scheme://host:port, port 1..65535,
                                                  the error says which part is wrong
    (integer, number, string, one_of take `allowed=` to word the message)
    secret(inner=string())                        → Secret; errors never print it
    nullable(inner)                               None or what inner allows
    all_of(first, *then)                          chain: each gets the previous result
Containers (firmware.validation.containers):
    table(required={k: v}, optional={k: v}, defaults={k: value})   → dict
    list_of(item, min_len=0, max_len=None)                         → list
Errors (firmware.validation.error):
    Invalid(path, value, allowed, source="", secret=False)  a ValueError with .key
        (rendered path), .path, .value, .allowed, .source; .at(*segments) puts
        segments in front of the path, .within(source) names the file,
        .as_(cls) re-types it (ConfigError, BoardProfileError subclass it).
        Segment = str | int: one step of a path (a key or a list index).
One home each (firmware.validation.heat, .network, .mask):
    MODES, PRESETS, TARGET_MIN_C, TARGET_MAX_C, TARGET_STEP_C, mode(), preset(),
    target_c()
    POOL_SCHEMES, pool_url(), DEVICE_ID_PATTERN, device_id(), port(low=1),
    TOPIC_PREFIX_PATTERN, topic_prefix(), topic() (one topic to subscribe to, or "")
    MASK ("***"), mask_url(text), shown(value, secret) and Secret; SECRET_KEYS: key
    names whose values an error never prints
"""

from firmware.validation.containers import list_of, table
from firmware.validation.error import SECRET_KEYS, Invalid, Segment
from firmware.validation.heat import (
    MODES,
    PRESETS,
    TARGET_MAX_C,
    TARGET_MIN_C,
    TARGET_STEP_C,
    mode,
    preset,
    target_c,
)
from firmware.validation.mask import MASK, mask_url, shown
from firmware.validation.network import (
    DEVICE_ID_ALLOWED,
    DEVICE_ID_PATTERN,
    POOL_SCHEMES,
    TOPIC_PREFIX_ALLOWED,
    TOPIC_PREFIX_PATTERN,
    device_id,
    pool_url,
    port,
    topic,
    topic_prefix,
)
from firmware.validation.scalars import (
    Validator,
    all_of,
    boolean,
    integer,
    nullable,
    number,
    one_of,
    secret,
    string,
    url,
)
from firmware.validation.secret import Secret

__all__ = [
    "DEVICE_ID_ALLOWED",
    "DEVICE_ID_PATTERN",
    "MASK",
    "MODES",
    "POOL_SCHEMES",
    "PRESETS",
    "SECRET_KEYS",
    "TARGET_MAX_C",
    "TARGET_MIN_C",
    "TARGET_STEP_C",
    "TOPIC_PREFIX_ALLOWED",
    "TOPIC_PREFIX_PATTERN",
    "Invalid",
    "Secret",
    "Segment",
    "Validator",
    "all_of",
    "boolean",
    "device_id",
    "integer",
    "list_of",
    "mask_url",
    "mode",
    "nullable",
    "number",
    "one_of",
    "pool_url",
    "port",
    "preset",
    "secret",
    "shown",
    "string",
    "table",
    "target_c",
    "topic",
    "topic_prefix",
    "url",
]
