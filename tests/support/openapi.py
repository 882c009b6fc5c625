"""The project's OpenAPI document (firmware/api/openapi.yaml) as the HTTP tests check
answers against it: `conforms` validates a JSON answer against a named schema, and
`served_and_documented` lists an app's routes under a prefix beside the documented ones."""

from __future__ import annotations

import jsonschema
import yaml
from aiohttp import web

from firmware.api import OPENAPI_FILE

SPEC = yaml.safe_load(OPENAPI_FILE.read_text())


def conforms(document: object, name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": SPEC["components"]}
    jsonschema.validate(document, schema)


def served_and_documented(
    app: web.Application, prefix: str
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(path, method) pairs under `prefix`: those `app` serves (aiohttp's implicit HEAD
    left out) and those openapi.yaml documents."""
    served = {
        (route.resource.canonical, route.method.lower())
        for route in app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith(prefix)
    }
    documented = {
        (path, method)
        for path, item in SPEC["paths"].items()
        if path.startswith(prefix)
        for method in item
    }
    return served - {(path, "head") for path, _ in served}, documented
