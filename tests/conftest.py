"""Shared fixtures. The sample articles live beside the repo (`../shared/samples`, as CI lays
it out); the eval dataset keeps byte-for-byte copies, used when the shared folder is absent."""

from __future__ import annotations

import os

import pytest

from tests.samples import SAMPLE_DIRS, SAMPLE_NAMES, samples_dir


@pytest.fixture(scope="session")
def samples() -> dict[str, str]:
    """The four sample articles by file name, read exactly as stored (no newline translation)."""
    folder = samples_dir()
    if folder is None:
        where = " or ".join(str(d) for d in SAMPLE_DIRS)
        if os.environ.get("CI") == "true":
            pytest.fail(f"sample articles not found in {where}")
        pytest.skip(f"sample articles not found in {where}")
    return {name: (folder / name).read_bytes().decode("utf-8") for name in SAMPLE_NAMES}


from tests.fakellm import fake_llm  # noqa: E402, F401  (the fake OpenAI endpoint fixture)
