"""A data file the user passes to a panel (a GW list, NMC capabilities), read whole.

Both are published as plain text by their authors, some copies in Latin-1 (Gleditsch's
list), others in UTF-8 with or without a byte-order mark: every byte decodes, as one or
the other.
"""

from __future__ import annotations

from pathlib import Path

from alliancekb.core.errors import UsageError
from alliancekb.core.paths import display_name


def read_user_file(path: str | Path, what: str) -> tuple[str, str]:
    """The file's name as shown and its text (UTF-8, else Latin-1); UsageError (exit 2)
    naming `what` when it cannot be read."""
    name = display_name(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {what} {name}: {error.strerror}") from None
    try:
        return name, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return name, data.decode("latin-1")
