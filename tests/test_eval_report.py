"""The HTML report: self-contained, escaped, and rendering its highlights in a real browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from reportedly.evals.dataset import Case, Dataset, GoldClaim, GoldEvidence
from reportedly.evals.report import metrics_table, render_html, segments
from reportedly.evals.scorer import score_case
from reportedly.evals.store import EvalStore
from reportedly.evals.views import build_views
from reportedly.schema import Claim, Document, Evidence, Meta, Source, Summary, Timeframe

HOSTILE = "<script>alert('owned')</script>"
TEXT = (
    "North Korea may send troops to Russia as early as July, the NIS said. "
    f"A reader wrote {HOSTILE} in the comments. "
    "Officials said the treaty was signed in June 2024. "
    "Lee Seong-kweun said the deployment is expected to involve several thousand soldiers."
)


def _ev(quote: str) -> GoldEvidence:
    start = TEXT.index(quote)
    return GoldEvidence(quote=quote, start=start, end=start + len(quote))


GOLD = [
    GoldClaim(
        who=["North Korea"], claim="North Korea may send troops to Russia as early as July.",
        source=Source(name="NIS", type="government"), confidence="low",
        timeframe=Timeframe(text="as early as July"),
        evidence=[_ev("North Korea may send troops to Russia as early as July")],
    ),
    GoldClaim(
        who=["North Korea"], claim="The deployment will involve several thousand soldiers.",
        source=Source(name="Lee Seong-kweun", type="person"), confidence="medium",
        timeframe=Timeframe(),
        evidence=[_ev("the deployment is expected to involve several thousand")],
    ),
]  # fmt: skip
CASE = Case(
    id="hostile<1>", text=TEXT, published=None, title=f"Title {HOSTILE}", metadata={},
    aliases={}, claims=GOLD,
)  # fmt: skip


def _summary(claims: list[Claim]) -> Summary:
    return Summary(
        id="s", document=Document(text=TEXT), headline=None, summary="", claims=claims,
        meta=Meta(backend="rules", model="rules-1", prompt=None, prompt_hash="h",
                  latency_ms=12.0),
    )  # fmt: skip


def _claim(quote: str, text: str, source: str = "NIS") -> Claim:
    start = TEXT.index(quote)
    return Claim(
        who=[], claim=text, source=Source(name=source, type="government"), confidence="low",
        evidence=[Evidence(quote=quote, start=start, end=start + len(quote))],
    )  # fmt: skip


MATCHED = _claim("North Korea may send troops to Russia", "North Korea may send troops.")
INVENTED = _claim(HOSTILE, f"Invented {HOSTILE}", source=f"Evil {HOSTILE}")


@pytest.fixture
def store(tmp_path: Path) -> EvalStore:
    dataset = Dataset(
        name="hostile", format="reportedly-dataset/1", path=tmp_path / "d.yaml",
        hash="abc123", cases=[CASE],
    )  # fmt: skip
    s = EvalStore(tmp_path / "evals.sqlite3")
    run = s.create_run(dataset=dataset, backend="rules", prompt_ref=None, repeat=1, git_commit="c")
    output = _summary([MATCHED, INVENTED])
    s.record_case(run.id, CASE.id, 0, output=output, error=None,
                  score=score_case(CASE, output).score)  # fmt: skip
    s.set_status(run.id, "finished")
    return s


def test_segments_cut_overlapping_spans() -> None:
    segs = segments("abcdefgh", [(1, 5, "g-hit", "G1"), (3, 7, "p-inv", "P1")])
    assert [(s.text, s.classes) for s in segs] == [
        ("a", []), ("bc", ["g-hit"]), ("de", ["g-hit", "p-inv"]), ("fg", ["p-inv"]), ("h", []),
    ]  # fmt: skip
    assert segs[2].notes == ["G1", "P1"]


def test_report_is_self_contained_and_escaped(store: EvalStore) -> None:
    views = build_views(store, ["last"])
    assert [v.record.backend for v in views] == ["rules", "baseline"]  # baseline added
    html = render_html(views)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in html
    # Nothing fetched from elsewhere: no external stylesheets, scripts, images or fonts.
    assert not re.search(r"<link|<img|<iframe|\bsrc=|@import|url\(", html, re.IGNORECASE)
    assert re.findall(r"https?://[^\s\"'<>]+", html) == ["http://www.w3.org/2000/svg"] * len(
        re.findall("<svg", html)
    )
    # The matched gold span, the missed one and the invented prediction are all highlighted.
    assert 'class="hl g-hit p-hit"' in html
    assert 'class="hl g-miss"' in html
    assert 'class="hl p-inv"' in html
    assert "<svg" in html


def test_terminal_table_lists_every_run(store: EvalStore) -> None:
    table = metrics_table(build_views(store, ["last"]))
    assert len(table.columns) == 3  # metric + run + baseline
    assert table.row_count > 15


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
def test_report_renders_highlights_in_headless_chromium(store: EvalStore, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required in CI (apt-get install -y chromium)")
        pytest.skip("chromium not installed")
    page = tmp_path / "report.html"
    page.write_text(render_html(build_views(store, ["last"])), encoding="utf-8")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
    ]  # fmt: skip
    done = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "Uncaught" not in done.stderr  # no script error in the page
    # The DOM the browser built (not our string) has the highlights and no injected script.
    assert "<script" not in dom.lower()
    assert len(re.findall(r'<span class="hl [^"]*g-hit', dom)) >= 2  # run + baseline
    assert re.search(r'<span class="hl g-miss"', dom)
    assert re.search(r'<span class="hl p-inv"[^>]*>&lt;script&gt;alert', dom)
    assert "<svg" in dom and "<rect" in dom
