"""The backend seam: `llm`, `local` and `rules` all implement `Backend`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from reportedly.schema import Document, Draft, Usage


@dataclass(frozen=True)
class Article:
    """What a backend reads. `document.text` is the text offsets refer to; `clean_text` is the
    same text with furniture (`document.removed`) cut out, which is what a model should see."""

    document: Document
    clean_text: str
    title: str | None = None
    published: dt.date | None = None


@dataclass(frozen=True)
class Plan:
    """What a request will run, fixed before running it: it names the response and keys the cache."""

    backend: str
    model: str
    prompt: str | None  # id@version, None for backends without prompts
    prompt_hash: str  # hash of prompt text + schema + model + parameters


@dataclass
class BackendRun:
    draft: Draft
    model: str
    usage: Usage = field(default_factory=Usage)
    attempts: int = 1
    warnings: list[str] = field(default_factory=list)


class Backend(Protocol):
    name: str

    def plan(self, prompt: str | None) -> Plan:
        """Resolve the prompt reference (raising `UnknownPrompt`) and fingerprint the run."""
        ...

    async def start(self) -> None:
        """Load models or start servers now, so the first request does not pay for it."""
        ...

    async def extract(self, article: Article, plan: Plan) -> BackendRun: ...

    async def aclose(self) -> None: ...
