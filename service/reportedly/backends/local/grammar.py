"""The grammar the local model writes under: the reply schemas, with size bounds.

llama.cpp compiles the tool's JSON schema into a grammar, so the model cannot emit invalid
JSON, a wrong enum or a malformed date. It can still repeat the same claim until the token
limit (SmolLM2-135M does, at temperature 0): bounding list and string sizes in the schema
makes every reply finish. The bounds are only in the schema the model sees; validation and
the record are `QuotedReply`'s.
"""

from __future__ import annotations

from typing import Any

from reportedly.replies import QuotedReply, SentenceReply

# Room for the longest reply `BOUNDS` allow in practice; the reply and a re-ask's copy of it
# must fit next to the prompt in `local_ctx` (default 8192).
LOCAL_MAX_TOKENS = 2048

BOUNDS: dict[str, int] = {
    "claims": 6,  # maxItems of QuotedReply.claims
    "evidence": 2,  # maxItems of QuotedClaim.evidence
    "who": 4,  # maxItems of QuotedClaim.who
    "quote_chars": 300,  # maxLength of each evidence quote
    "claim_chars": 300,
    "summary_chars": 600,
    "short_chars": 120,  # headline, names, timeframe text
}


def _bound(schema: dict[str, Any]) -> dict[str, Any]:
    defs = schema.get("$defs", {})
    props = schema["properties"]
    props["claims"]["maxItems"] = BOUNDS["claims"]
    props["summary"]["maxLength"] = BOUNDS["summary_chars"]
    _bound_nullable_string(props["headline"], BOUNDS["short_chars"])
    claim = defs["QuotedClaim"]["properties"]
    claim["claim"]["maxLength"] = BOUNDS["claim_chars"]
    claim["evidence"]["maxItems"] = BOUNDS["evidence"]
    claim["evidence"]["items"]["maxLength"] = BOUNDS["quote_chars"]
    claim["who"]["maxItems"] = BOUNDS["who"]
    claim["who"]["items"]["maxLength"] = BOUNDS["short_chars"]
    defs["Source"]["properties"]["name"]["maxLength"] = BOUNDS["short_chars"]
    _bound_nullable_string(defs["Timeframe"]["properties"]["text"], BOUNDS["short_chars"])
    return schema


def _bound_nullable_string(prop: dict[str, Any], max_length: int) -> None:
    for option in prop.get("anyOf", [prop]):
        if option.get("type") == "string":
            option["maxLength"] = max_length


class BoundedReply(QuotedReply):
    """`QuotedReply`, validated as one, whose JSON schema carries `BOUNDS` for the grammar."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema = super().model_json_schema(*args, **kwargs)
        schema["title"] = "QuotedReply"
        return _bound(schema)


class BoundedSentenceReply(SentenceReply):
    """`SentenceReply` with `BOUNDS`, whose ids are an `enum` of the sentences shown: the
    grammar compiler ignores `minimum`/`maximum`, but an enum it enforces, so the model
    cannot write an id that is not in the article."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema = super().model_json_schema(*args, **kwargs)
        props = schema["properties"]
        props["claims"]["maxItems"] = BOUNDS["claims"]
        props["summary"]["maxLength"] = BOUNDS["summary_chars"]
        props["headline"]["maxLength"] = BOUNDS["short_chars"]
        claim = props["claims"]["items"]["properties"]
        claim["claim"]["maxLength"] = BOUNDS["claim_chars"]
        claim["evidence"]["maxItems"] = BOUNDS["evidence"]
        claim["quote"]["maxLength"] = BOUNDS["quote_chars"]
        claim["who"]["maxItems"] = BOUNDS["who"]
        claim["who"]["items"]["maxLength"] = BOUNDS["short_chars"]
        claim["source"]["properties"]["name"]["maxLength"] = BOUNDS["short_chars"]
        claim["timeframe"]["properties"]["text"]["maxLength"] = BOUNDS["short_chars"]
        return schema

    @classmethod
    def bound_ids(cls, item: dict[str, Any]) -> None:
        assert cls.first_id is not None and cls.last_id is not None
        item["enum"] = list(range(cls.first_id, cls.last_id + 1))
