"""Draw a membership timeline (`picture.lanes.Timeline`) with matplotlib, to SVG, PNG or PDF.

Imported only by the `chart` command: matplotlib is a large import. The Agg backend is
chosen before pyplot is imported, so no display is needed.

How it reads: one lane per country (or per alliance), one row of bars: the answer
`members` gives over time (`picture.lanes`), coloured by status. A bar is
solid where its evidence reaches (up to `confirmed`, or within a recorded `to`);
past it, hatched where the fact is presumed to continue (in force, suspended) and faded
where it is only the last thing known (expected, under consultation, ...). A start known
only to the year or month, or marked `~`/`?`, is drawn as a ramp from pale to full over
the days it may mean, with its mark. An arrow at the right end: not known to have ended,
carried past the evidence. A tick: a recorded end. Inherited members (a pillar's, through its
alliance) are labelled `via` and outlined with dots. The datasets' own records are thin
lines beneath the bars, one colour per dataset, named in the legend (never as text on
the plot). Footnote numbers at the right name the sources below. The layout is measured
(`figure`): the margins take the labels' widths, and legend and footnote stack below
the axis, so no text overlaps another or leaves the picture.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass
from typing import IO, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from alliancekb.picture.lanes import Bar, Lane, Timeline
from alliancekb.query.labels import NOTE

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
#: One colour per dataset whose claims are drawn (in order of precedence): none is a
#: status's, so a thin line is never read as a status.
CLAIM_COLOURS = ("#212121", "#a0522d", "#f06292", "#9e9d24")
FORMATS = ("svg", "png", "pdf")
_LANE_HEIGHT = 0.62
_CLAIM_OFFSET = 0.38
#: Between one claimant's line and the next one's, in lanes.
_CLAIM_STEP = 0.12
_GREY = "#424242"
#: Past its evidence, transitional: the status's colour faded, flat.
_FADED = 0.28
#: An imprecise start: the status's colour from pale to full, in steps.
_RAMP_ALPHAS = (0.1, 0.2, 0.3, 0.4, 0.5)
_WIDTH = 12.0


def _num(day: dt.date) -> float:
    return float(mdates.date2num(day))  # type: ignore[no-untyped-call]


def _span(ax: Any, y: float, start: dt.date, end: dt.date, **style: Any) -> None:
    width = max(_num(end) - _num(start), 1.0)
    ax.barh(y, width, left=_num(start), height=_LANE_HEIGHT, **style)


def _ramp(ax: Any, y: float, start: dt.date, end: dt.date, colour: str) -> None:
    """Pale to full over the days a start may mean (told apart from a faded stretch)."""
    x0, x1 = _num(start), _num(end)
    step = (x1 - x0) / len(_RAMP_ALPHAS)
    for i, alpha in enumerate(_RAMP_ALPHAS):
        ax.barh(y, step, left=x0 + i * step, height=_LANE_HEIGHT, color=colour, alpha=alpha,
                linewidth=0)  # fmt: skip


def _draw_bar(ax: Any, y: float, bar: Bar, inherited: bool, as_of: dt.date) -> None:
    colour = STATUS_COLOURS.get(bar.status, "#424242")
    edge = {"edgecolor": colour, "linewidth": 0.8}
    if inherited:
        edge = {"edgecolor": "#212121", "linewidth": 0.8, "linestyle": ":"}
    # an imprecise start: a pale ramp over the days it may mean
    solid_from = bar.start
    if bar.start_upper > bar.start:
        _ramp(ax, y, bar.start, bar.start_upper, colour)
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
            _span(ax, y, known_until, bar.end, color=colour, alpha=_FADED, linewidth=0)
    if bar.end_kind == "to":
        ax.plot([_num(bar.end)] * 2, [y - 0.36, y + 0.36], color="#212121", linewidth=1.2)
    elif bar.end_kind == "open" and bar.end > known_until:
        ax.annotate(
            "",
            xy=(_num(bar.end) + 1, y),
            xytext=(_num(bar.end) - 0.5, y),
            arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.4, "mutation_scale": 14},
        )


def _draw_claims(ax: Any, y: float, bars: list[Bar], colours: dict[str, str]) -> None:
    """The datasets' records: thin lines at the lane's foot, a tick where each starts and
    ends, coloured by claimant (the legend names them; no text on the plot)."""
    order = list(colours)
    for bar in bars:
        colour = colours.get(bar.claim or "", _GREY)
        x0, x1 = _num(bar.start), _num(bar.end)
        # each claimant a little lower than the one before it: two that agree stay apart
        at = y + _CLAIM_OFFSET + _CLAIM_STEP * (order.index(bar.claim) if bar.claim in order else 0)
        style = {"color": colour, "linewidth": 1.0, "solid_capstyle": "butt"}
        ax.plot([x0, x1], [at] * 2, **style)
        ax.plot([x0, x0], [at - 0.04, at + 0.04], **style)
        if bar.end_kind == "to":
            ax.plot([x1, x1], [at - 0.04, at + 0.04], **style)


def _lane_label(lane: Lane) -> str:
    return f"{lane.label} (via {lane.via})" if lane.via else lane.label


def claim_colours(timeline: Timeline) -> dict[str, str]:
    """Each claimant's colour (in order of precedence), none of them a status's."""
    return {c: CLAIM_COLOURS[i % len(CLAIM_COLOURS)] for i, c in enumerate(timeline.claimants)}


@dataclass(frozen=True)
class Swatch:
    """One legend entry as it is drawn: what a reader tells the entries apart by."""

    label: str
    colour: str
    alpha: float = 1.0
    hatch: str = ""
    edge: str = ""
    linestyle: str = "-"
    #: `patch` (a filled box), `ramp` (pale to full: an imprecise start), `line` (a thin
    #: line with ticks: a dataset's claim).
    shape: str = "patch"


def legend_swatches(timeline: Timeline) -> list[Swatch]:
    """The legend's entries: the statuses drawn, how evidence is drawn, the claimants."""
    used = {b.status for ln in timeline.lanes for b in ln.bars}
    swatches = [Swatch(s, STATUS_COLOURS[s]) for s in STATUS_COLOURS if s in used]
    swatches += [
        Swatch("presumed: past its evidence, in force", "white", hatch="////", edge=_GREY),
        Swatch("unconfirmed: past its evidence, transitional", _GREY, alpha=_FADED),
        Swatch("start known to the year/month, or ~ / ?", _GREY, shape="ramp"),
    ]
    if any(ln.via for ln in timeline.lanes):
        swatches.append(
            Swatch("inherited: via the alliance", "white", edge="#212121", linestyle=":")
        )
    for claim, colour in claim_colours(timeline).items():
        swatches.append(Swatch(f"claimed by {claim} (thin)", colour, shape="line"))
    return swatches


class _RampHandler(HandlerBase):
    """Draws a `ramp` swatch as the chart draws an imprecise start: pale to full."""

    def create_artists(
        self,
        legend: Any,
        orig_handle: Any,
        xdescent: float,
        ydescent: float,
        width: float,
        height: float,
        fontsize: float,
        trans: Any,
    ) -> list[Artist]:
        step = width / len(_RAMP_ALPHAS)
        return [
            Rectangle(
                (-xdescent + i * step, -ydescent),
                step,
                height,
                facecolor=orig_handle.colour,
                alpha=alpha,
                linewidth=0,
                transform=trans,
            )
            for i, alpha in enumerate(_RAMP_ALPHAS)
        ]


def _handle(swatch: Swatch) -> Any:
    if swatch.shape == "line":
        return Line2D([], [], color=swatch.colour, linewidth=1.0, marker="|", markersize=6)
    if swatch.shape == "ramp":
        return swatch
    return Patch(
        facecolor=swatch.colour,
        alpha=swatch.alpha if swatch.alpha < 1 else None,
        hatch=swatch.hatch or None,
        edgecolor=swatch.edge or swatch.colour,
        linestyle=swatch.linestyle,  # type: ignore[arg-type]  # one of "-", ":"
    )


def _notes_text(notes: list[int]) -> str:
    """Footnote numbers with runs shortened: [1–6,9]."""
    parts: list[str] = []
    for n in notes:
        if parts and "–" not in parts[-1] and n == int(parts[-1].split(",")[-1]) + 1:
            parts[-1] = f"{parts[-1]}–{n}"
        elif parts and "–" in parts[-1] and n == int(parts[-1].split("–")[-1]) + 1:
            parts[-1] = f"{parts[-1].split('–')[0]}–{n}"
        else:
            parts.append(str(n))
    return "[" + ",".join(parts) + "]"


def _footnote_text(timeline: Timeline, width: int) -> str:
    lines = [f"[{n}] {title} ({key})" for n, key, title in timeline.footnotes]
    evidence = (
        f"newest evidence {timeline.newest_evidence}"
        if timeline.newest_evidence
        else "no dated evidence"
    )
    said = [
        f"As of {timeline.as_of.isoformat()}; {evidence}. Each lane is the answer of "
        "`members` over time. An arrow: not known to have ended. A tick: a recorded end."
    ]
    if timeline.claimants:
        said.append(
            "Thin lines beneath a lane: each dataset's own record of it (from a tick to a "
            "tick where it records an end); where they disagree, the knowledge base's own "
            "record answers, then COW, then ATOP."
        )
    if timeline.listed_only:
        said.append(
            "Listed by a dataset but not in the answer: " + ", ".join(timeline.listed_only) + "."
        )
    if timeline.renamed:
        said.append(NOTE)
    said.append("Sources:")
    wrapped = [textwrap.fill(" ".join(said), width)]
    wrapped += [textwrap.fill(line, width, subsequent_indent="    ") for line in lines]
    return "\n".join(wrapped)


def render(
    timeline: Timeline,
    stream: IO[bytes],
    fmt: str,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> None:
    """Draw `timeline` to `stream` in `fmt` (svg, png or pdf); the axis from `first` to `last`."""
    with plt.rc_context(_SETTINGS):  # type: ignore[arg-type]  # keys typed as Literals
        fig = figure(timeline, first=first, last=last)
        metadata: dict[str, Any] = {"Title": timeline.title}
        if fmt == "svg":
            metadata["Date"] = None
        elif fmt == "pdf":
            metadata["CreationDate"] = None
        try:
            fig.savefig(stream, format=fmt, dpi=150, metadata=metadata)
        finally:
            plt.close(fig)


_SETTINGS = {
    "svg.fonttype": "none",  # SVG text stays text (searchable, testable)
    "svg.hashsalt": "alliancekb",
    # Text is drawn as written: a title such as `$368bn, with $3bn` or `$$` is not TeX
    # (matplotlib's mathtext would take it for a formula, or fail on it).
    "text.parse_math": False,
    "text.usetex": False,
}


def figure(
    timeline: Timeline, *, first: dt.date | None = None, last: dt.date | None = None
) -> Figure:
    """The chart as a matplotlib figure, laid out so that no two texts overlap and none
    leaves the figure (measured with the renderer); the caller closes it."""
    with plt.rc_context(_SETTINGS):  # type: ignore[arg-type]
        fig = plt.figure(figsize=(_WIDTH, 8))
        ax = fig.add_axes((0.2, 0.2, 0.7, 0.7))
        _draw_lanes(ax, timeline, first or timeline.first, last or timeline.last)
        swatches = legend_swatches(timeline)
        note = fig.text(
            0, 0, _footnote_text(timeline, 150), fontsize=6, va="bottom", ha="left",
            family="monospace",
        )  # fmt: skip
        # a lane with the datasets' lines beneath its bar needs room for them
        lane_h = 0.42 if timeline.claimants else 0.34
        _fit(fig, ax, swatches, note, lane_h * max(len(timeline.lanes), 1))
    return fig


def _draw_lanes(ax: Any, timeline: Timeline, left: dt.date, right: dt.date) -> None:
    lanes = timeline.lanes
    colours = claim_colours(timeline)
    for i, lane in enumerate(lanes):
        for bar in lane.bars:
            _draw_bar(ax, i, bar, lane.via is not None, timeline.as_of)
        _draw_claims(ax, i, lane.claims, colours)
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels([_lane_label(ln) for ln in lanes], fontsize=8)
    for tick, lane in zip(ax.get_yticklabels(), lanes, strict=True):
        if lane.via:
            tick.set_fontstyle("italic")
    ax.set_ylim(max(len(lanes), 1) - 0.4, -0.6)
    pad = max((right - left).days * 0.02, 30)
    ax.set_xlim(_num(left) - pad, _num(right) + pad)
    ax.xaxis_date()
    locator = mdates.AutoDateLocator(minticks=5, maxticks=14)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.axvline(_num(timeline.as_of), color="#212121", linewidth=0.8, linestyle="--")
    ax.annotate(
        f"as of {timeline.as_of.isoformat()}",
        xy=(_num(timeline.as_of), 1),
        xycoords=("data", "axes fraction"),
        xytext=(0, 2),
        textcoords="offset points",
        fontsize=7,
        ha="right",
        va="bottom",
    )
    for i, lane in enumerate(lanes):
        if lane.notes:
            ax.annotate(
                _notes_text(lane.notes), xy=(1, i), xycoords=("axes fraction", "data"),
                xytext=(4, 0), textcoords="offset points", fontsize=6, va="center",
            )  # fmt: skip
    ax.set_title(timeline.title, fontsize=11, loc="left", pad=16)
    ax.spines[["top", "right"]].set_visible(False)


def _inches(box: Any, dpi: float) -> tuple[float, float]:
    return box.width / dpi, box.height / dpi


def _fit(fig: Figure, ax: Any, swatches: list[Swatch], note: Any, lanes_h: float) -> None:
    """Size the figure and place the axes, legend and footnote from the texts' measured
    extents: lane labels and footnote numbers get the room they take, the legend as
    many columns as fit, each part below the one above it."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    dpi = fig.dpi
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    label_w = max((_inches(t.get_window_extent(renderer), dpi)[0] for t in labels), default=0)
    notes = [t for t in ax.texts if t.get_text().startswith("[")]
    notes_w = max((_inches(t.get_window_extent(renderer), dpi)[0] for t in notes), default=0)
    left_in, right_in = label_w + 0.3, notes_w + 0.35
    room = _WIDTH - left_in - 0.1
    handles = [_handle(s) for s in swatches]
    labels_of = [s.label for s in swatches]
    legend = None
    for ncol in (3, 2, 1):
        if legend is not None:
            legend.remove()
        legend = fig.legend(
            handles, labels_of, loc="upper left", ncol=ncol, fontsize=7, frameon=False,
            handler_map={Swatch: _RampHandler()}, borderaxespad=0,
        )  # fmt: skip
        if _inches(legend.get_window_extent(renderer), dpi)[0] <= room:
            break
    assert legend is not None
    legend_h = _inches(legend.get_window_extent(renderer), dpi)[1]
    note_w, note_h = _inches(note.get_window_extent(renderer), dpi)
    xaxis_h = 0.45
    top_h = 0.75
    plot_h = lanes_h + 0.2
    margin, gap = 0.12, 0.15
    height = margin + note_h + gap + legend_h + xaxis_h + plot_h + top_h
    fig.set_size_inches(_WIDTH, height)
    ax.set_position(
        (
            left_in / _WIDTH,
            (margin + note_h + gap + legend_h + xaxis_h) / height,
            (_WIDTH - left_in - right_in) / _WIDTH,
            plot_h / height,
        )
    )
    legend.set_bbox_to_anchor(
        (left_in / _WIDTH, (margin + note_h + gap + legend_h) / height), transform=fig.transFigure
    )
    note.set_position((min(0.1, (_WIDTH - note_w) / 2) / _WIDTH, margin / height))
