"""The load-format sections of the kinds of entity added after the core (`core.kind_parts`).

Each module here is one kind's part of the load: its records (Pydantic), its `SECTION`
(a `load.sections.Section`: table, key, values, links, and what it plans besides its own
row), read by `load.all_sections`.
"""
