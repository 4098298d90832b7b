"""The response cache stays within its limits and keeps what is used."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from reportedly.cache import ResponseCache
from reportedly.schema import Document, Meta, Summary


def answer(text: str) -> Summary:
    return Summary(
        id="sum_x",
        document=Document(text=text),
        headline=None,
        summary="s",
        claims=[],
        meta=Meta(backend="rules", model="m", prompt=None, prompt_hash="h"),
    )


def size_of(summary: Summary) -> int:
    return len(summary.model_dump_json().encode())


def test_bytes_stay_under_the_limit_and_least_recently_used_go_first(tmp_path: Path) -> None:
    one = size_of(answer("x" * 1000))
    cache = ResponseCache(tmp_path / "c.sqlite3", max_bytes=one * 10)
    for n in range(10):
        cache._put(f"k{n}", answer(f"{n}" * 1000))
    assert cache._get("k0") is not None  # used now: the newest by use
    for n in range(10, 14):
        cache._put(f"k{n}", answer(f"{n % 10}" * 1000))
        assert cache.stored_bytes <= one * 10
    assert cache._get("k0") is not None
    assert cache._get("k1") is None and cache._get("k2") is None  # the least recently used
    assert cache._get("k13") is not None
    cache.close()


def test_entry_limit_and_totals_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    cache = ResponseCache(path, max_bytes=10**9, max_entries=5)
    for n in range(8):
        cache._put(f"k{n}", answer(str(n)))
    assert cache.entries <= 5
    stored = (cache.entries, cache.stored_bytes)
    cache.close()
    again = ResponseCache(path, max_bytes=10**9, max_entries=5)
    assert (again.entries, again.stored_bytes) == stored
    again.close()


def test_an_answer_too_big_for_the_cache_is_not_kept(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3", max_bytes=50_000)
    cache._put("small", answer("a"))
    cache._put("huge", answer("b" * 100_000))
    assert cache._get("huge") is None and cache._get("small") is not None
    cache.close()


def test_a_cache_file_of_an_older_layout_is_emptied_not_misread(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, body TEXT NOT NULL)")
    db.execute("INSERT INTO responses VALUES ('k', 'not a summary')")
    db.commit()
    db.close()
    cache = ResponseCache(path, max_bytes=10**6)
    assert cache._get("k") is None and cache.entries == 0
    cache.close()
