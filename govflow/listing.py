"""Listings (列表) for people and for scripts: one table of text, shown to fit the terminal.

Why this module exists: a listing is read by a person in whatever terminal they have (often 80
columns, sometimes a phone-sized SSH window) and by scripts. A cell cut to ``sub…`` hides the very
thing a person came to read, so nothing here is ever cut: when the columns fit, a table; when
they would fit only by folding every cell into slivers, one record per block (``column: value``
lines), the layout of ``psql``'s expanded display. Scripts get the same rows as CSV or JSON, untouched by width.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Literal

import attrs
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

Format = Literal["table", "csv", "json"]

MIN_COLUMN_WIDTH = 12
"""Below this many characters per column a folded table is harder to read than records."""


@attrs.frozen
class Listing:
    """A titled table of text: column names and rows of cells (each row as long as `columns`)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: frozenset[str] = frozenset()
    """Columns aligned right (counts)."""

    @classmethod
    def of(
        cls, title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[str] = ()
    ) -> Listing:
        """Build a listing from any sequences."""
        return cls(title, tuple(columns), tuple(tuple(str(c) for c in row) for row in rows), frozenset(right))


def natural_width(listing: Listing) -> int:
    """The width the table needs with no cell folded (cells, padding and borders)."""
    widths = [len(name) for name in listing.columns]
    for row in listing.rows:
        for i, cell in enumerate(row):
            longest = max((cell_len(line) for line in cell.splitlines()), default=0)
            widths[i] = max(widths[i], longest)
    return sum(widths) + 3 * len(widths) + 1


def layout(listing: Listing, width: int) -> Literal["table", "records"]:
    """``table`` when it fits (folding long cells if each column still gets `MIN_COLUMN_WIDTH`),
    else ``records``."""
    if natural_width(listing) <= width:
        return "table"
    columns = max(len(listing.columns), 1)
    return "table" if (width - 3 * columns - 1) // columns >= MIN_COLUMN_WIDTH else "records"


def to_csv(listing: Listing) -> str:
    """The header row and the rows as CSV (RFC 4180 quoting, one line per row with Unix line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(listing.columns)
    writer.writerows(listing.rows)
    return buffer.getvalue()


def to_json(listing: Listing) -> str:
    """The rows as a JSON list of objects keyed by column name."""
    return json.dumps(
        [dict(zip(listing.columns, row, strict=True)) for row in listing.rows], ensure_ascii=False, indent=2
    )


def render(listing: Listing, console: Console, fmt: Format = "table") -> None:
    """Print `listing` as a table or records fitted to `console`'s width, or as CSV/JSON."""
    if fmt == "csv":
        console.file.write(to_csv(listing))
        return
    if fmt == "json":
        console.file.write(to_json(listing) + "\n")
        return
    if layout(listing, console.width) == "records":
        console.print(Text(listing.title, style="bold"))
        label = max((cell_len(name) for name in listing.columns), default=0)
        for row in listing.rows:
            console.print(Text("-" * min(console.width, 40)))
            for name, cell in zip(listing.columns, row, strict=True):
                pad = " " * (label - cell_len(name))
                console.print(Text(f"{name}{pad}  {cell}".rstrip()), overflow="fold")
        if not listing.rows:
            console.print(Text("(none)"))
        return
    table = Table(title=listing.title)
    for name in listing.columns:
        table.add_column(name, overflow="fold", justify="right" if name in listing.right else "left")
    for row in listing.rows:
        table.add_row(*row)
    console.print(table)
