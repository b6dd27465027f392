"""Strict CSV: the one reader of every CSV file the tool reads (the input tables, a plan folder's
tables, proposals), with errors that name the file, the row and the column.

A table has a header row naming distinct columns and then one record per row. The reader refuses,
naming where: a file that is not UTF-8 or is larger than ``MAX_BYTES``; more than ``MAX_ROWS``
rows; a value longer than ``MAX_FIELD`` characters; a row with more or fewer values than the
header (a row with no value at all is skipped); a quote left open or followed by text (the row
named is the one where the quote opened); and a value holding a control character (a NUL byte, a
line break inside a quoted value, ...): no value of the tool's files holds one, and copied into the
outputs it would break them. Values are stripped of surrounding blanks.

Rows are numbered as an editor shows them minus the header line: row 1 is the line after the
header, and blank lines count.

:func:`number` and :func:`iso_date` read one cell. A number is plain decimal notation (``52.4``,
``-1``, ``1e-3``): ``5_2.4`` (which Python's ``float`` reads as 52.4), ``nan``, ``inf``, ``0x1F``
and thousands separators are refused; ``-0`` reads as 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ConsortiaError

__all__ = ["MAX_BYTES", "MAX_ROWS", "MAX_FIELD", "DECIMAL", "Table", "read_table", "number", "iso_date",
           "control_character"]

MAX_BYTES = 200_000_000
"""Largest CSV file read (England's largest input table is about 1 MB)."""
MAX_ROWS = 2_000_000
"""Most rows of one CSV file (a synthetic instance of the largest size has about 300,000 roster rows)."""
MAX_FIELD = 131_072
"""Longest value (characters); Python's csv module's own limit."""
DECIMAL = re.compile(r"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$")
"""A number in plain decimal notation."""

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # line ends aside


@dataclass(frozen=True)
class Table:
    """A CSV file's header and its rows ``(row number, {column: value})``."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class _Lines:
    """The physical lines of a text, counting how many have been read."""

    def __init__(self, text: str):
        self.lines = list(io.StringIO(text, newline=""))
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.count >= len(self.lines):
            raise StopIteration
        self.count += 1
        return self.lines[self.count - 1]

    def quoted_column(self, line: int, header: list[str]) -> str | None:
        """The column whose value opens the quote left open on physical ``line`` (1-based)."""
        try:
            fields = next(csv.reader([self.lines[line - 1]]), [])
        except csv.Error:  # the first line alone is over the field limit: no quote is open
            return None
        return header[len(fields) - 1] if 0 < len(fields) <= len(header) else None


def control_character(value: str) -> str | None:
    """The first control character in ``value`` written as U+XXXX (tab is allowed), or None."""
    found = _CONTROL.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def read_table(path: str | Path, required: tuple[str, ...] | list[str] = (), kind: str = "CSV") -> Table:
    """Read ``path`` as a CSV table whose header holds every column in ``required``; see the module
    docstring for what is refused. ``kind`` names the file in a "not found" message."""
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise ConsortiaError(f"{kind} file not found", file=where)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ConsortiaError(f"the file holds {size:,} bytes, more than the {MAX_BYTES:,} a table may hold",
                             file=where)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise ConsortiaError(f"not a UTF-8 text file (line {line} holds bytes that are not UTF-8)",
                             file=where) from None
    except OSError as exc:
        raise ConsortiaError(f"cannot read the file: {exc.strerror or exc}", file=where) from None
    lines = _Lines(text)
    dirty = _CONTROL_IN_LINES.search(text) is not None  # else only a value over several lines holds one
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    while True:
        start = lines.count + 1  # the physical line this record starts on
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            unclosed = header is not None and ("end of data" in str(exc) or "field limit" in str(exc))
            problem = _problem(exc, lines.count - start + 1)
            raise ConsortiaError(problem if header is not None else "the header row: " + problem, file=where,
                                 row=start - 1 if header is not None else None,
                                 column=lines.quoted_column(start, header) if unclosed else None) from None
        if not fields or all(not f.strip() for f in fields):
            continue
        if header is None:
            header = _header(fields, required, where)
            continue
        number = start - 1
        if len(rows) >= MAX_ROWS:
            raise ConsortiaError(f"more than {MAX_ROWS:,} rows", file=where, row=number)
        rows.append((number, _record(fields, header, where, number, lines.count - start + 1, dirty)))
    if header is None:
        raise ConsortiaError("the file is empty; expected a header row"
                             + (" with columns " + ", ".join(required) if required else ""), file=where)
    return Table(path, tuple(header), tuple(rows))


def _header(fields: list[str], required, where: str) -> list[str]:
    header = [f.strip() for f in fields]
    for i, name in enumerate(header):
        bad = control_character(name)
        if bad:
            raise ConsortiaError(f"the header holds a control character ({bad}) in column {i + 1}", file=where)
        if name and name in header[:i]:
            raise ConsortiaError(f"the header names column {name!r} twice", file=where, column=name)
    missing = [c for c in required if c not in header]
    if missing:
        raise ConsortiaError(f"missing column(s) {', '.join(missing)}; the header has {', '.join(header)}",
                             file=where)
    return header


def _record(fields: list[str], header: list[str], where: str, number: int, spans: int,
            dirty: bool) -> dict[str, str]:
    for i, value in enumerate(fields if dirty or spans > 1 else ()):
        bad = control_character(value)
        if bad is None:
            continue
        column = header[i] if i < len(header) else None
        if bad in ("U+000A", "U+000D"):
            problem = (f"a quoted value opened on this row runs over {spans} lines (an unclosed quote?); "
                       "a value may not hold a line break" if spans > 1 else "a value may not hold a line break")
        else:
            problem = f"the value holds a control character ({bad}{', a NUL byte' if bad == 'U+0000' else ''})"
        raise ConsortiaError(problem, file=where, row=number, column=column)
    if len(fields) > len(header):
        raise ConsortiaError(f"{len(fields)} values where the header has {len(header)} columns (more values "
                             "than columns)", file=where, row=number)
    if len(fields) < len(header):
        short = header[len(fields):]
        raise ConsortiaError(f"{len(fields)} values where the header has {len(header)} columns (no value for "
                             f"{', '.join(short)})", file=where, row=number, column=short[0])
    return {name: value.strip() for name, value in zip(header, fields)}


def _problem(exc: csv.Error, spans: int) -> str:
    """What a CSV parse error means, in the user's terms."""
    text = str(exc)
    if "field larger than field limit" in text:
        return (f"a value longer than {MAX_FIELD:,} characters (an unclosed quote on this row makes the rest "
                "of the file one value)")
    if "unexpected end of data" in text:
        return (f"a quote opened on this row is never closed (the rest of the file, {spans} lines, would be "
                "one value)")
    if "expected after" in text:
        return "a quoted value is followed by text before the next ',' (quote the whole value, write \"\" for a quote)"
    return f"not valid CSV: {text}"


def number(row: dict, column: str, path: str | Path, line: int, *, low: float | None = None,
           high: float | None = None, unit: str = "") -> float:
    """The number in ``row[column]``, refused unless it is plain decimal notation within
    [``low``, ``high``]; errors name ``path``, row ``line`` and the column."""
    raw = row.get(column)
    where = {"file": str(path), "row": line, "column": column}
    if raw in (None, ""):
        raise ConsortiaError("a number is required", **where)
    if not DECIMAL.match(raw):
        hint = " (no '_' or ',' between digits)" if re.search(r"[0-9][_,][0-9]", raw) else ""
        raise ConsortiaError(f"expected a number in decimal notation, got {raw!r}{hint}", **where)
    value = float(raw) + 0.0  # + 0.0 turns -0 into 0
    if value in (float("inf"), float("-inf")):
        raise ConsortiaError(f"{raw} is too large to be a number", **where)
    tail = f" {unit}" if unit else ""
    if low is not None and value < low:
        raise ConsortiaError(f"{raw} is below the minimum {low:g}{tail}", **where)
    if high is not None and value > high:
        raise ConsortiaError(f"{raw} is above the maximum {high:,g}{tail}", **where)
    return value


def iso_date(row: dict, column: str, path: str | Path, line: int) -> dt.date:
    """The date ``YYYY-MM-DD`` in ``row[column]``; errors name ``path``, row ``line`` and the column."""
    raw = row.get(column) or ""
    if not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", raw):
        raise ConsortiaError(f"expected a date YYYY-MM-DD, got {raw!r}", file=str(path), row=line, column=column)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ConsortiaError(f"expected a date YYYY-MM-DD, got {raw!r}: not a calendar date ({exc})",
                             file=str(path), row=line, column=column) from None
