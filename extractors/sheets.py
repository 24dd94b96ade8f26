"""Spreadsheets (``.xlsx``, ``.ods``, ``.csv``) as pages: a town hall often fills in the
needs form in its own spreadsheet. Each sheet becomes pages whose lines are its rows; each
cell's words get synthetic boxes laid out in columns (label cell left, value cell right,
a wide gap between), so the key–value and table readers see the grid as they see a
digital PDF. A text layer: no OCR. Recognised by content (a ZIP holding
``xl/workbook.xml``, an OpenDocument ``mimetype``, delimited text), never by name.

Bounded: the archive's members and their unpacked size, rows, columns and cells are
capped; past a cap the file is refused with a French ``ExtractionError``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar
from xml.etree import ElementTree as ET

from PIL import Image, ImageDraw, ImageFont

from extractors.errors import ExtractionError
from extractors.limits import DEFAULT_LIMITS, Limits
from extractors.pages import Word
from extractors.parsers import PageSource, Parser, Rendered

XLSX = "xlsx"
ODS = "ods"
CSV = "csv"
MIME_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ODS: "application/vnd.oasis.opendocument.spreadsheet",
    CSV: "text/csv",
}
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"

MAX_ROWS = 5000  # per file, all sheets together
MAX_COLS = 64
MAX_CELLS = 100_000  # non-empty cells per file
MAX_SHEETS = 50
MAX_MEMBERS = 2000
MAX_UNPACKED = 100 * 1024 * 1024  # bytes of the archive once unpacked
MAX_CELL_CHARS = 500

# Layout, in PDF points.
ROWS_PER_PAGE = 48
ROW_H = 16.0
FONT_H = 10.0
CHAR_W = 5.4
COL_GAP = 48.0  # wider than the line builder's gap: cells stay separate lines
MARGIN = 36.0
MIN_W, MIN_H = 595.0, 842.0  # A4 at least


# --------------------------------------------------------------------------- sniffing


def _zip(data: bytes) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None


def _looks_like_office_zip(data: bytes) -> bool:
    head = data[:8192]
    return head[:4] == b"PK\x03\x04" and (
        b"xl/" in head or b"[Content_Types].xml" in head or _ODS_MIME in head
    )


def sheet_format(data: bytes) -> str | None:
    """``xlsx``, ``ods`` or ``csv`` when these bytes are a spreadsheet, else None."""
    if data[:4] == b"PK\x03\x04":
        archive = _zip(data)
        if archive is None:
            return None
        with archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                return XLSX if _looks_like_office_zip(data) else None
            names = {i.filename: i for i in infos}
            if "xl/workbook.xml" in names:
                return XLSX
            mimetype = names.get("mimetype")
            if mimetype is not None and mimetype.file_size <= 100 and "content.xml" in names:
                try:
                    if archive.read(mimetype).strip() == _ODS_MIME:
                        return ODS
                except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
                    return None
        return None
    return CSV if _csv_delimiter(data) is not None else None


def broken_sheet(data: bytes) -> bool:
    """A ZIP whose first bytes say spreadsheet but that cannot be opened (truncated, corrupt)."""
    return _looks_like_office_zip(data) and _zip(data) is None


_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*: ")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 4:  # a character cut at the end of a sample
            return raw[: exc.start].decode("utf-8-sig")
        return raw.decode("cp1252", errors="replace")


def _csv_delimiter(data: bytes) -> str | None:
    """The delimiter of delimited text: most lines (at least two) split into the same
    number (2 or more) of cells. Prose, HTML, PDF or mail headers are not CSV."""
    sample = data[:65536]
    if not sample.strip() or b"\x00" in sample:
        return None
    text = _decode(sample)
    stripped = text.lstrip()
    if stripped[:1] in ("<", "%", "{", "[") or _HEADER_LINE.match(stripped):
        return None
    lines = [ln for ln in text.splitlines()[:60] if ln.strip()]
    if len(lines) < 2:
        return None
    for delimiter in (";", "\t", ","):
        if delimiter == "," and text.count(", ") * 2 >= text.count(","):
            continue  # prose: commas followed by a space; exports write "a,b"
        counts = [len(next(csv.reader([ln], delimiter=delimiter))) for ln in lines]
        wide = [c for c in counts if c >= 2]
        if len(wide) < 2:
            continue
        mode = max(set(wide), key=wide.count)
        if wide.count(mode) >= max(2, 0.6 * len(lines)):
            return delimiter
    return None


# --------------------------------------------------------------------------- cells


def cell_text(value: Any) -> str:
    """A cell as a person reads it: whole numbers without decimals, French decimal comma,
    dates as JJ/MM/AAAA, oui/non, whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return str(int(value)) if value.is_integer() else f"{value:g}".replace(".", ",")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    text = " ".join(str(value).split())
    return text[:MAX_CELL_CHARS]


@dataclass
class Sheet:
    name: str
    rows: list[list[str]]


class _Budget:
    """Counts rows and cells across a file; refuses past the caps."""

    def __init__(self) -> None:
        self.rows = 0
        self.cells = 0

    def row(self, cells: list[str]) -> None:
        self.rows += 1
        self.cells += sum(1 for c in cells if c)
        if self.rows > MAX_ROWS:
            raise ExtractionError(
                f"Le tableur compte plus de {MAX_ROWS} lignes : il est trop grand pour être lu.",
                "too_large",
            )
        if self.cells > MAX_CELLS:
            raise ExtractionError(
                f"Le tableur compte plus de {MAX_CELLS} cellules remplies : il est trop grand "
                "pour être lu.",
                "too_large",
            )


def _trim(rows: list[list[str]]) -> list[list[str]]:
    """Without trailing empty cells and rows, and with runs of blank rows cut to one."""
    out: list[list[str]] = []
    for row in rows:
        while row and not row[-1]:
            row.pop()
        if not row and (not out or not out[-1]):
            continue
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def _check_archive(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise ExtractionError(
            "Le tableur est trop volumineux une fois décompressé : il ne peut pas être lu.",
            "too_large",
        )


def _corrupt(what: str) -> ExtractionError:
    return ExtractionError(f"Le tableur ({what}) est endommagé ou illisible.", "corrupt")


def read_xlsx(data: bytes) -> list[Sheet]:
    import openpyxl  # a dependency of the project, loaded when a workbook comes

    archive = _zip(data)
    if archive is None:
        raise _corrupt("Excel")
    with archive:
        _check_archive(archive)
    budget = _Budget()
    sheets: list[Sheet] = []
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on bad input
        raise _corrupt("Excel") from exc
    try:
        for ws in book.worksheets[:MAX_SHEETS]:
            rows: list[list[str]] = []
            for values in ws.iter_rows(values_only=True, max_col=MAX_COLS):
                cells = [cell_text(v) for v in values]
                budget.row(cells)
                rows.append(cells)
            sheets.append(Sheet(str(ws.title), _trim(rows)))
    except ExtractionError:
        raise
    except Exception as exc:
        raise _corrupt("Excel") from exc
    finally:
        book.close()
    return sheets


_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


def _ods_cell(cell: ET.Element) -> str:
    kind = cell.get(_q("office", "value-type"))
    if kind in ("float", "percentage", "currency"):
        raw = cell.get(_q("office", "value"))
        try:
            return cell_text(float(raw)) if raw is not None else ""
        except ValueError:
            pass
    elif kind == "date":
        raw = cell.get(_q("office", "date-value")) or ""
        try:
            return cell_text(dt.datetime.fromisoformat(raw[:19]))
        except ValueError:
            pass
    elif kind == "boolean":
        return cell_text(cell.get(_q("office", "boolean-value")) == "true")
    paragraphs = ["".join(p.itertext()) for p in cell.iter(_q("text", "p"))]
    return cell_text(" ".join(paragraphs))


def _repeat(element: ET.Element, attr: str, cap: int) -> int:
    try:
        return max(1, min(int(element.get(_q("table", attr)) or 1), cap))
    except ValueError:
        return 1


def read_ods(data: bytes) -> list[Sheet]:
    """The sheets of an OpenDocument spreadsheet, read from its ``content.xml`` with the
    standard library (repeated rows and cells expanded only where they hold something)."""
    archive = _zip(data)
    if archive is None:
        raise _corrupt("OpenDocument")
    with archive:
        _check_archive(archive)
        try:
            content = archive.read("content.xml")
        except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise _corrupt("OpenDocument") from exc
        except NotImplementedError as exc:
            raise _corrupt("OpenDocument") from exc
    if b"<!DOCTYPE" in content[:4096] or b"<!ENTITY" in content:
        raise _corrupt("OpenDocument")
    budget = _Budget()
    sheets: list[Sheet] = []
    try:
        for _, elem in ET.iterparse(io.BytesIO(content), events=("end",)):
            if elem.tag != _q("table", "table"):
                continue
            if len(sheets) >= MAX_SHEETS:
                break
            rows: list[list[str]] = []
            for row in elem.iter(_q("table", "table-row")):
                cells: list[str] = []
                for cell in row:
                    if cell.tag not in (
                        _q("table", "table-cell"),
                        _q("table", "covered-table-cell"),
                    ):
                        continue
                    text = _ods_cell(cell)
                    n = _repeat(cell, "number-columns-repeated", MAX_COLS)
                    if text:
                        cells.extend([text] * n)
                    else:
                        cells.extend([""] * min(n, MAX_COLS))
                    if len(cells) >= MAX_COLS:
                        break
                cells = cells[:MAX_COLS]
                times = _repeat(row, "number-rows-repeated", MAX_ROWS) if any(cells) else 1
                for _ in range(times):
                    budget.row(cells)
                    rows.append(list(cells))
            sheets.append(Sheet(elem.get(_q("table", "name")) or "", _trim(rows)))
            elem.clear()
    except ET.ParseError as exc:
        raise _corrupt("OpenDocument") from exc
    return sheets


def read_csv(data: bytes) -> list[Sheet]:
    delimiter = _csv_delimiter(data)
    if delimiter is None:
        raise _corrupt("CSV")
    budget = _Budget()
    rows: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(_decode(data)), delimiter=delimiter):
            cells = [cell_text(c) for c in record[:MAX_COLS]]
            budget.row(cells)
            rows.append(cells)
    except csv.Error as exc:
        raise _corrupt("CSV") from exc
    return [Sheet("", _trim(rows))]


READERS: dict[str, Callable[[bytes], list[Sheet]]] = {
    XLSX: read_xlsx,
    ODS: read_ods,
    CSV: read_csv,
}


# --------------------------------------------------------------------------- pages


@dataclass
class _Layout:
    rows: list[list[str]]
    x: list[float]  # left edge of each column
    width: float
    height: float


def _layout(rows: list[list[str]], col_chars: list[int]) -> _Layout:
    x: list[float] = []
    pos = MARGIN
    for chars in col_chars:
        x.append(pos)
        pos += min(chars, 120) * CHAR_W + COL_GAP
    width = max(MIN_W, pos - COL_GAP + MARGIN)
    height = max(MIN_H, 2 * MARGIN + len(rows) * ROW_H)
    return _Layout(rows, x, width, height)


def _pages_of(sheets: Iterable[Sheet]) -> Iterator[_Layout]:
    """Every sheet in pages of ``ROWS_PER_PAGE`` rows; the columns of one sheet keep the
    same places on all its pages (a table spilling over pages stays aligned)."""
    for sheet in sheets:
        if not sheet.rows:
            continue
        n_cols = max(len(r) for r in sheet.rows)
        col_chars = [
            max((len(r[c]) for r in sheet.rows if c < len(r)), default=0) for c in range(n_cols)
        ]
        for start in range(0, len(sheet.rows), ROWS_PER_PAGE):
            yield _layout(sheet.rows[start : start + ROWS_PER_PAGE], col_chars)


def _words(layout: _Layout) -> list[Word]:
    words: list[Word] = []
    for r, row in enumerate(layout.rows):
        top = MARGIN + r * ROW_H + (ROW_H - FONT_H) / 2
        for c, text in enumerate(row):
            pos = layout.x[c]
            for token in text.split():
                right = pos + len(token) * CHAR_W
                words.append(Word(token, (pos, top, right, top + FONT_H), 100.0))
                pos = right + CHAR_W
    return words


class SheetPageSource(PageSource):
    def __init__(self, layout: _Layout, number: int, limits: Limits) -> None:
        self.layout = layout
        self.number = number
        self.width = layout.width
        self.height = layout.height
        self.limits = limits
        lines = [" ".join(c for c in row if c) for row in layout.rows]
        self._text = "\n".join(lines)
        self.head = "\n".join(lines[:6])

    def text_layer(self) -> str | None:
        return self._text

    def has_images(self) -> bool:
        return False

    def words_loader(self) -> Callable[[], list[Word]] | None:
        return lambda: _words(self.layout)

    def render(self, dpi: int) -> Rendered:
        """The grid drawn as a page (for the web viewer and its evidence boxes)."""
        scale = dpi / 72.0
        pixels = self.width * self.height * scale * scale
        if pixels > self.limits.max_page_pixels:
            scale *= (self.limits.max_page_pixels / pixels) ** 0.5
        img = Image.new(
            "L", (max(1, round(self.width * scale)), max(1, round(self.height * scale))), 255
        )
        draw = ImageDraw.Draw(img)
        try:
            font: Any = ImageFont.load_default(size=max(6, round(FONT_H * scale)))
        except (TypeError, OSError):  # Pillow without FreeType
            font = ImageFont.load_default()
        for w in _words(self.layout):
            draw.text((w.box[0] * scale, w.box[1] * scale), w.text, fill=0, font=font)
        for r in range(len(self.layout.rows) + 1):
            y = (MARGIN + r * ROW_H) * scale
            draw.line([(MARGIN * scale, y), ((self.width - MARGIN) * scale, y)], fill=200)
        return Rendered(img, img.width / self.width)


class SheetParser(Parser):
    """A spreadsheet (``.xlsx``, ``.ods``, ``.csv``): its sheets as pages of rows."""

    kind = "sheet"
    formats: ClassVar[tuple[str, ...]] = (XLSX, ODS, CSV)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return False  # a ZIP's members or a text's rows tell, not its first bytes

    def __init__(self, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(data, limits)
        fmt = sheet_format(data)
        if fmt is None:
            raise _corrupt("format inconnu")
        self.format = fmt
        self._pages = list(_pages_of(READERS[fmt](data)))
        if not self._pages:
            raise ExtractionError("Le tableur est vide : aucune cellule remplie.", "empty")
        if len(self._pages) > limits.max_pages:
            raise ExtractionError(
                f"Le tableur ferait {len(self._pages)} pages, au-delà de la limite de "
                f"{limits.max_pages} pages par fichier.",
                "too_many_pages",
            )
        for layout in self._pages:
            if max(layout.width, layout.height) > limits.max_page_points:
                raise ExtractionError(
                    "Le tableur a des colonnes trop larges pour être lu.", "too_large"
                )

    def page_count(self) -> int:
        return len(self._pages)

    def page(self, index: int) -> PageSource:
        return SheetPageSource(self._pages[index], index + 1, self.limits)
