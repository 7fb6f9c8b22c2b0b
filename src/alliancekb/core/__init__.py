"""No database: vocabularies, EDTF dates, names, errors, atomic files, where the database is.

See docs/architecture.md."""
