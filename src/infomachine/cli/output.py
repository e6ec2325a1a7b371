"""Printing for people (rich tables) and machines (JSON).

Everything user-supplied reaches rich as ``Text``, never as markup: a headline
like ``[Update] fixes [/b] bug`` is printed as typed.  Tables keep ids, slugs
and other short values on one line (so they can be copied) and let free text
wrap; a table that cannot fit the terminal that way, even without its optional
columns, is printed as one block per row instead (like psql's expanded display).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for machines.",
)

# Matched words of a search snippet, in JSON and uncoloured output.
MATCH_START, MATCH_END = "«", "»"
# A wrapping column is given at least this many characters before a table
# gives way to one block per row.
WRAP_MIN = 16

Cell = str | int | float | Text | None


def console(err: bool = False) -> Console:
    return Console(stderr=err, highlight=False, soft_wrap=False, emoji=False, markup=False)


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def day(value: str | datetime | None) -> str:
    """A date (YYYY-MM-DD) of an ISO time, for tables (JSON keeps the full time)."""
    if value is None:
        return ""
    return (value.isoformat() if isinstance(value, datetime) else value)[:10]


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def text(value: Cell) -> Text:
    """A table cell or line as plain ``Text``: brackets in data are not markup."""
    if isinstance(value, Text):
        return value
    return Text("" if value is None else str(value))


def marked(parts: Iterable[tuple[str, bool]], *, styled: bool) -> Text:
    """Snippet parts as ``Text``: matched words bold (``styled``) or between « »."""
    out = Text()
    for part, matched in parts:
        if not matched:
            out.append(part)
        elif styled:
            out.append(part, style="bold")
        else:
            out.append(f"{MATCH_START}{part}{MATCH_END}")
    return out


def print_line(*parts: Cell, err: bool = False, style: str | None = None) -> None:
    """One line of data through rich, never interpreted as markup."""
    line = Text()
    for part in parts:
        line.append_text(text(part))
    if style:
        line.stylize(style)
    console(err).print(line, soft_wrap=True)


@dataclass(frozen=True)
class Col:
    """A table column. ``wrap``: free text that may wrap; otherwise (ids, slugs,
    dates, numbers) the value stays on one line and is never cropped.
    ``optional``: left out (last first) when the table would not fit otherwise."""

    name: str
    wrap: bool = False
    justify: Literal["left", "right"] = "left"
    optional: bool = False


def print_table(
    title: str | Text | None, columns: Sequence[Col | str], rows: Sequence[Sequence[Cell]]
) -> None:
    """A table, without its optional columns if need be, or one block per row
    when even that cannot fit the terminal."""
    cols = [c if isinstance(c, Col) else Col(c, wrap=True) for c in columns]
    cells = [[text(v) for v in row] for row in rows]
    out = console()
    shown = list(range(len(cols)))
    optional = [i for i in shown if cols[i].optional]
    while _table_width([cols[i] for i in shown], [[r[i] for i in shown] for r in cells]) > out.width:
        if not optional:
            _print_records(out, title, cols, cells)
            return
        shown.remove(optional.pop())
    table = Table(title=text(title) if title else None, header_style="bold")
    for i in shown:
        col = cols[i]
        table.add_column(col.name, no_wrap=not col.wrap, overflow="fold", justify=col.justify)
    for row in cells:
        table.add_row(*(row[i] for i in shown))
    out.print(table)


def _width(value: Text) -> int:
    return max((line.cell_len for line in value.split("\n")), default=0)


def _table_width(cols: Sequence[Col], cells: Sequence[Sequence[Text]]) -> int:
    """The narrowest the table can be with every unwrapped column whole."""
    total = len(cols) + 1  # the vertical rules
    for i, col in enumerate(cols):
        widest = max([len(col.name), *(_width(row[i]) for row in cells)])
        total += (min(widest, WRAP_MIN) if col.wrap else widest) + 2  # padding
    return total


def _print_records(
    out: Console, title: str | Text | None, cols: Sequence[Col], cells: Sequence[Sequence[Text]]
) -> None:
    """One block per row: ``name  value`` lines; free text wraps under its
    value, ids and other unwrapped values are printed whole even if wider."""
    if title:
        out.print(text(title), style="bold", soft_wrap=True)
    label = max((len(c.name) for c in cols), default=0)
    room = max(out.width - label - 2, 20)
    for row in cells:
        out.print()
        for col, value in zip(cols, row, strict=True):
            if not value.plain:
                continue
            lines = list(value.wrap(out, room, overflow="fold")) if col.wrap else value.split("\n")
            for n, line in enumerate(lines):
                name = Text(col.name.ljust(label), style="bold") if n == 0 else Text(" " * label)
                line.rstrip()
                out.print(Text.assemble(name, "  ", line), soft_wrap=True)
