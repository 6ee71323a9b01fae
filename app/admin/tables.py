"""Dashboard tables: one definition gives both the HTML table (formatted for people) and its CSV export
(raw values: counts, shares as fractions, seconds, ISO timestamps)."""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from fastapi.responses import Response

# Spreadsheets run a cell that starts with one of these as a formula; such text is exported with a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    csv: str | None = None  # what the CSV holds instead of the text: a lesson's slug, a question's id

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text, int, percent, float, ms, duration, datetime, date
    sort: str | None = None  # the ?sort= key that orders the table by this column
    html: bool = True  # shown in the HTML table
    csv: bool = True  # exported

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "percent", "float", "ms", "duration")


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    numeric: bool = False
    lines: tuple[str, ...] = ()  # shown one under the other


@dataclass
class Table:
    name: str  # ?table=<name> and the CSV file name
    caption: str
    columns: Sequence[Column]
    rows: list[Sequence[Any]] = field(default_factory=list)
    empty: str = "Nothing yet."

    def html_columns(self) -> list[Column]:
        return [column for column in self.columns if column.html]

    def html_rows(self) -> list[list[Cell]]:
        shown = [i for i, column in enumerate(self.columns) if column.html]
        return [[cell(self.columns[i], row[i]) for i in shown] for row in self.rows]

    def csv_response(self, filename: str) -> Response:
        exported = [i for i, column in enumerate(self.columns) if column.csv]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([self.columns[i].label for i in exported])
        writer.writerows([csv_value(row[i]) for i in exported] for row in self.rows)
        return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


def csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Link):
        value = value.text if value.csv is None else value.csv
    if isinstance(value, list | tuple):
        value = "; ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell(column: Column, value: Any) -> Cell:
    if isinstance(value, Link):
        return Cell(value.text, href=value.href)
    if isinstance(value, list | tuple):
        return Cell("; ".join(str(item) for item in value), lines=tuple(str(item) for item in value))
    return Cell(format_value(column.kind, value), numeric=column.numeric)


def format_value(kind: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "percent":
        return percent(value)
    if kind == "float":
        return f"{value:.2f}"
    if kind == "ms":
        return f"{value:,.0f} ms"
    if kind == "duration":
        return duration(value)
    if kind == "datetime":
        return when(value)
    if kind == "date":
        return value.strftime("%a %d %b") if isinstance(value, date) else str(value)
    return str(value)


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f} %"


def as_utc(value: datetime) -> datetime:
    """SQLite gives back timestamps without a zone; every stored timestamp is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def when(value: datetime | None) -> str:
    return "—" if value is None else as_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def duration(seconds: float | None) -> str:
    """2 d 3 h, 4 h 12 min, 12 min, 40 s."""
    if seconds is None:
        return "—"
    seconds = max(0, round(seconds))  # SQLite's julianday arithmetic is off by microseconds
    minutes, hours, days = seconds / 60, seconds / 3600, seconds / 86400
    if days >= 1:
        return f"{int(days)} d {int(hours % 24)} h"
    if hours >= 1:
        return f"{int(hours)} h {int(minutes % 60)} min"
    if minutes >= 1:
        return f"{int(minutes)} min"
    return f"{int(seconds)} s"


def pick(tables: Iterable[Table], name: str | None) -> Table | None:
    """The table called `name`, or the only table when no name is given."""
    tables = list(tables)
    if name is None:
        return tables[0] if len(tables) == 1 else None
    return next((table for table in tables if table.name == name), None)
