"""Schemathesis hooks for the contract run (tests/test_schemathesis.py).

Article bodies sent as text/plain or text/html are bytes, not JSON values: left to itself,
Schemathesis would "serialise" a generated object or number into one and call it a body of
the wrong type. These strategies generate what such a body is: text with some words in it.
"""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

_WORDS = st.text(min_size=1, max_size=400).filter(lambda s: s.strip() != "")

schemathesis.openapi.media_type("text/plain", _WORDS.map(lambda s: s.encode("utf-8")))
schemathesis.openapi.media_type(
    "text/html", _WORDS.map(lambda s: f"<html><body><p>{s}</p></body></html>".encode())
)
