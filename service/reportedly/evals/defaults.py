"""Names and numbers the eval CLI shows in `--help`, kept apart from the modules that use them
so that `reportedly --help` imports no numpy, scipy, scorer or store to print them."""

from __future__ import annotations

# The paired bootstrap in `evals.compare`.
RESAMPLES = 2000
SEED = 20240601

# The run store: `<REPORTEDLY_CACHE_DIR>/evals.sqlite3` unless `REPORTEDLY_EVALS_DB` says else.
DEFAULT_DB_NAME = "evals.sqlite3"

# Datasets bundled with the package (`evals/datasets/<name>.yaml`), in the order they are run.
BUNDLED_DATASETS = ("samples", "dev", "test")
