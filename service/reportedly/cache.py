"""Response cache: identical requests (text, prompt hash, model, parameters) skip the backend.

SQLite because it is one file, survives restarts, and is shared by the HTTP service and the
eval runner, so an unchanged eval re-run makes no backend calls.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

import anyio.to_thread

from reportedly.schema import Summary


def cache_key(*parts: object) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class ResponseCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # One connection guarded by a lock: sqlite3 calls are short, and threads from anyio's
        # pool may interleave.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body TEXT NOT NULL, "
            "created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        self._lock = threading.Lock()

    def _get(self, key: str) -> Summary | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM responses WHERE key = ?", (key,)).fetchone()
        return Summary.model_validate_json(row[0]) if row else None

    def _put(self, key: str, summary: Summary) -> None:
        body = summary.model_dump_json()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, body) VALUES (?, ?)", (key, body)
            )

    async def get(self, key: str) -> Summary | None:
        return await anyio.to_thread.run_sync(self._get, key)

    async def put(self, key: str, summary: Summary) -> None:
        await anyio.to_thread.run_sync(self._put, key, summary)

    def close(self) -> None:
        with self._lock:
            self._db.close()
