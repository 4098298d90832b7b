"""The request side of the OpenAPI document, made to say exactly what the service accepts.

Litestar derives request schemas from the pydantic models' fields, which misses what the
models enforce beyond field types: unknown fields refused, exactly one of `text`/`html`,
size limits and the backends and prompts this server has. Here those schemas are replaced
by pydantic's own JSON schema of the same models, completed from the settings, so generated
clients and fuzzers (Schemathesis runs in CI) send what the service takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)

from reportedly.api import QUERY_FIELDS
from reportedly.schema import BatchRequest, SummaryRequest
from reportedly.settings import Settings

# An article: some text that is not only whitespace.
_HAS_TEXT = r"\S"


def complete_request_schemas(
    document: OpenAPI, settings: Settings, prompt_refs: Iterable[str]
) -> None:
    """Replace the request schemas of `document` in place (see the module docstring)."""
    summary = summary_request_schema(settings, sorted(set(prompt_refs)))
    schemas = document.components.schemas if document.components else None
    if schemas is None:
        return
    batch = BatchRequest.model_json_schema()
    batch["additionalProperties"] = False
    for name, schema in (("SummaryRequest", summary), ("BatchRequest", batch)):
        converted = _to_schema(schema)
        assert isinstance(converted, Schema)
        schemas[name] = converted
    paths = document.paths or {}
    operation = paths["/v1/summaries"].post if "/v1/summaries" in paths else None
    if operation is not None:
        _accept_article_bodies(operation, summary)


def summary_request_schema(settings: Settings, prompt_refs: list[str]) -> dict[str, Any]:
    schema = SummaryRequest.model_json_schema()
    props = schema["properties"]
    _narrow(props["text"], {"minLength": 1, "maxLength": settings.max_chars, "pattern": _HAS_TEXT})
    _narrow(
        props["html"], {"minLength": 1, "maxLength": settings.max_chars * 10, "pattern": _HAS_TEXT}
    )
    _narrow(props["prompt"], {"enum": prompt_refs})
    _narrow(props["backend"], {"enum": list(settings.backends)})
    _narrow(props["model"], {"minLength": 1})
    schema["additionalProperties"] = False
    # Exactly one of text and html, given as a string (the other absent or null).
    schema["oneOf"] = [
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("text", "html")
    ]
    return schema


def _narrow(nullable: dict[str, Any], constraints: Mapping[str, Any]) -> None:
    """Add `constraints` to the non-null branch of a pydantic `X | None` property."""
    for branch in nullable.get("anyOf", [nullable]):
        if branch.get("type") != "null":
            if "enum" in constraints:
                branch.pop("type", None)
            branch.update(constraints)


def _accept_article_bodies(operation: Operation, summary: dict[str, Any]) -> None:
    """`POST /v1/summaries` also takes the article itself, other fields as query parameters."""
    if operation.request_body is None or isinstance(operation.request_body, Reference):
        return
    body: RequestBody = operation.request_body
    for media_type, field in (("text/plain", "text"), ("text/html", "html")):
        article = next(
            b for b in summary["properties"][field]["anyOf"] if b.get("type") == "string"
        )
        body.content[media_type] = OpenAPIMediaType(schema=_to_schema(article))
    operation.parameters = [
        Parameter(
            name=name,
            param_in="query",
            required=False,
            description="Fills in the field of the same name when the body does not give it.",
            schema=_to_schema(summary["properties"][name]),
        )
        for name in QUERY_FIELDS
    ]


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
# JSON Schema keywords whose Litestar field name is not just the snake_case spelling.
_RENAMED = {"not": "schema_not", "if": "schema_if", "else": "schema_else"}
_SUBSCHEMA = {"items", "additionalProperties", "not", "if", "then", "else", "contains"}
_SUBSCHEMAS = {"anyOf", "oneOf", "allOf", "prefixItems"}


def _to_schema(node: dict[str, Any]) -> Schema | Reference:
    """A JSON Schema dict (pydantic's) as Litestar's `Schema` objects."""
    if "$ref" in node:
        return Reference(ref=node["$ref"].replace("#/$defs/", "#/components/schemas/"))
    fields: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$defs":
            continue
        name = _RENAMED.get(key) or _CAMEL.sub("_", key).lower()
        if key == "properties":
            value = {k: _to_schema(v) for k, v in value.items()}
        elif key in _SUBSCHEMA and isinstance(value, dict):
            value = _to_schema(value)
        elif key in _SUBSCHEMAS:
            value = [_to_schema(v) for v in value]
        fields[name] = value
    return Schema(**fields)
