"""Write docs/cli.md, the command-line reference, from the command declarations.

Every command and subcommand of the Typer app (`alliancekb.cli.app`, all of them: not the
one command the console script builds, `cli.app.only_command`) is read from the Click
commands Typer builds (`typer.main.get_command`), never from `--help` output: its usage
line, its help text, its arguments and its options (name, metavar, default, help), in the
order `--help` lists them. The text depends neither on the terminal (usage lines are
formatted at WIDTH columns, without colour) nor on the environment.
tests/test_cli_reference.py fails, naming the first differing command, when the page is
stale.

    python -m tests.cli_reference            # rewrite docs/cli.md
    python -m tests.cli_reference --check    # exit 1 when docs/cli.md is stale

It lives in tests/ beside doc_examples.py: a tool that checks the documentation, not part
of the product (the wheel ships src/alliancekb only), and never on the CLI's start path.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
PROG = "alliancekb"
#: The terminal width the usage lines are formatted at.
WIDTH = 100
HEADER = f"""# Command-line reference

<!-- Generated from the command declarations by `python -m tests.cli_reference`: do not
edit by hand. tests/test_cli_reference.py fails when this page is stale. -->

Every command of `{PROG}`, with its usage line, its help and its parameters, as
`{PROG} COMMAND --help` prints them. Every command also takes `-h`/`--help`. The root's
options (`--db`, `--no-pager`) come before the command: `{PROG} --db kb.sqlite members NATO`.
"""


@dataclass(frozen=True)
class Entry:
    """One command (or group) of the app: its words after the program name, and its Click
    command with the context it is shown in."""

    path: tuple[str, ...]
    command: Any
    ctx: Any

    @property
    def title(self) -> str:
        return " ".join((PROG, *self.path))


def commands() -> Iterator[Entry]:
    """Every command of the app, depth first, in the order `--help` lists them."""
    import typer

    from alliancekb.cli.app import app

    root = typer.main.get_command(app)
    yield from _walk(root, (), None)


def _walk(command: Any, path: tuple[str, ...], parent: Any) -> Iterator[Entry]:
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    ctx = command.context_class(
        command, parent=parent, info_name=path[-1] if path else PROG, color=False, **settings
    )
    yield Entry(path, command, ctx)
    for name in _subcommands(command, ctx):
        yield from _walk(command.commands[name], (*path, name), ctx)


def _subcommands(command: Any, ctx: Any) -> list[str]:
    if not hasattr(command, "list_commands"):
        return []
    return [n for n in command.list_commands(ctx) if not command.commands[n].hidden]


def render() -> str:
    """The whole page."""
    entries = list(commands())
    toc = [f"- [`{e.title}`](#{anchor(e.title)})" for e in entries]
    parts = [HEADER, "\n".join(toc) + "\n"]
    parts += [section(e) for e in entries]
    return "\n".join(parts)


def anchor(title: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^a-z0-9 _-]", "", title.lower()).replace(" ", "-")


def section(entry: Entry) -> str:
    """One command's section: a heading, the usage line, help, subcommands, parameters."""
    command, ctx = entry.command, entry.ctx
    lines = [f"## {entry.title}", "", "```text", _usage(command, ctx), "```", ""]
    lines += _help(command.help)
    lines += _subcommand_table(entry)
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    params = [p for p in params if p.name != "help"]
    arguments = [p for p in params if p.param_type_name == "argument"]
    options = [p for p in params if p.param_type_name == "option"]
    if arguments:
        lines += ["Arguments:", "", "| argument | default | help |", "|---|---|---|"]
        lines += [_argument_row(p, ctx) for p in arguments] + [""]
    if options:
        lines += ["Options:", "", "| option | metavar | default | help |", "|---|---|---|---|"]
        lines += [_option_row(p, ctx) for p in options] + [""]
    return "\n".join(lines)


def _usage(command: Any, ctx: Any) -> str:
    formatter = ctx.make_formatter()
    formatter.write_usage(ctx.command_path, " ".join(command.collect_usage_pieces(ctx)))
    return "\n".join(line.rstrip() for line in formatter.getvalue().rstrip("\n").splitlines())


def _help(text: str | None) -> list[str]:
    """Help paragraphs as Markdown: prose as written, indented paragraphs (examples) as
    one block keeping their lines."""
    if not text:
        return []
    lines: list[str] = []
    block: list[str] = []
    for paragraph in text.split("\f")[0].strip("\n").split("\n\n"):
        rows = [row.replace("\b", "") for row in paragraph.split("\n")]
        if any(row.startswith((" ", "\b")) for row in paragraph.split("\n")):
            indent = min(len(r) - len(r.lstrip()) for r in rows if r.strip())
            block += [r[indent:].rstrip() for r in rows if r.strip()]
            continue
        # The help is Rich markup, where `\[` is an escaped bracket, shown as `[`.
        prose = " ".join(r.strip() for r in rows).replace("\\[", "[")
        lines += [*_block(block), _prose(prose), ""]
        block = []
    return lines + _block(block)


def _block(rows: list[str]) -> list[str]:
    return ["```text", *rows, "```", ""] if rows else []


#: Markdown markup in prose: a backslash, `*`, `<` (HTML), `_` that is not inside a word.
_MARKUP = re.compile(r"[\\*<]|(?<!\w)_|_(?!\w)")


def _prose(text: str) -> str:
    """Text outside code spans with what Markdown would read as markup escaped."""
    pieces = re.split(r"(`[^`]*`)", text)
    return "".join(p if p.startswith("`") else _MARKUP.sub(r"\\\g<0>", p) for p in pieces)


def _subcommand_table(entry: Entry) -> list[str]:
    names = _subcommands(entry.command, entry.ctx)
    if not names:
        return []
    lines = ["Commands:", "", "| command | does |", "|---|---|"]
    for name in names:
        sub = entry.command.commands[name]
        title = f"{entry.title} {name}"
        summary = sub.short_help or (sub.help or "").split("\f")[0].strip().split("\n\n")[0]
        lines.append(f"| [`{name}`](#{anchor(title)}) | {_cell(summary, raw=True)} |")
    return [*lines, ""]


def _argument_row(param: Any, ctx: Any) -> str:
    name = param.make_metavar(ctx) if param.metavar is None else str(param.metavar)
    if param.nargs != 1 and not name.endswith("..."):
        name += "..."
    help_text = _param_help(param)
    if param.required:
        help_text = f"{help_text} (required)".strip()
    return f"| {_code(name)} | {_code(_default(param, ctx))} | {_cell(help_text, raw=True)} |"


def _option_row(param: Any, ctx: Any) -> str:
    names = ", ".join(_code(o) for o in [*param.opts, *param.secondary_opts])
    metavar = " ".join(filter(None, [param.display_type_rich(ctx=ctx), _range(param)]))
    help_text = _param_help(param)
    if param.required:
        help_text = f"{help_text} (required)".strip()
    default = _code(_default(param, ctx))
    return f"| {names} | {_code(metavar)} | {default} | {_cell(help_text, raw=True)} |"


def _range(param: Any) -> str:
    """The bounds of a number (`[1<=x<=65535]`), as `--help` shows them."""
    bounds = getattr(param, "_get_number_range_help_str", None)
    return f"[{bounds()}]" if bounds is not None and bounds() else ""


def _param_help(param: Any) -> str:
    return " ".join((getattr(param, "help", None) or "").split())


def _default(param: Any, ctx: Any) -> str:
    """The default `--help` shows (Typer's own rule), or nothing."""
    if not hasattr(param, "_extract_default_help_str"):
        return ""
    value = param._extract_default_help_str(ctx=ctx)
    shown_as_text = isinstance(param.show_default, str)
    if not shown_as_text and (value is None or not (param.show_default or ctx.show_default)):
        return ""
    text = param._get_default_string(
        ctx=ctx, show_default_is_str=shown_as_text, default_value=value
    )
    return str(text)


def _code(text: str) -> str:
    if not text:
        return ""
    fence = "``" if "`" in text else "`"
    return f"{fence}{text.replace('|', chr(92) + '|')}{fence}"


def _cell(text: str, raw: bool = False) -> str:
    """Text for a table cell: one line, its pipes escaped."""
    text = " ".join(text.split())
    text = _prose(text) if raw else text
    return text.replace("|", "\\|")


def sections(text: str) -> list[tuple[str, str]]:
    """A page cut at its command headings: (the heading, its text); the text before the
    first heading is headed ""."""
    found: list[tuple[str, str]] = []
    title, body = "", list[str]()
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            found.append((title, "".join(body)))
            title, body = line[3:].strip(), []
        body.append(line)
    found.append((title, "".join(body)))
    return found


def first_difference(old: str, new: str) -> str | None:
    """The first command whose section differs between two pages, or None if they agree."""
    if old == new:
        return None
    before, after = sections(old), sections(new)
    for (title_a, a), (title_b, b) in zip(before, after, strict=False):
        if title_a != title_b:
            return title_b or title_a
        if a != b:
            return title_a or "the page's header"
    longer = after if len(after) > len(before) else before
    return longer[min(len(before), len(after))][0]


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        old = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        differing = first_difference(old, text)
        if differing is not None:
            print(f"{DOC} is stale at `{differing}`: run python -m tests.cli_reference")
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
