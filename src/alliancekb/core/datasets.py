"""Each importable dataset described once: its name, files, page, what it becomes, its reader.

`alliancekb import NAME DIR` (one subcommand per dataset, `cli/import_cmds.py`), the
importer (`load/datasets/importer.py`, which imports the reader module when an import
runs) and the precedence between datasets' claims (`query/precedence.py`: the order of
`DATASETS`) all read these descriptions, so a new dataset is its reader module and one
entry here. Plain data: the CLI reads it for `--help`, on its start path.
"""

from __future__ import annotations

from typing import NamedTuple


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class DatasetKind(NamedTuple):
    """An importable dataset.

    `name`: the subcommand, and the start of its alliances' keys and of its claims'
    sources (`cow:227`, `cow-alliances-4.1`); `title` names it in messages, `short` in
    help; `files`: what the import reads, as the
    project distributes them; `becomes`: how its records become the knowledge base's;
    `reader`: the module whose `openers(directory)` reads them; `example`: a directory
    as people name it. `takes`: `directory` (the files as distributed) or `file` (one
    file the user made, e.g. a query's answer: `files` is then empty and `example` a file).
    """

    name: str
    title: str
    short: str
    files: tuple[str, ...]
    page: str
    becomes: str
    reader: str
    example: str
    takes: str = "directory"


#: The datasets, in the order their dates are preferred when they disagree: COW dates a
#: membership from its entry into force, as treaties and governments do; ATOP from the
#: signature of the treaty or accession protocol (docs/queries.md, "When sources
#: disagree"). Wikidata follows: an open, collaboratively edited database whose claims
#: (officials' positions) are not curated as the two datasets' are, so it never outranks
#: them (docs/datasets.md, "Wikidata"). Any other claimant follows, by key.
DATASETS: tuple[DatasetKind, ...] = (
    DatasetKind(
        name="cow",
        title="COW Formal Interstate Alliance Dataset v4.1",
        short="COW Formal Alliances v4.1",
        files=("alliance_v4.1_by_member.csv",),
        page="https://correlatesofwar.org/data-sets/formal-alliances/",
        becomes=(
            "Each COW alliance becomes an alliance named `cow:<version4id>` (NATO is "
            "cow:227), each member spell a membership claimed by the source "
            "`cow-alliances-4.1`; COW country codes map to countries through the crosswalk "
            "shipped with alliancekb (docs/datasets.md)."
        ),
        reader="alliancekb.load.datasets.cow",
        example="~/Downloads/version4.1_csv",
    ),
    DatasetKind(
        name="atop",
        title="ATOP (Alliance Treaty Obligations and Provisions) v4.01",
        short="ATOP v4.01",
        files=("atop-alliance-level.csv", "atop-member-level.csv"),
        page="http://www.atopdata.org/",
        becomes=(
            "Each ATOP alliance becomes an alliance named `atop:<atopid>` (NATO is "
            "atop:3180), each member phase a membership claimed by the source `atop-4.01`."
        ),
        reader="alliancekb.load.datasets.atop",
        example="~/Downloads/atop-4.01",
    ),
    DatasetKind(
        name="wikidata",
        title="Wikidata (position held, P39: holders of public offices)",
        short="Wikidata office holders",
        files=(),
        page="https://query.wikidata.org/",
        becomes=(
            "Each person becomes an official (matched by the alias `wikidata:<QID>`, then "
            "by name), each `position held` statement a position claimed by the source "
            "`wikidata`, whose retrieval day is the evidence date of every claim."
        ),
        reader="alliancekb.load.datasets.wikidata",
        example="wikidata-officials.json",
        takes="file",
    ),
)


def dataset_named(name: str) -> DatasetKind:
    """The dataset of that name (KeyError for none)."""
    for kind in DATASETS:
        if kind.name == name:
            return kind
    raise KeyError(name)
