"""Where the database is: `--db`, else ALLIANCEKB_DATABASE_URL, else a file in the user data dir."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_DATABASE_URL = "ALLIANCEKB_DATABASE_URL"
APP_NAME = "alliancekb"
DEFAULT_FILENAME = "alliancekb.sqlite"


@dataclass(frozen=True)
class DatabaseTarget:
    """A database URL and where the choice of it came from."""

    url: str
    origin: str  # "--db", the environment variable's name, or "default"


def default_database_path() -> Path:
    """The SQLite file used when nothing else is configured (per-user data directory)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / DEFAULT_FILENAME


def to_url(value: str) -> str:
    """Turn `--db` input into a URL: a path becomes SQLite; postgres URLs get psycopg."""
    value = value.strip()
    if "://" not in value:
        if value == ":memory:":
            return "sqlite://"
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    scheme, rest = value.split("://", 1)
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
