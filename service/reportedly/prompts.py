"""Versioned prompt files: `prompts/<task>/v<N>.md`, YAML front matter + a sandboxed Jinja2 body.

A file is never edited once an eval has recorded it; new behaviour is a new version file. The
hash that names a run (and keys the cache) covers the raw file text, the response schema, the
model and the parameters, so any change to any of them is a different run.

The body has two sections, opened by lines `[system]` and `[user]`. They are split *before*
rendering, so article text that happens to contain `[user]` can never create a message.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import frontmatter
import jinja2
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from reportedly.errors import PromptFileInvalid, UnknownPrompt, validation_detail
from reportedly.fences import defuse, one_line

_FILE_NAME = re.compile(r"^v(?P<version>[1-9][0-9]*)\.md$")
_SECTION = re.compile(r"^\[(system|user)\][ \t]*$", re.MULTILINE)
_REF = re.compile(r"^(?P<task>[a-z][a-z0-9_-]*)(?:@v?(?P<version>[0-9]+))?$")
# Values used to render every file once at load time, so a broken template fails at startup.
_TRIAL = {"article": "Trial article text.", "title": "Trial title", "published": "2024-01-01"}

_ENV = SandboxedEnvironment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
)


class FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: StrictInt = Field(ge=1)
    description: str = Field(min_length=1)
    model: str | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    # How the model gives evidence: verbatim quotes, or the ids of numbered sentences (the
    # `article` variable then holds the text with `[n]` sentence markers).
    evidence: Literal["quotes", "sentences"] = "quotes"


class PromptInfo(BaseModel):
    """One prompt version as `GET /v1/prompts` lists it."""

    id: str
    version: int
    ref: str = Field(description="id@version, as requests and responses name it.")
    description: str
    model: str | None = Field(description="The model the prompt was written for, if any.")
    temperature: float | None
    hash: str = Field(description="Hash of the file's text.")
    latest: bool = Field(description="The newest version of its task (the default).")


@dataclass(frozen=True)
class PromptFile:
    meta: FrontMatter
    path: Path
    text: str  # the raw file, exactly as stored: what the hash covers
    _system: jinja2.Template = field(repr=False, compare=False)
    _user: jinja2.Template = field(repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def version(self) -> int:
        return self.meta.version

    @property
    def ref(self) -> str:
        return f"{self.meta.id}@{self.meta.version}"

    @property
    def text_hash(self) -> str:
        return _sha16(self.text)

    def render(
        self,
        *,
        article: str,
        title: str | None = None,
        published: dt.date | str | None = None,
    ) -> list[dict[str, str]]:
        """The two chat messages. Raises `jinja2.UndefinedError` for a variable not provided."""
        return self.render_with(
            {
                "article": defuse(article),
                "title": one_line(title) if title else None,
                "published": published.isoformat() if isinstance(published, dt.date) else published,
            }
        )

    def render_with(self, variables: Mapping[str, Any]) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self._system.render(variables).strip()},
            {"role": "user", "content": self._user.render(variables).strip()},
        ]


def parse_prompt_file(path: Path, text: str | None = None) -> PromptFile:
    """Read and check one file; every problem is a `PromptFileInvalid` naming the file."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PromptFileInvalid(f"{path}: cannot read prompt file: {exc}") from exc
    try:
        post = frontmatter.loads(text)
    except Exception as exc:  # yaml raises several unrelated types
        raise PromptFileInvalid(f"{path}: front matter is not valid YAML: {exc}") from exc
    if not post.metadata:
        raise PromptFileInvalid(f"{path}: missing YAML front matter (--- id/version/... ---)")
    try:
        meta = FrontMatter.model_validate(post.metadata)
    except ValidationError as exc:
        problems = validation_detail(exc, root="front matter")
        raise PromptFileInvalid(f"{path}: bad front matter: {problems}") from exc

    name = _FILE_NAME.match(path.name)
    if name is None or int(name["version"]) != meta.version:
        raise PromptFileInvalid(
            f"{path}: file name must be v{meta.version}.md to match 'version: {meta.version}'"
        )
    if path.parent.name != meta.id:
        raise PromptFileInvalid(
            f"{path}: 'id: {meta.id}' must match the folder name {path.parent.name!r}"
        )

    system, user = _split_sections(path, post.content)
    try:
        prompt = PromptFile(meta, path, text, _ENV.from_string(system), _ENV.from_string(user))
        prompt.render_with(_TRIAL)
    except jinja2.TemplateError as exc:  # syntax, undefined variable, sandbox violation
        raise PromptFileInvalid(f"{path}: template error: {type(exc).__name__}: {exc}") from exc
    return prompt


def _split_sections(path: Path, body: str) -> tuple[str, str]:
    marks = list(_SECTION.finditer(body))
    if [m[1] for m in marks] != ["system", "user"]:
        found = ", ".join(f"[{m[1]}]" for m in marks) or "none"
        raise PromptFileInvalid(
            f"{path}: the body needs one '[system]' line then one '[user]' line (found: {found})"
        )
    if body[: marks[0].start()].strip():
        raise PromptFileInvalid(f"{path}: text before the '[system]' line")
    system = body[marks[0].end() : marks[1].start()]
    user = body[marks[1].end() :]
    if not system.strip() or not user.strip():
        raise PromptFileInvalid(f"{path}: the [system] and [user] sections must not be empty")
    return system, user


class PromptRegistry:
    """Every prompt file under a directory, by task and version."""

    def __init__(self, prompts: Iterable[PromptFile], *, source: str = "(in memory)") -> None:
        self.source = source
        self._by_task: dict[str, dict[int, PromptFile]] = {}
        for prompt in prompts:
            self.add(prompt)

    def add(self, prompt: PromptFile) -> None:
        """A new version becomes runnable at once (the prompt workbench saves one)."""
        versions = self._by_task.setdefault(prompt.id, {})
        if prompt.version in versions:
            raise PromptFileInvalid(f"{prompt.path}: duplicate prompt {prompt.ref}")
        versions[prompt.version] = prompt

    @classmethod
    def load(cls, directory: Path) -> PromptRegistry:
        directory = Path(directory)
        if not directory.is_dir():
            raise PromptFileInvalid(
                f"prompts directory {directory} does not exist (set REPORTEDLY_PROMPTS_DIR)"
            )
        files = sorted(p for p in directory.glob("*/*.md") if p.is_file())
        return cls((parse_prompt_file(p) for p in files), source=str(directory))

    @property
    def refs(self) -> builtins.list[str]:
        return [p.ref for p in self._all()]

    def get(self, ref: str | None, task: str = "claims") -> PromptFile:
        """`claims@2` → that version; `claims` or None → the newest version of the task."""
        wanted_task, version = task, None
        if ref is not None and ref.strip():  # "" means "not given", as None does
            match = _REF.match(ref.strip().lower())
            if match is None:
                raise UnknownPrompt(
                    f"Prompt reference {ref!r} is not of the form 'task' or 'task@version'; "
                    f"available: {self._available()}."
                )
            wanted_task = match["task"]
            version = int(match["version"]) if match["version"] else None
        versions = self._by_task.get(wanted_task)
        if not versions:
            raise UnknownPrompt(
                f"No prompt task {wanted_task!r} in {self.source}; available: {self._available()}."
            )
        if version is None:
            return versions[max(versions)]
        if version not in versions:
            raise UnknownPrompt(
                f"No prompt {wanted_task}@{version}; available: {self._available()}."
            )
        return versions[version]

    def entries(self) -> builtins.list[PromptInfo]:
        """For `GET /v1/prompts`: one entry per file, newest version of each task marked."""
        return [
            PromptInfo(
                id=prompt.id,
                version=prompt.version,
                ref=prompt.ref,
                description=prompt.meta.description,
                model=prompt.meta.model,
                temperature=prompt.meta.temperature,
                hash=prompt.text_hash,
                latest=prompt.version == max(self._by_task[prompt.id]),
            )
            for prompt in self._all()
        ]

    def _all(self) -> builtins.list[PromptFile]:
        return [
            versions[v]
            for task in sorted(self._by_task)
            for versions in [self._by_task[task]]
            for v in sorted(versions)
        ]

    def _available(self) -> str:
        return ", ".join(self.refs) or "none"


def prompt_hash(
    prompt: PromptFile, schema: Mapping[str, Any], model: str, params: Mapping[str, Any]
) -> str:
    """Fingerprint of one way of running: raw prompt text + response schema + model + params."""
    payload = {"prompt": prompt.text, "schema": schema, "model": model, "params": params}
    return _sha16(json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str))


def _sha16(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
