"""The workbench page in a real browser (Playwright driving Debian's chromium), end to end:
pick a sample, run claims@1 against claims@2 on `rules` and on the fake LLM endpoint, read the
diff, write a new prompt version (a template error first, shown at its line), run an eval of
each side with progress, compare the two runs, and follow a changed article back.

A screenshot of each step goes to build/screenshots/workbench/ (CI prints the folder)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from reportedly.app import create_app
from reportedly.bundled import PROMPTS_DIR
from reportedly.evals.dataset import DEFAULT_DATASET, Case, load_dataset
from reportedly.settings import Settings

from tests.fakellm import FakeLLM, Received, Reply

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
SHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots" / "workbench"
ARTICLE = "nk-troops-nis-warning"
FURNISHED = "nk-troops-seoul-june26-scraped"
# What the new prompt version says about confidence; the fake model reacts to it.
RUBRIC = "Judge confidence by the verb that carries the claim"


def _require_browser() -> Any:
    """Playwright's sync API, or a skip (a failure under CI) saying what to install."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "the playwright package (pip install -e '.[dev]')"
    else:
        if Path(CHROMIUM).exists():
            return sync_playwright
        missing = f"Debian's chromium at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests need {missing}")
    pytest.skip(f"browser tests need {missing}")


# --- a fake model that answers by prompt version -----------------------------------------------


def _draft(case: Case, picks: list[int], confidence: dict[int, str] | None = None) -> Reply:
    claims = []
    for i in picks:
        gold = case.claims[i]
        claims.append(
            {
                "who": gold.who,
                "claim": gold.claim,
                "source": gold.source.model_dump(),
                "timeframe": json.loads(gold.timeframe.model_dump_json()),
                "confidence": (confidence or {}).get(i, gold.confidence),
                "evidence": [e.quote for e in gold.evidence],
            }
        )
    return Reply.tool(
        {"headline": None, "summary": "North Korea may send troops.", "claims": claims},
        delay=0.15,
    )


class PromptAwareFake(FakeLLM):
    """claims@1, claims@2 and the new version each get their own answer, and only the
    article the answers quote gets claims (the others get none, as a poor model might)."""

    def __init__(self, case: Case) -> None:
        super().__init__()
        self.case = case
        self.v1 = _draft(case, [0, 2, 3, 5], confidence={0: "high", 2: "high"})
        self.v2 = _draft(case, [0, 2, 3, 5, 7], confidence={0: "medium"})
        self.v3 = _draft(case, [0, 2, 3, 5, 7, 8])
        self.empty = Reply.tool({"headline": None, "summary": "Nothing.", "claims": []})

    def _next_reply(self, body: dict[str, Any], received: Received) -> Reply | None:
        with self._lock:
            self.received.append(received)
        messages = " ".join(str(m.get("content")) for m in body.get("messages", []))
        if self.case.claims[0].evidence[0].quote not in messages:
            return self.empty
        if RUBRIC in messages:
            return self.v3
        return self.v2 if "Worked example" in messages else self.v1


# --- the server ------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    root: Path
    fake: PromptAwareFake


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    case = next(c for c in load_dataset(DEFAULT_DATASET).cases if c.id == ARTICLE)
    # Never the repository's own prompts/; claims@1 and @2 only, so the walk-through's new
    # version is claims@3 whatever the package ships.
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts, ignore=shutil.ignore_patterns("v[3-9]*.md"))
    fake = PromptAwareFake(case)
    with fake:
        settings = Settings(
            workbench=True,
            cache_dir=tmp_path / "cache",
            prompts_dir=prompts,
            llm_base_url=fake.base_url,
            llm_model="fake-model",
            default_backend="rules",
            retries=0,
        )
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
        uv = uvicorn.Server(config)
        thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not uv.started:
            assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        try:
            yield Server(f"http://127.0.0.1:{sock.getsockname()[1]}", tmp_path, fake)
        finally:
            uv.should_exit = True
            thread.join(timeout=30)
            sock.close()


# --- the walk-through --------------------------------------------------------------------------


def _configure(page: Any, side: str, backend: str, prompt: str) -> None:
    page.select_option(f"#config-{side} [name=backend]", backend)
    page.select_option(f"#config-{side} [name=prompt]", prompt)


def _run(page: Any) -> None:
    page.click("#run")
    page.wait_for_function(
        "document.querySelector('#run-status').textContent.startsWith('done')"
        " || document.querySelector('#run-status').classList.contains('error')",
        timeout=60_000,
    )
    status = page.inner_text("#run-status")
    assert status.startswith("done"), status


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_workbench_end_to_end_in_chromium(server: Server) -> None:
    sync_playwright = _require_browser()
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{server.url}/workbench")
            page.wait_for_selector("body[data-ready=true]")
            _shot(page, "01-loaded")

            _rules_side_by_side(page)
            _llm_side_by_side(page)
            _new_prompt_version(page, server)
            _eval_and_compare(page)
        finally:
            browser.close()
    assert errors == []


def _rules_side_by_side(page: Any) -> None:
    """A sample with site furniture, claims@1 vs claims@2 on rules: rules ignores prompts,
    so every claim matches and nothing changed; furniture is greyed, evidence highlighted."""
    page.select_option("#dataset", "samples")
    page.select_option("#article-id", FURNISHED)
    _configure(page, "a", "rules", "claims@1")
    _configure(page, "b", "rules", "claims@2")
    _run(page)
    rows = page.locator("#diff-table tbody tr")
    assert rows.count() > 3
    assert page.locator("#diff-table .badge.same").count() == rows.count()
    assert page.locator("#article .furniture").count() > 0
    assert page.locator("#article .hl.g").count() > 0 and page.locator("#article .hl.l").count()
    assert float(page.locator("#gold-a [data-metric=claim_f1]").inner_text()) > 0
    # Hovering a highlight shows its claims; the tooltip is text, not markup.
    page.locator("#article .hl.l").first.hover()
    tooltip = page.locator("#tooltip")
    assert tooltip.is_visible() and "A1" in tooltip.inner_text()
    _shot(page, "02-rules-claims1-vs-claims2")
    # Clicking a claim scrolls its evidence into view and flashes it.
    page.locator("#diff-table .claim").nth(2 * (rows.count() - 1)).click()
    page.wait_for_selector("#article .flash")
    _shot(page, "03-claim-evidence")


def _llm_side_by_side(page: Any) -> None:
    page.select_option("#article-id", ARTICLE)
    _configure(page, "a", "llm", "claims@1")
    _configure(page, "b", "llm", "claims@2")
    _run(page)
    # claims@2 marks the first claim medium (claims@1 said high) and finds one more claim.
    changed = page.locator("#diff-table tr.matched .badge.changed")
    assert "confidence" in changed.all_inner_texts()
    assert page.locator("#diff-table tr.only-b").count() == 1
    missed = [page.locator(f"#gold-{side} ul.missed li").count() for side in ("a", "b")]
    assert missed[0] > missed[1]
    _shot(page, "04-llm-claims1-vs-claims2")


def _new_prompt_version(page: Any, server: Server) -> None:
    """ "I want to change how confidence is judged": claims@2 edited, a template error shown
    at its line, fixed, saved as claims@3, and B runs it at once."""
    page.click("nav [data-tab=prompts]")
    page.select_option("#prompt-version", "claims@2")
    page.click("#prompt-open")
    page.wait_for_function("document.querySelector('#prompt-text').value.includes('[system]')")
    original = page.input_value("#prompt-text")
    edited = original.replace(
        "- confidence: how firmly",
        f"- confidence: {RUBRIC}. How firmly",
    ).replace("description: v1 plus", "description: confidence by the verb; v1 plus")
    assert edited != original
    broken = edited.replace("{{ article }}", "{{ article | nosuchfilter }}")
    bad_line = broken.splitlines().index("{{ article | nosuchfilter }}") + 1
    page.fill("#prompt-text", broken)
    page.click("#prompt-save")
    page.wait_for_selector("#prompt-errors li")
    assert f"line {bad_line}" in page.inner_text("#prompt-errors")
    assert "nosuchfilter" in page.inner_text("#prompt-errors")
    assert page.inner_text("#gutter .bad").strip() == str(bad_line)
    assert not (server.root / "prompts" / "claims" / "v3.md").exists()
    page.click("#prompt-errors button")  # jumps to the line
    _shot(page, "05-prompt-template-error")

    page.fill("#prompt-text", edited)
    page.click("#prompt-save")
    page.wait_for_function(
        "document.querySelector('#prompt-status').textContent.startsWith('saved')"
    )
    assert "claims@3" in page.inner_text("#prompt-status")
    saved = (server.root / "prompts" / "claims" / "v3.md").read_text(encoding="utf-8")
    assert RUBRIC in saved and "version: 3" in saved
    assert page.input_value("#config-b [name=prompt]") == "claims@3"
    _shot(page, "06-prompt-saved")

    page.click("nav [data-tab=compare]")
    _run(page)
    assert "claims@3" in page.inner_text("#gold-b h3")
    assert page.locator("#diff-table tr.only-b").count() == 2  # v3 finds two more than v1


def _eval_and_compare(page: Any) -> None:
    page.click("nav [data-tab=evals]")
    page.select_option("#eval-dataset", "samples")
    # Every progress label the page shows is kept, to see the run go from start to end.
    page.evaluate(
        """() => { window.progressSeen = [];
        new MutationObserver(() => window.progressSeen.push(
            document.querySelector('#eval-progress .label').textContent))
        .observe(document.querySelector('#eval-progress'),
                 {subtree: true, childList: true, characterData: true}); }"""
    )
    for side in ("a", "b"):
        page.click(f"#eval-{side}")
        page.wait_for_selector("#eval-progress:not([hidden])")
        if side == "a":
            _shot(page, "07-eval-progress")
        page.wait_for_selector("#eval-progress[data-status=finished]", timeout=120_000)
        seen: list[str] = page.evaluate("window.progressSeen.splice(0)")
        assert seen[0].startswith("0 / 4 cases") and "running" in seen[0], seen
        assert "4 / 4 cases · 0 errors · finished" in seen[-1], seen
        page.wait_for_function(
            f"document.querySelectorAll('#runs-table tbody tr').length === {'ab'.index(side) + 1}"
        )
    _shot(page, "08-eval-finished")

    page.click("#compare-runs")
    page.wait_for_selector("#compare-table")
    recall = page.locator("#compare-table tr[data-metric=claim_recall] td")
    assert recall.nth(3).inner_text().startswith("+")  # B - A, up
    assert recall.nth(4).inner_text().startswith("[")  # with its interval
    changes = page.locator("#comparison .changes li")
    assert changes.count() == 1 and ARTICLE in changes.first.inner_text()
    _shot(page, "09-compare-runs")

    changes.first.locator("button").click()
    page.wait_for_selector("#tab-compare:not([hidden])")
    page.wait_for_function("document.querySelector('#run-status').textContent.startsWith('done')")
    assert page.input_value("#config-b [name=prompt]") == "claims@3"
    assert page.input_value("#article-id") == ARTICLE
    _shot(page, "10-from-compare-to-side-by-side")
