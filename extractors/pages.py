"""What the parsers hand to the field extractors: pages of words with boxes in PDF points.

Boxes are ``(x0, top, x1, bottom)`` in PDF points of the *original* page (origin top-left),
whatever rotation or deskew was applied before OCR, so that evidence can be drawn on the
file as staff see it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extractors.imaging import Affine

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Word:
    text: str
    box: Box
    conf: float = 100.0  # tesseract confidence 0-100; 100 for a PDF text layer


@dataclass
class Line:
    """Words on one visual line, left to right, without a wide gap between them."""

    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> Box:
        return union_boxes(w.box for w in self.words)

    @property
    def conf(self) -> float:
        return min((w.conf for w in self.words), default=0.0)

    def span_box(self, start: int, end: int) -> Box:
        """Box of the words covering characters ``[start, end)`` of ``self.text``."""
        pos = 0
        chosen: list[Word] = []
        for w in self.words:
            w_start, w_end = pos, pos + len(w.text)
            if w_end > start and w_start < end:
                chosen.append(w)
            pos = w_end + 1
        return union_boxes(w.box for w in (chosen or self.words))

    def span_conf(self, start: int, end: int) -> float:
        pos = 0
        confs: list[float] = []
        for w in self.words:
            w_start, w_end = pos, pos + len(w.text)
            if w_end > start and w_start < end:
                confs.append(w.conf)
            pos = w_end + 1
        return min(confs) if confs else self.conf


@dataclass(frozen=True)
class StampRead:
    """Text read from coloured ink (an arrival stamp candidate) on one page."""

    text: str
    box: Box
    conf: float


@dataclass(frozen=True)
class SignatureCheck:
    """Ink found in the collectivity's signature area of one page."""

    signed: bool | None  # None: the evidence is too weak to say (unknown, to triage)
    confidence: float
    area: Box
    ink_ratio: float
    raw: str = ""


@dataclass
class Page:
    number: int  # 1-based within the file
    width: float  # points
    height: float
    text: str  # plain text, reading order
    ocr: bool = False
    words_loader: Callable[[], list[Word]] | None = None
    head: str | None = None  # text of the top of the page, when known without words
    # boxes on this page are in the page as read (upright, straight); this maps them back
    # onto the page as filed (None: the same)
    to_file: Affine | None = None
    stamps: list[StampRead] = field(default_factory=list)
    signature: SignatureCheck | None = None
    _words: list[Word] | None = None
    _lines: list[Line] | None = None

    @property
    def words(self) -> list[Word]:
        if self._words is None:
            self._words = self.words_loader() if self.words_loader else []
            self.words_loader = None
        return self._words

    @property
    def lines(self) -> list[Line]:
        if self._lines is None:
            self._lines = build_lines(self.words, self.width)
        return self._lines

    def file_box(self, box: Box | None) -> Box | None:
        """A box of this page, in points of the page as filed (for evidence)."""
        if box is None or self.to_file is None:
            return box
        return self.to_file.map_box(box)

    def drop_loader(self) -> None:
        """Resolve lazy words now (before the source file is closed)."""
        _ = self.words


def union_boxes(boxes: Iterable[Box]) -> Box:
    bs = list(boxes)
    if not bs:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(b[0] for b in bs),
        min(b[1] for b in bs),
        max(b[2] for b in bs),
        max(b[3] for b in bs),
    )


def build_lines(words: Sequence[Word], page_width: float, walls: Sequence[Box] = ()) -> list[Line]:
    """Group words into visual lines (vertical overlap), split at wide horizontal gaps
    and at ``walls`` (a grid's vertical rules: between two words' centres, across their
    row), ordered top to bottom then left to right."""
    if not words:
        return []
    ws = sorted(words, key=lambda w: ((w.box[1] + w.box[3]) / 2, w.box[0]))
    rows: list[list[Word]] = []
    row_mid: list[float] = []
    row_h: list[float] = []
    for w in ws:
        h = max(w.box[3] - w.box[1], 1.0)
        mid = (w.box[1] + w.box[3]) / 2
        placed = False
        # look back over a few recent rows (words of one line come in x order per row)
        for i in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            if abs(row_mid[i] - mid) <= 0.5 * min(h, row_h[i]) + 0.5:
                rows[i].append(w)
                n = len(rows[i])
                row_mid[i] = (row_mid[i] * (n - 1) + mid) / n
                row_h[i] = max(row_h[i], h)
                placed = True
                break
        if not placed:
            rows.append([w])
            row_mid.append(mid)
            row_h.append(h)
    lines: list[Line] = []
    for row, h in zip(rows, row_h, strict=True):
        row.sort(key=lambda w: w.box[0])
        gap_limit = max(3.5 * h, 0.03 * page_width)
        current = [row[0]]
        for w in row[1:]:
            if w.box[0] - current[-1].box[2] > gap_limit or _walled(current[-1], w, walls):
                lines.append(Line(current))
                current = [w]
            else:
                current.append(w)
        lines.append(Line(current))
    lines.sort(key=lambda ln: (round(ln.box[1] / 4.0), ln.box[0]))
    return lines


def _walled(a: Word, b: Word, walls: Sequence[Box]) -> bool:
    """A wall stands between ``a`` and ``b`` (words of one row, ``a`` first)."""
    ca, cb = (a.box[0] + a.box[2]) / 2, (b.box[0] + b.box[2]) / 2
    mid = (a.box[1] + a.box[3] + b.box[1] + b.box[3]) / 4
    return any(ca < x0 < cb and top <= mid <= bottom for x0, top, _x1, bottom in walls)


_APOS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "«": '"', "»": '"'})


def normalize(text: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces: for matching."""
    text = unicodedata.normalize("NFKD", text.translate(_APOS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae")
    return re.sub(r"\s+", " ", text.lower()).strip()
