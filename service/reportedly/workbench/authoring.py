"""Writing prompt versions from the workbench: check a draft with the parser the service
loads prompts with, and save it as the next version of its task, never over an existing file.

Names from a client are never used as paths: a task must match the front matter's `id`
pattern, the version is computed here, and the file's resolved path must lie inside the
prompts folder. The registry the services hold is refreshed in place, so the new version is
runnable at once (the backends keep a reference to that same registry object).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml
from pydantic import ValidationError

from reportedly.errors import PromptFileInvalid
from reportedly.prompts import PromptFile, PromptRegistry, parse_prompt_file
from reportedly.workbench.errors import (
    NotFound,
    PromptRejected,
    PromptsReadOnly,
    VersionClash,
)
from reportedly.workbench.models import TASK_PATTERN, PromptError

_TASK = re.compile(TASK_PATTERN)
_VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.md$")
_VERSION_LINE = re.compile(r"^version[ \t]*:.*$", re.MULTILINE)
_SECTION_LINE = re.compile(r"^\[(system|user)\][ \t]*$", re.MULTILINE)
_QUOTED_NAME = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)'")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


@dataclass(frozen=True)
class Draft:
    """A text as it would be saved: where, as which version, and what is wrong with it."""

    task: str
    version: int
    path: Path
    text: str
    errors: list[PromptError]
    prompt: PromptFile | None

    @property
    def ref(self) -> str:
        return f"{self.task}@{self.version}"


def task_folder(prompts_dir: Path, task: str) -> Path:
    """The folder of an existing task, checked to be inside the prompts folder."""
    if not _TASK.match(task):
        raise NotFound(f"{task!r} is not a prompt task name (lowercase letters, digits, - and _).")
    root = prompts_dir.resolve()
    folder = (root / task).resolve()
    if not folder.is_relative_to(root) or not folder.is_dir():
        raise NotFound(f"No prompt task {task!r} in {prompts_dir}.")
    return folder


def next_version(folder: Path) -> int:
    versions = [int(m[1]) for p in folder.iterdir() if (m := _VERSION_FILE.match(p.name))]
    return max(versions, default=0) + 1


def check_draft(prompts_dir: Path, task: str, text: str) -> Draft:
    """Validate `text` as the next version of `task` (its `version:` set to that number)."""
    folder = task_folder(prompts_dir, task)
    version = next_version(folder)
    text = _VERSION_LINE.sub(f"version: {version}", text, count=1)
    path = folder / f"v{version}.md"
    try:
        prompt = parse_prompt_file(path, text)
    except PromptFileInvalid as exc:
        message = str(exc).removeprefix(f"{path}: ")
        return Draft(
            task, version, path, text, [PromptError(line=locate(text, exc), message=message)], None
        )
    return Draft(task, version, path, text, [], prompt)


def save_draft(
    registry: PromptRegistry, prompts_dir: Path, task: str, text: str, expected: int | None
) -> Draft:
    """Write a valid draft as a new file (exclusively: never over an existing version)."""
    draft = check_draft(prompts_dir, task, text)
    if expected is not None and expected != draft.version:
        raise VersionClash(
            f"{task}@{expected} cannot be created: the next version of {task} is {draft.version}."
        )
    if draft.errors:
        lines = "; ".join((f"line {e.line}: " if e.line else "") + e.message for e in draft.errors)
        raise PromptRejected(f"{draft.ref} is not valid: {lines}", draft.errors)
    if not _writable(draft.path.parent):
        raise _read_only(prompts_dir)
    try:
        with open(draft.path, "x", encoding="utf-8", newline="") as file:
            file.write(draft.text)
    except FileExistsError:
        raise VersionClash(f"{draft.ref} was created meanwhile; validate again.") from None
    except PermissionError:
        raise _read_only(prompts_dir) from None
    assert draft.prompt is not None  # no errors: parsed
    registry.add(draft.prompt)
    return draft


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


def _read_only(prompts_dir: Path) -> PromptsReadOnly:
    return PromptsReadOnly(
        f"The prompts folder {prompts_dir} is not writable (an installed package's copy?). "
        "Copy it to a folder you own and set REPORTEDLY_PROMPTS_DIR to that folder."
    )


# --- where an error is -----------------------------------------------------------------------


def locate(text: str, exc: PromptFileInvalid) -> int | None:
    """The 1-based line of `text` an error from `parse_prompt_file` is about, if it can be told."""
    cause = exc.__cause__
    if isinstance(cause, yaml.MarkedYAMLError):
        # Where the broken construct began (an unclosed bracket), else where parsing stopped.
        mark = cause.context_mark or cause.problem_mark
        if mark is not None:
            return mark.line + 2  # the YAML starts on the line after `---`
    if isinstance(cause, ValidationError):
        field = next((str(e["loc"][0]) for e in cause.errors() if e["loc"]), None)
        return _line_of(text, rf"^{re.escape(field)}[ \t]*:") if field else 1
    if isinstance(cause, jinja2.TemplateSyntaxError) and cause.source is not None:
        offset = text.find(cause.source)
        if offset >= 0:
            return text.count("\n", 0, offset) + cause.lineno
    if isinstance(cause, jinja2.TemplateError):
        return _template_line(text, cause)
    message = str(exc)
    if "'id:" in message:
        return _line_of(text, r"^id[ \t]*:")
    if "[system]" in message or "[user]" in message:
        return _line_of(text, r"^\[(system|user)\]") or 1
    return None


def _line_of(text: str, pattern: str) -> int | None:
    found = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _template_line(text: str, cause: jinja2.TemplateError) -> int | None:
    """A render-time error (undefined variable, sandbox refusal) names a variable or
    attribute; the line is the template tag that uses it, preferring the one the traceback's
    template frame points at."""
    names = _QUOTED_NAME.findall(str(cause))
    if not names:
        return None
    name = re.compile(rf"\b{re.escape(names[0])}\b")
    candidates = sorted(
        {text.count("\n", 0, tag.start() + hit.start()) + 1
         for tag in _TAG.finditer(text) for hit in name.finditer(tag.group(0))}
    )  # fmt: skip
    marks = [text.count("\n", 0, m.start()) + 1 for m in _SECTION_LINE.finditer(text)]
    frame_line = _template_frame_line(cause)
    if frame_line is not None:
        for mark in marks:
            if mark + frame_line - 1 in candidates:
                return mark + frame_line - 1
    return candidates[0] if candidates else None


def _template_frame_line(exc: BaseException) -> int | None:
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
