"""The natural keys of the exported tables, and the columns that refer to them.

Its own module so that both descriptions of an export that declare keys (the SQLite file's
PRIMARY KEY and REFERENCES, `sqlite_file`; the data package's `primaryKey`, `datapackage`)
read one list, without the data package importing the SQLite writer.
"""

from __future__ import annotations

from alliancekb.store.entities import ENTITIES, Kind

#: Tables whose first column is their natural key (a primary key in the file).
PRIMARY_KEYS = {
    "countries": "iso3",
    "alliances": "key",
    "sources": "key",
    "officials": "key",
    "technology_areas": "key",
    "statements": "id",
}
#: A column of this name refers to that table's natural key.
REFERENCES = {
    "country": "countries",
    "alliance": "alliances",
    "source": "sources",
    "official": "officials",
    "technology_area": "technology_areas",
    "statement": "statements",
}
# A kind added after the core (`store.kinds`) is keyed and referred to as its description
# says: its table by its key, a column named for the kind by that key.
for _entity in ENTITIES.values():
    if _entity.module != ENTITIES[Kind.COUNTRY].module:
        PRIMARY_KEYS[_entity.table] = _entity.key
        REFERENCES[_entity.kind.value.replace(" ", "_")] = _entity.table
