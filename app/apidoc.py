"""docs/api.md's reference part, written from the app's own OpenAPI schema, so it cannot drift from what the
server does (tests/integration/test_api_docs.py compares; schemathesis checks the schema against the server).

Regenerate: `.venv/bin/python -m app.apidoc > docs/api.md`.
"""

import sys
from typing import Any

from app.settings import PROJECT_ROOT

INTRO = PROJECT_ROOT / "docs" / "api-intro.md"
MARK = "<!-- Everything below is generated from /api/openapi.json by `python -m app.apidoc`. -->"


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> str:
    """A JSON schema as a short type, linking named shapes: `[RunResult](#runresult)`, `list of str`."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f"[{name}](#{name.lower()})"
    if "anyOf" in schema:
        return " or ".join(type_of(option) for option in schema["anyOf"])
    if "enum" in schema:
        return " \\| ".join(f'`"{value}"`' for value in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return f"list of {type_of(schema.get('items', {}))}"
    if kind == "object":
        values = schema.get("additionalProperties")
        if isinstance(values, dict):
            keys = schema.get("propertyNames")
            key = type_of(keys) if isinstance(keys, dict) else "str"
            return f"map of {key} to {type_of(values)}"
        return "object"
    return {"string": "str", "integer": "int", "number": "number", "boolean": "bool", "null": "null"}.get(
        str(kind), "any")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _limits(schema: dict[str, Any]) -> str:
    parts = []
    if "minLength" in schema:
        parts.append(f"at least {schema['minLength']} characters")
    if "maxLength" in schema:
        parts.append(f"at most {schema['maxLength']} characters")
    if "default" in schema and schema["default"] not in (None, "", [], {}):
        parts.append(f"default `{schema['default']}`")
    return "; ".join(parts)


def shape(name: str, schema: dict[str, Any]) -> list[str]:
    lines = [f"### {name}", ""]
    properties = schema.get("properties", {})
    if not properties:
        return [*lines, f"{type_of(schema)}.", ""]
    required = set(schema.get("required", ()))
    lines += ["| field | type | required | meaning |", "|---|---|---|---|"]
    for field, spec in properties.items():
        meaning = "; ".join(part for part in (spec.get("description", ""), _limits(spec)) if part)
        lines.append(f"| `{field}` | {type_of(spec)} | {'yes' if field in required else 'no'} | {_cell(meaning)} |")
    return [*lines, ""]


def _body(operation: dict[str, Any]) -> str | None:
    content = operation.get("requestBody", {}).get("content", {})
    for media in content.values():
        return type_of(media.get("schema", {}))
    return None


def operation_lines(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    lines = [f"### `{method.upper()} {path}`", ""]
    if operation.get("description"):
        lines += [" ".join(operation["description"].split()), ""]
    body = _body(operation)
    if body:
        lines += [f"Body: {body}", ""]
    lines += ["| status | answer |", "|---|---|"]
    for status, response in sorted(operation.get("responses", {}).items()):
        media = response.get("content", {}).get("application/json", {})
        answer = type_of(media["schema"]) if media.get("schema") else "—"
        note = response.get("description", "")
        if "headers" in response:
            note += " Header: " + ", ".join(f"`{header}`" for header in response["headers"])
        lines.append(f"| {status} | {answer}: {_cell(note)} |" if note else f"| {status} | {answer} |")
    return [*lines, ""]


def render(schema: dict[str, Any]) -> str:
    """The whole of docs/api.md: the hand-written introduction, then every operation and shape."""
    lines = [INTRO.read_text().rstrip(), "", MARK, "", "## Operations", ""]
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            lines += operation_lines(method, path, operation)
    lines += ["## Shapes", ""]
    for name, spec in sorted(schema.get("components", {}).get("schemas", {}).items()):
        lines += shape(name, spec)
    return "\n".join(lines).rstrip() + "\n"


def current_schema() -> dict[str, Any]:
    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(database_url="sqlite:///:memory:", runner_workers=0, secret_key="docs"))
    try:
        return app.openapi()
    finally:
        app.state.engine.dispose()


if __name__ == "__main__":
    sys.stdout.write(render(current_schema()))
