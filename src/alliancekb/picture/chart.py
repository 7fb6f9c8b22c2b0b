"""Draw a membership timeline (`picture.lanes.Timeline`) with matplotlib, to SVG, PNG or PDF.

Imported only by the `chart` command: matplotlib is a large import. The Agg backend is
chosen before pyplot is imported, so no display is needed.

How it reads: one lane per country (or per alliance), bars coloured by status. A bar is
solid where its evidence reaches (up to `confirmed`, or within a recorded `to`);
past it, hatched where the fact is presumed to continue (in force, suspended) and faded
where it is only the last thing known (expected, under consultation, ...). A start known
only to the year or month, or marked `~`/`?`, is drawn as a pale ramp over the days it
may mean, with its mark. An arrow at the right end: not known to have ended, carried past
the evidence. A tick: a recorded end. Inherited members (a pillar's, through its
alliance) are labelled `via` and outlined with dots. Other claimants' records (datasets)
are thin lines beneath the bars. Footnote numbers at the right name the sources below.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import IO, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from alliancekb.picture.lanes import Bar, Lane, Timeline

#: One colour per status: in force and suspended strong, the transitional ones distinct.
STATUS_COLOURS = {
    "in-force": "#2e7d32",
    "suspended": "#ef6c00",
    "announced": "#1565c0",
    "expected": "#6a1b9a",
    "under-consultation": "#00838f",
    "proposed": "#5c6bc0",
    "ended": "#757575",
    "declined": "#c62828",
}
FORMATS = ("svg", "png", "pdf")
_LANE_HEIGHT = 0.62


def _num(day: dt.date) -> float:
    return float(mdates.date2num(day))  # type: ignore[no-untyped-call]


def _span(ax: Any, y: float, start: dt.date, end: dt.date, **style: Any) -> None:
    width = max(_num(end) - _num(start), 1.0)
    ax.barh(y, width, left=_num(start), height=_LANE_HEIGHT, **style)


def _draw_bar(ax: Any, y: float, bar: Bar, inherited: bool, as_of: dt.date) -> None:
    colour = STATUS_COLOURS.get(bar.status, "#424242")
    edge = {"edgecolor": colour, "linewidth": 0.8}
    if inherited:
        edge = {"edgecolor": "#212121", "linewidth": 0.8, "linestyle": ":"}
    # an imprecise start: a pale ramp over the days it may mean
    solid_from = bar.start
    if bar.start_upper > bar.start:
        _span(ax, y, bar.start, bar.start_upper, color=colour, alpha=0.3, linewidth=0)
        solid_from = bar.start_upper
    if bar.start_mark:
        ax.text(
            _num(bar.start),
            y,
            bar.start_mark + " ",
            ha="right",
            va="center",
            fontsize=8,
            color=colour,
            fontweight="bold",
        )
    known_until = bar.end
    if bar.end_kind != "to" and bar.evidence_until is not None:
        known_until = min(bar.end, max(bar.evidence_until, solid_from))
    elif bar.end_kind != "to":
        known_until = solid_from  # no dated evidence at all
    if known_until > solid_from or bar.end == solid_from:
        _span(ax, y, solid_from, known_until, color=colour, **edge)
    if bar.end > known_until:
        if bar.durable:  # presumed: hatched
            _span(ax, y, known_until, bar.end, facecolor="white", hatch="////", **edge)
        else:  # unconfirmed: faded
            _span(ax, y, known_until, bar.end, color=colour, alpha=0.28, linewidth=0)
    if bar.end_kind == "to":
        ax.plot([_num(bar.end)] * 2, [y - 0.36, y + 0.36], color="#212121", linewidth=1.2)
    elif bar.end_kind == "open" and bar.end > known_until:
        ax.annotate(
            "",
            xy=(_num(bar.end) + 1, y),
            xytext=(_num(bar.end) - 0.5, y),
            arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.4, "mutation_scale": 14},
        )


def _draw_others(ax: Any, y: float, bars: list[Bar]) -> None:
    """Other claimants' records: thin lines at the lane's foot, labelled by claim."""
    for bar in bars:
        colour = STATUS_COLOURS.get(bar.status, "#424242")
        ax.plot(
            [_num(bar.start), _num(bar.end)],
            [y + 0.42] * 2,
            color=colour,
            linewidth=1.6,
            solid_capstyle="butt",
        )
        if bar.claim:
            ax.text(
                _num(bar.end), y + 0.42, f" {bar.claim}", fontsize=6, va="center", color="#616161"
            )


def _lane_label(lane: Lane) -> str:
    return f"{lane.label} (via {lane.via})" if lane.via else lane.label


def _legend_handles(timeline: Timeline) -> list[Patch]:
    used = [
        s for s in STATUS_COLOURS if any(b.status == s for ln in timeline.lanes for b in ln.bars)
    ]
    handles = [Patch(color=STATUS_COLOURS[s], label=s) for s in used]
    handles += [
        Patch(
            facecolor="white",
            edgecolor="#424242",
            hatch="////",
            label="presumed: past its evidence, in force",
        ),
        Patch(color="#424242", alpha=0.28, label="unconfirmed: past its evidence, transitional"),
        Patch(color="#424242", alpha=0.3, label="start known to the year/month, or ~ / ?"),
    ]
    if any(ln.via for ln in timeline.lanes):
        handles.append(
            Patch(
                facecolor="white",
                edgecolor="#212121",
                linestyle=":",
                label="inherited: via the alliance",
            )
        )
    return handles


def _footnote_text(timeline: Timeline, width: int) -> str:
    lines = [f"[{n}] {title} ({key})" for n, key, title in timeline.footnotes]
    wrapped = [textwrap.fill(line, width, subsequent_indent="    ") for line in lines]
    evidence = (
        f"newest evidence {timeline.newest_evidence}"
        if timeline.newest_evidence
        else "no dated evidence"
    )
    head = (
        f"As of {timeline.as_of.isoformat()}; {evidence}. An arrow: not known to have "
        "ended. A tick: a recorded end. Sources:"
    )
    return "\n".join([head, *wrapped])


def render(
    timeline: Timeline,
    stream: IO[bytes],
    fmt: str,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> None:
    """Draw `timeline` to `stream` in `fmt` (svg, png or pdf); the axis from `first` to `last`."""
    settings = {
        "svg.fonttype": "none",  # SVG text stays text (searchable, testable)
        "svg.hashsalt": "alliancekb",
        # Text is drawn as written: a title such as `$368bn, with $3bn` or `$$` is not TeX
        # (matplotlib's mathtext would take it for a formula, or fail on it).
        "text.parse_math": False,
        "text.usetex": False,
    }
    with plt.rc_context(settings):  # type: ignore[arg-type]  # keys typed as Literals
        _draw(timeline, stream, fmt, first or timeline.first, last or timeline.last)


def _draw(timeline: Timeline, stream: IO[bytes], fmt: str, left: dt.date, right: dt.date) -> None:
    lanes = timeline.lanes
    n = max(len(lanes), 1)
    note = _footnote_text(timeline, 150)
    note_h = 0.12 * (note.count("\n") + 1) + 0.1
    handles = _legend_handles(timeline)
    legend_h = 0.2 * -(-len(handles) // 3) + 0.1
    plot_h = 0.34 * n + 0.2
    top_h, axis_h = 0.55, 0.45
    height = top_h + plot_h + axis_h + legend_h + note_h
    fig, ax = plt.subplots(figsize=(12, height))
    for i, lane in enumerate(lanes):
        for bar in lane.bars:
            _draw_bar(ax, i, bar, lane.via is not None, timeline.as_of)
        _draw_others(ax, i, lane.others)
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels([_lane_label(ln) for ln in lanes], fontsize=8)
    for tick, lane in zip(ax.get_yticklabels(), lanes, strict=True):
        if lane.via:
            tick.set_fontstyle("italic")
    ax.set_ylim(n - 0.4, -0.6)
    pad = max((right - left).days * 0.02, 30)
    ax.set_xlim(_num(left) - pad, _num(right) + pad)
    ax.xaxis_date()
    locator = mdates.AutoDateLocator(minticks=5, maxticks=14)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.axvline(_num(timeline.as_of), color="#212121", linewidth=0.8, linestyle="--")
    ax.text(
        _num(timeline.as_of),
        1.005,
        f"as of {timeline.as_of.isoformat()}",
        fontsize=7,
        ha="right",
        va="bottom",
        transform=ax.get_xaxis_transform(),
    )
    for i, lane in enumerate(lanes):
        if lane.notes:
            ax.text(
                1.005,
                i,
                "[" + ",".join(map(str, lane.notes)) + "]",
                fontsize=6,
                va="center",
                transform=ax.get_yaxis_transform(),
            )
    ax.set_title(timeline.title, fontsize=11, loc="left", pad=14)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(
        handles=handles,
        loc="lower left",
        ncol=3,
        fontsize=7,
        frameon=False,
        bbox_to_anchor=(0.2, (note_h + 0.02) / height),
    )
    fig.text(0.01, 0.1 / height, note, fontsize=6, va="bottom", ha="left", family="monospace")
    fig.subplots_adjust(
        left=0.2, right=0.95, top=1 - top_h / height, bottom=(note_h + legend_h + axis_h) / height
    )
    metadata: dict[str, Any] = {"Title": timeline.title}
    if fmt == "svg":
        metadata["Date"] = None
    elif fmt == "pdf":
        metadata["CreationDate"] = None
    try:
        fig.savefig(stream, format=fmt, dpi=150, metadata=metadata)
    finally:
        plt.close(fig)
