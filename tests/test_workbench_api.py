"""The workbench's JSON API: every route, with the bad input a page or script can send."""

from __future__ import annotations

import itertools
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from reportedly.app import create_app
from reportedly.bundled import PROMPTS_DIR
from reportedly.evals.compare import compare_runs
from reportedly.evals.store import EvalStore
from reportedly.settings import Settings

from tests.fakellm import FakeLLM, Reply

TEXT = (
    "The bridge reopened on Monday after repairs, the city council said in a statement. "
    "Engineers believe the repairs may last a decade, officials said."
)
DATASET = f"""\
format: reportedly-dataset/1
name: tiny
articles:
  - id: bridge
    text: "{TEXT}"
    published: 2024-05-06
    claims:
      - who: [city council]
        claim: The bridge reopened on Monday after repairs.
        source: {{name: city council, type: government}}
        timeframe: {{text: on Monday}}
        confidence: high
        evidence: ["The bridge reopened on Monday after repairs"]
      - who: [Engineers]
        claim: The repairs may last a decade.
        source: {{name: officials, type: unnamed}}
        confidence: low
        evidence: ["the repairs may last a decade"]
"""
PROBLEM = "application/problem+json"


def draft_reply(confidence: str = "high") -> Reply:
    """What the fake model answers: one claim quoting the tiny article."""
    return Reply.tool(
        {
            "headline": None,
            "summary": "A bridge reopened.",
            "claims": [
                {
                    "who": ["city council"],
                    "claim": "The bridge reopened on Monday after repairs.",
                    "source": {"name": "city council", "type": "government"},
                    "timeframe": {"text": "on Monday", "start": None, "end": None},
                    "confidence": confidence,
                    "evidence": ["The bridge reopened on Monday after repairs"],
                }
            ],
        }
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    # claims@1 and @2 only: these tests save the next version (claims@3) and read its diff.
    shutil.copytree(PROMPTS_DIR, tmp_path / "prompts", ignore=shutil.ignore_patterns("v[3-9]*.md"))
    (tmp_path / "tiny.yaml").write_text(DATASET, encoding="utf-8")
    return tmp_path


def _settings(workdir: Path, fake_llm: FakeLLM, **extra: Any) -> Settings:
    return Settings(
        workbench=True,
        cache_dir=workdir / "cache",
        prompts_dir=workdir / "prompts",
        workbench_datasets=[workdir / "tiny.yaml"],
        llm_base_url=fake_llm.base_url,
        llm_model="fake-default",
        default_backend="rules",
        retries=0,
        timeout=10,
        **extra,
    )


@pytest.fixture
def client(workdir: Path, fake_llm: FakeLLM) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(_settings(workdir, fake_llm))) as test_client:
        yield test_client


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def _pair(left: dict[str, Any], right: dict[str, Any], **article: Any) -> dict[str, Any]:
    return {**(article or {"dataset": "tiny", "article": "bridge"}), "left": left, "right": right}


# --- on/off, page, OpenAPI -------------------------------------------------------------------


def test_off_unless_asked_for(workdir: Path, fake_llm: FakeLLM) -> None:
    settings = _settings(workdir, fake_llm).model_copy(update={"workbench": None})
    with TestClient(create_app(settings)) as c:
        for path in ("/workbench", "/workbench/static/workbench.js", "/v1/workbench/datasets"):
            assert c.get(path).status_code == 404
        assert not any("workbench" in p for p in c.get("/docs/openapi.json").json()["paths"])


def test_page_is_served_with_no_external_assets(client: TestClient[Any]) -> None:
    page = client.get("/workbench")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for asset in ("workbench.js", "workbench.css"):
        assert client.get(f"/workbench/static/{asset}").status_code == 200
    for text in (page.text, client.get("/workbench/static/workbench.js").text):
        assert not re.search(r"https?://", text)
    js = client.get("/workbench/static/workbench.js").text
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js  # text only, never markup


def test_every_route_is_in_the_openapi_document_with_problem_responses(
    client: TestClient[Any],
) -> None:
    spec = client.get("/docs/openapi.json").json()
    routes = {
        (method, path)
        for path, item in spec["paths"].items()
        if path.startswith("/v1/workbench")
        for method in item
    }
    assert routes == {
        ("get", "/v1/workbench/datasets"),
        ("get", "/v1/workbench/datasets/{dataset}/articles/{article}"),
        ("get", "/v1/workbench/backends"),
        ("post", "/v1/workbench/side-by-side"),
        ("get", "/v1/workbench/prompts"),
        ("get", "/v1/workbench/prompts/{task}/{version}"),
        ("post", "/v1/workbench/prompts/{task}/check"),
        ("post", "/v1/workbench/prompts/{task}"),
        ("post", "/v1/workbench/evals"),
        ("get", "/v1/workbench/evals/{job}"),
        ("get", "/v1/workbench/runs"),
        ("get", "/v1/workbench/compare"),
    }
    save = spec["paths"]["/v1/workbench/prompts/{task}"]["post"]["responses"]
    assert {"201", "404", "409", "422", "503"} <= set(save)
    assert set(save["409"]["content"]) == {PROBLEM}
    assert save["422"]["content"][PROBLEM]["schema"]["$ref"].endswith("/PromptProblem")
    for path, item in spec["paths"].items():
        if path.startswith("/v1/workbench"):
            for operation in item.values():
                errors = [c for c in operation["responses"] if c[0] in "45"]
                for code in errors:
                    assert set(operation["responses"][code]["content"]) == {PROBLEM}, (path, code)
                assert ("415" in errors) == ("requestBody" in operation), path
                ok = [c for c in operation["responses"] if c.startswith("2")]
                assert len(ok) == 1 and "application/json" in operation["responses"][ok[0]].get(
                    "content", {}
                ), path


# --- articles and configurations -------------------------------------------------------------


def test_datasets_articles_and_backends(client: TestClient[Any]) -> None:
    datasets = {d["name"]: d for d in client.get("/v1/workbench/datasets").json()}
    assert "samples" in datasets and len(datasets["samples"]["articles"]) == 4
    assert datasets["tiny"]["articles"] == [{"id": "bridge", "title": None, "claims": 2}]
    article = client.get("/v1/workbench/datasets/tiny/articles/bridge").json()
    assert article["text"] == TEXT and len(article["gold"]) == 2
    _problem(client.get("/v1/workbench/datasets/nope/articles/bridge"), 404)
    _problem(client.get("/v1/workbench/datasets/tiny/articles/nope"), 404)
    backends = client.get("/v1/workbench/backends").json()
    assert backends["default"] == "rules" and backends["llm_model"] == "fake-default"
    assert {b["name"] for b in backends["backends"]} == {"rules", "llm", "local", "baseline"}


# --- side by side ----------------------------------------------------------------------------


def test_side_by_side_on_rules_pairs_claims_and_scores_against_gold(
    client: TestClient[Any],
) -> None:
    body = _pair({"backend": "rules", "prompt": "claims@1"}, {"backend": "baseline"})
    response = client.post("/v1/workbench/side-by-side", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["text"] == TEXT and len(result["gold"]) == 2
    left, right = result["left"], result["right"]
    assert left["config"]["backend"] == "rules" and right["config"]["backend"] == "baseline"
    n_left, n_right = len(left["summary"]["claims"]), len(right["summary"]["claims"])
    diff = result["diff"]
    assert sorted([p["left"] for p in diff["matched"]] + diff["only_left"]) == list(range(n_left))
    assert sorted([p["right"] for p in diff["matched"]] + diff["only_right"]) == list(
        range(n_right)
    )
    for pair in diff["matched"]:
        assert set(pair["changed"]) <= {"source", "confidence", "timeframe", "who"}
    # The baseline calls every sentence the author's, high: its second claim is wrong on both.
    gold = right["gold"]
    assert gold["scores"]["claim_recall"] == 1.0
    assert any("source" in m["wrong"] for m in gold["matched"])
    assert set(left["gold"]["scores"]) >= {"claim_f1", "attributed_f1", "confidence_accuracy"}
    # Segments tile the text; evidence marks point at real claims.
    segments = result["segments"]
    assert segments[0]["start"] == 0 and segments[-1]["end"] == len(TEXT)
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(segments))
    assert any(s["gold"] for s in segments) and any(s["right"] for s in segments)


def test_side_by_side_on_the_llm_with_a_model_per_side(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.always(draft_reply())
    body = _pair(
        {"backend": "llm", "prompt": "claims@1"},
        {"backend": "llm", "prompt": "claims@2", "model": "other-model"},
    )
    result = client.post("/v1/workbench/side-by-side", json=body).json()
    assert result["left"]["config"] == {"backend": "llm", "prompt": "claims@1",
                                        "model": "fake-default"}  # fmt: skip
    assert result["right"]["config"] == {"backend": "llm", "prompt": "claims@2",
                                         "model": "other-model"}  # fmt: skip
    assert sorted(r["model"] for r in fake_llm.requests) == ["fake-default", "other-model"]
    (pair,) = result["diff"]["matched"]
    assert pair["changed"] == [] and pair["similarity"] == pytest.approx(1.0)
    assert result["left"]["gold"]["scores"]["claim_precision"] == 1.0


def test_a_failing_backend_is_that_sides_problem(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.always(Reply.error(500))
    body = _pair({"backend": "rules"}, {"backend": "llm"})
    result = client.post("/v1/workbench/side-by-side", json=body).json()
    assert result["left"]["summary"] is not None and result["left"]["gold"] is not None
    assert result["right"]["summary"] is None and result["right"]["problem"]["status"] == 503
    assert result["diff"]["only_left"] and not result["diff"]["matched"]


def test_furniture_is_marked_whichever_side_the_baseline_is_on(client: TestClient[Any]) -> None:
    body = _pair({"backend": "baseline"}, {"backend": "rules"}, dataset="samples",
                 article="nk-troops-seoul-june26-scraped")  # fmt: skip
    result = client.post("/v1/workbench/side-by-side", json=body).json()
    assert result["removed"] and any(s["furniture"] for s in result["segments"])
    furniture = [s for s in result["segments"] if s["furniture"]]
    assert any("Advertisement" in result["text"][s["start"] : s["end"]] for s in furniture)


def test_side_by_side_takes_pasted_text(client: TestClient[Any]) -> None:
    body = _pair({"backend": "rules"}, {"backend": "baseline"}, text=TEXT, published="2024-05-06")
    result = client.post("/v1/workbench/side-by-side", json=body).json()
    assert result["gold"] is None and result["left"]["gold"] is None
    assert result["text"] == TEXT


def test_side_by_side_takes_pasted_html(client: TestClient[Any]) -> None:
    html = f"<html><body><nav>Home | News</nav><article><p>{TEXT}</p></article></body></html>"
    body = _pair({"backend": "rules"}, {"backend": "baseline"}, html=html)
    result = client.post("/v1/workbench/side-by-side", json=body).json()
    assert "The bridge reopened" in result["text"] and "<p>" not in result["text"]
    for side in ("left", "right"):
        for claim in result[side]["summary"]["claims"]:
            for ev in claim["evidence"]:  # offsets refer to the extracted text shown
                assert result["text"][ev["start"] : ev["end"]] == ev["quote"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (_pair({"backend": "rules"}, {}, dataset="tiny", article="bridge", text="x"), "either"),
        (_pair({"backend": "rules"}, {}, dataset="tiny"), "both dataset and article"),
        (_pair({"backend": "gpt"}, {}), "'gpt'"),
        (_pair({"backend": "llm", "prompt": "claims@9"}, {}), "claims@9"),
        (_pair({"backend": "rules", "prompt": "../../etc/passwd"}, {}), "not of the form"),
        (_pair({"backend": "llm", "model": "../x y"}, {}), "model"),
        (_pair({"backend": "rules"}, {}, text="   "), "empty"),
        ({"dataset": "tiny", "article": "bridge", "left": {}}, "right"),
        ({**_pair({}, {}), "extra": 1}, "extra"),
    ],
)
def test_side_by_side_bad_input_is_a_422(
    client: TestClient[Any], body: dict[str, Any], needle: str
) -> None:
    problem = _problem(client.post("/v1/workbench/side-by-side", json=body), 422)
    assert needle in problem["detail"]


def test_side_by_side_unknown_article_is_a_404(client: TestClient[Any]) -> None:
    body = _pair({}, {}, dataset="tiny", article="nope")
    _problem(client.post("/v1/workbench/side-by-side", json=body), 404)


def test_malformed_json_and_other_media_types(client: TestClient[Any]) -> None:
    _problem(client.post("/v1/workbench/side-by-side", content=b"{nope",
                         headers={"Content-Type": "application/json"}), 400)  # fmt: skip
    _problem(client.post("/v1/workbench/side-by-side", content=b"x",
                         headers={"Content-Type": "text/plain"}), 415)  # fmt: skip


# --- prompts ---------------------------------------------------------------------------------


def _v2(client: TestClient[Any]) -> str:
    text: str = client.get("/v1/workbench/prompts/claims/2").json()["text"]
    return text


def test_prompts_list_and_open(client: TestClient[Any], workdir: Path) -> None:
    refs = [p["ref"] for p in client.get("/v1/workbench/prompts").json()]
    assert refs == ["claims@1", "claims@2"]
    assert _v2(client) == (workdir / "prompts" / "claims" / "v2.md").read_text(encoding="utf-8")
    _problem(client.get("/v1/workbench/prompts/claims/9"), 404)
    _problem(client.get("/v1/workbench/prompts/other/1"), 404)
    _problem(client.get("/v1/workbench/prompts/Claims!/1"), 422)
    _problem(client.get("/v1/workbench/prompts/claims/zero"), 404)  # not a route


def test_check_reports_template_errors_at_their_line(client: TestClient[Any]) -> None:
    text = _v2(client)
    line = text.splitlines().index("{{ article }}") + 1
    check = client.post("/v1/workbench/prompts/claims/check",
                        json={"text": text.replace("{{ article }}", "{{ articel }}")}).json()  # fmt: skip
    assert check["valid"] is False and check["ref"] == "claims@3"
    (error,) = check["errors"]
    assert error["line"] == line and "articel" in error["message"]
    broken = text.replace("{{ article }}", "{{ article.__class__.__mro__ }}")
    (error,) = client.post("/v1/workbench/prompts/claims/check", json={"text": broken}).json()[
        "errors"
    ]
    assert error["line"] == line and "unsafe" in error["message"]  # the sandbox said no
    broken = text.replace("{{ article }}", "{% if article %}{{ article }}")
    (error,) = client.post("/v1/workbench/prompts/claims/check", json={"text": broken}).json()[
        "errors"
    ]
    assert error["line"] is not None and "TemplateSyntaxError" in error["message"]
    broken = text.replace("temperature: 0.0", "temperature: hot")
    (error,) = client.post("/v1/workbench/prompts/claims/check", json={"text": broken}).json()[
        "errors"
    ]
    assert text.splitlines()[error["line"] - 1].startswith("temperature:")
    ok = client.post("/v1/workbench/prompts/claims/check", json={"text": text}).json()
    assert ok["valid"] and "version: 3" in ok["text"] and ok["errors"] == []


def test_save_writes_the_next_version_and_it_runs_at_once(
    client: TestClient[Any], workdir: Path
) -> None:
    text = _v2(client).replace("description: v1 plus", "description: v2 plus")
    saved = client.post("/v1/workbench/prompts/claims", json={"text": text, "version": 3})
    assert saved.status_code == 201, saved.text
    assert saved.json()["ref"] == "claims@3" and saved.json()["path"] == "claims/v3.md"
    written = (workdir / "prompts" / "claims" / "v3.md").read_text(encoding="utf-8")
    assert "version: 3" in written and "description: v2 plus" in written
    assert [p["ref"] for p in client.get("/v1/workbench/prompts").json()][-1] == "claims@3"
    body = _pair({"backend": "rules", "prompt": "claims@3"}, {"backend": "rules"})
    assert client.post("/v1/workbench/side-by-side", json=body).status_code == 200
    # The service's own prompt list sees it too (the same registry).
    assert "claims@3" in [p["ref"] for p in client.get("/v1/prompts").json()]


def test_save_never_overwrites(client: TestClient[Any], workdir: Path) -> None:
    text = _v2(client)
    clash = client.post("/v1/workbench/prompts/claims", json={"text": text, "version": 2})
    assert "next version of claims is 3" in _problem(clash, 409)["detail"]
    # A file that appears behind the server's back moves "next" on; nothing is overwritten.
    squatter = workdir / "prompts" / "claims" / "v3.md"
    squatter.write_text("mine", encoding="utf-8")
    _problem(client.post("/v1/workbench/prompts/claims", json={"text": text, "version": 3}), 409)
    saved = client.post("/v1/workbench/prompts/claims", json={"text": text}).json()
    assert saved["ref"] == "claims@4" and squatter.read_text(encoding="utf-8") == "mine"


def test_save_refuses_an_invalid_prompt_with_its_lines(
    client: TestClient[Any], workdir: Path
) -> None:
    text = _v2(client).replace("{{ article }}", "{{ articel }}")
    problem = _problem(client.post("/v1/workbench/prompts/claims", json={"text": text}), 422)
    assert problem["errors"][0]["line"] == text.splitlines().index("{{ articel }}") + 1
    assert "articel" in problem["detail"]
    assert not (workdir / "prompts" / "claims" / "v3.md").exists()


@pytest.mark.parametrize(
    "task", ["..", "%2E%2E", "..%2Fclaims", "claims%2F..%2F..", "Claims", "a b", "-x", "c" * 65]
)
def test_path_like_task_names_never_reach_the_filesystem(
    client: TestClient[Any], workdir: Path, task: str
) -> None:
    before = sorted(p.relative_to(workdir) for p in workdir.rglob("*") if "cache" not in p.parts)
    for path in (f"/v1/workbench/prompts/{task}", f"/v1/workbench/prompts/{task}/check"):
        response = client.post(path, json={"text": "---\nid: x\n---\n"})
        assert response.status_code in (404, 405, 422), (path, response.status_code)
        assert response.headers["content-type"].startswith(PROBLEM)
    after = sorted(p.relative_to(workdir) for p in workdir.rglob("*") if "cache" not in p.parts)
    assert after == before


def test_a_task_folder_outside_the_prompts_folder_is_refused(
    client: TestClient[Any], workdir: Path
) -> None:
    outside = workdir / "elsewhere"
    outside.mkdir()
    (workdir / "prompts" / "linked").symlink_to(outside, target_is_directory=True)
    text = _v2(client).replace("id: claims", "id: linked")
    _problem(client.post("/v1/workbench/prompts/linked", json={"text": text}), 404)
    assert list(outside.iterdir()) == []


def test_a_read_only_prompts_folder_says_to_set_the_setting(
    client: TestClient[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import reportedly.workbench.authoring as authoring

    # Tests run as root, for whom every folder is writable: stand in for a wheel's copy.
    monkeypatch.setattr(authoring, "_writable", lambda folder: False)
    problem = _problem(client.post("/v1/workbench/prompts/claims", json={"text": _v2(client)}), 503)
    assert "REPORTEDLY_PROMPTS_DIR" in problem["detail"]


# --- evals -----------------------------------------------------------------------------------


def _wait(client: TestClient[Any], job: str, limit: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(f"/v1/workbench/evals/{job}").json()
        if status["status"] != "running":
            return status
        time.sleep(0.1)
    raise AssertionError(f"eval job {job} did not finish in {limit} s")


def test_eval_runs_in_the_background_into_the_cli_store(
    client: TestClient[Any], workdir: Path
) -> None:
    started = client.post("/v1/workbench/evals", json={"dataset": "tiny", "backend": "rules"})
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "running" and job["total"] == 1
    done = _wait(client, job["id"])
    assert done["status"] == "finished" and done["done"] == 1 and done["errors"] == 0
    (run_id,) = done["runs"]
    with EvalStore(workdir / "cache" / "evals.sqlite3") as store:  # where the CLI looks
        assert store.get_run(run_id).status == "finished"
    runs = client.get("/v1/workbench/runs").json()
    assert runs[0]["id"] == run_id and runs[0]["dataset"] == "tiny"
    assert client.get("/v1/workbench/runs", params={"dataset": "other"}).json() == []


def test_one_eval_at_a_time_and_it_survives_its_client(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.always(Reply.tool(draft_reply().payload, delay=1.0))
    first = client.post("/v1/workbench/evals", json={"dataset": "tiny", "backend": "llm"}).json()
    busy = client.post("/v1/workbench/evals", json={"dataset": "tiny", "backend": "rules"})
    assert first["id"] in _problem(busy, 409)["detail"]
    # Nobody polls meanwhile; the job finishes anyway.
    time.sleep(1.5)
    done = _wait(client, first["id"])
    assert done["status"] == "finished" and done["done"] == 1


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"dataset": "tiny", "backend": "gpt"}, "'gpt'"),
        ({"dataset": "tiny", "backend": "llm", "prompt": "claims@7"}, "claims@7"),
        ({"dataset": "tiny", "repeat": 0}, "repeat"),
    ],
)
def test_eval_bad_input_is_a_422(
    client: TestClient[Any], body: dict[str, Any], needle: str
) -> None:
    assert needle in _problem(client.post("/v1/workbench/evals", json=body), 422)["detail"]


@pytest.mark.parametrize("dataset", ["nope", "../tiny.yaml"])
def test_eval_of_an_unknown_dataset_is_a_404(client: TestClient[Any], dataset: str) -> None:
    body = {"dataset": dataset, "backend": "rules"}
    assert dataset in _problem(client.post("/v1/workbench/evals", json=body), 404)["detail"]


def test_unknown_eval_job_is_a_404(client: TestClient[Any]) -> None:
    _problem(client.get("/v1/workbench/evals/nope"), 404)


def test_compare_matches_the_cli_and_links_into_side_by_side(
    client: TestClient[Any], workdir: Path
) -> None:
    ids = []
    for backend in ("rules", "baseline"):
        job = client.post("/v1/workbench/evals", json={"dataset": "tiny", "backend": backend})
        ids.extend(_wait(client, job.json()["id"])["runs"])
    a, b = ids
    comparison = client.get("/v1/workbench/compare", params={"a": a, "b": b}).json()
    assert comparison["a"]["id"] == a and comparison["b"]["id"] == b
    assert comparison["articles"] == 1 and comparison["same_dataset"]
    with EvalStore(workdir / "cache" / "evals.sqlite3") as store:
        expected = {d.metric: d for d in compare_runs(store, a, b).diffs}
    for delta in comparison["metrics"]:
        d = expected[delta["metric"]]
        assert (delta["diff"], delta["low"], delta["high"]) == (d.diff, d.low, d.high)
    (change,) = comparison["changes"]
    assert change["link"] == {
        "dataset": "tiny", "article": "bridge",
        "left": {"backend": "rules", "prompt": None, "model": None},
        "right": {"backend": "baseline", "prompt": None, "model": None},
    }  # fmt: skip
    link = change["link"]
    body = {"dataset": link["dataset"], "article": link["article"], "left": link["left"],
            "right": link["right"]}  # fmt: skip
    assert client.post("/v1/workbench/side-by-side", json=body).status_code == 200
    missing = client.get("/v1/workbench/compare", params={"a": a, "b": "nope"})
    assert "nope" in _problem(missing, 404)["detail"]
    _problem(client.get("/v1/workbench/compare", params={"a": a}), 422)


@pytest.mark.parametrize(
    ("host", "env", "on"),
    [
        ("127.0.0.1", None, True),
        ("localhost", None, True),
        ("::1", None, True),
        ("0.0.0.0", None, False),
        ("192.0.2.10", None, False),
        ("0.0.0.0", "true", True),
        ("127.0.0.1", "false", False),
    ],
)
def test_serve_turns_the_workbench_on_for_a_loopback_bind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, host: str, env: str | None, on: bool
) -> None:
    import uvicorn
    from reportedly.cli import app as cli
    from typer.testing import CliRunner

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(app))
    monkeypatch.delenv("REPORTEDLY_WORKBENCH", raising=False)
    if env is not None:
        monkeypatch.setenv("REPORTEDLY_WORKBENCH", env)
    monkeypatch.setenv("REPORTEDLY_CACHE_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["serve", "--host", host, "--backend", "rules"])
    assert result.exit_code == 0, result.output
    (served_app,) = served
    paths = {route.path for route in served_app.routes}
    assert ("/workbench" in paths) is on
    assert ("/workbench" in result.output) is on


def test_an_unconfigured_llm_is_one_sides_problem_but_refuses_an_eval(
    workdir: Path, fake_llm: FakeLLM
) -> None:
    settings = _settings(workdir, fake_llm).model_copy(update={"llm_base_url": None})
    with TestClient(create_app(settings)) as c:
        body = _pair({"backend": "rules"}, {"backend": "llm"})
        result = c.post("/v1/workbench/side-by-side", json=body).json()
        assert result["right"]["problem"]["status"] == 503 and result["left"]["summary"]
        eval_body = {"dataset": "tiny", "backend": "llm"}
        problem = _problem(c.post("/v1/workbench/evals", json=eval_body), 503)
        assert "REPORTEDLY_LLM_BASE_URL" in problem["detail"]
