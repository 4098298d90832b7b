"""The `llm` backend: a versioned prompt, rendered, sent to any OpenAI-compatible endpoint.

Planning needs no client: an `LLMPlanner` (how this backend asks) and the prompt files fix
the plan, so a cache hit never imports the SDK. The `local` backend plans and asks the same
way, through a client pointed at the llama.cpp server it runs.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from reportedly.backends.base import Article, BackendRun, Plan
from reportedly.chunks import Chunk, Merger, split, uncovered
from reportedly.chunks import halves as split_in_two
from reportedly.errors import BackendUnavailable, OutputCutOff, ReportedlyError
from reportedly.llm import LLMMode
from reportedly.llm.completion import Completion
from reportedly.prompts import PromptFile, PromptRegistry, prompt_hash
from reportedly.replies import EvidenceStyle, QuotedReply, Reply, SentenceReply
from reportedly.schema import Draft, DraftClaim, Incomplete, Quote, Usage
from reportedly.sentences import SentenceIndex

if TYPE_CHECKING:
    import httpx

    from reportedly.llm.client import LLMClient
    from reportedly.settings import Settings


@dataclass(frozen=True)
class LLMPlanner:
    """How one backend asks its model: everything besides the prompt that shapes a reply."""

    backend: str
    model: str
    mode: LLMMode
    retries: int
    temperature: float | None = None  # None: the prompt file's suggestion, else 0
    max_tokens: int | None = None
    # The reply model for each evidence style a prompt file may declare.
    replies: Mapping[EvidenceStyle, type[Reply]] = field(
        default_factory=lambda: {"quotes": QuotedReply, "sentences": SentenceReply}
    )
    chunk_tokens: int = 1300  # Settings.chunk_tokens says why
    chunk_concurrency: int = 8
    task: str = "claims"

    def plan(self, prompts: PromptRegistry, prompt: str | None, model: str | None) -> Plan:
        chosen = prompts.get(prompt, self.task)
        model = model or self.model
        params = self.params(chosen)
        reply = self.replies[chosen.meta.evidence]
        # The schema's shape: a request's own id range is not part of the hash.
        schema = _schema(reply)
        return Plan(
            backend=self.backend,
            model=model,
            prompt=chosen,
            prompt_hash=prompt_hash(chosen, schema, model, params),
            params=params,
            reply=reply,
        )

    def params(self, prompt: PromptFile) -> dict[str, Any]:
        """Everything besides prompt, schema and model that changes what the model returns."""
        temperature = self.temperature
        if temperature is None:
            temperature = prompt.meta.temperature if prompt.meta.temperature is not None else 0.0
        params: dict[str, Any] = {
            "temperature": temperature,
            "mode": self.mode,
            "retries": self.retries,
            "chunk_tokens": self.chunk_tokens,
        }
        if self.max_tokens is not None:
            params["max_tokens"] = self.max_tokens
        return params


@functools.cache
def _schema(reply_model: type[Reply]) -> dict[str, Any]:
    return reply_model.model_json_schema()


async def ask(client: LLMClient, plan: Plan, article: Article, *, concurrency: int) -> BackendRun:
    """Run a plan: render its prompt for the article (in chunks when it is long), ask, and
    hand back the replies as one draft."""
    return await Asking(client, plan, article, concurrency).run()


def ask_stream(
    client: LLMClient, plan: Plan, article: Article, *, concurrency: int
) -> AsyncIterator[DraftClaim | BackendRun]:
    """`ask`, streamed: each claim as soon as the model has finished writing it (seam
    duplicates left out), then the `BackendRun` with the whole draft."""
    return Asking(client, plan, article, concurrency).stream()


@dataclass
class _Part:
    """One chunk's outcome: its reply as a draft, or the error it still failed with."""

    chunk: Chunk
    draft: Draft | None = None
    usage: Usage = field(default_factory=Usage)
    attempts: int = 0
    model: str | None = None
    error: ReportedlyError | None = None


class Asking:
    """One article through one plan: its chunks asked concurrently, their drafts merged.

    A chunk whose reply is cut by the output token limit is asked again as two halves; a
    chunk that still fails leaves its range in `BackendRun.incomplete` (unless every chunk
    failed: then the first failure is the request's error, as for a one-call article)."""

    def __init__(self, client: LLMClient, plan: Plan, article: Article, concurrency: int) -> None:
        if plan.prompt is None or plan.reply is None:
            raise ValueError(f"an LLM plan needs a prompt and a reply model: {plan}")
        self.client = client
        self.plan = plan
        self.prompt = plan.prompt
        self.reply = plan.reply
        self.article = article
        self.index = SentenceIndex.build(article.document)
        budget = int(plan.params.get("chunk_tokens", 0)) or 10**9
        self.chunks = split(self.index, budget) or [Chunk(0, -1, 0, len(article.document.text))]
        self.whole = len(self.chunks) == 1
        self._limit = asyncio.Semaphore(concurrency)

    async def run(self) -> BackendRun:
        async with asyncio.TaskGroup() as tasks:
            running = [tasks.create_task(self._chunk(chunk)) for chunk in self.chunks]
        parts = [part for task in running for part in task.result()]
        merger = Merger()
        claims = [
            claim
            for number, part in enumerate(parts)
            for claim in (part.draft.claims if part.draft else [])
            if merger.accept(claim, number)
        ]
        return self._result(parts, claims, merger)

    async def stream(self) -> AsyncIterator[DraftClaim | BackendRun]:
        queue: asyncio.Queue[tuple[int, DraftClaim] | None] = asyncio.Queue()
        merger = Merger()
        claims: list[DraftClaim] = []

        async def chunk(number: int, piece: Chunk) -> list[_Part]:
            try:
                return await self._chunk(piece, lambda claim: queue.put_nowait((number, claim)))
            finally:
                queue.put_nowait(None)

        running = [asyncio.create_task(chunk(n, c)) for n, c in enumerate(self.chunks)]
        try:
            pending = len(running)
            while pending:
                item = await queue.get()
                if item is None:
                    pending -= 1
                elif merger.accept(item[1], item[0]):
                    claims.append(item[1])
                    yield item[1]
            parts = [part for task in running for part in task.result()]
        finally:
            for task in running:  # a consumer that left early stops every upstream call
                task.cancel()
            # Shielded: a consumer being cancelled must not cancel the chunks' clean-up (closing
            # their HTTP responses) a second time, half-way through.
            await asyncio.shield(asyncio.gather(*running, return_exceptions=True))
        yield self._result(parts, claims, merger)

    async def _chunk(
        self, chunk: Chunk, on_claim: Callable[[DraftClaim], None] | None = None
    ) -> list[_Part]:
        """Ask for one chunk; cut-off replies are asked again in halves."""
        async with self._limit:
            part = await self._ask(chunk, on_claim)
        if isinstance(part.error, OutputCutOff) and not self.whole_text(chunk):
            halves = split_in_two(chunk, self.index)
            if halves:
                done = await asyncio.gather(*(self._chunk(half, on_claim) for half in halves))
                return [p for parts in done for p in parts]
        return [part]

    def whole_text(self, chunk: Chunk) -> bool:
        return chunk.last < chunk.first  # the article had no sentences: nothing to halve

    async def _ask(self, chunk: Chunk, on_claim: Callable[[DraftClaim], None] | None) -> _Part:
        messages, reply = self._messages(chunk)
        params = self.plan.params
        try:
            if on_claim is None:
                done = await self.client.complete(
                    messages,
                    reply,
                    temperature=params["temperature"],
                    model=self.plan.model,
                    max_tokens=params.get("max_tokens"),
                )
            else:
                done = await self._streamed(messages, reply, chunk, on_claim)
        except ReportedlyError as exc:
            return _Part(chunk, error=exc)
        return _Part(
            chunk,
            draft=self._draft(done.value, chunk),
            usage=done.usage,
            attempts=done.attempts,
            model=done.model,
        )

    async def _streamed(
        self,
        messages: list[dict[str, str]],
        reply: type[Reply],
        chunk: Chunk,
        on_claim: Callable[[DraftClaim], None],
    ) -> Completion[Reply]:
        """Stream one chunk's reply, handing over each claim once the model has finished
        it (when the next one has begun, or the reply is complete)."""
        sent = 0  # claims of the reply handed over so far
        params = self.plan.params
        async for item in self.client.stream(
            messages,
            reply,
            temperature=params["temperature"],
            model=self.plan.model,
            max_tokens=params.get("max_tokens"),
        ):
            if isinstance(item, Completion):
                value: Any = item.value
                for claim in self._drafts(value, value.claims[sent:], chunk):
                    on_claim(claim)
                return item
            finished = len(getattr(item, "claims", None) or []) - 1
            if finished > sent:
                raw = [c.model_dump(exclude_unset=True) for c in item.claims[sent:finished]]
                try:
                    shaped = reply.model_validate({"claims": raw, "summary": ""})
                except ValidationError:
                    continue  # the reply's own validation will say what is wrong
                for claim in self._drafts(shaped, shaped.claims, chunk):  # type: ignore[attr-defined]
                    on_claim(claim)
                sent = finished
        raise AssertionError("LLMClient.stream ends with a Completion")

    def _drafts(self, value: Reply, claims: list[Any], chunk: Chunk) -> list[DraftClaim]:
        some = type(value).model_construct(claims=claims, summary="", headline=None)
        return self._draft(some, chunk).claims

    def _messages(self, chunk: Chunk) -> tuple[list[dict[str, str]], type[Reply]]:
        sentences = self.reply.evidence_style == "sentences"
        if sentences:
            text = self.index.marked(chunk.first, chunk.last)
            reply = self.reply.for_sentences(chunk.first, max(chunk.first, chunk.last))
        else:
            whole = self.whole or self.whole_text(chunk)
            text = self.article.clean_text if whole else self.index.plain(chunk.first, chunk.last)
            reply = self.reply
        messages = self.prompt.render(
            article=text, title=self.article.title, published=self.article.published
        )
        return messages, reply

    def _draft(self, value: Reply, chunk: Chunk) -> Draft:
        draft = value.to_draft(self.index)
        if self.whole or self.reply.evidence_style == "sentences":
            return draft
        # Quotes from a chunk: where the words are in the chunk's own range, say so; the
        # grounding checks the offsets (and searches the whole text otherwise).
        text = self.article.document.text
        for claim in draft.claims:
            located = []
            for quote in claim.evidence:
                at = text.find(quote.text, chunk.start, chunk.end)
                located.append(
                    quote if at < 0 else Quote(text=quote.text, start=at, end=at + len(quote.text))
                )
            claim.evidence = located
        return draft

    def _result(self, parts: list[_Part], claims: list[DraftClaim], merger: Merger) -> BackendRun:
        answered = [p for p in parts if p.draft is not None]
        failed = [p for p in parts if p.error is not None]
        if not answered:
            assert failed[0].error is not None
            raise failed[0].error
        first = answered[0].draft
        assert first is not None
        incomplete = [
            Incomplete(start=start, end=end, reason=_reason(p.error))
            for p in failed
            if p.error is not None
            for start, end in uncovered(p.chunk, [a.chunk for a in answered])
        ]
        warnings = [] if claims else ["The model returned no claims."]
        if merger.duplicates:
            warnings.append(
                f"{merger.duplicates} claim(s) seen twice where chunks overlap were merged."
            )
        return BackendRun(
            draft=Draft(headline=first.headline, summary=first.summary, claims=claims),
            model=answered[0].model or self.plan.model,
            usage=sum((p.usage for p in parts), Usage()),
            attempts=sum(p.attempts for p in parts),
            warnings=warnings,
            chunks=len(parts),
            incomplete=incomplete,
        )


def _reason(error: ReportedlyError | None) -> str:
    return f"{error.title}: {error.detail}" if error is not None else "unknown"


class LLMBackend:
    """`Backend` for an endpoint someone else runs. The client is made on first use."""

    def __init__(
        self, planner: LLMPlanner, prompts: PromptRegistry, connect: Callable[[], LLMClient]
    ) -> None:
        self.name = planner.backend
        self.planner = planner
        self.prompts = prompts
        self._connect = connect
        self._client: LLMClient | None = None

    def plan(self, prompt: str | None, model: str | None = None) -> Plan:
        return self.planner.plan(self.prompts, prompt, model)

    async def start(self) -> None:
        """Make the client now (a serving process), so a bad endpoint URL fails at start-up."""
        self._client_now()

    async def extract(self, article: Article, plan: Plan) -> BackendRun:
        return await ask(
            self._client_now(), plan, article, concurrency=self.planner.chunk_concurrency
        )

    def extract_stream(
        self, article: Article, plan: Plan
    ) -> AsyncIterator[DraftClaim | BackendRun]:
        return ask_stream(
            self._client_now(), plan, article, concurrency=self.planner.chunk_concurrency
        )

    def _client_now(self) -> LLMClient:
        if self._client is None:
            self._client = self._connect()
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


def build_llm_backend(
    settings: Settings, prompts: PromptRegistry, http: httpx.AsyncClient | None = None
) -> LLMBackend:
    """The `llm` backend from settings; 503 when no endpoint or key is configured."""
    if not settings.llm_configured:
        raise BackendUnavailable(
            "The llm backend needs an OpenAI-compatible endpoint: set REPORTEDLY_LLM_BASE_URL "
            "(e.g. http://localhost:11434/v1) and/or REPORTEDLY_LLM_API_KEY."
        )
    planner = LLMPlanner(
        backend="llm",
        model=settings.llm_model,
        mode=settings.llm_mode,
        retries=settings.retries,
        temperature=settings.llm_temperature,
        chunk_tokens=settings.chunk_tokens,
        chunk_concurrency=settings.chunk_concurrency,
    )

    def connect() -> LLMClient:
        from reportedly.llm.client import LLMClient

        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return LLMClient(
            base_url=settings.llm_base_url,
            api_key=key,
            model=settings.llm_model,
            mode=settings.llm_mode,
            timeout=settings.timeout,
            retries=settings.retries,
            http_client=http,
        )

    return LLMBackend(planner, prompts, connect)
