"""`Completion`: what one structured call returns. Apart from the client, so code that only
reads completions does not import the SDK."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from reportedly.schema import Usage

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Completion(Generic[T]):
    value: T
    usage: Usage  # summed over every attempt, including the ones that failed validation
    attempts: int
    model: str  # as reported by the endpoint (may differ from the one asked for)
