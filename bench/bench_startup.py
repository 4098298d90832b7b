"""How long the CLI takes to start, next to a bare interpreter in the same rounds.

    .venv/bin/python -m bench.bench_startup [--rounds 15]

Times, interleaved round by round (the machine is noisy; compare within a round):
`python -c pass`; `reportedly --help`; a cached `reportedly summarize` on the rules backend;
and a cached `reportedly summarize` on the llm backend whose endpoint is gone by then (the
answer must come from the cache without building the backend or importing the SDK).
Prints median and p90 per command, the median's distance from the bare interpreter, and
which heavy modules each command imported. Target: `--help` within 0.5 s of `python -c pass`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.fakellm import FakeLLM, Reply

HEAVY = ("openai", "instructor", "scipy", "spacy", "litestar", "trafilatura", "dateparser")
ARTICLE = (
    "Officials said the bridge would reopen on Monday. The mayor, Ana Ruiz, said repairs "
    "had cost more than expected. Engineers believe the cracks were caused by heavy trucks.\n"
)
REPLY = {
    "headline": None,
    "summary": "The bridge reopens.",
    "claims": [
        {
            "who": ["the bridge"],
            "claim": "The bridge would reopen on Monday.",
            "source": {"name": "officials", "type": "unnamed"},
            "confidence": "high",
            "evidence": [1],  # the default prompt (claims@4) cites sentence ids
        }
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / "article.txt"
        article.write_text(ARTICLE)
        env = {**os.environ, "REPORTEDLY_CACHE_DIR": tmp}
        cli = [sys.executable, "-m", "reportedly"]
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], env),
            "reportedly --help": ([*cli, "--help"], env),
            "summarize, cached (rules)": ([*cli, "summarize", str(article)], env),
        }
        with FakeLLM() as fake:  # fill the cache for the llm backend, then take it away
            fake.always(Reply.tool(REPLY))
            llm_env = {**env, "REPORTEDLY_LLM_BASE_URL": fake.base_url}
            _run([*cli, "summarize", str(article)], llm_env)
        commands["summarize, cached (llm, endpoint gone)"] = (
            [*cli, "summarize", str(article)],
            llm_env,
        )
        _run(commands["summarize, cached (rules)"][0], env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, (argv, cmd_env) in commands.items():
                began = time.perf_counter()
                _run(argv, cmd_env)
                times[name].append(time.perf_counter() - began)
        _report(commands, times)


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return done.stderr


def _heavy_imports(argv: list[str], env: dict[str, str]) -> list[str]:
    log = _run([argv[0], "-X", "importtime", *argv[1:]], env)
    seen = {line.rsplit("|", 1)[-1].strip() for line in log.splitlines() if "|" in line}
    return [m for m in HEAVY if m in seen]


def _report(
    commands: dict[str, tuple[list[str], dict[str, str]]], times: dict[str, list[float]]
) -> None:
    bare = statistics.median(times["python -c pass"])
    print(f"{'command':42} {'median':>8} {'p90':>8} {'- bare':>8}  heavy imports")
    for name, values in times.items():
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
        median = statistics.median(values)
        heavy = ", ".join(_heavy_imports(*commands[name])) or "none"
        print(f"{name:42} {median:7.3f}s {p90:7.3f}s {median - bare:7.3f}s  {heavy}")
    help_gap = statistics.median(times["reportedly --help"]) - bare
    print(f"\n--help starts {help_gap:.3f} s after a bare interpreter (target <= 0.5 s)")


if __name__ == "__main__":
    main()
