"""Schemathesis against the API as served: every check, a fixed seed, a few hundred cases per
operation, zero failures. The llm backend answers from the fake endpoint, so generated
requests exercise both the rules and the LLM paths."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakellm import JSON, FakeLLM, Reply
from tests.served import served

REPO = Path(__file__).resolve().parents[1]
SEED = 20261122
CASES_PER_OPERATION = 200
SENTENCE_ID = re.compile(r"#(\d+) ")


def reply_for(request: JSON) -> Reply:
    """A valid answer in the evidence form the request asks for: sentence ids (claims@3, @4)
    when the article came numbered, else a verbatim quote (which may not ground)."""
    ids = [int(n) for n in SENTENCE_ID.findall(request["messages"][-1]["content"])]
    claim: dict[str, Any] = {
        "who": ["officials"],
        "claim": "The bridge will reopen.",
        "source": {"name": "officials", "type": "unnamed"},
        "confidence": "medium",
        "evidence": ids[:1] if ids else ["the bridge will reopen"],
    }
    claims = [claim] if ids or "#" not in request["messages"][-1]["content"] else []
    return Reply.tool({"headline": None, "summary": "A summary.", "claims": claims})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with FakeLLM() as fake:
        fake.always(Reply.computed(reply_for))
        env = {
            "REPORTEDLY_BACKENDS": "rules,llm",
            "REPORTEDLY_DEFAULT_BACKEND": "rules",
            "REPORTEDLY_LLM_BASE_URL": fake.base_url,
            "REPORTEDLY_RETRIES": "0",
            "REPORTEDLY_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
        }
        with served(env) as (url, _):
            yield url


def test_schemathesis_finds_nothing(server: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
            f"--config-file={Path(__file__).with_name('schemathesis.toml')}",
            "run",
            f"{server}/docs/openapi.json",
            "--checks=all",
            f"--seed={SEED}",
            f"--max-examples={CASES_PER_OPERATION}",
            "--workers=1",
            "--no-color",
            "--report=json",
            f"--report-json-path={report}",
        ],
        cwd=REPO,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    failures = run.stdout[run.stdout.find("FAILURES") :]
    assert run.returncode == 0, failures[:8000] + run.stderr[-2000:]
    summary = json.loads(report.read_text())
    print(json.dumps(summary, indent=1)[:2000])
