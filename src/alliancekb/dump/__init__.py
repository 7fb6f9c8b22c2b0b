"""The whole knowledge base as one YAML document in the load format.

See docs/architecture.md."""
