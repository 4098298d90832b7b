"""Recorded eval runs in SQLite (stdlib `sqlite3`), so any two runs can be compared later.

One *run* is one dataset x one prompt x one backend (x repeats). Each case is written the
moment it completes, so an interrupted run loses nothing; `evals.runner` resumes a run whose
config (dataset hash, backend, prompt reference, repeats) matches and whose status is not
`finished`. The gold articles are snapshotted by dataset hash, so a report or comparison of an
old run does not depend on the dataset file still being the same on disk.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from reportedly.evals.dataset import Case, Dataset
from reportedly.evals.defaults import DEFAULT_DB_NAME
from reportedly.evals.scorer import CaseScore, aggregate
from reportedly.schema import Summary

if TYPE_CHECKING:
    from reportedly.settings import Settings

RunStatus = Literal["running", "finished", "interrupted"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    git_commit TEXT,
    dataset_name TEXT NOT NULL,
    dataset_path TEXT NOT NULL,
    dataset_hash TEXT NOT NULL,
    prompt_ref TEXT,            -- as asked for (e.g. claims@2, or null for the default)
    prompt TEXT,                -- as resolved by the service (id@version)
    prompt_hash TEXT,
    backend TEXT NOT NULL,
    model TEXT,
    repeat INTEGER NOT NULL,
    status TEXT NOT NULL,
    config_key TEXT NOT NULL,
    metrics_json TEXT           -- the run's aggregate metrics once it finished
);
CREATE INDEX IF NOT EXISTS runs_config ON runs (config_key, status);
CREATE TABLE IF NOT EXISTS cases (
    run_id TEXT NOT NULL REFERENCES runs (id),
    case_id TEXT NOT NULL,
    repeat_index INTEGER NOT NULL,
    output_json TEXT,
    error TEXT,
    scores_json TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    cached INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, case_id, repeat_index)
);
CREATE TABLE IF NOT EXISTS articles (
    dataset_hash TEXT NOT NULL,
    position INTEGER NOT NULL,
    case_id TEXT NOT NULL,
    case_json TEXT NOT NULL,
    PRIMARY KEY (dataset_hash, case_id)
);
"""


class UnknownRun(LookupError):
    """A run id (or prefix) that names no recorded run, or more than one."""


class RunRecord(BaseModel):
    id: str
    created_at: str
    git_commit: str | None
    dataset_name: str
    dataset_path: str
    dataset_hash: str
    prompt_ref: str | None
    prompt: str | None
    prompt_hash: str | None
    backend: str
    model: str | None
    repeat: int
    status: RunStatus
    config_key: str
    metrics: dict[str, Any] | None = None  # `run_metrics` of the finished run

    @property
    def label(self) -> str:
        """Short human name for tables and charts: id, backend and prompt if any."""
        prompt = self.prompt or self.prompt_ref
        return f"{self.id} {self.backend}" + (f" {prompt}" if prompt else "")


class CaseRecord(BaseModel):
    run_id: str
    case_id: str
    repeat_index: int
    output: Summary | None
    error: str | None
    score: CaseScore
    tokens: int
    attempts: int
    latency_ms: float
    cached: bool


def store_path(settings: Settings) -> Path:
    """Where runs are recorded: `REPORTEDLY_EVALS_DB`, else `<cache dir>/evals.sqlite3`."""
    return settings.evals_db or settings.cache_dir / DEFAULT_DB_NAME


def run_metrics(records: Sequence[CaseRecord]) -> dict[str, Any]:
    """A run's metrics (see `scorer.aggregate`), plus how many cases errored or were cached."""
    out = aggregate([r.score for r in records])
    out["errors"] = sum(r.error is not None for r in records)
    out["cached"] = sum(r.cached for r in records)
    return out


def config_key(dataset_hash: str, backend: str, prompt_ref: str | None, repeat: int) -> str:
    return json.dumps([dataset_hash, backend, prompt_ref, repeat])


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class EvalStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path))
        self._db.row_factory = sqlite3.Row
        self._migrate()
        self._db.executescript(_SCHEMA)

    def _migrate(self) -> None:
        """Stores written before the rename call the metrics column `summary_json`."""
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(runs)")}
        if "summary_json" in columns and "metrics_json" not in columns:
            with self._db:
                self._db.execute("ALTER TABLE runs RENAME COLUMN summary_json TO metrics_json")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EvalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._db:
            yield self._db

    # --- datasets ----------------------------------------------------------------------------

    def save_dataset(self, dataset: Dataset) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT OR IGNORE INTO articles VALUES (?, ?, ?, ?)",
                [
                    (dataset.hash, i, case.id, case.model_dump_json())
                    for i, case in enumerate(dataset.cases)
                ],
            )

    def dataset_cases(self, dataset_hash: str) -> list[Case]:
        rows = self._db.execute(
            "SELECT case_json FROM articles WHERE dataset_hash = ? ORDER BY position",
            (dataset_hash,),
        ).fetchall()
        return [Case.model_validate_json(row["case_json"]) for row in rows]

    # --- runs --------------------------------------------------------------------------------

    def create_run(
        self,
        *,
        dataset: Dataset,
        backend: str,
        prompt_ref: str | None,
        repeat: int,
        git_commit: str | None,
        key: str | None = None,
    ) -> RunRecord:
        """A new `running` run; `key` identifies its config for resuming (see `config_key`)."""
        self.save_dataset(dataset)
        record = RunRecord(
            id=secrets.token_hex(4),
            created_at=_now(),
            git_commit=git_commit,
            dataset_name=dataset.name,
            dataset_path=str(dataset.path),
            dataset_hash=dataset.hash,
            prompt_ref=prompt_ref,
            prompt=None,
            prompt_hash=None,
            backend=backend,
            model=None,
            repeat=repeat,
            status="running",
            config_key=key or config_key(dataset.hash, backend, prompt_ref, repeat),
        )
        with self._tx() as db:
            db.execute(
                "INSERT INTO runs (id, created_at, git_commit, dataset_name, dataset_path,"
                " dataset_hash, prompt_ref, prompt, prompt_hash, backend, model, repeat, status,"
                " config_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id, record.created_at, git_commit, record.dataset_name,
                    record.dataset_path, record.dataset_hash, prompt_ref, None, None, backend,
                    None, repeat, record.status, record.config_key,
                ),
            )  # fmt: skip
        return record

    def unfinished(self, key: str) -> RunRecord | None:
        """The newest run with this config that did not finish (the one to resume)."""
        row = self._db.execute(
            "SELECT * FROM runs WHERE config_key = ? AND status != 'finished'"
            " ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (key,),
        ).fetchone()
        return _run(row) if row else None

    def set_identity(self, run_id: str, prompt: str | None, prompt_hash: str, model: str) -> None:
        """Fill in what the service resolved (prompt version, hash, model) on first output."""
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET prompt = coalesce(prompt, ?),"
                " prompt_hash = coalesce(prompt_hash, ?), model = coalesce(model, ?) WHERE id = ?",
                (prompt, prompt_hash, model, run_id),
            )

    def set_status(
        self, run_id: str, status: RunStatus, metrics: dict[str, Any] | None = None
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET status = ?, metrics_json = coalesce(?, metrics_json) WHERE id = ?",
                (status, json.dumps(metrics) if metrics is not None else None, run_id),
            )

    def runs(self) -> list[RunRecord]:
        rows = self._db.execute("SELECT * FROM runs ORDER BY created_at, rowid").fetchall()
        return [_run(row) for row in rows]

    def get_run(self, ref: str) -> RunRecord:
        """A run by id, unique id prefix, or `last` (the newest)."""
        if ref == "last":
            row = self._db.execute(
                "SELECT * FROM runs ORDER BY created_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
            if row is None:
                raise UnknownRun("no runs are recorded yet; start one with `reportedly eval run`")
            return _run(row)
        rows = self._db.execute(
            "SELECT * FROM runs WHERE id = ? OR id LIKE ? ESCAPE '\\'",
            (ref, ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"),
        ).fetchall()
        exact = [row for row in rows if row["id"] == ref]
        if exact:
            return _run(exact[0])
        if len(rows) == 1:
            return _run(rows[0])
        if not rows:
            raise UnknownRun(f"no recorded run {ref!r} in {self.path} (see `reportedly eval runs`)")
        names = ", ".join(row["id"] for row in rows)
        raise UnknownRun(f"run prefix {ref!r} is ambiguous: {names}")

    # --- cases -------------------------------------------------------------------------------

    def record_case(
        self,
        run_id: str,
        case_id: str,
        repeat_index: int,
        *,
        output: Summary | None,
        error: str | None,
        score: CaseScore,
    ) -> None:
        meta = output.meta if output is not None else None
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    case_id,
                    repeat_index,
                    output.model_dump_json() if output is not None else None,
                    error,
                    score.model_dump_json(),
                    meta.usage.total_tokens if meta else 0,
                    meta.attempts if meta else 0,
                    meta.latency_ms if meta else 0.0,
                    int(meta.cached) if meta else 0,
                    _now(),
                ),
            )

    def cases(self, run_id: str) -> list[CaseRecord]:
        rows = self._db.execute(
            "SELECT * FROM cases WHERE run_id = ? ORDER BY case_id, repeat_index", (run_id,)
        ).fetchall()
        return [
            CaseRecord(
                run_id=row["run_id"],
                case_id=row["case_id"],
                repeat_index=row["repeat_index"],
                output=Summary.model_validate_json(row["output_json"])
                if row["output_json"]
                else None,
                error=row["error"],
                score=CaseScore.model_validate_json(row["scores_json"]),
                tokens=row["tokens"],
                attempts=row["attempts"],
                latency_ms=row["latency_ms"],
                cached=bool(row["cached"]),
            )
            for row in rows
        ]


def _run(row: sqlite3.Row) -> RunRecord:
    data = dict(row)
    metrics = data.pop("metrics_json")
    return RunRecord(**data, metrics=json.loads(metrics) if metrics else None)
