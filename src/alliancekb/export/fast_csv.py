"""The fast path of CSV export: lines quoted and joined by the database (docs/export.md).

For the tables whose values SQL already turns into text, the database also quotes each
field and joins the line (as `sqlite3 -csv` does): the driver hands over one string per
row instead of a dozen values, and this C work runs while the GIL is released. Columns
that cannot need quoting (closed vocabularies, numbers, dates, lookup keys checked once
per export) skip the per-row checks.

The reference is `core.formats.write_csv` over the same rows (`files.rows_of`): the text
is the same byte for byte, which tests check for every table, on both backends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, Final

from sqlalchemy import (
    Connection,
    Enum,
    String,
    Text,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql.elements import BindParameter, Case, Label, TypeCoerce
from sqlalchemy.sql.functions import coalesce as coalesce_type
from sqlalchemy.sql.schema import Column
from sqlalchemy.sql.selectable import Join

from alliancekb.core.formats import UTF8_BOM, excel_cell
from alliancekb.export.catalogue import ExportTable
from alliancekb.export.columns import Kind, SqlDialect
from alliancekb.store.sql_keys import AnySelect

#: A field that needs quoting in RFC 4180 CSV (what csv.QUOTE_MINIMAL quotes).
_CSV_SPECIAL: Final = re.compile('[",\r\n]').search


def _written_plain(word: str) -> bool:
    """Whether `word` is written as it is, with or without `excel` (no quotes, no `'`)."""
    return _CSV_SPECIAL(word) is None and excel_cell(word) == word


def csv_field_sql(value: Any, postgres: bool, *, kind: Kind = "text", excel: bool = False) -> Any:
    """SQL for one CSV field: NULL empty, `'` before a formula start (excel), quoted if needed.

    Numbers and dates can need neither, so only text pays for the checks (a few `instr` calls or
    one regular expression per value).
    """
    text_value: Any = func.coalesce(cast(value, Text()), "")
    if kind in ("int", "date", "bool"):
        return text_value
    words = fixed_words(value)
    if words is not None and all(_written_plain(w) for w in words):
        return text_value
    if excel:
        char = func.chr if postgres else func.char
        starts = [literal(c) for c in ("=", "+", "-", "@")] + [char(9), char(13), char(10)]
        text_value = case(
            (func.substr(text_value, 1, 1).in_(starts), literal("'") + text_value),
            else_=text_value,
        )
    if postgres:
        special = text_value.op("~")(literal('[",\r\n]'))
    else:
        # Four instr() calls measured faster than one GLOB '*[...]*' (12.5 s vs 15 s, 1M).
        # The comma first: prose usually has one early, and OR stops at the first hit.
        special = or_(*(func.instr(text_value, c) > 0 for c in (",", '"', "\n", "\r")))
    quoted = literal('"') + func.replace(text_value, '"', '""') + literal('"')
    return case((special, quoted), else_=text_value)


def fixed_words(expr: Any) -> frozenset[str] | None:
    """The only texts `expr` can have (NULL aside), when the schema or the query fixes them.

    A vocabulary column (its values held by a CHECK constraint), or a CASE choosing among
    literal strings. None when the values are open (any text the database holds).
    """
    while isinstance(expr, Label | TypeCoerce):
        expr = expr.element if isinstance(expr, Label) else expr.clause
    if isinstance(expr, Case):
        results = [result for _, result in expr.whens]
        if expr.else_ is not None:
            results.append(expr.else_)
        if all(isinstance(r, BindParameter) and isinstance(r.value, str) for r in results):
            return frozenset(r.value for r in results)
        return None
    column_type = getattr(expr, "type", None)
    if isinstance(column_type, Enum) and column_type.create_constraint:
        return frozenset(column_type.enums)
    return None


def sql_line_batches(
    conn: Connection, table: ExportTable, sql: SqlDialect, *, excel: bool, batch_rows: int
) -> Iterator[Sequence[Any]]:
    """A table's CSV lines (header aside) as the database writes them, `batch_rows` at a time."""
    stmt = table.select(sql)
    driving = _driving_table(stmt)
    fields = [
        func.coalesce(cast(value, Text()), "")
        if f.kind == "text" and _written_as_stored(conn, value, driving, sql, excel=excel)
        else csv_field_sql(value, sql.postgres, kind=f.kind, excel=excel)
        for c, f in zip(stmt.selected_columns, table.fields, strict=True)
        for value in [getattr(c, "element", c)]
    ]
    line = fields[0]
    for field in fields[1:]:
        line = line + literal(",") + field
    line = type_coerce(line + literal("\r\n"), String())
    yield from _driver_batches(
        conn, stmt.with_only_columns(line.label("line"), maintain_column_froms=True), sql,
        batch_rows,
    )  # fmt: skip


def _driving_table(stmt: AnySelect) -> Any:
    """The table the query's rows come from: the leftmost of its FROM clause."""
    froms = stmt.get_final_froms()
    first: Any = froms[0] if froms else None
    while isinstance(first, Join):
        first = first.left
    return first


def _lookup_columns(expr: Any, driving: Any) -> list[Any] | None:
    """The columns of joined tables that `expr` is one of (a column, or COALESCE of them)."""
    while isinstance(expr, Label | TypeCoerce):
        expr = expr.element if isinstance(expr, Label) else expr.clause
    candidates = list(expr.clauses) if isinstance(expr, coalesce_type) else [expr]
    # By name: the ORM's columns carry annotated copies of their table.
    driving_name = getattr(driving, "name", None)
    if all(isinstance(c, Column) and c.table.name != driving_name for c in candidates):
        return candidates
    return None


def _written_as_stored(
    conn: Connection, expr: Any, driving: Any, sql: SqlDialect, *, excel: bool
) -> bool:
    """Whether no value `expr` can take needs quoting (or, with `excel`, a `'` prefix).

    Asked of the joined lookup tables (sources, officials, countries, alliances: small)
    that the value is read from, in this snapshot: one EXISTS per column instead of
    checking the field on every row of a large table. A key with a comma would make it
    False, and the field is checked per row as usual.
    """
    columns = _lookup_columns(expr, driving)
    if columns is None:
        return False
    for column in columns:
        written = csv_field_sql(column, sql.postgres, excel=excel)
        stored = func.coalesce(cast(column, Text()), "")
        if conn.execute(select(exists().where(written != stored))).scalar_one():
            return False
    return True


def _driver_batches(
    conn: Connection, stmt: AnySelect, sql: SqlDialect, batch_rows: int
) -> Iterator[Sequence[Any]]:
    """The rows of `stmt` as the driver's own tuples, `batch_rows` at a time.

    The lines need no conversion, and going past SQLAlchemy's result (a Row object and a
    Python call per row) to the DB-API cursor halves the Python work per line. The cursor
    is opened on the session's own connection, so it reads in the session's transaction:
    the same snapshot as every other table. On PostgreSQL it is a named (server-side)
    cursor, so the rows stream rather than arrive all at once. The only bound values are
    the constant strings of `csv_field_sql`, rendered inline.
    """
    text_sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    driver: Any = conn.connection.dbapi_connection
    cursor = driver.cursor(name="alliancekb_export") if sql.postgres else driver.cursor()
    try:
        cursor.execute(text_sql)
        while batch := cursor.fetchmany(batch_rows):
            yield batch
    finally:
        cursor.close()


def write_csv_lines(
    stream: IO[str],
    columns: list[str],
    batches: Iterable[Sequence[Any]],
    *,
    excel: bool,
    progress: Callable[[int], None] | None,
) -> int:
    """Write the header, then each batch of ready lines as one string; return the row count."""
    if excel:
        stream.write(UTF8_BOM)
    stream.write(",".join(columns) + "\r\n")  # column names are identifiers: never quoted
    count = 0
    for batch in batches:
        stream.write("".join([row[0] for row in batch]))
        count += len(batch)
        if progress is not None:
            progress(count)
    return count
