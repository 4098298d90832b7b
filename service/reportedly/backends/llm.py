"""The `llm` backend: a versioned prompt, rendered, sent to any OpenAI-compatible endpoint.

Planning needs no client: an `LLMPlanner` (how this backend asks) and the prompt files fix
the plan, so a cache hit never imports the SDK. The `local` backend plans and asks the same
way, through a client pointed at the llama.cpp server it runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reportedly.backends.base import Article, BackendRun, Plan
from reportedly.errors import BackendUnavailable
from reportedly.llm import LLMMode
from reportedly.prompts import PromptFile, PromptRegistry, prompt_hash
from reportedly.replies import QuotedReply, Reply

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
    reply_model: type[Reply] = QuotedReply
    task: str = "claims"

    def plan(self, prompts: PromptRegistry, prompt: str | None, model: str | None) -> Plan:
        chosen = prompts.get(prompt, self.task)
        model = model or self.model
        params = self.params(chosen)
        schema = _schema(self.reply_model)
        return Plan(
            backend=self.backend,
            model=model,
            prompt=chosen,
            prompt_hash=prompt_hash(chosen, schema, model, params),
            params=params,
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
        }
        if self.max_tokens is not None:
            params["max_tokens"] = self.max_tokens
        return params


@functools.cache
def _schema(reply_model: type[Reply]) -> dict[str, Any]:
    return reply_model.model_json_schema()


async def ask(
    client: LLMClient, plan: Plan, article: Article, reply_model: type[Reply]
) -> BackendRun:
    """Run a plan: render its prompt for the article, ask, and hand back the reply as a draft."""
    if plan.prompt is None:
        raise ValueError(f"an LLM plan needs a prompt: {plan}")
    messages = plan.prompt.render(
        article=article.clean_text, title=article.title, published=article.published
    )
    done = await client.complete(
        messages,
        reply_model,
        temperature=plan.params["temperature"],
        model=plan.model,
        max_tokens=plan.params.get("max_tokens"),
    )
    draft = done.value.to_draft()
    return BackendRun(
        draft=draft,
        model=done.model,
        usage=done.usage,
        attempts=done.attempts,
        warnings=[] if draft.claims else ["The model returned no claims."],
    )


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
        return await ask(self._client_now(), plan, article, self.planner.reply_model)

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
