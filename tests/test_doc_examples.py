"""Every console example of README.md and docs/*.md runs and prints what the page shows.

How an example is run, and how one that cannot run in the tests is marked, is said in
tests/doc_examples.py; `python -m tests.doc_examples` records the differing ones again.
"""

from __future__ import annotations

import difflib

import pytest

from tests.conftest import TestDatabase
from tests.doc_examples import Example, all_examples, matches, run, tidy

EXAMPLES = all_examples()
RUN = [e for e in EXAMPLES if e.language == "console" and e.not_run is None]


def test_the_pages_have_console_examples_to_run() -> None:
    """The finder finds them: README's first example and those of queries and export."""
    pages = {e.where.split(":")[0] for e in RUN}
    assert {"README.md", "docs/queries.md", "docs/export.md"} <= pages
    assert len(RUN) >= 20


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.where for e in EXAMPLES])
def test_every_shell_block_is_run_or_says_why_not(example: Example) -> None:
    if example.not_run is not None:
        assert example.not_run, f"{example.where}: `<!-- not run: REASON -->` needs a reason"
        return
    assert example.language == "console", (
        f"{example.where}: a ```{example.language} block is never run: write it as a "
        "```console example with `$ ` commands and their output, or mark it "
        "`<!-- not run: REASON -->` on the line before it"
    )
    assert example.steps(), f"{example.where}: a console block without a `$ ` command"


@pytest.mark.parametrize("example", RUN, ids=[e.where for e in RUN])
def test_the_console_example_prints_what_the_page_shows(
    example: Example, seeded_db: TestDatabase
) -> None:
    seeded_db.dispose()  # the commands open their own connections
    for step, printed in run(example, seeded_db.url):
        if matches(step.shown, printed):
            continue
        diff = "\n".join(
            difflib.unified_diff(
                step.shown, tidy(printed).splitlines(), "shown", "printed", lineterm=""
            )
        )
        pytest.fail(
            f"{example.where}: `$ {step.command}` prints other than the page shows "
            f"(`python -m tests.doc_examples` records it again; read the diff):\n{diff}"
        )
