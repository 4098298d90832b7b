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
from typing import Any, get_args

from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPIMediaType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)
from pydantic import BaseModel

from reportedly.api import QUERY_FIELDS
from reportedly.schema import HAS_TEXT, SummaryRequest
from reportedly.settings import Settings

_REF = "#/components/schemas/{model}"


def complete_request_schemas(app: Litestar, settings: Settings, prompt_refs: Iterable[str]) -> None:
    """Replace the request schemas of `app`'s OpenAPI document in place (see the module
    docstring): every JSON body model's, then `SummaryRequest`'s with the settings."""
    document = app.openapi_schema
    schemas = document.components.schemas if document.components else None
    if schemas is None:
        return
    refs, backends = sorted(set(prompt_refs)), list[str](settings.backends)
    for model in _body_models(app):
        schema = model.model_json_schema(ref_template=_REF)
        _replace(schemas, schema, refs, backends, _extra_backends(model))
    summary = summary_request_schema(settings)
    _replace(schemas, summary, refs, backends, {})
    paths = document.paths or {}
    operation = paths["/v1/summaries"].post if "/v1/summaries" in paths else None
    if operation is not None:
        _accept_article_bodies(operation, summary)


def _body_models(app: Litestar) -> list[type[BaseModel]]:
    models: list[type[BaseModel]] = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            data = handler.parsed_fn_signature.parameters.get("data")
            body = data.annotation if data is not None else None
            if isinstance(body, type) and issubclass(body, BaseModel) and body not in models:
                models.append(body)
    return models


def _replace(
    schemas: dict[str, Schema],
    schema: dict[str, Any],
    refs: list[str],
    backends: list[str],
    extra: Mapping[str, tuple[str, ...]],
) -> None:
    """Put a pydantic JSON schema (and the models it refers to) into the components, their
    `prompt` and `backend` fields narrowed to what this server has. A model may name more
    backends of its own in `EXTRA_BACKENDS` (the workbench's baseline)."""
    for name, definition in {**schema.pop("$defs", {}), schema["title"]: schema}.items():
        props = definition.get("properties", {})
        if "prompt" in props:
            _narrow(props["prompt"], {"enum": refs})
        if "backend" in props:
            _narrow(props["backend"], {"enum": [*backends, *extra.get(name, ())]})
        converted = _to_schema(definition)
        assert isinstance(converted, Schema)
        schemas[name] = converted


def _extra_backends(model: type[BaseModel]) -> dict[str, tuple[str, ...]]:
    """`EXTRA_BACKENDS` of `model` and of every model among its fields, by name."""
    found: dict[str, tuple[str, ...]] = {}
    stack: list[Any] = [model]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item.__name__ in found:
                continue
            found[item.__name__] = getattr(item, "EXTRA_BACKENDS", ())
            stack.extend(field.annotation for field in item.model_fields.values())
        else:
            stack.extend(get_args(item))
    return found


def summary_request_schema(settings: Settings) -> dict[str, Any]:
    schema = SummaryRequest.model_json_schema(ref_template=_REF)
    props = schema["properties"]
    _narrow(props["text"], {"minLength": 1, "maxLength": settings.max_chars, "pattern": HAS_TEXT})
    _narrow(
        props["html"], {"minLength": 1, "maxLength": settings.max_chars * 10, "pattern": HAS_TEXT}
    )
    _narrow(props["model"], {"minLength": 1})
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
        return Reference(ref=node["$ref"])
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
