"""Panels for regressions: state-years, dyad-years and directed dyad-years of alliance ties.

`units` (the states of the COW state system, as the shipped crosswalk dates them, grouped
by the codes asked for), `spells` (the memberships read once: one dataset's claims, or the
merged answer of `query.members.answer_segments`, with each dataset's coverage), `rows`
(the rows, year by year, streamed), `write` (CSV, JSON, NDJSON to a stream, a file or a
directory with `datapackage.json`), `similarity` (alliance-portfolio S, kappa and pi as
pure functions). See docs/panels.md and docs/similarity.md.
"""
