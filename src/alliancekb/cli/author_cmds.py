"""`template`, `schema` and `draft`: help with writing knowledge in the load format.

Thin wrappers over `alliancekb.author`: each prints its text, or writes it with --out
(never over an existing file without --force; the file appears whole or not at all).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alliancekb.cli.options import count_option, out_option
from alliancekb.cli.state import state_of

ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite FILE if it exists (otherwise exit 2).")
]


def register(app: typer.Typer) -> None:
    app.command("template")(template_cmd)
    app.command("schema")(schema_cmd)
    app.command("draft")(draft_cmd)


def template_cmd(
    sections: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[SECTION]...",
            help="Sections to include (sources, countries, technology_areas, alliances, "
            "officials, memberships, statements, ...); none = every section.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None, out_option("--out", "-o", metavar="FILE", help="Write to FILE.")
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Print a commented YAML skeleton of the load format, ready to fill in.

    Every field of each record is there, with whether it is required, its type, the
    allowed values and an example. Required fields are empty (validate fails until
    they are filled in); optional ones are commented out. The first line points
    editors at the JSON Schema (see `alliancekb schema`).

    Example: alliancekb template statements sources --out new.yaml
    """
    from alliancekb.author.template import template_text

    _emit(template_text(sections or []), out, force)


def schema_cmd(
    out: Annotated[
        Path | None,
        out_option("--out", "-o", metavar="FILE", help="Write to FILE (else standard output)."),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Print a JSON Schema of the load format, for editors that check YAML as you type.

    Generated from the same models `load` and `validate` use: field descriptions, the
    allowed values, the EDTF date form. Files from `template` and `draft` point at
    alliancekb.schema.json beside them.

    Example: alliancekb schema --out alliancekb.schema.json
    """
    from alliancekb.author.schema import schema_text

    _emit(schema_text(), out, force)


def draft_cmd(
    ctx: typer.Context,
    article: Annotated[
        Path,
        typer.Argument(
            metavar="ARTICLE",
            help="A plain-text or Markdown article; its first line is its title.",
            show_default=False,
        ),
    ],
    source: Annotated[
        str,
        typer.Option(
            "--source",
            metavar="KEY",
            help="The source key the statements cite; a sources record is drafted unless "
            "the knowledge base has it.",
            show_default=False,
        ),
    ],
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="DATE",
            help="The article's date (EDTF: 2024, 2024-04, 2024-04-10, 2024-04~); "
            "default: the first date written in the article.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        out_option("--out", "-o", metavar="FILE", help="Write to FILE (else standard output)."),
    ] = None,
    force: ForceOpt = False,
    max_mb: Annotated[
        int,
        count_option(
            "--max-mb",
            min=1,
            metavar="MIB",
            help="Refuse an article larger than MIB mebibytes: a draft takes about 15 s "
            "and 50 MB of memory per MiB.",
        ),
    ] = 1,
) -> None:
    """Draft statements records from an article, for a person to review.

    One record per sentence in which an official, country or alliance the knowledge
    base knows says something (said, stated, indicated, announced, told, ...): the
    speaker, their words as written, the quotation or a paraphrase, what it is about.
    Guesses are marked '# guessed: check'; what the text does not give is a '# TODO',
    so the draft fails `validate` until someone completes it.

    Example: alliancekb draft article.txt --source wsj-emanuel-2024-04 --out draft.yaml
    """
    from alliancekb.author.draft import MIB, ArticleTooLarge, draft_article, read_article_file
    from alliancekb.core.dates import EdtfError, parse_edtf
    from alliancekb.core.errors import UsageError
    from alliancekb.store.db import read_session

    key = _source_key(source)
    if date is not None:
        try:
            date = parse_edtf(date).text
        except EdtfError as exc:
            raise UsageError(f"--date: {exc}") from None
    try:
        raw = read_article_file(article, max_mb * MIB)
    except ArticleTooLarge as exc:
        raise ArticleTooLarge(
            f"{exc}: drafting takes about 15 s and 50 MB of memory per MiB; split the "
            f"article, or raise the limit with --max-mb {-(-exc.size // MIB)}",
            exc.size,
        ) from None
    if out is not None:
        _check_out(out, force)
    engine = state_of(ctx).engine()
    with read_session(engine) as session:
        draft = draft_article(session, raw, source_key=key, date=date, name=article.name)
    _emit(draft.text, out, force)
    typer.echo(
        f"drafted {draft.statements} statement(s); {draft.skipped} sentence(s) with a "
        f"reporting verb not drafted (listed at the end); {draft.todos} TODO(s) to fill "
        "in before `alliancekb validate`",
        err=True,
    )


def _source_key(value: str) -> str:
    from pydantic import TypeAdapter, ValidationError

    from alliancekb.core.errors import UsageError
    from alliancekb.load.schema import Slug

    try:
        return str(TypeAdapter(Slug).validate_python(value))
    except ValidationError:
        raise UsageError(
            f"--source: {value!r} is not a source key (lowercase letters, digits, . _ -)"
        ) from None


def _check_out(out: Path, force: bool) -> None:
    from alliancekb.core.atomicfile import check_targets

    check_targets([out], force=force)


def _emit(text: str, out: Path | None, force: bool) -> None:
    """Print `text`, or write it to `out` whole (refusing an existing file without force)."""
    if out is None:
        typer.echo(text, nl=False)
        return
    from alliancekb.core.atomicfile import check_targets, commit, partial_file

    check_targets([out], force=force)
    with partial_file(out) as (stream, pending):
        stream.write(text)
    commit([pending], force=force)
    from alliancekb.core.paths import display_name

    typer.echo(f"wrote {display_name(out)}", err=True)
