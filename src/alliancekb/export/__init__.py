"""Tables out of the knowledge base as CSV, JSON or NDJSON files.

See docs/architecture.md."""
