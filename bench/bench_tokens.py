"""Prompt and completion tokens per sample article, for every prompt version.

    .venv/bin/python -m bench.bench_tokens

Each sample article goes through the real request path (`LLMBackend`, instructor, TOOLS
mode) to a recording fake endpoint, which answers with the article's hand-labelled gold
claims written in the reply format of the prompt version (quotes for claims@1/@2, sentence
ids for claims@3 and @4). Tokens are counted offline with OpenAI's o200k encoding (`bpe-openai`):

- prompt tokens = the messages' contents + the `tools` array as sent (compact JSON), the way
  the issue counted "messages + schema"; articles are rendered without their published
  date, as the issue's figures were;
- completion tokens = the tool call's arguments as the fake endpoint sent them (the gold
  answer as a model would write it), per article and per claim.

langextract (1.7.1, same fields, one two-claim example) is not run here; its single-call
figures are the issue's: 994-1,357 prompt tokens, i.e. the article's own tokens + 621 on
every sample (the range is exactly the articles' token range shifted by 621), which is the
per-sample column printed.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import bpe_openai
from reportedly.backends.base import Article
from reportedly.backends.llm import LLMBackend, LLMPlanner
from reportedly.bundled import PROMPTS_DIR
from reportedly.cleaning import clean, clean_view
from reportedly.evals.dataset import DEFAULT_DATASET, Case, load_dataset
from reportedly.llm.client import LLMClient
from reportedly.prompts import PromptRegistry
from reportedly.sentences import SentenceIndex

from tests.fakellm import FakeLLM

ENCODING = bpe_openai.get_encoding("o200k_base")
LANGEXTRACT_OVERHEAD = 621  # issue 10: single call = article tokens + 621
ISSUE = {  # issue 10's figures (prompt tokens per article, min-max)
    "claims@1": "1,403-1,766",
    "claims@2": "2,005-2,368",
    "langextract": "994-1,357",
}


def tokens(text: str) -> int:
    return len(ENCODING.encode(text))


@dataclass
class Row:
    article: str
    prompt: int
    messages: int
    schema: int
    completion: int
    claims: int


def gold_quoted(case: Case) -> dict[str, Any]:
    return {
        "headline": case.title,
        "summary": "Two or three neutral sentences about the article.",
        "claims": [
            {
                "who": c.who,
                "claim": c.claim,
                "source": c.source.model_dump(exclude={"aliases"}),  # the service fills aliases in
                "timeframe": c.timeframe.model_dump(mode="json"),
                "confidence": c.confidence,
                "evidence": [e.quote for e in c.evidence],
            }
            for c in case.claims
        ],
    }


def gold_cited(case: Case, index: SentenceIndex) -> dict[str, Any]:
    claims = []
    for c in case.claims:
        ids = [
            s.id
            for s in index.sentences
            if any(s.start < e.end and e.start < s.end for e in c.evidence)
        ]
        claim: dict[str, Any] = {
            "who": c.who,
            "claim": c.claim,
            "source": c.source.model_dump(exclude={"aliases"}),  # the service fills aliases in
            "confidence": c.confidence,
            "evidence": ids,
        }
        timeframe = {k: v for k, v in c.timeframe.model_dump(mode="json").items() if v}
        if timeframe:
            claim["timeframe"] = timeframe
        claims.append(claim)
    return {
        "claims": claims,
        "headline": case.title,
        "summary": "Two or three neutral sentences about the article.",
    }


async def measure(ref: str, case: Case, prompts: PromptRegistry, fake: FakeLLM) -> Row:
    document = clean(case.text)
    article = Article(document=document, clean_text=clean_view(document))
    client = LLMClient(base_url=fake.base_url, api_key=None, model="bench", retries=0)
    backend = LLMBackend(
        LLMPlanner(backend="llm", model="bench", mode="tools", retries=0, chunk_tokens=10**6),
        prompts,
        lambda: client,
    )
    plan = backend.plan(ref)
    assert plan.prompt is not None and plan.reply is not None
    index = SentenceIndex.build(document)
    reply = (
        gold_cited(case, index) if plan.reply.evidence_style == "sentences" else gold_quoted(case)
    )
    arguments = json.dumps(reply)
    fake.reply_tool(arguments)
    await backend.extract(article, plan)
    await client.aclose()
    request = fake.requests[-1]
    messages = sum(tokens(m["content"]) for m in request["messages"])
    schema = tokens(json.dumps(request["tools"], separators=(",", ":")))
    return Row(case.id, messages + schema, messages, schema, tokens(arguments), len(case.claims))


async def main() -> None:
    dataset = load_dataset(DEFAULT_DATASET)
    prompts = PromptRegistry.load(PROMPTS_DIR)
    refs = prompts.refs
    results: dict[str, list[Row]] = {}
    with FakeLLM() as fake:
        for ref in refs:
            results[ref] = [await measure(ref, case, prompts, fake) for case in dataset.cases]
    articles = {case.id: tokens(clean_view(clean(case.text))) for case in dataset.cases}

    print("prompt tokens per article (messages + tools schema, o200k):")
    header = f"{'article':40}" + "".join(f"{r:>13}" for r in refs) + f"{'langextract':>13}"
    print(header)
    for n, case in enumerate(dataset.cases):
        raw = tokens(case.text)
        cells = "".join(f"{results[r][n].prompt:>13,}" for r in refs)
        print(f"{case.id[:40]:40}{cells}{raw + LANGEXTRACT_OVERHEAD:>13,}")
    print(
        f"{'range':40}"
        + "".join(f"{_range([x.prompt for x in results[r]]):>13}" for r in refs)
        + f"{ISSUE['langextract']:>13}"
    )
    print(f"{'issue (before)':40}" + "".join(f"{ISSUE.get(r, '-'):>13}" for r in refs))
    print(
        f"{'tools schema alone':40}"
        + "".join(f"{results[r][0].schema:>13,}" for r in refs)
        + f"{194:>13}"
    )
    print(f"{'article alone (clean text)':40}" + "".join(f"{'':>13}" for _ in refs))
    for case in dataset.cases:
        print(f"  {case.id[:38]:38} {articles[case.id]:,}")

    print("\ncompletion tokens (the gold answer in each reply format):")
    print(f"{'article':40}" + "".join(f"{r:>13}" for r in refs))
    for n, case in enumerate(dataset.cases):
        print(f"{case.id[:40]:40}" + "".join(f"{results[r][n].completion:>13,}" for r in refs))
    per_claim = {
        r: sum(x.completion for x in rows) / sum(x.claims for x in rows)
        for r, rows in results.items()
    }
    print(f"{'per claim (all articles)':40}" + "".join(f"{per_claim[r]:>13.1f}" for r in refs))
    if "claims@2" in per_claim:
        base = per_claim["claims@2"]
        print(
            f"{'vs claims@2':40}"
            + "".join(f"{(per_claim[r] / base - 1) * 100:>+12.0f}%" for r in refs)
        )


def _range(values: list[int]) -> str:
    return f"{min(values):,}-{max(values):,}"


if __name__ == "__main__":
    asyncio.run(main())
