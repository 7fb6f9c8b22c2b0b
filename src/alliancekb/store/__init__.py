"""The database: models, engines and sessions, migrations, search, name resolution.

See docs/architecture.md."""
