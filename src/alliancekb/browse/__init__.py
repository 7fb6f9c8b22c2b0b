"""The knowledge base in a web page: a snapshot's answer tables (`answers`), Datasette
metadata and canned queries (`metadata`), and the read-only server (`server`)."""
