"""The backend seam: `llm`, `local` and `rules` all implement `Backend`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from reportedly.schema import Document, Draft, Incomplete, Usage

if TYPE_CHECKING:
    from reportedly.prompts import PromptFile
    from reportedly.replies import Reply


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
    """What a request will run, fixed before running it: it names the response and keys the
    cache. Built from settings and prompt files alone, so a cache hit never starts a backend."""

    backend: str
    model: str
    prompt: PromptFile | None  # resolved; None for backends without prompts
    prompt_hash: str  # hash of prompt text + schema + model + parameters
    params: Mapping[str, Any] = field(default_factory=dict)  # temperature, mode, ...
    reply: type[Reply] | None = None  # what the model fills in (the prompt's evidence style)

    @property
    def prompt_ref(self) -> str | None:
        """id@version, as responses and eval runs name it."""
        return self.prompt.ref if self.prompt is not None else None


@dataclass
class BackendRun:
    draft: Draft
    model: str
    usage: Usage = field(default_factory=Usage)
    attempts: int = 1
    warnings: list[str] = field(default_factory=list)
    chunks: int = 1
    incomplete: list[Incomplete] = field(default_factory=list)  # ranges a failed chunk left out


class Backend(Protocol):
    name: str

    def plan(self, prompt: str | None, model: str | None = None) -> Plan:
        """Resolve the prompt reference (raising `UnknownPrompt`) and the model (raising
        `InvalidRequest` where it cannot be chosen), and fingerprint the run."""
        ...

    async def start(self) -> None:
        """Load models or start servers now, so the first request does not pay for it."""
        ...

    async def extract(self, article: Article, plan: Plan) -> BackendRun: ...

    async def aclose(self) -> None: ...
