"""`reportedly summarize`: JSON or a readable view on stdout, clear errors and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from reportedly.cli import app
from reportedly.schema import Summary
from typer.testing import CliRunner, Result

from tests.samples import FURNISHED_SAMPLE

SAMPLE = "wikinews_2016-07-06_fast-telescope.txt"
Invoke = Callable[..., Result]


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run the CLI in-process on the offline default, with its own cache."""
    for name in ("REPORTEDLY_LLM_BASE_URL", "REPORTEDLY_LLM_API_KEY", "REPORTEDLY_DEFAULT_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    env = {"REPORTEDLY_CACHE_DIR": str(tmp_path / "cache")}
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(app, ["summarize", *args], input=stdin, env=env)

    return run


def _write(folder: Path, name: str, samples: dict[str, str]) -> Path:
    """The sample as a file, byte for byte (no newline translation)."""
    path = folder / name
    path.write_text(samples[name], encoding="utf-8", newline="")
    return path


def test_file_prints_a_grounded_summary_as_json(
    invoke: Invoke, samples: dict[str, str], tmp_path: Path
) -> None:
    path = _write(tmp_path, FURNISHED_SAMPLE, samples)
    result = invoke(str(path), "--published", "2024-06-20")
    assert result.exit_code == 0, result.output
    summary = Summary.model_validate_json(result.stdout)
    assert summary.meta.backend == "rules"
    assert summary.document.text == samples[FURNISHED_SAMPLE]
    assert summary.claims and summary.document.removed
    for claim in summary.claims:
        for ev in claim.evidence:
            assert summary.document.text[ev.start : ev.end] == ev.quote


def test_stdin_gives_the_same_claims_as_the_file(
    invoke: Invoke, samples: dict[str, str], tmp_path: Path
) -> None:
    path = _write(tmp_path, SAMPLE, samples)
    from_file = Summary.model_validate_json(invoke(str(path)).stdout)
    from_stdin = Summary.model_validate_json(invoke("-", stdin=samples[SAMPLE]).stdout)
    assert from_stdin.claims == from_file.claims
    assert from_stdin.meta.cached  # same text, same plan: answered from the cache


def test_pretty_lists_every_claim_with_its_source(
    invoke: Invoke, samples: dict[str, str], tmp_path: Path
) -> None:
    path = _write(tmp_path, SAMPLE, samples)
    summary = Summary.model_validate_json(invoke(str(path)).stdout)
    result = invoke(str(path), "--pretty")
    assert result.exit_code == 0, result.output
    assert f"claims={len(summary.claims)} " in result.stdout
    assert "backend=rules" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
    numbered = {line.split("│")[1].strip() for line in rows} - {""}
    assert numbered == {str(n) for n in range(1, len(summary.claims) + 1)}


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["/nonexistent/article.txt"], None, 2, "Cannot read /nonexistent/article.txt"),
        (["-"], "   \n\t ", 2, "empty or whitespace"),
        (["-", "--published", "20 June"], "Some text.", 2, "--published must be YYYY-MM-DD"),
        (["-", "--backend", "gpt"], "Some text.", 2, "'gpt'"),
        # Bad input exits 2; a backend that cannot run here (a 5xx in HTTP terms) exits 1.
        (["-", "--backend", "llm"], "Some text.", 1, "REPORTEDLY_LLM_BASE_URL"),
    ],
)
def test_errors_exit_non_zero_with_a_message_not_a_traceback(
    invoke: Invoke, args: list[str], stdin: str | None, code: int, message: str
) -> None:
    result = invoke(*args, stdin=stdin)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", [["prompts"], ["summarize", "-"], ["serve", "--port", "1"]])
def test_a_broken_prompt_file_is_named_not_a_traceback(tmp_path: Path, command: list[str]) -> None:
    # A prompt author's typo must say which file and what is wrong, before anything starts.
    (tmp_path / "claims").mkdir()
    broken = tmp_path / "claims" / "v1.md"
    broken.write_text("---\nid: claims\nversion: one\n---\n{{ article }}\n", encoding="utf-8")
    env = {**os.environ, "REPORTEDLY_PROMPTS_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "reportedly.cli", *command],
        input="Officials said so.",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "v1.md" in result.stderr and "version" in result.stderr
    assert "Traceback" not in result.stderr
