"""Files that ship inside the package: the prompt versions and the hand-labelled datasets.

In a checkout they live in `prompts/` and `evals/datasets/`, linked from `reportedly/data/`;
a wheel carries copies in `reportedly/data/`. Either way they are found through
`importlib.resources`, so an installed wheel works from any directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def bundled(*parts: str) -> Path:
    """A bundled file or folder, as a filesystem path (reportedly is never run from a zip)."""
    return Path(str(files("reportedly").joinpath("data", *parts)))


PROMPTS_DIR = bundled("prompts")
DATASETS_DIR = bundled("datasets")
