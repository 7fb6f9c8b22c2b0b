"""The one place that turns results into a Rich table, a card, CSV, JSON or NDJSON.

See docs/architecture.md."""
