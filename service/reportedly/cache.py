"""Response cache: identical requests (text, prompt hash, model, parameters) skip the backend.

SQLite because it is one file, survives restarts, and is shared by the HTTP service and the
eval runner, so an unchanged eval re-run makes no backend calls. It is bounded: past
`max_bytes` of stored responses (or `max_entries`), the least recently used go first.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

import anyio.to_thread

from reportedly.schema import Summary

# Bumped when the table changes; an older cache file is emptied, never misread.
_LAYOUT = 2
# Eviction goes below the limit by this share, so a full cache does not evict on every put.
_HEADROOM = 0.9


def cache_key(*parts: object) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class ResponseCache:
    def __init__(self, path: Path, *, max_bytes: int, max_entries: int | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        # One connection guarded by a lock: sqlite3 calls are short, and threads from anyio's
        # pool may interleave.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._lock = threading.Lock()
        self._open_table()
        self._bytes, self._entries = self._db.execute(
            "SELECT COALESCE(SUM(size), 0), COUNT(*) FROM responses"
        ).fetchone()

    def _open_table(self) -> None:
        (layout,) = self._db.execute("PRAGMA user_version").fetchone()
        if layout != _LAYOUT:
            self._db.execute("DROP TABLE IF EXISTS responses")
            self._db.execute(f"PRAGMA user_version = {_LAYOUT}")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body TEXT NOT NULL, "
            "size INTEGER NOT NULL, used INTEGER NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS responses_used ON responses (used)")

    @property
    def stored_bytes(self) -> int:
        return int(self._bytes)

    @property
    def entries(self) -> int:
        return int(self._entries)

    def _get(self, key: str) -> Summary | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM responses WHERE key = ?", (key,)).fetchone()
            if row is not None:
                self._db.execute(
                    "UPDATE responses SET used = (SELECT COALESCE(MAX(used), 0) + 1 "
                    "FROM responses) WHERE key = ?",
                    (key,),
                )
        return Summary.model_validate_json(row[0]) if row else None

    def _put(self, key: str, summary: Summary) -> None:
        body = summary.model_dump_json()
        size = len(body.encode())
        if size > self.max_bytes // 4:
            return  # one answer this large would push most others out: not worth keeping
        with self._lock:
            old = self._db.execute("SELECT size FROM responses WHERE key = ?", (key,)).fetchone()
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, body, size, used) VALUES "
                "(?, ?, ?, (SELECT COALESCE(MAX(used), 0) + 1 FROM responses))",
                (key, body, size),
            )
            self._bytes += size - (old[0] if old else 0)
            self._entries += 0 if old else 1
            if self._over(1.0):
                self._evict()

    def _over(self, share: float) -> bool:
        return self._bytes > self.max_bytes * share or (
            self.max_entries is not None and self._entries > self.max_entries * share
        )

    def _evict(self) -> None:
        """Drop the least recently used responses until under the limits, with headroom."""
        rows = self._db.execute("SELECT key, size FROM responses ORDER BY used").fetchall()
        gone: list[str] = []
        for key, size in rows:
            if not self._over(_HEADROOM):
                break
            gone.append(key)
            self._bytes -= size
            self._entries -= 1
        self._db.executemany("DELETE FROM responses WHERE key = ?", [(k,) for k in gone])

    async def get(self, key: str) -> Summary | None:
        return await anyio.to_thread.run_sync(self._get, key)

    async def put(self, key: str, summary: Summary) -> None:
        await anyio.to_thread.run_sync(self._put, key, summary)

    def close(self) -> None:
        with self._lock:
            self._db.close()
