"""The export tables of the kinds of entity added after the core (`core.kind_parts`).

Each module here gives one kind's `TABLES` (`export.table.ExportTable`s); the catalogue
lists them after the core's tables of facts, and the SQLite snapshot keys them by the
kind's natural key (`store.entities`).
"""
