"""Shared pieces of the stack-config models: the base model and common field types."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from stackconfig.aws_facts import LOG_RETENTION_DAYS


class ConfigModel(BaseModel):
    """Base of every config section: camelCase keys as written in YAML, unknown keys rejected."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        validate_default=True,
    )


def _check_retention(days: int) -> int:
    if days not in LOG_RETENTION_DAYS:
        accepted = ", ".join(str(d) for d in LOG_RETENTION_DAYS)
        raise ValueError(f"not a CloudWatch Logs retention; accepted: {accepted}")
    return days


RetentionDays = Annotated[int, AfterValidator(_check_retention)]
"""A CloudWatch Logs retention in days, limited to the values AWS accepts."""


Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One cross-field problem, located relative to the model that found it."""

    path: Path
    """The key path from the model that found it, as written in YAML (camelCase keys, list indexes)."""
    value: object
    """The value as written, for the error line."""
    message: str
    """What is wrong and what is accepted."""


class Problems(ValueError):
    """Raised by a model validator with every problem it found, so each gets its own error line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def raise_problems(problems: Iterable[Problem]) -> None:
    found = list(problems)
    if found:
        raise Problems(found)
