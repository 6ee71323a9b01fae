"""Charts drawn on the server as inline SVG (the column_chart and bar_chart macros of
templates/admin/_macros.html): no script and no colour coding. One series per chart, labelled axes, each
value in a tooltip, and the same numbers in a table printed with every chart."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    label: str  # "Tue 25 Nov: 1,234 answers"


@dataclass(frozen=True)
class ColumnChart:
    id: str
    title: str
    summary: str
    x_label: str
    y_label: str
    columns: tuple[Column, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    width: int = 430
    height: int = 240
    left: int = 66
    top: int = 14
    right: int = 22
    bottom: int = 52

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def plot_right(self) -> int:
        return self.width - self.right


def nice_step(maximum: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) that splits 0..maximum into about `ticks` parts."""
    if maximum <= 0:
        return 1
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return max(1, factor * power)
    return 10 * power


def day_chart(*, id: str, title: str, y_label: str, unit: str, points: Sequence[tuple[date, int]]) -> ColumnChart:
    """A column per day; an x tick every week, labelled with the day."""
    chart = ColumnChart(id=id, title=title, summary="", x_label="Day (UTC)", y_label=y_label, columns=(),
                        y_ticks=(), x_ticks=())
    top = max((value for _, value in points), default=0)
    step = nice_step(top)
    ceiling = step * max(1, math.ceil(top / step))
    plot_width = chart.plot_right - chart.left
    plot_height = chart.plot_bottom - chart.top
    slot = plot_width / max(1, len(points))
    columns = []
    for index, (day, value) in enumerate(points):
        height = plot_height * value / ceiling
        columns.append(Column(x=chart.left + index * slot + slot * 0.15, y=chart.plot_bottom - height,
                              width=slot * 0.7, height=height, label=f"{day:%a %d %b}: {value:,} {unit}"))
    y_ticks = tuple(Tick(chart.plot_bottom - plot_height * k * step / ceiling, f"{int(k * step):,}")
                    for k in range(int(ceiling / step) + 1))
    x_ticks = tuple(Tick(chart.left + index * slot + slot / 2, f"{day:%d %b}")
                    for index, (day, _) in enumerate(points) if (len(points) - 1 - index) % 7 == 0)
    total = sum(value for _, value in points)
    summary = f"No {unit} in these days."
    if points and total:
        busiest_day, busiest = max(points, key=lambda point: point[1])
        summary = (f"{len(points)} days from {points[0][0]:%d %b} to {points[-1][0]:%d %b %Y}: {total:,} "
                   f"{unit if total != 1 else unit.removesuffix('s')} in all; the busiest day was "
                   f"{busiest_day:%a %d %b} with {busiest:,}.")
    return ColumnChart(id=id, title=title, summary=summary, x_label=chart.x_label, y_label=y_label,
                       columns=tuple(columns), y_ticks=y_ticks, x_ticks=x_ticks)


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    label_y: float
    bar_y: float
    width: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, each with its label above it and its value beside it: readable at phone width."""

    id: str
    title: str
    summary: str
    bars: tuple[Bar, ...]
    width: int = 370
    bar_height: int = 18
    left: int = 4
    bar_room: int = 200

    @property
    def height(self) -> int:
        return 8 + 46 * len(self.bars)


def funnel_chart(*, id: str, title: str, stages: Sequence[tuple[str, int]]) -> BarChart:
    """Each stage's learners as a bar scaled to the first stage, with its share of the first stage."""
    chart = BarChart(id=id, title=title, summary="", bars=())
    first = stages[0][1] if stages else 0
    top = max((count for _, count in stages), default=0) or 1
    bars = []
    for index, (label, count) in enumerate(stages):
        share = f" ({count / first * 100:.0f} % of {stages[0][0].lower()})" if first and index else ""
        bars.append(Bar(label=label, value_text=f"{count:,}{share}", label_y=18 + 46 * index,
                        bar_y=24 + 46 * index, width=max(1.0, chart.bar_room * count / top) if count else 0))
    summary = "; ".join(f"{label}: {count:,}" for label, count in stages) + "."
    return BarChart(id=id, title=title, summary=summary, bars=tuple(bars))
