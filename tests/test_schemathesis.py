"""Schemathesis against the API as served: every check, a fixed seed, a few hundred cases per
operation, zero failures. The llm backend answers from the fake endpoint, so generated
requests exercise both the rules and the LLM paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakellm import FakeLLM, Reply
from tests.served import served

REPO = Path(__file__).resolve().parents[1]
SEED = 20261122
CASES_PER_OPERATION = 200
REPLY = {
    "headline": "Bridge to reopen",
    "summary": "Officials expect the bridge to reopen.",
    "claims": [
        {
            "who": ["officials"],
            "claim": "The bridge will reopen.",
            "source": {"name": "officials", "type": "unnamed"},
            "confidence": "medium",
            "evidence": ["the bridge will reopen"],
        }
    ],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with FakeLLM() as fake:
        fake.always(Reply.tool(REPLY))
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
