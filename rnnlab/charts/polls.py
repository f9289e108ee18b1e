"""The class poll's live tally: one horizontal bar per answer (the question's choices in order, or the numbers
given), counts at the bars' ends; once revealed, the correct answers green and the rest grey."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from rnnlab.charts.style import CLASS_COLORS, layout, shorten

OPEN_COLOR = "#0072B2"
WRONG_COLOR = "#BBBBBB"
MAX_BARS = 10  # a number question's many different answers: the most given ones, the rest as one bar
OTHERS = "other answers"


def grouped(counts: Mapping[str, int], correct=None, max_bars: int = MAX_BARS) -> dict:
    """`counts` with at most `max_bars` bars: the most given answers (and the correct ones) in their order, the rest
    summed into one OTHERS bar."""
    if len(counts) <= max_bars:
        return dict(counts)
    keep = {str(c) for c in (correct or ())} & set(counts)
    for answer, _ in sorted(counts.items(), key=lambda item: -item[1]):
        if len(keep) >= max_bars - 1:
            break
        keep.add(answer)
    shown = {answer: n for answer, n in counts.items() if answer in keep}
    shown[OTHERS] = sum(n for answer, n in counts.items() if answer not in keep)
    return shown


def poll_tally(counts: Mapping[str, int], correct: Sequence[str] | None = None,
               title: str = "The class's answers") -> go.Figure:
    """Bars of `counts` (answer -> sessions; grouped() to at most MAX_BARS); `correct` (after the reveal) colours
    those answers green."""
    counts = grouped(counts, correct)
    answers = [str(a) for a in counts]
    values = [int(counts[a]) for a in counts]
    if correct is None:
        colors = [OPEN_COLOR] * len(answers)
    else:
        correct = {str(c) for c in correct}
        colors = [CLASS_COLORS["positive"] if a in correct else WRONG_COLOR for a in answers]
    fig = go.Figure(go.Bar(
        x=values, y=[shorten(a, 28) for a in answers], orientation="h", marker_color=colors,
        text=[str(v) for v in values], textposition="outside", cliponaxis=False,
        hovertext=answers, hovertemplate="%{hovertext}: %{x}<extra></extra>", showlegend=False,
    ))
    top = max(values, default=0)
    fig.update_xaxes(title_text="sessions", range=[0, max(1, top) * 1.25], dtick=max(1, round(top / 5)) or 1)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return layout(fig, title, height=max(260, 70 + 48 * len(answers)), margin=dict(l=10, r=20, t=60, b=50))
