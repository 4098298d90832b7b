"""The eval suite: hand-labelled datasets, the scorer, recorded runs (see `evals/README.md`)."""
