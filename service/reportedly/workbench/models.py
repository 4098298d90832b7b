"""The workbench's JSON API: every request and response body, typed, so the OpenAPI document
describes exactly what the page (or a script) can do."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reportedly.evals.baseline import BASELINE
from reportedly.evals.dataset import GoldClaim
from reportedly.problems import Problem
from reportedly.prompts import PromptInfo
from reportedly.schema import ArticleText, IsoDate, JsonBool, JsonInt, Removed, Summary

# A prompt task (folder) name, as the prompt front matter's `id` allows it: never a path.
TASK_PATTERN = r"^[a-z][a-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PromptError(BaseModel):
    line: int | None = Field(description="1-based line of the file, when it can be told.")
    message: str


class PromptProblem(Problem):
    """A prompt file that does not validate: the problem plus each error with its line."""

    errors: list[PromptError] = Field(
        default_factory=list, description="Each error in the file, with its line (422 only)."
    )


# --- articles --------------------------------------------------------------------------------


class ArticleInfo(BaseModel):
    id: str
    title: str | None
    claims: int = Field(description="Gold claims (optional ones included).")


class DatasetInfo(BaseModel):
    name: str = Field(description="The key to pass as `dataset` elsewhere in this API.")
    description: str
    hash: str | None = Field(description="sha256 of the dataset, as eval runs record it.")
    articles: list[ArticleInfo]
    error: str | None = Field(default=None, description="Why the file could not be loaded.")


class ArticleDetail(BaseModel):
    dataset: str
    id: str
    title: str | None
    published: dt.date | None
    text: str
    gold: list[GoldClaim]


# --- configurations --------------------------------------------------------------------------


class RunConfig(_Strict):
    """One way of running: backend x prompt version (x model, for `llm`)."""

    backend: str | None = Field(
        default=None,
        min_length=1,
        description="llm, local, rules or baseline; default: the service's.",
    )
    # The OpenAPI document lists the server's backends for `backend`, and these as well.
    EXTRA_BACKENDS: ClassVar[tuple[str, ...]] = (BASELINE,)
    prompt: str | None = Field(
        default=None, min_length=1, description="e.g. claims@2; default: the newest."
    )
    model: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9._:/@+-]{1,200}$",
        description="llm only: the model to ask; default REPORTEDLY_LLM_MODEL.",
    )


class BackendInfo(BaseModel):
    name: str
    available: bool
    note: str


class BackendsInfo(BaseModel):
    default: str
    llm_model: str = Field(description="The model `llm` asks unless a configuration names one.")
    backends: list[BackendInfo]


# --- side by side ----------------------------------------------------------------------------


_NULL: dict[str, Any] = {"type": "null"}
_STRING: dict[str, Any] = {"type": "string"}


class SideBySideRequest(_Strict):
    """An article (a labelled one by dataset + id, or pasted text/HTML) and two configurations."""

    # What `_one_article` checks, said in the schema too: exactly one way of giving the article.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["dataset", "article"],
                    "properties": {
                        "dataset": _STRING, "article": _STRING, "text": _NULL, "html": _NULL,
                        "title": _NULL, "published": _NULL,
                    },
                },
                {
                    "required": ["text"],
                    "properties": {"text": _STRING, "html": _NULL, "dataset": _NULL, "article": _NULL},
                },
                {
                    "required": ["html"],
                    "properties": {"html": _STRING, "text": _NULL, "dataset": _NULL, "article": _NULL},
                },
            ]
        }
    )  # fmt: skip

    dataset: str | None = None
    article: str | None = Field(default=None, description="An article id in `dataset`.")
    text: ArticleText | None = None
    html: ArticleText | None = None
    title: str | None = None
    published: IsoDate | None = None
    left: RunConfig
    right: RunConfig

    @model_validator(mode="after")
    def _one_article(self) -> SideBySideRequest:
        labelled = self.dataset is not None or self.article is not None
        pasted = self.text is not None or self.html is not None
        if labelled == pasted:
            raise ValueError("give either dataset + article, or text or html (not both)")
        if labelled and (self.dataset is None or self.article is None):
            raise ValueError("a labelled article needs both dataset and article")
        if labelled and (self.title is not None or self.published is not None):
            raise ValueError("title and published come from the dataset for a labelled article")
        return self


class MatchOut(BaseModel):
    claim: int = Field(description="Index into this side's claims.")
    gold: int = Field(description="Index into the article's gold claims.")
    similarity: float
    wrong: list[str] = Field(description="Attributes the scorer judged wrong: source, ...")


class GoldMatch(BaseModel):
    """This side against the article's gold claims, as the eval scorer pairs and counts them."""

    matched: list[MatchOut]
    missed: list[int] = Field(description="Required gold claims no prediction matched.")
    invented: list[int] = Field(description="Predictions matching no gold claim.")
    scores: dict[str, float | None] = Field(description="The scorer's per-article metrics.")


class Side(BaseModel):
    config: RunConfig = Field(description="What ran: backend, prompt id@version and model.")
    summary: Summary | None = None
    problem: Problem | None = Field(
        default=None, description="Why this side has no summary (e.g. the endpoint is down)."
    )
    gold: GoldMatch | None = Field(default=None, description="Only for a labelled article.")


class PairOut(BaseModel):
    left: int
    right: int
    similarity: float
    changed: list[str] = Field(description="Of source, confidence, timeframe, who.")


class ClaimDiffOut(BaseModel):
    """The two sides' claims paired with the eval scorer's matcher."""

    matched: list[PairOut]
    only_left: list[int]
    only_right: list[int]


class Segment(BaseModel):
    """A stretch of the article and the claims whose evidence covers it."""

    start: int
    end: int
    left: list[int] = Field(default_factory=list)
    right: list[int] = Field(default_factory=list)
    gold: list[int] = Field(default_factory=list)
    furniture: bool = False


class SideBySide(BaseModel):
    text: str = Field(description="The article text every offset refers to.")
    removed: list[Removed]
    gold: list[GoldClaim] | None
    left: Side
    right: Side
    diff: ClaimDiffOut
    segments: list[Segment]


# --- prompts ---------------------------------------------------------------------------------


class PromptText(PromptInfo):
    text: str = Field(description="The file exactly as stored.")


class PromptDraft(_Strict):
    text: str = Field(max_length=200_000, description="A whole prompt file: front matter + body.")
    version: int | None = Field(
        default=None,
        ge=1,
        description="The version you expect to create; a 409 if it is not the next one.",
    )


class PromptCheck(BaseModel):
    valid: bool
    ref: str = Field(description="What the text would be saved as (the next version).")
    text: str = Field(description="The text as it would be saved: `version:` set to the next.")
    errors: list[PromptError] = Field(
        default_factory=list, description="Each error in the file, with its line (422 only)."
    )


class PromptSaved(BaseModel):
    ref: str
    version: int
    hash: str
    path: str = Field(description="Relative to the prompts folder.")


# --- evals -----------------------------------------------------------------------------------


class EvalRequest(RunConfig):
    dataset: str
    repeat: JsonInt = Field(default=1, ge=1, le=10)
    fresh: JsonBool = Field(default=False, description="Start a new run instead of resuming.")


class EvalJob(BaseModel):
    id: str
    status: Literal["running", "finished", "failed"]
    dataset: str
    config: RunConfig
    done: int = Field(description="Cases recorded so far (resumed ones included).")
    total: int
    errors: int = Field(description="Cases that failed (recorded with their error).")
    runs: list[str] = Field(description="Run ids in the store, once known.")
    message: str | None = None
    started_at: dt.datetime
    finished_at: dt.datetime | None = None


class RunInfo(BaseModel):
    id: str
    created_at: str
    dataset: str
    dataset_hash: str
    backend: str
    prompt: str | None
    model: str | None
    repeat: int
    status: str
    git_commit: str | None
    claim_f1: float | None


class MetricDelta(BaseModel):
    metric: str
    a: float | None
    b: float | None
    diff: float | None = Field(description="B - A.")
    low: float | None = Field(description="2.5th percentile of the bootstrapped B - A.")
    high: float | None = Field(description="97.5th percentile.")
    worse_by: float | None = Field(description="Positive when B is worse than A.")


class ArticleLink(BaseModel):
    """Where the side-by-side view shows this article with the two runs' configurations."""

    dataset: str
    article: str
    left: RunConfig
    right: RunConfig


class ArticleChange(BaseModel):
    article: str
    f1_a: float | None
    f1_b: float | None
    added: list[str]
    removed: list[str]
    changed: list[str]
    link: ArticleLink | None = Field(description="None when the dataset is not offered here.")


class RunComparison(BaseModel):
    a: RunInfo
    b: RunInfo
    same_dataset: bool
    articles: int = Field(description="Articles both runs scored: the bootstrap's units.")
    resamples: int
    metrics: list[MetricDelta]
    changes: list[ArticleChange] = Field(description="Articles whose claims changed, most first.")
