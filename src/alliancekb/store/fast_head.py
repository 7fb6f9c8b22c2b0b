"""The fast path of "is the database at head?": the scripts' head read from their text.

`migrate.head_revision()` (Alembic's ScriptDirectory, the reference) costs ~0.1 s of
imports; every command asks this question first, so it is answered from the scripts'
`revision =` / `down_revision =` lines and one SELECT. Tests check `scanned_head()` equals
`migrate.head_revision()`; whenever the text is not in the simple form, the answer is
"not sure" and the caller asks Alembic.
"""

from __future__ import annotations

import re
from typing import Final

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from alliancekb.store.migrate import scripts_location

# A line's start is matched as the newline before it (each script's text is read after a
# newline): a pattern opening with literal text is searched for as such, where `^` would
# be tried at every position of 8 KB per script (~15M instructions of every command).
_REVISION: Final = re.compile(r"""\nrevision\b[^=\n]*=\s*["']([^"'\n]+)["']\s*$""", re.M)
_DOWN_REVISION: Final = re.compile(
    r"""\ndown_revision\b[^=\n]*=\s*(?:None|["']([^"'\n]+)["'])\s*$""", re.M
)


#: How much of each script is read for its `revision =` and `down_revision =` lines.
_HEAD_CHARS = 8192


def scanned_head() -> str | None:
    """The scripts' one head, read from their `revision =` lines; None when unsure.

    Unsure: a script without both lines in their simple form (one string or None), a merge,
    or not exactly one head. Tests check it equals Alembic's `head_revision()`.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (scripts_location() / "versions").glob("*.py"):
        # The two lines head a script (after its docstring): its first part is enough,
        # and a script whose lines come later is "unsure" (Alembic answers).
        with script.open(encoding="utf-8", errors="replace") as opened:
            source = "\n" + opened.read(_HEAD_CHARS)
        revision, parent = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(parent) != 1:
            return None
        revisions.add(revision[0])
        if parent[0]:
            parents.add(parent[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_at_head(engine: Engine) -> bool:
    """Whether the database is at the scripts' head, found without importing Alembic.

    False whenever that is not certain (no version table, an unreachable database, scripts
    not read as expected): the caller then asks Alembic, which also explains any problem.
    """
    head = scanned_head()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:
        return False
    return list(found) == [head]
