"""Schemathesis against the API as served: every check, a fixed seed, a few hundred cases per
operation, zero failures. The llm backend answers from the fake endpoint, so generated
requests exercise both the rules and the LLM paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakellm import FakeLLM, Reply
from tests.test_contract import _free_port

REPO = Path(__file__).resolve().parents[1]
SEED = 20261122
CASES_PER_OPERATION = 250
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
        port = _free_port()
        env = {
            **os.environ,
            "REPORTEDLY_BACKENDS": "rules,llm",
            "REPORTEDLY_DEFAULT_BACKEND": "rules",
            "REPORTEDLY_LLM_BASE_URL": fake.base_url,
            "REPORTEDLY_RETRIES": "0",
            "REPORTEDLY_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "reportedly", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for(url, proc)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _wait_for(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"server exited: {err}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def test_schemathesis_finds_nothing(server: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
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
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    summary = json.loads(report.read_text())
    print(json.dumps(summary, indent=1)[:2000])
