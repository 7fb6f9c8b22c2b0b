"""The error hierarchy: every failure a user can cause or meet, each with its exit code."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from alliancekb.core.paths import display_name


class AlliancekbError(Exception):
    """Base of every error the CLI turns into one message and an exit code."""

    exit_code = 1


class RuntimeFailure(AlliancekbError):
    """The database is unreachable, busy, or something outside the input failed (exit 1)."""

    exit_code = 1


class UsageError(AlliancekbError):
    """The command line itself is wrong (exit 2)."""

    exit_code = 2


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class Problem(NamedTuple):
    """One thing wrong with an input file, at a 1-based line and column.

    `file` may be the name exactly as the system gave it (undecodable bytes as surrogates,
    control characters); printing shows its `display_name`.
    """

    file: str
    line: int
    column: int
    where: str
    message: str

    def __str__(self) -> str:
        where = f" {self.where}:" if self.where else ""
        return f"{display_name(self.file)}:{self.line}:{self.column}:{where} {self.message}"


MAX_LISTED_PROBLEMS = 50
#: Problems kept in full by a ProblemList; those after are only counted, so memory does not
#: grow with the number of problems a hostile file can make.
MAX_KEPT_PROBLEMS = 1000


class ProblemList(list[Problem]):
    """A list of problems that keeps the first `limit` and counts the rest (`omitted`).

    `append`, `extend`, `+=` and `+` obey the bound (and add up the `omitted` of another
    ProblemList); `total` is every problem found, kept or not.
    """

    def __init__(
        self,
        problems: Iterable[Problem] = (),
        *,
        limit: int = MAX_KEPT_PROBLEMS,
        omitted: int = 0,
    ) -> None:
        super().__init__()
        self.limit = limit
        self.omitted = omitted
        self.extend(problems)

    @property
    def total(self) -> int:
        """How many problems were found: those kept and those only counted."""
        return len(self) + self.omitted

    def append(self, problem: Problem) -> None:
        if len(self) < self.limit:
            super().append(problem)
        else:
            self.omitted += 1

    def extend(self, problems: Iterable[Problem]) -> None:
        self.omitted += getattr(problems, "omitted", 0)
        room = self.limit - len(self)
        if isinstance(problems, Sequence) and len(problems) <= room:
            super().extend(problems)
            return
        for problem in problems:
            self.append(problem)

    def __iadd__(self, problems: Iterable[Problem]) -> ProblemList:  # type: ignore[override]
        self.extend(problems)
        return self

    def __add__(self, problems: Iterable[Problem]) -> ProblemList:  # type: ignore[override]
        out = ProblemList(self, limit=self.limit)  # counts self.omitted
        out.extend(problems)
        return out

    def __reduce__(self) -> tuple[Any, ...]:  # pickled whole (the child reader sends them)
        return (_problem_list, (list(self), self.limit, self.omitted))


def _problem_list(problems: list[Problem], limit: int, omitted: int) -> ProblemList:
    return ProblemList(problems, limit=limit, omitted=omitted)


def omitted_count(problems: Sequence[Problem]) -> int:
    """The problems found but not kept (a ProblemList's `omitted`; 0 for a plain list)."""
    return int(getattr(problems, "omitted", 0))


def format_problems(problems: Sequence[Problem], limit: int = MAX_LISTED_PROBLEMS) -> str:
    """Render problems one per line, capped with '... and N more' (counting those omitted)."""
    lines = [str(p) for p in problems[:limit]]
    more = max(len(problems) - limit, 0) + omitted_count(problems)
    if more:
        lines.append(f"... and {more} more")
    return "\n".join(lines)


class InputError(AlliancekbError):
    """Input data is wrong; carries every problem found (exit 3, or 4 for names)."""

    exit_code = 3

    def __init__(self, problems: Sequence[Problem], summary: str | None = None) -> None:
        self.problems = ProblemList(problems)
        self.summary = summary
        super().__init__(self.__str__())

    @property
    def total(self) -> int:
        """Every problem found, including those only counted (beyond MAX_KEPT_PROBLEMS)."""
        return self.problems.total

    def __str__(self) -> str:
        head = self.summary or f"{self.total} problem(s) found; nothing was written"
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


class NotAScopeError(NameResolutionError):
    """A name asked for as an alliance or pillar that names entities of other kinds: it
    says which (exit 4). `found` holds each one's kind and label."""

    def __init__(self, name: str, found: Sequence[tuple[str, str]]) -> None:
        self.found = list(found)
        labels = [f"{label} ({kind})" for kind, label in self.found]
        super().__init__(name, "alliance or pillar", labels, len(labels) > 1)
        if len(self.found) == 1:
            kind, label = self.found[0]
            article = "an" if kind[:1] in "aeiou" else "a"
            message = f"{name!r} is {article} {kind} ({label}), not an alliance or pillar"
        else:
            message = f"{name!r} is not an alliance or pillar; it names: {', '.join(labels)}"
        self.args = (message,)


def describe_unresolved(name: str, kind: str, candidates: Sequence[str], ambiguous: bool) -> str:
    """The one sentence that explains an unknown or ambiguous name."""
    if ambiguous:
        return f"{kind} name {name!r} is ambiguous; it could be: {', '.join(candidates)}"
    if candidates:
        return f"unknown {kind} {name!r}; did you mean: {', '.join(candidates)}?"
    return f"unknown {kind} {name!r}"
