"""Ruled cells on a scan: find a form's or a table's grid and read each cell alone.

A page's OCR reads a ruled form badly: the rules come out as ``|`` and ``!``, a shaded
label cell's tint as ``ee`` or ``Re``, a lone digit beside a rule is lost, and a label and
its value, one cell apart, may land in different blocks. Every administrative form has
such grids (a needs form's "Collectivité | …" rows, a school table), so a grid is found
by its rules, whatever its layout:

* rules are long, thin runs of ink: horizontal ones at least ``_H_RULE_PT`` long,
  vertical ones at least ``_V_RULE_PT`` tall, both at most ``_THICK_PT`` thick;
* a cell is the space between two horizontal rules and two vertical rules that reach
  from one to the other (a vertical rule that ends in the air is a letter's stroke or
  a signature's, not a rule);
* a cell the page's OCR read unsurely (a word under ``_SURE`` confidence, or none) has
  its inside (rules and their blur left out) read alone, all of a page's such cells in
  one tesseract run (``--psm 6``: a block of text), with its own binarisation, so a
  tinted cell reads like a white one; an empty cell gives no words.

``read_cells`` returns the words of the page with those inside cells replaced by the
cells' own; ``walls`` the rules between cells, which the signature check's lines do not
run across.
Pure: a grey image and words in, words out; no state.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from extractors import imaging
from extractors.ocr import OcrWord, read_quality, run_tesseract_many

log = logging.getLogger(__name__)

# rules (points): a horizontal rule is longer than any word, a vertical one taller than
# a line of body type; both are thinner than bold strokes of a heading
_H_RULE_PT = 40.0
_V_RULE_PT = 11.0
_THICK_PT = 3.5
# a vertical rule's end is on a horizontal rule when it is this close (points)
_MEET_PT = 3.0
# cells smaller than this are a rule's double line or a checkbox, not a cell (points)
_MIN_W_PT = 9.0
_MIN_H_PT = 8.0
# the inside of a cell read: this far from its rules (points); white margin added (px)
_INSET_PT = 1.8
_PAD_PX = 20
# ink smaller than this square is a scanner's speck (points)
_SPECK_PT = 0.8
# a cell is read only when it holds at least this square of ink (points): a full stop
_MIN_INK_PT = 1.0
# block numbers of the words read in cells (tesseract's are small)
CELL_BLOCK = 5000
# more cells than this on a page is squared paper or a hostile drawing, not a form: no
# grid, the page's own reading is kept (reading each cell would take minutes, and the
# signature check would be walled in at every square)
MAX_CELLS = 400
# the page's reading of a cell is sure when each of its words has this confidence; an
# unsure one is kept only when the cell's own reading is this much poorer
_SURE = 75.0
_BETTER = 1.5


@dataclass(frozen=True)
class Cell:
    """A cell of a ruled grid, in pixels of the image (exclusive ends)."""

    x0: int
    y0: int
    x1: int
    y1: int
    grid: int  # the grid's number on the page
    row: int  # the row's number in its grid (top to bottom)


@dataclass(frozen=True)
class _Rule:
    lo: float  # along the rule: x0 of a horizontal rule, y0 of a vertical one
    hi: float
    at: float  # across: y of a horizontal rule, x of a vertical one
    thick: float


def _rules(mask: np.ndarray, length: int, thick: float, axis: int) -> list[_Rule]:
    """Long thin runs of ``mask`` along ``axis`` (1: horizontal), as rules: the long runs
    of neighbouring rows that overlap are one rule (a rule a little out of level steps
    from row to row)."""
    m = mask if axis == 1 else np.ascontiguousarray(mask.T)
    rows, starts, ends = (r.tolist() for r in imaging.row_runs(m, length))
    groups: list[list[int]] = []  # [lo, hi, first row, last row, pixels]
    open_: list[list[int]] = []
    for r, a, b in zip(rows, starts, ends, strict=True):
        open_ = [g for g in open_ if g[3] >= r - 2]  # a row's gap closes nothing yet
        for g in open_:
            if a <= g[1] and b >= g[0]:
                g[0], g[1], g[3], g[4] = min(g[0], a), max(g[1], b), r, g[4] + b - a
                break
        else:
            g = [a, b, r, r, b - a]
            groups.append(g)
            open_.append(g)
    out: list[_Rule] = []
    for lo, hi, first, last, n in groups:
        across = last - first + 1
        # mean thickness: a rule a little out of level spans more rows than it is thick
        if n / max(1, hi - lo) > thick or across > thick + 0.02 * (hi - lo):
            continue
        out.append(_Rule(lo, hi, (first + last + 1) / 2, float(across)))
    return out


def find_cells(gray: np.ndarray, unit: float) -> list[Cell]:
    """The cells of the ruled grids on an upright, straightened page (``unit``: pixels
    per point)."""
    # rules are looked for at half the resolution when it is fine (a quarter of the
    # pixels; a 1-pt rule is still 2 pixels thick at 150 dpi), each pixel the darkest of
    # four, so a hairline is kept
    f = 2 if unit >= 3.5 else 1
    if f > 1:
        h, w = (gray.shape[0] // f) * f, (gray.shape[1] // f) * f
        gray = np.minimum(
            np.minimum(gray[0:h:2, 0:w:2], gray[1:h:2, 0:w:2]),
            np.minimum(gray[0:h:2, 1:w:2], gray[1:h:2, 1:w:2]),
        )
    mask = imaging.ink_mask(gray)
    u = unit / f
    thick = _THICK_PT * u + (f - 1)  # pooling thickens a rule by up to a pixel
    horizontal = _scaled(_rules(mask, int(_H_RULE_PT * u), thick, axis=1), f)
    if len(horizontal) < 2:
        return []
    vertical = _scaled(_rules(mask, int(_V_RULE_PT * u), thick, axis=0), f)
    if not vertical:
        return []
    meet = _MEET_PT * unit
    horizontal.sort(key=lambda r: r.at)

    def on_rule(y: float, x: float) -> bool:
        return any(
            abs(h.at - y) <= meet + h.thick and h.lo - meet <= x <= h.hi + meet for h in horizontal
        )

    # a vertical rule ends on horizontal ones; one that ends in the air is a stroke
    vertical = [v for v in vertical if on_rule(v.lo, v.at) and on_rule(v.hi, v.at)]
    cells: list[Cell] = []
    grid_of: dict[int, int] = {}  # index of a row's top rule -> its grid
    rows_in: dict[int, int] = {}
    for i, top in enumerate(horizontal):
        # the next rule below that shares some length with this one and that vertical
        # rules join to it
        for j in range(i + 1, len(horizontal)):
            bottom = horizontal[j]
            if bottom.at - top.at < _MIN_H_PT * unit:
                continue
            lo, hi = max(top.lo, bottom.lo), min(top.hi, bottom.hi)
            if hi - lo < _MIN_W_PT * unit:
                continue
            xs = sorted(
                v.at
                for v in vertical
                if v.lo <= top.at + meet + top.thick
                and v.hi >= bottom.at - meet - bottom.thick
                and lo - meet <= v.at <= hi + meet
            )
            if len(xs) < 2:
                break  # a band between rules with no sides: not cells
            xs = _merged(xs, _MIN_W_PT * unit)
            grid = grid_of.get(i)
            if grid is None:
                grid = len(rows_in)
                rows_in[grid] = 0
            grid_of[j] = grid
            row = rows_in[grid]
            rows_in[grid] = row + 1
            y0, y1 = round(top.at + top.thick / 2), round(bottom.at - bottom.thick / 2)
            for a, b in itertools.pairwise(xs):
                if b - a >= _MIN_W_PT * unit:
                    cells.append(Cell(round(a), y0, round(b), y1, grid, row))
            break
    if len(cells) > MAX_CELLS:
        log.warning("%d ruled cells on a page: squared paper, not a form", len(cells))
        return []
    return cells


def _scaled(rules: list[_Rule], f: int) -> list[_Rule]:
    if f == 1:
        return rules
    return [_Rule(r.lo * f, r.hi * f, r.at * f, r.thick * f) for r in rules]


def _merged(xs: Sequence[float], gap: float) -> list[float]:
    """Positions closer than ``gap`` are one rule (a double rule, a thick one in pieces)."""
    out: list[float] = []
    for x in xs:
        if out and x - out[-1] < gap:
            continue
        out.append(x)
    return out


def _inside(cell: Cell, img: np.ndarray, unit: float, level: int) -> Placed | None:
    """The ink of a cell's inside, cut tight and cleaned for tesseract (a lone digit in a
    wide white cell, or with scanner specks around it, is read as nothing): specks and
    what is left of the rules at its edges are wiped, the rest is cut to its ink with a
    white margin. None when the cell is empty."""
    inset = max(2, round(_INSET_PT * unit))
    x0, y0, x1, y1 = cell.x0 + inset, cell.y0 + inset, cell.x1 - inset, cell.y1 - inset
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = img[y0:y1, x0:x1]
    ink = crop < level
    if not ink.any():
        return None
    labels, boxes = imaging.label_components(ink)
    h, w = ink.shape
    speck = (_SPECK_PT * unit) ** 2
    thin = _THICK_PT * unit
    keep = np.zeros(len(boxes) + 1, dtype=bool)
    for i, (bx0, by0, bx1, by1, n) in enumerate(boxes):
        bw, bh = bx1 - bx0, by1 - by0
        if n < speck and bh < 2 * _SPECK_PT * unit:
            continue  # a scanner's speck
        edge = bx0 == 0 or by0 == 0 or bx1 == w or by1 == h
        if edge and ((bh >= 0.6 * h and bw <= thin) or (bw >= 0.6 * w and bh <= thin)):
            continue  # a rule's edge left inside the cell
        keep[i + 1] = True
    kept = keep[labels]
    if int(kept.sum()) < (_MIN_INK_PT * unit) ** 2:
        return None
    ys, xs = np.nonzero(kept)
    near = imaging.dilate(kept, 2)
    clean = np.where(near, crop, 255).astype(np.uint8)
    m = 3
    ty0, ty1 = max(0, int(ys.min()) - m), min(h, int(ys.max()) + m + 1)
    tx0, tx1 = max(0, int(xs.min()) - m), min(w, int(xs.max()) + m + 1)
    tight = np.pad(clean[ty0:ty1, tx0:tx1], _PAD_PX, constant_values=255)
    return Placed(tight, x0 + tx0 - _PAD_PX, y0 + ty0 - _PAD_PX)


@dataclass(frozen=True)
class Placed:
    """An image to read and where its pixel (0, 0) is on the page."""

    image: np.ndarray
    left: int
    top: int


def _center_in(w: OcrWord, c: Cell) -> bool:
    cx, cy = w.left + w.width / 2, w.top + w.height / 2
    return c.x0 <= cx <= c.x1 and c.y0 <= cy <= c.y1


_LEGIBLE = re.compile(r"[\w€%]")


def walls(cells: Sequence[Cell]) -> list[tuple[float, float, float, float]]:
    """The vertical rules between cells (x, top, x, bottom), in the cells' pixels."""
    out = {(float(x), float(c.y0), float(x), float(c.y1)) for c in cells for x in (c.x0, c.x1)}
    return sorted(out)


def read_cells(
    gray: Image.Image,
    words: list[OcrWord],
    unit: float,
    dpi: int,
    timeout: float,
    cells: Sequence[Cell] | None = None,
) -> list[OcrWord]:
    """``words`` of the page with, in each ruled cell, the page's reading or the cell's
    own (see the module's docstring); the page's words as they were when it has no grid.
    The page's reading of a cell is kept when it is sure (every word legible and read
    with confidence ``_SURE``): read alone, a line loses the context tesseract reads
    digits with ("558" read "058"); only the other cells are read again, and the cell's
    own reading replaces the page's unless it is much poorer (``_BETTER``).
    Cells' words keep the page's reading order: they take the place of the first word of
    the grid, row by row, and the cells of one row share their line numbers, so a label
    and its value one cell apart read as one line."""
    arr = np.asarray(gray)
    if cells is None:
        cells = find_cells(arr, unit)
    if not cells:
        return words
    page_in: dict[int, list[int]] = {id(c): [] for c in cells}
    for i, w in enumerate(words):
        c = next((c for c in cells if _center_in(w, c)), None)
        if c is not None:
            page_in[id(c)].append(i)
    mine_of = {id(c): [words[i] for i in page_in[id(c)]] for c in cells}

    def sure(ws: Sequence[OcrWord]) -> bool:
        return bool(ws) and all(w.conf >= _SURE and _LEGIBLE.search(w.text) for w in ws)

    # only the cells the page read unsurely (or not at all) are read again
    level = min(max(imaging.otsu_threshold(arr), 90), 190)
    placed: list[tuple[Cell, Placed]] = []
    for c in cells:
        if sure(mine_of[id(c)]):
            continue
        p = _inside(c, arr, unit, level)
        if p is not None:
            placed.append((c, p))
    images = [p.image for _, p in placed]
    reads = run_tesseract_many(images, psm=6, dpi=dpi, timeout=timeout, optional=True)
    own: dict[int, list[OcrWord]] = {}
    for (c, p), got in zip(placed, reads, strict=True):
        own[id(c)] = [
            OcrWord(w.text, w.left + p.left, w.top + p.top, w.width, w.height, w.conf, *w.key)
            for w in got
            if w.conf >= 0 and _LEGIBLE.search(w.text)
        ]
    out: list[OcrWord] = []
    for c in cells:
        mine = mine_of[id(c)]
        fresh = own.get(id(c), [])
        if sure(mine):
            chosen = mine
        elif fresh and read_quality(fresh) * _BETTER >= read_quality(mine):
            chosen = fresh
        elif fresh:
            chosen = mine  # read alone, the cell came out much poorer
        else:
            # nothing legible in it alone (an empty cell): what the page read there unsurely
            # is the tint's or a rule's noise
            chosen = [w for w in mine if w.conf >= _SURE and _LEGIBLE.search(w.text)]
        lines: dict[tuple[int, int, int], int] = {}
        for w in chosen:
            k = lines.setdefault(w.key, len(lines))
            out.append(
                OcrWord(
                    w.text, w.left, w.top, w.width, w.height, w.conf, CELL_BLOCK + c.grid, c.row, k
                )
            )
    gone = {i for ids in page_in.values() for i in ids}
    at = min(gone, default=len(words))  # no word before it is gone
    kept = [w for i, w in enumerate(words) if i not in gone]
    # row by row, then line by line across the row's cells, then left to right
    out.sort(key=lambda w: (w.block, w.par, w.line, w.left))
    return kept[:at] + out + kept[at:]
