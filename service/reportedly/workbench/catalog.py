"""The datasets the workbench offers: the bundled ones and any file the server was pointed
at (`REPORTEDLY_WORKBENCH_DATASETS`). Clients name a dataset by its key, never by a path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportedly.evals.dataset import Case, Dataset, DatasetError, bundled_datasets, load_dataset
from reportedly.workbench.errors import NotFound
from reportedly.workbench.models import ArticleInfo, DatasetInfo


@dataclass
class _Entry:
    path: Path
    stamp: tuple[float, int] | None = None
    dataset: Dataset | None = None
    error: str | None = None


class Catalog:
    def __init__(self, extra: list[Path]) -> None:
        self._entries: dict[str, _Entry] = {}
        for name, path in bundled_datasets().items():
            self._entries[name] = _Entry(path)
        for path in extra:
            key, n = path.stem, 2
            while key in self._entries:
                key, n = f"{path.stem}-{n}", n + 1
            self._entries[key] = _Entry(path)

    def names(self) -> list[str]:
        return list(self._entries)

    def _load(self, name: str) -> _Entry:
        """The dataset, re-read when its file changed (labels are edited while people work)."""
        entry = self._entries[name]
        try:
            info = entry.path.stat()
            stamp = (info.st_mtime, info.st_size)
        except OSError:
            stamp = None
        if entry.stamp != stamp or (entry.dataset is None and entry.error is None):
            entry.stamp = stamp
            try:
                entry.dataset, entry.error = load_dataset(entry.path), None
            except DatasetError as exc:
                entry.dataset, entry.error = None, str(exc)
        return entry

    def info(self) -> list[DatasetInfo]:
        out = []
        for name in self._entries:
            entry = self._load(name)
            data = entry.dataset
            articles = [
                ArticleInfo(id=c.id, title=c.title, claims=len(c.claims))
                for c in (data.cases if data else [])
            ]
            out.append(
                DatasetInfo(
                    name=name,
                    description=data.description if data else "",
                    hash=data.hash if data else None,
                    articles=articles,
                    error=entry.error,
                )
            )
        return out

    def dataset(self, name: str) -> Dataset:
        if name not in self._entries:
            raise NotFound(f"No dataset {name!r}; offered here: {', '.join(self._entries)}.")
        entry = self._load(name)
        if entry.dataset is None:
            raise NotFound(f"Dataset {name!r} cannot be loaded: {entry.error}")
        return entry.dataset

    def case(self, name: str, article: str) -> Case:
        data = self.dataset(name)
        found = next((c for c in data.cases if c.id == article), None)
        if found is None:
            raise NotFound(f"No article {article!r} in dataset {name!r}.")
        return found

    def key_for(self, dataset_hash: str, dataset_name: str) -> str | None:
        """The key of an offered dataset with this hash (else this name), for links from runs."""
        by_name = None
        for key in self._entries:
            data = self._load(key).dataset
            if data is not None and data.hash == dataset_hash:
                return key
            if data is not None and data.name == dataset_name:
                by_name = key
        return by_name
