"""Where the four sample articles are and which of them is the scraped, furnished one."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIRS = (REPO.parent / "shared" / "samples", REPO / "evals" / "datasets" / "texts")
SAMPLE_NAMES = (
    "000_d886f5a2d17a20ad.txt",
    "002_360a8df881062be0.txt",
    "wikinews_2007-02-23_train-derailment.txt",
    "wikinews_2016-07-06_fast-telescope.txt",
)
FURNISHED_SAMPLE = SAMPLE_NAMES[0]  # scraped with ads, widgets and an ad-blocker notice


def samples_dir() -> Path | None:
    for candidate in SAMPLE_DIRS:
        if all((candidate / name).is_file() for name in SAMPLE_NAMES):
            return candidate
    return None
