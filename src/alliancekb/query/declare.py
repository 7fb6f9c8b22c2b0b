"""How a read question is declared once, and what each face derives from the declaration.

A question is a function of a reader (an open read transaction) and its parameters, whose
every parameter is `Annotated` with an `About`: its help, the vocabulary or range of values
it takes, whether it may be given by position. `question(...)` turns the function into a
`Question`, which checks and normalises every value by the declaration before the function
runs (a vocabulary's values, a count's range, a date's EDTF text), the same way for every
face. The faces are derived, never written again:

- the Python API's method (`api.py`: `members = method(questions.members)`), with the
  function's own signature, so mypy and an IDE see the parameters;
- the CLI command (`cli/asking.py`): one option per parameter, its help, metavar, choices
  and checks from the `About`;
- the documentation of both (docs/cli.md is generated; tests/test_api_parameters.py walks
  them).

This module imports neither SQLAlchemy nor the query modules (the CLI reads the
declarations to build `--help`, on its start path, issue 16).
"""

from __future__ import annotations

import datetime as dt
import inspect
import typing
from collections.abc import Callable, Sequence
from enum import Enum, StrEnum
from typing import Any, Concatenate, Generic, NamedTuple, ParamSpec, TypeVar

from alliancekb.core.errors import UsageError

#: A date: EDTF text (`2024`, `2024-04`, `2024-04-15`, `today`) or a `datetime.date`.
DateLike = str | dt.date
#: One value of a vocabulary, or several (any of them), or None for no filter.
Choices = str | Sequence[str] | None

#: The largest count a count parameter takes: far above any real answer, inside the 64-bit
#: integers of both databases (the CLI's count options share it).
COUNT_MAX = 1_000_000_000

P = ParamSpec("P")
R = TypeVar("R")


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class About(NamedTuple):
    """What one parameter of a question means, for every face.

    `vocabulary`: the values it takes (a StrEnum; `what` names it in messages); `lowest`:
    a count's least value; `positional`: people give it without a name (the CLI's
    argument); `for_people`: the default when an answer is shown to a person at a terminal
    rather than returned as data (None: the parameter's own default).
    """

    help: str
    metavar: str | None = None
    vocabulary: type[StrEnum] | None = None
    what: str = ""
    lowest: int | None = None
    positional: bool = False
    for_people: Any = None


class Shape(Enum):
    """What kind of value a parameter takes, read off its annotation."""

    TEXT = "text"  # str, or str | None
    DATE = "date"  # DateLike | None
    CHOICE = "choice"  # str (| None) of a vocabulary
    CHOICES = "choices"  # Choices of a vocabulary: repeatable
    FLAG = "flag"  # bool
    COUNT = "count"  # int (| None) within [lowest, COUNT_MAX]


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class Parameter(NamedTuple):
    """One declared parameter: its name, shape, meaning and default (`REQUIRED` if none)."""

    name: str
    shape: Shape
    about: About
    default: Any
    required: bool
    keyword_only: bool
    optional: bool  # None is a value it takes

    @property
    def choices(self) -> tuple[str, ...]:
        """The values of its vocabulary (empty when it has none)."""
        vocabulary = self.about.vocabulary
        return tuple(v.value for v in vocabulary) if vocabulary is not None else ()

    def check(self, value: Any) -> Any:
        """The value checked and normalised (a list for CHOICES), or UsageError."""
        if value is None:
            if self.optional or self.shape in (Shape.CHOICES, Shape.DATE):
                return None
            raise UsageError(f"{self.name}: a value is required")
        if self.shape is Shape.DATE:
            from alliancekb.query.common import parse_date

            parse_date(value, self.name)  # checked here; kept as given (a caption says it)
            return value
        if self.shape is Shape.CHOICES:
            values = [value] if isinstance(value, str) else list(value)
            for one in values:
                self._one_of(one)
            return values or None
        if self.shape is Shape.CHOICE:
            return self._one_of(value)
        if self.shape is Shape.COUNT:
            return self._count(value)
        if self.shape is Shape.FLAG and not isinstance(value, bool):
            raise UsageError(f"{self.name}: {value!r} is not True or False")
        if self.shape is Shape.TEXT and not isinstance(value, str):
            raise UsageError(f"{self.name}: {value!r} is not text")
        return value

    def _one_of(self, value: Any) -> str:
        if value not in self.choices:
            raise UsageError(
                f"{value!r} is not a {self.about.what or self.name}: choose one of "
                f"{', '.join(self.choices)}"
            )
        return str(value)

    def _count(self, value: Any) -> int:
        lowest = self.about.lowest or 0
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not lowest <= value <= COUNT_MAX
        ):
            raise UsageError(
                f"{self.name}: {value!r} is not in the allowed range {lowest} to {COUNT_MAX}"
            )
        return value


class Question(Generic[P, R]):
    """A read question: its name, its one-line summary, its parameters, and its answer.

    `ask(reader, ...)` checks every value by its declaration and runs the function;
    `orm`: the function needs an ORM session (False: a Core connection will do, which the
    CLI opens without importing the ORM).
    """

    def __init__(self, answer: Callable[Concatenate[Any, P], R], *, name: str, orm: bool) -> None:
        self.answer = answer
        self.name = name
        self.orm = orm
        self.summary = (inspect.getdoc(answer) or "").split("\n\n")[0].replace("\n", " ")
        self.signature = inspect.signature(answer)
        self.parameters = tuple(_parameters(answer, self.signature))

    def ask(self, reader: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        """The answer, read through `reader`, every value checked by its declaration."""
        try:
            bound = self.signature.bind(reader, *args, **kwargs)
        except TypeError as exc:
            raise UsageError(f"{self.name}: {exc}") from None
        bound.apply_defaults()
        for parameter in self.parameters:
            bound.arguments[parameter.name] = parameter.check(bound.arguments[parameter.name])
        return self.answer(*bound.args, **bound.kwargs)

    def __repr__(self) -> str:
        return f"Question({self.name!r})"


def question(
    name: str, *, orm: bool = True
) -> Callable[[Callable[Concatenate[Any, P], R]], Question[P, R]]:
    """Declare a read question (`name`: the command's and the method's name, `tech_areas`)."""

    def declare(answer: Callable[Concatenate[Any, P], R]) -> Question[P, R]:
        return Question(answer, name=name, orm=orm)

    return declare


def _parameters(answer: Callable[..., Any], signature: inspect.Signature) -> list[Parameter]:
    """The declared parameters: every one after the reader, with its `About`."""
    found = []
    for name in list(signature.parameters)[1:]:
        param = signature.parameters[name]
        # The declarations are written without `from __future__ import annotations`, so
        # each annotation is the object itself (the reader's, quoted, is never evaluated).
        hint = param.annotation
        if typing.get_origin(hint) is not typing.Annotated:
            raise TypeError(f"{answer.__name__}({name}): declare it Annotated[..., About(...)]")
        base, *extras = typing.get_args(hint)
        about = next(e for e in extras if isinstance(e, About))
        found.append(
            Parameter(
                name=name,
                shape=_shape(base, about),
                about=about,
                default=param.default,
                required=param.default is inspect.Parameter.empty,
                keyword_only=param.kind is inspect.Parameter.KEYWORD_ONLY,
                optional=_takes_none(base),
            )
        )
    return found


def _takes_none(base: Any) -> bool:
    return type(None) in typing.get_args(base)


def _shape(base: Any, about: About) -> Shape:
    """The shape an annotation (and its `About`) gives a parameter."""
    arms = set(typing.get_args(base)) - {type(None)} or {base}
    if arms == {bool}:
        return Shape.FLAG
    if arms == {int}:
        return Shape.COUNT
    if dt.date in arms:
        return Shape.DATE
    if any(typing.get_origin(a) in (Sequence, list, tuple) for a in arms):
        if about.vocabulary is None:
            raise TypeError("a parameter taking several values needs a vocabulary")
        return Shape.CHOICES
    if arms == {str}:
        return Shape.CHOICE if about.vocabulary is not None else Shape.TEXT
    raise TypeError(f"no shape for {base!r}")


def day(value: DateLike | None) -> dt.date | None:
    """A checked DATE parameter's value as its first day (None stays None: today)."""
    if value is None:
        return None
    from alliancekb.query.common import parse_date

    return parse_date(value)


def many(value: Choices) -> list[str] | None:
    """A checked CHOICES parameter's value, typed (`Question.ask` has made it a list)."""
    assert value is None or isinstance(value, list), "ask() lists every choice"
    return value
