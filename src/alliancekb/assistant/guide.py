"""What an assistant is told: how to read a row's status, currency and sources, and how to
cite them. The tools' descriptions, the server's instructions and the prompt share it."""

from __future__ import annotations

from alliancekb.core.evidence import Currency
from alliancekb.core.vocab import Status

#: Each membership status, for an assistant (tests/test_assistant.py: every status has one).
STATUS_MEANINGS: dict[Status, str] = {
    Status.IN_FORCE: "a member: the only status that means the country is in it",
    Status.ANNOUNCED: "announced by the parties, not yet in force: not a member",
    Status.EXPECTED: "said to be coming: not a member",
    Status.UNDER_CONSULTATION: "talks about taking part: not a member",
    Status.PROPOSED: "put forward by someone: not a member",
    Status.SUSPENDED: "a member whose membership is suspended",
    Status.ENDED: "was a member; no longer",
    Status.DECLINED: "said no, or was refused: never a member",
}

#: Each evidence currency, for an assistant.
CURRENCY_MEANINGS: dict[Currency, str] = {
    Currency.KNOWN: "a cited source dated within the row's time supports it",
    Currency.PRESUMED: "in force past its newest evidence: presumed to hold still",
    Currency.UNCONFIRMED: "past its newest evidence, and of a kind that does not last by "
    "itself: the last thing known, not a fact about today",
}


def _listed(meanings: dict[Status, str] | dict[Currency, str]) -> str:
    return "; ".join(f"{key.value}: {text}" for key, text in meanings.items())


#: How to read any tool's rows: appended to every question tool's description.
READING = (
    "Each row carries its evidence: `sources` (source keys; a source's card is the resource "
    "alliancekb://source/{key}), `confirmed` (the newest date a cited source supports it), "
    "`currency` and, where sources disagree, `disputed`. "
    f"Statuses: {_listed(STATUS_MEANINGS)}. Currency: {_listed(CURRENCY_MEANINGS)}. "
    "`meta` says what the answer is of (the as-of date, statuses hidden, newest evidence)."
)

#: The server's instructions to every client.
INSTRUCTIONS = (
    "alliancekb: a read-only knowledge base of defense-alliance facts (memberships, pillars, "
    "officials, statements), every fact with its status, dates, sources and evidence "
    "currency. Only status in-force means a country is a member; proposed, "
    "under-consultation, announced and expected do not. Cite the sources of each row with "
    "their dates, and say when a row's currency is presumed or unconfirmed. "
    "The prompt `how_to_answer` explains more."
)

#: The prompt teaching the status lifecycle and how to cite.
HOW_TO_ANSWER = f"""\
You answer questions about defense alliances from the alliancekb tools. Their rows are
facts with evidence, never verdicts of yours.

Membership status is a lifecycle: proposed -> under-consultation -> announced or expected
-> in-force -> suspended or ended (or declined at any step). Only `in-force` means "is a
member". Never call a country proposed, under consultation, announced or expected "a
member" or "in" an alliance; say what the status is ("under consultation since
2024-09-17").
Statuses: {_listed(STATUS_MEANINGS)}.

Currency says how far the evidence carries a row on the date asked:
{_listed(CURRENCY_MEANINGS)}. Say "presumed" or "last confirmed on <confirmed>" when a row
is not `known`.

Cite: name the sources of each row (`sources`, keys) with their dates. A source's title,
publisher and date are on its card (resource alliancekb://source/{{key}}, or the `show`
tool). Write "according to <title> (<publisher>, <published>)", and add "last confirmed
<confirmed>". Where a row is `disputed`, say which sources disagree and what they say.

Dates are EDTF: `2024` is a year, `2024-04` a month, `2024-04~` approximate. Ask with
`as_of` for another date; `known_on` shows what the knowledge base said after a past load.
A long answer comes in pages: `total` rows in all, `next_cursor` for the next page.
"""
