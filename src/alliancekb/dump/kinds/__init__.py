"""The dump sections of the kinds of entity added after the core (`core.kind_parts`).

Each module here is one kind's part of the dump and of `diff`: a `PART`
(`dump.kind_part.DumpPart`) naming its section, the tables behind it, how its records are
read and how each record splits into facts.
"""
