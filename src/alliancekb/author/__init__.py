"""Writing knowledge: the load format described for people and editors, and drafts.

`fields` describes every field of the load format (read from the Pydantic models of
`load/schema.py`, so the descriptions cannot drift from what the loader accepts);
`schema` turns the models into a JSON Schema for editors, `template` into a commented
YAML skeleton, and `draft` (with `article` for the text itself) turns a news article
into records for a person to review. See docs/yaml-format.md, "From article to
knowledge base".
"""
