"""Shared fixtures. The sample articles live beside the repo (`../shared/samples`, as CI lays
it out); the eval dataset keeps byte-for-byte copies, used when the shared folder is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIRS = (REPO.parent / "shared" / "samples", REPO / "evals" / "datasets" / "texts")
SAMPLE_NAMES = (
    "000_d886f5a2d17a20ad.txt",
    "002_360a8df881062be0.txt",
    "wikinews_2007-02-23_train-derailment.txt",
    "wikinews_2016-07-06_fast-telescope.txt",
)
FURNISHED_SAMPLE = SAMPLE_NAMES[0]  # scraped with ads, widgets and an ad-blocker notice


def _samples_dir() -> Path | None:
    for candidate in SAMPLE_DIRS:
        if all((candidate / name).is_file() for name in SAMPLE_NAMES):
            return candidate
    return None


@pytest.fixture(scope="session")
def samples() -> dict[str, str]:
    """The four sample articles by file name, read exactly as stored (no newline translation)."""
    folder = _samples_dir()
    if folder is None:
        where = " or ".join(str(d) for d in SAMPLE_DIRS)
        if os.environ.get("CI") == "true":
            pytest.fail(f"sample articles not found in {where}")
        pytest.skip(f"sample articles not found in {where}")
    return {name: (folder / name).read_bytes().decode("utf-8") for name in SAMPLE_NAMES}


from tests.fakellm import fake_llm  # noqa: E402, F401  (the fake OpenAI endpoint fixture)
