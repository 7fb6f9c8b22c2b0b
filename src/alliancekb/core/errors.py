"""The error hierarchy: every failure a user can cause or meet, each with its exit code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class AlliancekbError(Exception):
    """Base of every error the CLI turns into one message and an exit code."""

    exit_code = 1


class RuntimeFailure(AlliancekbError):
    """The database is unreachable, busy, or something outside the input failed (exit 1)."""

    exit_code = 1


class UsageError(AlliancekbError):
    """The command line itself is wrong (exit 2)."""

    exit_code = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    where: str
    message: str

    def __str__(self) -> str:
        where = f" {self.where}:" if self.where else ""
        return f"{self.file}:{self.line}:{self.column}:{where} {self.message}"


MAX_LISTED_PROBLEMS = 50


def format_problems(problems: Sequence[Problem], limit: int = MAX_LISTED_PROBLEMS) -> str:
    """Render problems one per line, capped with '... and N more'."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more")
    return "\n".join(lines)


class InputError(AlliancekbError):
    """Input data is wrong; carries every problem found (exit 3, or 4 for names)."""

    exit_code = 3

    def __init__(self, problems: Sequence[Problem], summary: str | None = None) -> None:
        self.problems = list(problems)
        self.summary = summary
        super().__init__(self.__str__())

    def __str__(self) -> str:
        head = self.summary or f"{len(self.problems)} problem(s) found; nothing was written"
        return f"{head}\n{format_problems(self.problems)}" if self.problems else head


class InvalidDataError(InputError):
    """The input is not valid (syntax, schema, values): exit 3."""

    exit_code = 3


class UnresolvedReferenceError(InputError):
    """Input refers to names that resolve to nothing or to several entities: exit 4."""

    exit_code = 4


class NameResolutionError(AlliancekbError):
    """A name on the command line resolves to nothing or to several entities (exit 4)."""

    exit_code = 4

    def __init__(self, name: str, kind: str, candidates: Sequence[str], ambiguous: bool) -> None:
        self.name = name
        self.kind = kind
        self.candidates = list(candidates)
        self.ambiguous = ambiguous
        super().__init__(describe_unresolved(name, kind, self.candidates, ambiguous))


def describe_unresolved(name: str, kind: str, candidates: Sequence[str], ambiguous: bool) -> str:
    """The one sentence that explains an unknown or ambiguous name."""
    if ambiguous:
        return f"{kind} name {name!r} is ambiguous; it could be: {', '.join(candidates)}"
    if candidates:
        return f"unknown {kind} {name!r}; did you mean: {', '.join(candidates)}?"
    return f"unknown {kind} {name!r}"
