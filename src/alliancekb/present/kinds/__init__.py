"""The views of the kinds of entity added after the core (`core.kind_parts`).

Each module here registers the views of its kind's results (`present.views.view`) and
gives `SECTION_TABLES`: the table of each card section its kind adds (`present.card_tables`).
"""
