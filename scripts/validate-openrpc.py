#!/usr/bin/env python3
"""Validate protocol/openrpc.json against the OpenRPC meta-schema.

Also checks that every params, result and component schema is itself a valid JSON Schema
(draft-07), and that protocol/error-codes.json lists the same codes as the document's
components.errors. Exits 1 and prints each problem when anything is wrong.

The meta-schema path comes from the first argument, else OPENRPC_META_SCHEMA, else the
copy in the shared reference folder beside this repository.
"""
import json
import os
import pathlib
import sys

try:
    from jsonschema import Draft7Validator
except ImportError:
    sys.exit("validate-openrpc: the Python package jsonschema is missing; run: python3 -m pip install jsonschema")

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_META_SCHEMA = ROOT.parent / "shared" / "reference" / "openrpc-meta-schema.json"


def schemas_in(document):
    """Yield (location, schema) for every JSON Schema the document holds."""
    for method in document.get("methods", []):
        name = method.get("name", "?")
        for param in method.get("params", []):
            yield f"{name} param {param.get('name')}", param.get("schema", {})
        if "result" in method:
            yield f"{name} result", method["result"].get("schema", {})
    for key, schema in document.get("components", {}).get("schemas", {}).items():
        yield f"components.schemas.{key}", schema


def main() -> int:
    meta_path = pathlib.Path(
        sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OPENRPC_META_SCHEMA", DEFAULT_META_SCHEMA)
    )
    if not meta_path.exists():
        message = (f"validate-openrpc: the OpenRPC meta-schema {meta_path} was not found. It comes with the "
                   "team's shared reference folder (../shared/reference/openrpc-meta-schema.json beside this "
                   "checkout); set OPENRPC_META_SCHEMA to its path, or pass the path as the first argument.")
        # CI must validate; a developer without the shared folder gets a warning and the other checks.
        if os.environ.get("CI") or os.environ.get("OPENRPC_META_SCHEMA"):
            print(message, file=sys.stderr)
            return 1
        print(message + " Skipping the validation because CI is not set.", file=sys.stderr)
        return 0
    meta_schema = json.loads(meta_path.read_text(encoding="utf-8"))
    document = json.loads((ROOT / "protocol" / "openrpc.json").read_text(encoding="utf-8"))
    error_table = json.loads((ROOT / "protocol" / "error-codes.json").read_text(encoding="utf-8"))

    problems = [f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}"
                for e in Draft7Validator(meta_schema).iter_errors(document)]

    for location, schema in schemas_in(document):
        for error in Draft7Validator(Draft7Validator.META_SCHEMA).iter_errors(schema):
            problems.append(f"{location}: not a valid JSON Schema: {error.message}")

    documented = {name: entry["code"] for name, entry in document["components"]["errors"].items()}
    tabled = {entry["name"]: entry["code"] for entry in error_table["errors"]}
    if documented != tabled:
        problems.append(f"error-codes.json and components.errors differ: {sorted(set(documented.items()) ^ set(tabled.items()))}")

    for problem in problems:
        print(f"protocol/openrpc.json: {problem}")
    if problems:
        return 1
    print(f"protocol/openrpc.json is valid OpenRPC ({len(document['methods'])} methods)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
