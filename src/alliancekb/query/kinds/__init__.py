"""The questions and cards of the kinds of entity added after the core (`core.kind_parts`).

Each module here reads one kind: its own question's answer (declared in `query.questions`),
and its `PART` (`query.kind_part.QueryPart`): its card, its timeline, and what a country's
card and timeline show of it.
"""
