"""The `llm` backend: a versioned prompt, rendered, sent to any OpenAI-compatible endpoint.

It knows nothing about the endpoint beyond an `LLMClient`, so the `local` backend (llama.cpp
on this machine) is this same class pointed at another URL and model.
"""

from __future__ import annotations

from typing import Any

import httpx

from reportedly.backends.base import Article, BackendRun, Plan
from reportedly.errors import BackendUnavailable
from reportedly.llm import LLMClient
from reportedly.prompts import PromptFile, PromptRegistry, prompt_hash
from reportedly.schema import Draft
from reportedly.settings import Settings


class LLMBackend:
    def __init__(
        self,
        name: str,
        client: LLMClient,
        prompts: PromptRegistry,
        *,
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        task: str = "claims",
        owns_client: bool = True,
        response_model: type[Draft] = Draft,
    ) -> None:
        """`temperature=None` uses the prompt file's suggested temperature (else 0).

        `response_model` is what the model is asked for (a `Draft`, or a subclass whose
        schema constrains it further); its schema is part of every plan's hash.
        """
        self.name = name
        self.client = client
        self.prompts = prompts
        self.model = model or client.model
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.task = task
        self._owns_client = owns_client
        self.response_model = response_model
        self._schema = response_model.model_json_schema()

    def params(self, prompt: PromptFile) -> dict[str, Any]:
        """Everything besides prompt, schema and model that changes what the model returns."""
        params: dict[str, Any] = {
            "temperature": self._temperature(prompt),
            "mode": self.client.mode,
            "retries": self.client.retries,
        }
        if self.max_tokens is not None:
            params["max_tokens"] = self.max_tokens
        return params

    def plan(self, prompt: str | None) -> Plan:
        chosen = self.prompts.get(prompt, self.task)
        return Plan(
            backend=self.name,
            model=self.model,
            prompt=chosen.ref,
            prompt_hash=prompt_hash(chosen, self._schema, self.model, self.params(chosen)),
        )

    async def start(self) -> None:
        """Nothing to load: the endpoint is someone else's to run."""

    async def extract(self, article: Article, plan: Plan) -> BackendRun:
        chosen = self.prompts.get(plan.prompt, self.task)
        messages = chosen.render(
            article=article.clean_text, title=article.title, published=article.published
        )
        done = await self.client.complete(
            messages,
            self.response_model,
            temperature=self._temperature(chosen),
            model=plan.model,
            max_tokens=self.max_tokens,
        )
        warnings = [] if done.value.claims else ["The model returned no claims."]
        return BackendRun(
            draft=done.value,
            model=done.model,
            usage=done.usage,
            attempts=done.attempts,
            warnings=warnings,
        )

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()

    def _temperature(self, prompt: PromptFile) -> float:
        if self.temperature is not None:
            return self.temperature
        return prompt.meta.temperature if prompt.meta.temperature is not None else 0.0


def build_llm_backend(
    settings: Settings, prompts: PromptRegistry, http: httpx.AsyncClient | None = None
) -> LLMBackend:
    """The `llm` backend from settings; 503 when no endpoint or key is configured."""
    if not settings.llm_configured:
        raise BackendUnavailable(
            "The llm backend needs an OpenAI-compatible endpoint: set REPORTEDLY_LLM_BASE_URL "
            "(e.g. http://localhost:11434/v1) and/or REPORTEDLY_LLM_API_KEY."
        )
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    client = LLMClient(
        base_url=settings.llm_base_url,
        api_key=key,
        model=settings.llm_model,
        mode=settings.llm_mode,
        timeout=settings.timeout,
        retries=settings.retries,
        http_client=http,
    )
    return LLMBackend(
        "llm", client, prompts, model=settings.llm_model, temperature=settings.llm_temperature
    )
