"""Property: whatever valid text an analyst writes is stored exactly as written."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alliancekb.core.names import normalize
from alliancekb.load.loader import load_files
from alliancekb.store import models as m
from tests.conftest import TestDatabase

TRICKY = ["NO", "no", "yes", "=1+2", "-1", "@SUM(A1)", "012", "0x1F", "1e3", "2024-04-10",
          "null", "~", "true", "'quoted'", '"double"', "a: b", "- item", "# not a comment",
          "Türkiye", "日本", "multi\nline", "tab\there", "  padded"]  # fmt: skip

# Text as analysts type it: any printable characters, newlines inside, no surrounding blanks
# (the schema strips those, deliberately).
_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\x85\u2028\u2029\ufffe\uffff"
)


def _texts(extra: str) -> st.SearchStrategy[str]:
    return (
        st.one_of(
            st.sampled_from([t for t in TRICKY if all(c >= " " or c in extra for c in t)]),
            st.text(_CHARS | st.sampled_from(extra), min_size=1, max_size=60),
        )
        .map(str.strip)
        .filter(bool)
    )


#: Multi-line text may hold a tab or a line feed; a title, a label or an alias is one line
#: (the schema refuses control characters, docs/yaml-format.md).
text = _texts("\n\t")
line = _texts(" ")
alias_text = line.filter(lambda s: normalize(s) != "")
counter = itertools.count()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=line,
    speaker_label=line,
    statement_text=text,
    note=st.none() | text,
    alias=alias_text,
    quote=st.booleans(),
)
def test_loaded_text_reads_back_exactly(
    db: TestDatabase,
    tmp_path: Path,
    title: str,
    speaker_label: str,
    statement_text: str,
    note: str | None,
    alias: str,
    quote: bool,
) -> None:
    n = next(counter)
    source_key, official_key, statement_key = f"src-{n}", f"official-{n}", f"st-{n}"
    statement: dict[str, Any] = {
        "id": statement_key,
        "speaker": official_key,
        "speaker_label": speaker_label,
        "date": "2024-04~",
        "text": statement_text,
        "quote": quote,
        "stance": "asserts",
        "source": source_key,
    }
    if note is not None:
        statement["note"] = note
    document = {
        "sources": [{"key": source_key, "title": title, "published": "unknown", "kind": "news"}],
        "officials": [{"key": official_key, "name": f"Official {n}", "aliases": [alias]}],
        "statements": [statement],
    }
    path = tmp_path / f"doc-{n}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    # Examples share the database; an earlier official's alias would make this one a name
    # of two officials, which the loader refuses.
    with db.engine.begin() as conn:
        conn.execute(delete(m.OfficialAlias))
    load_files(db.engine, [path])

    with Session(db.engine) as session:
        stored = session.get_one(m.Statement, statement_key)
        source = session.scalars(select(m.Source).where(m.Source.key == source_key)).one()
        official = session.scalars(select(m.Official).where(m.Official.key == official_key)).one()
        assert source.title == title
        assert stored.text == statement_text
        assert stored.speaker_label == speaker_label
        assert stored.note == note
        assert stored.quote is quote
        assert [a.alias for a in official.aliases] == [alias]
