"""The workbench's own typed errors; each becomes an RFC 9457 problem like the service's."""

from __future__ import annotations

from reportedly.errors import ReportedlyError
from reportedly.workbench.models import PromptError


class NotFound(ReportedlyError):
    """An unknown dataset, article, prompt version, eval job or run."""

    status, title, type_slug = 404, "Not found", "not-found"


class VersionClash(ReportedlyError):
    """The prompt version asked for exists already (or appeared while saving)."""

    status, title, type_slug = 409, "Prompt version exists", "version-clash"


class EvalBusy(ReportedlyError):
    status, title, type_slug = 409, "An eval is running", "eval-busy"


class PromptsReadOnly(ReportedlyError):
    """The prompts folder cannot be written (e.g. the wheel's copy in site-packages)."""

    status, title, type_slug = 503, "Prompts folder not writable", "prompts-read-only"


class PromptRejected(ReportedlyError):
    """A prompt that does not validate; the problem body lists every error with its line."""

    status, title, type_slug = 422, "Invalid prompt", "invalid-prompt"

    def __init__(self, detail: str, errors: list[PromptError]) -> None:
        super().__init__(detail)
        self.errors = errors
