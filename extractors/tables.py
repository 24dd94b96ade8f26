"""Tables read from a page's words, whatever made them: a header row whose cells a caller
names (``kind_of``: a column's kind from its title, e.g. "school", "accounts"), then the
rows under it whose words fall into its columns (ruled or not), with or without a total
row, going on over the next pages (header repeated or not). On a digital PDF, pdfplumber's
table finder gives the cells of ruled tables exactly (``pdf_tables``).

Generic: nothing here knows a needs form; the caller gives the vocabulary of its columns.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from extractors.dates import fold
from extractors.pages import Box, Page, Word, union_boxes

log = logging.getLogger(__name__)

KindOf = Callable[[str], str | None]

# a row that sums the others ("Total", "TOTAL GÉNÉRAL", "Totaux"); "Sous-total" is neither
# a row nor the total
_TOTAL = re.compile(r"^\W*(total|totaux)\b")
_SUBTOTAL = re.compile(r"^\W*sous.?totaux?\b")


@dataclass
class Cell:
    text: str
    box: Box
    conf: float = 1.0  # 0-1


@dataclass
class Column:
    kind: str
    header: Cell
    left: float  # the column's extent on the page (between its neighbours' titles)
    right: float


@dataclass
class Row:
    page: Page
    cells: dict[str, Cell]  # column kind -> the row's text in that column
    box: Box
    total: bool = False  # the row sums the others

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells.values())


@dataclass
class Table:
    columns: list[Column]
    page: Page  # where the header is
    header_box: Box
    rows: list[Row] = field(default_factory=list)  # body rows, total row excluded
    total: Row | None = None
    source: str = "words"  # "words" (aligned word boxes) or "pdf" (pdfplumber's cells)
    pages: list[int] = field(default_factory=list)

    def kinds(self) -> set[str]:
        return {c.kind for c in self.columns}


# --------------------------------------------------------------------------- word rows


def _rows_of(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into visual rows (vertical overlap), top to bottom, left to right."""
    ws = sorted(words, key=lambda w: ((w.box[1] + w.box[3]) / 2, w.box[0]))
    rows: list[list[Word]] = []
    mids: list[float] = []
    hs: list[float] = []
    for w in ws:
        h = max(w.box[3] - w.box[1], 1.0)
        mid = (w.box[1] + w.box[3]) / 2
        for i in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            if abs(mids[i] - mid) <= 0.5 * min(h, hs[i]) + 0.5:
                rows[i].append(w)
                n = len(rows[i])
                mids[i] = (mids[i] * (n - 1) + mid) / n
                hs[i] = max(hs[i], h)
                break
        else:
            rows.append([w])
            mids.append(mid)
            hs.append(h)
    for r in rows:
        r.sort(key=lambda w: w.box[0])
    return rows


def _height(words: Sequence[Word]) -> float:
    return statistics.median([max(w.box[3] - w.box[1], 1.0) for w in words]) if words else 10.0


def chunks(row: Sequence[Word], gap: float | None = None) -> list[list[Word]]:
    """A row's words cut where the space between two words is wider than a word space
    (about one text height): the row's cells."""
    if not row:
        return []
    limit = gap if gap is not None else max(1.0 * _height(row), 5.0)
    out = [[row[0]]]
    for w in row[1:]:
        if w.box[0] - out[-1][-1].box[2] > limit:
            out.append([w])
        else:
            out[-1].append(w)
    return out


def _cell(words: Sequence[Word]) -> Cell:
    return Cell(
        " ".join(w.text for w in words),
        union_boxes(w.box for w in words),
        min(w.conf for w in words) / 100.0,
    )


def _header(row: Sequence[Word], kind_of: KindOf, width: float) -> list[Column] | None:
    """The columns of a header row: two or more cells of distinct kinds."""
    cells = [_cell(c) for c in chunks(row)]
    named = [(kind_of(c.text), c) for c in cells]
    kinds = [k for k, _ in named if k]
    if len(set(kinds)) < 2 or len(kinds) != len(set(kinds)):
        return None
    cols = [(k, c) for k, c in named if k]
    cols.sort(key=lambda kc: kc[1].box[0])
    out: list[Column] = []
    for i, (k, c) in enumerate(cols):
        left = 0.0 if i == 0 else (cols[i - 1][1].box[2] + c.box[0]) / 2
        right = width if i == len(cols) - 1 else (c.box[2] + cols[i + 1][1].box[0]) / 2
        out.append(Column(k, c, left, right))
    return out


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _assign(row: Sequence[Word], columns: Sequence[Column]) -> tuple[dict[str, Cell], int]:
    """A row's cells by column (each cut of the row goes to the column it overlaps most),
    and how many cuts run across two columns or more (prose, not a table row)."""
    parts: dict[str, list[Word]] = {}
    across = 0
    for ch in chunks(row):
        x0, x1 = ch[0].box[0], ch[-1].box[2]
        shares = [(_overlap(x0, x1, c.left, c.right), c) for c in columns]
        best = max(shares, key=lambda s: s[0])
        if best[0] <= 0:
            continue
        wide = sum(1 for s, c in shares if s > 0.6 * (c.right - c.left) and s > 20)
        if wide >= 2 and len(ch) > 3:
            across += 1
        parts.setdefault(best[1].kind, []).extend(ch)
    return {k: _cell(ws) for k, ws in parts.items()}, across


def _is_total(cells: dict[str, Cell], columns: Sequence[Column]) -> bool:
    first = min(cells.items(), key=lambda kc: kc[1].box[0])[1] if cells else None
    return first is not None and bool(_TOTAL.match(fold(first.text)))


def _read_rows(
    page: Page,
    rows: Sequence[list[Word]],
    columns: Sequence[Column],
    table: Table,
    *,
    start_y: float,
    numeric: Callable[[str], bool],
    stop: Callable[[str], bool] | None = None,
) -> bool:
    """Append the rows of ``page`` under ``start_y`` that fit ``columns``; True when the
    table ended on this page (a total row, a gap, prose), False when it ran to the end."""
    prev_bottom = start_y
    pitch: float | None = None
    h0 = statistics.median([c.header.box[3] - c.header.box[1] for c in columns])
    for row in rows:
        top = min(w.box[1] for w in row)
        if top < start_y - 1:
            continue
        h = _height(row)
        gap = top - prev_bottom
        # the rows' own spacing and some room (before two rows: the header's)
        limit = 3.0 * max(h, h0) + 12.0 if pitch is None else max(pitch - h, 0.0) + 1.5 * max(h, h0)
        cells, across = _assign(row, columns)
        if gap > limit:
            # empty ruled rows may come before the total row at the foot of the grid
            if cells and _is_total(cells, columns) and gap < 15 * (pitch or 2.0 * h0):
                table.total = Row(page, cells, union_boxes(w.box for w in row), total=True)
            return True
        if not cells:
            continue
        if stop is not None and stop(" ".join(w.text for w in row)):
            return True  # a form's next field under the table
        if across and not any(numeric(c.text) for c in cells.values()):
            return True  # a sentence under the table ("Fait à … le …")
        if _SUBTOTAL.match(fold(min(cells.values(), key=lambda c: c.box[0]).text)):
            prev_bottom = max(w.box[3] for w in row)
            continue
        box = union_boxes(w.box for w in row)
        if _is_total(cells, columns):
            table.total = Row(page, cells, box, total=True)
            return True
        # a wrapped cell's second line: close under the previous row, no number in it
        last = table.rows[-1] if table.rows and table.rows[-1].page is page else None
        if (
            last is not None
            and gap < 0.8 * h
            and (pitch is None or gap < 0.5 * max(pitch - h, 0.0))
            and not any(numeric(c.text) for c in cells.values())
        ):
            for k, c in cells.items():
                old = last.cells.get(k)
                last.cells[k] = (
                    c
                    if old is None
                    else Cell(
                        f"{old.text} {c.text}", union_boxes([old.box, c.box]), min(old.conf, c.conf)
                    )
                )
            last.box = union_boxes([last.box, box])
            prev_bottom = box[3]
            continue
        if table.rows and table.rows[-1].page is page:
            pitch = top - table.rows[-1].box[1]
        table.rows.append(Row(page, cells, box))
        if page.number not in table.pages:
            table.pages.append(page.number)
        prev_bottom = box[3]
    return False


def _same_columns(a: Sequence[Column], b: Sequence[Column]) -> bool:
    return [c.kind for c in a] == [c.kind for c in b]


def read_tables(
    pages: Sequence[Page],
    kind_of: KindOf,
    *,
    numeric: Callable[[str], bool] = lambda t: bool(re.fullmatch(r"[\d\s.]+", t.strip())),
    continues: Callable[[Row], bool] | None = None,
    stop: Callable[[str], bool] | None = None,
) -> list[Table]:
    """Tables of ``pages`` read from their words: each header row (cells named by
    ``kind_of``, two kinds at least), the rows under it by column, the total row apart. A
    table that runs to the foot of its page goes on on the next page, under a repeated
    header or, without one, from the top rows that fit its columns (``continues`` says
    which rows belong: by default, rows with a number in some column); a row for which
    ``stop`` is true (its text: a form's next label) ends a table."""
    tables: list[Table] = []
    open_table: Table | None = None
    for page in pages:
        words = page.words
        if not words:
            open_table = None
            continue
        rows = _rows_of(words)
        headers: list[tuple[int, list[Column]]] = []
        for i, row in enumerate(rows):
            cols = _header(row, kind_of, page.width)
            if cols is not None:
                headers.append((i, cols))
        if open_table is not None and (not headers or headers[0][0] > 3):
            # no header at the top: rows that fit the open table's columns go on with it
            cont = open_table
            first = None
            for i, row in enumerate(rows[:6]):
                cells, across = _assign(row, cont.columns)
                probe = Row(page, cells, union_boxes(w.box for w in row))
                ok = (continues or (lambda r: any(numeric(c.text) for c in r.cells.values())))(
                    probe
                )
                if ok and not across and len(cells) >= 2:
                    first = i
                    break
            if first is not None:
                start = min(w.box[1] for w in rows[first])
                limit = headers[0][0] if headers else len(rows)
                ended = _read_rows(
                    page,
                    rows[first:limit],
                    cont.columns,
                    cont,
                    start_y=start,
                    numeric=numeric,
                    stop=stop,
                )
                open_table = None if ended else cont
            else:
                open_table = None
        for n, (i, cols) in enumerate(headers):
            header_box = union_boxes(c.header.box for c in cols)
            # a header wrapped on two lines: the next row's words under its titles, no digit
            j = i + 1
            if j < len(rows) and not any(re.search(r"\d", w.text) for w in rows[j]):
                nxt = rows[j]
                if min(w.box[1] for w in nxt) - header_box[3] < 0.6 * _height(nxt) and all(
                    any(
                        c.header.box[0] - 5 <= w.box[0] and w.box[2] <= c.header.box[2] + 30
                        for c in cols
                    )
                    for w in nxt
                ):
                    for c in cols:
                        under = [
                            w for w in nxt if c.header.box[0] - 5 <= w.box[0] <= c.header.box[2] + 5
                        ]
                        if under:
                            c.header = Cell(
                                f"{c.header.text} {' '.join(w.text for w in under)}",
                                union_boxes([c.header.box, *(w.box for w in under)]),
                                c.header.conf,
                            )
                    header_box = union_boxes(c.header.box for c in cols)
                    j += 1
            if (
                open_table is not None
                and n == 0
                and i <= 3
                and _same_columns(open_table.columns, cols)
            ):
                table = open_table  # the header repeated on the next page
                table.columns = cols
            else:
                table = Table(cols, page, header_box, pages=[page.number])
                tables.append(table)
            end = headers[n + 1][0] if n + 1 < len(headers) else len(rows)
            ended = _read_rows(
                page, rows[j:end], cols, table, start_y=header_box[3], numeric=numeric, stop=stop
            )
            open_table = None if ended else table
    return tables


# --------------------------------------------------------------------------- digital PDFs


def pdf_tables(
    data: bytes, page_numbers: Sequence[int], kind_of: KindOf, pages: Sequence[Page]
) -> list[Table]:
    """Ruled tables of a digital PDF by pdfplumber's table finder, as ``Table``s: the
    first row with two cells of distinct kinds is the header; rows under it by column.
    Tables whose header does not name two columns are left out. Pages by 1-based number
    (``pages``: the ``Page``s of those numbers, for the rows' evidence)."""
    try:
        import pdfplumber
    except ImportError:  # pragma: no cover - a dependency
        return []
    by_number = {p.number: p for p in pages}
    out: list[Table] = []
    open_table: Table | None = None
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number in page_numbers:
                if not 1 <= number <= len(pdf.pages) or number not in by_number:
                    continue
                page = by_number[number]
                found = pdf.pages[number - 1].find_tables()
                seen = False
                for ft in found:
                    grid = ft.extract()
                    boxes = [r.cells for r in ft.rows]
                    cols: list[tuple[int, Column]] | None = None
                    body_from = 0
                    for ri, row in enumerate(grid):
                        named = [
                            (ci, kind_of(t or ""), t or "", boxes[ri][ci])
                            for ci, t in enumerate(row)
                            if t and boxes[ri][ci] is not None
                        ]
                        kinds = [k for _, k, _, _ in named if k]
                        if len(set(kinds)) >= 2 and len(kinds) == len(set(kinds)):
                            cols = [
                                (ci, Column(k, Cell(" ".join(t.split()), tuple(b)), b[0], b[2]))  # type: ignore[arg-type]
                                for ci, k, t, b in named
                                if k
                            ]
                            body_from = ri + 1
                            break
                    if cols is None:
                        if open_table is not None and not seen and grid:
                            cols = [(ci, c) for ci, c in _pdf_columns(open_table, grid)]
                            if not cols:
                                continue
                        else:
                            continue
                        table = open_table
                    else:
                        columns = [c for _, c in cols]
                        hbox = union_boxes(c.header.box for c in columns)
                        if (
                            open_table is not None
                            and not seen
                            and _same_columns(open_table.columns, columns)
                        ):
                            table = open_table
                        else:
                            table = Table(columns, page, hbox, source="pdf", pages=[number])
                            out.append(table)
                    seen = True
                    ended = False
                    for ri in range(body_from, len(grid)):
                        cells: dict[str, Cell] = {}
                        for ci, col in cols:
                            t = grid[ri][ci] if ci < len(grid[ri]) else None
                            b = boxes[ri][ci] if ci < len(boxes[ri]) else None
                            if t and t.strip() and b is not None:
                                cells[col.kind] = Cell(" ".join(t.split()), tuple(b))  # type: ignore[arg-type]
                        if not cells:
                            continue
                        rbox = union_boxes(c.box for c in cells.values())
                        first = next(
                            (grid[ri][ci] for ci in range(len(grid[ri])) if grid[ri][ci]), ""
                        )
                        if _TOTAL.match(fold(first or "")):
                            table.total = Row(page, cells, rbox, total=True)
                            ended = True
                            break
                        if _SUBTOTAL.match(fold(first or "")):
                            continue
                        table.rows.append(Row(page, cells, rbox))
                        if number not in table.pages:
                            table.pages.append(number)
                    open_table = None if ended else table
                if not seen:
                    open_table = None
    except Exception:  # a PDF pdfplumber cannot read: the word tables stand
        log.debug("pdfplumber could not read the tables", exc_info=True)
        return []
    return out


def _pdf_columns(table: Table, grid: list[list[str | None]]) -> list[tuple[int, Column]]:
    """A headerless continuation's columns: the open table's, by position, when the grid
    has as many columns."""
    width = max(len(r) for r in grid)
    if width < len(table.columns):
        return []
    # columns of the continuation line up with the header's by index when the grid is as
    # wide as the header row was (ruled tables repeat their column layout)
    return list(enumerate(table.columns)) if width == len(table.columns) else []
