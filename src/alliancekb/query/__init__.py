"""Read questions answered as plain data (rows and their meta), never styled.

See docs/architecture.md."""
