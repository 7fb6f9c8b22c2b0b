"""Where the database is: `--db`, else ALLIANCEKB_DATABASE_URL, else a file in the user data dir."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from alliancekb.core.errors import UsageError

ENV_DATABASE_URL = "ALLIANCEKB_DATABASE_URL"
#: How long to wait for a lock another connection holds before giving up (seconds).
ENV_LOCK_TIMEOUT = "ALLIANCEKB_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT_S = 60.0
APP_NAME = "alliancekb"
DEFAULT_FILENAME = "alliancekb.sqlite"


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class DatabaseTarget(NamedTuple):
    """A database URL and where the choice of it came from."""

    url: str
    origin: str  # "--db", the environment variable's name, or "default"


def default_database_path() -> Path:
    """The SQLite file used when nothing else is configured (per-user data directory)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / DEFAULT_FILENAME


def data_directory(url: str) -> Path:
    """Where files that belong with the database go: an SQLite file's directory, else
    (PostgreSQL, memory) the directory of the default database file."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///").split("?", 1)[0]).parent
    return default_database_path().parent


def to_url(value: str) -> str:
    """Turn `--db` input into a URL: a path becomes SQLite; postgres URLs get psycopg."""
    value = value.strip()
    if "://" not in value:
        if value == ":memory:":
            return "sqlite://"
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    scheme, rest = value.split("://", 1)
    authority = rest.split("/", 1)[0].split("?", 1)[0]
    if authority.count("@") > 1:
        # SQLAlchemy would read the rest of the password as part of the host name.
        raise UsageError(
            "the database URL has more than one '@' before its host: "
            "quote an '@' in the user name or password as %40"
        )
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    return value


def resolve_target(
    cli_value: str | None = None, environ: dict[str, str] | None = None
) -> DatabaseTarget:
    """Pick the database: the command-line value, else the environment, else the default file."""
    env = os.environ if environ is None else environ
    if cli_value:
        return DatabaseTarget(to_url(cli_value), "--db")
    from_env = env.get(ENV_DATABASE_URL, "").strip()
    if from_env:
        return DatabaseTarget(to_url(from_env), ENV_DATABASE_URL)
    return DatabaseTarget(to_url(str(default_database_path())), "default")


def lock_timeout_s(environ: dict[str, str] | None = None) -> float:
    """Seconds to wait for a lock (ALLIANCEKB_LOCK_TIMEOUT, default 60) before "database busy"."""
    env = os.environ if environ is None else environ
    raw = env.get(ENV_LOCK_TIMEOUT, "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < 10**7:  # also refuses nan and inf
        raise UsageError(f"{ENV_LOCK_TIMEOUT} must be a number of seconds above 0, not {raw!r}")
    return value
