"""YAML into the knowledge base: read, validate, resolve, plan, apply; the bundled seed.

See docs/architecture.md."""
