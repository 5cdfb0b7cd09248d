"""Writes the API's contract for the web clients: one OpenAPI document merged from every HTTP function's FastAPI
app, built in-process, and the TypeScript types openapi-typescript makes of it, both in clients/api/.

Run `.venv/bin/python scripts/api_client.py` after changing a route or a model; `--check` (run by `scripts/lint`)
fails when the committed files are not what the code describes.
"""

import argparse
import difflib
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "clients" / "api"
DOCUMENT = CLIENT / "openapi.json"
TYPES = CLIENT / "src" / "schema.d.ts"
OPENAPI_TYPESCRIPT = CLIENT / "node_modules" / ".bin" / "openapi-typescript"
# A field with a default may be left out of a request body: it stays optional in the types.
OPTIONS = ["--default-non-nullable", "false"]


class Conflict(Exception):
    """Two functions describe one operation or one schema differently: the clients cannot know which is served."""


def http_apps() -> dict[str, FastAPI]:
    """Each function whose handler serves HTTP (it builds its app with ``create_app``), by function directory."""
    apps: dict[str, FastAPI] = {}
    for source in sorted(ROOT.glob("functions/*/app.py")):
        if "create_app(" not in source.read_text():
            continue
        spec = importlib.util.spec_from_file_location(f"{source.parent.name}_app", source)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        apps[source.parent.name] = module.app
    return apps


def _merge_into(target: dict[str, Any], entries: dict[str, Any], where: str) -> None:
    for name, value in entries.items():
        if name in target and target[name] != value:
            raise Conflict(f"{where} {name} differs between functions")
        target[name] = value


def merged_document(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """The union of the documents' operations and components; an operation or a schema two of them describe
    differently is refused."""
    merged: dict[str, Any] = {**documents[0], "paths": {}, "components": {}}
    for document in documents:
        for path, operations in document.get("paths", {}).items():
            _merge_into(merged["paths"].setdefault(path, {}), operations, f"operation on {path}:")
        for section, entries in document.get("components", {}).items():
            _merge_into(merged["components"].setdefault(section, {}), entries, f"component {section}/")
    merged["paths"] = dict(sorted(merged["paths"].items()))
    for section, entries in merged["components"].items():
        merged["components"][section] = dict(sorted(entries.items()))
    return merged


def document_text() -> str:
    document = merged_document([app.openapi() for app in http_apps().values()])
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def types_text(document: str) -> str:
    if not OPENAPI_TYPESCRIPT.exists():
        sys.exit("clients/api/node_modules is missing: run scripts/install")
    with tempfile.TemporaryDirectory() as scratch:
        source, output = Path(scratch) / "openapi.json", Path(scratch) / "schema.d.ts"
        source.write_text(document)
        subprocess.run([OPENAPI_TYPESCRIPT, source, "--output", output, *OPTIONS], check=True, capture_output=True)
        return output.read_text()


def drift(path: Path, expected: str) -> list[str]:
    actual = path.read_text() if path.exists() else ""
    relative = str(path.relative_to(ROOT))
    return list(difflib.unified_diff(actual.splitlines(), expected.splitlines(), relative, "generated", lineterm=""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when the committed files differ from the code")
    args = parser.parse_args()
    document = document_text()
    types = types_text(document)
    if args.check:
        differences = drift(DOCUMENT, document) + drift(TYPES, types)
        if differences:
            print("\n".join(differences[:80]))
            sys.exit("clients/api is not what the API describes: run .venv/bin/python scripts/api_client.py")
        return
    DOCUMENT.write_text(document)
    TYPES.write_text(types)
    print(f"wrote {DOCUMENT.relative_to(ROOT)} and {TYPES.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
