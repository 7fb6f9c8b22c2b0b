"""The models of each kind of entity added after the core (see `core.kind_parts`).

A kind added after the core (military exercises) keeps its models here, in a module named
for it; `store.models` imports every such module, so that the ORM's metadata is whole.
"""
