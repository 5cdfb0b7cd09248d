"""How Open311 GeoReport v2 answers, as JSON or XML: every element of an item present (empty when null), booleans as
``true``/``false``, and every error as the spec's list of ``{code, description}``, whichever route or check raised it.
The error handlers of ``ecopulse.api.errors`` answer so for any path under /open311."""

import json
import xml.etree.ElementTree as ElementTree  # nosec B405  # only builds the XML answers, never parses XML
from typing import Any

from fastapi import Response

OPEN311_PREFIX = "/open311/"


def answer_format(path: str) -> str:
    """The format a path under /open311 asks for: XML for ``.xml``, JSON for anything else."""
    return "xml" if path.endswith(".xml") else "json"


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_element(parent: ElementTree.Element, name: str, value: Any) -> None:
    """A list becomes its element holding one child per entry, named by ``LIST_ITEMS``; a dict its fields."""
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, list):
        for entry in value:
            _xml_element(element, LIST_ITEMS.get(name, "item"), entry)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_element(element, key, inner)
    else:
        element.text = _xml_text(value)


LIST_ITEMS = {"attributes": "attribute", "values": "value", "keywords": "keyword"}


def render(payload: Any, fmt: str, root: str, item: str, status: int = 200) -> Response:
    """``payload`` (a list of items, or one document for a ``root`` of its own when ``item`` is empty)."""
    if fmt == "json":
        return Response(json.dumps(payload), status_code=status, media_type="application/json")
    element = ElementTree.Element(root)
    if item:
        for entry in payload:
            _xml_element(element, item, entry)
    else:
        for key, value in payload.items():
            _xml_element(element, key, value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(element, encoding="utf-8")
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")


def error(fmt: str, status: int, *descriptions: str) -> Response:
    """The spec's error list: one ``{code, description}`` per problem, ``code`` the HTTP status."""
    errors = [{"code": status, "description": description} for description in descriptions]
    return render(errors, fmt, "errors", "error", status)
