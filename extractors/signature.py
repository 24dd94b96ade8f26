"""Is the collectivity's signature area inked? Judged on the page image, never on text.

The area is found from the signatory block's labels (campaign ``signatory_block``): below
the collectivity's "Date et signature" (the one under "Nom du signataire", not the
rector's), within its column. Printed words (text layer, or confident OCR words of normal
height) and table rules are masked; what ink remains must form a signature-sized mark.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from PIL import Image

from extractors import imaging
from extractors.pages import Box, Line, SignatureCheck, Word, build_lines
from extractors.textmatch import find_label

DEFAULT_LABELS: dict[str, str] = {
    "collectivity": "Nom de la collectivité adhérente :",
    "role": "Fonction du signataire :",
    "name": "Nom du signataire :",
    "date": "Date et signature",
}

MM = 72 / 25.4  # points per millimetre


def has_block(text_folded: str, labels: Mapping[str, str], *, exact: bool = False) -> bool:
    """Cheap test on a page's folded text: does it hold the signatory block?"""
    from extractors.textmatch import clean_label, fuzzy_find

    needles = [clean_label(labels.get(k, DEFAULT_LABELS[k])) for k in ("name", "role")]
    flat = " ".join(text_folded.split())
    if exact:
        return any(n in flat for n in needles)
    return any(fuzzy_find(flat, n, 0.8) for n in needles)


def signature_area(
    lines: Sequence[Line], width: float, height: float, unit: float, labels: Mapping[str, str]
) -> Box | None:
    """Area (in the lines' units; ``unit`` = units per point) where the collectivity signs."""
    lab = {**DEFAULT_LABELS, **labels}
    anchors = []
    for key in ("name", "role", "collectivity"):
        hits = find_label(lines, lab[key])
        if hits:
            anchors.append(lines[hits[-1].line_index].box)
    if not anchors:
        return None
    anchor = max(anchors, key=lambda b: b[3])  # lowest label of the block
    dates = [lines[h.line_index].box for h in find_label(lines, lab["date"], 0.8)]
    line_h = max(anchor[3] - anchor[1], 4 * unit)
    below = [b for b in dates if b[1] >= anchor[1] - 0.5 * line_h]
    if below:
        date = min(below, key=lambda b: (b[1] - anchor[1], abs(b[0] - anchor[0])))
        top = date[3] + 2 * unit  # under the label's line, where a date may be written
        col_x0 = min(date[0], anchor[0])
    else:
        date = anchor
        top = anchor[3]
        col_x0 = min(b[0] for b in anchors)
    x0 = max(0.0, col_x0 - 10 * unit)
    x1 = width - 12 * unit
    for other in dates:
        if other is date:
            continue
        overlaps_v = other[1] < top + 160 * unit and other[3] > top - 100 * unit
        if overlaps_v and other[0] > x0 + 60 * unit:
            x1 = min(x1, other[0] - 5 * unit)
        elif overlaps_v and other[2] < date[0]:
            x0 = max(x0, other[2] + 5 * unit)
    y1 = min(height - 8 * unit, top + 170 * unit)
    if x1 - x0 < 40 * unit or y1 - top < 20 * unit:
        return None
    return (x0, top, x1, y1)


def check_ink(
    gray: np.ndarray,
    unit: float,
    area: Box,
    words: Sequence[Word],
    exclude: Sequence[Box] = (),
) -> SignatureCheck:
    """Judge the ink in ``area`` of a grayscale page (``unit`` pixels per point)."""
    x0, y0, x1, y1 = (round(v) for v in area)
    h, w = gray.shape
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    crop = gray[y0:y1, x0:x1]
    factor = min(1.0, (100 / 72) / unit)  # judge at ~100 dpi
    img = imaging.downscale(Image.fromarray(crop), factor)
    small = np.asarray(img)
    k = unit * factor  # small pixels per point
    ink = small < 200
    ink = imaging.despeckle(ink)
    heights = sorted(wd.box[3] - wd.box[1] for wd in words) or [10 * unit]
    median_h = heights[len(heights) // 2]
    for wd in words:
        _, by0, _, by1 = wd.box
        printed = wd.conf >= 75 and len(wd.text.strip(".,;:-_'\"")) >= 1
        if not printed or (by1 - by0) > 2.2 * median_h:
            continue
        _blank(ink, wd.box, x0, y0, factor, pad=1)
    for b in exclude:
        _blank(ink, b, x0, y0, factor, pad=2)
    ink = imaging.remove_rules(ink, 0.5)
    cell = max(2, round(1.5 * MM * k))
    dens = imaging.grid_density(ink, cell)
    cells = dens >= 0.05
    total = int(cells.sum())
    comps = imaging.components(imaging.dilate(cells, 1), min_cells=1) if total else []
    mm_per_cell = cell / k / MM
    best_w = best_h = 0.0
    best_n = 0
    for cx0, cy0, cx1, cy1, _n in comps:
        inside = int(cells[cy0:cy1, cx0:cx1].sum())
        if inside > best_n:
            best_n = inside
            best_w, best_h = (cx1 - cx0) * mm_per_cell, (cy1 - cy0) * mm_per_cell
    ratio = float(ink.mean()) if ink.size else 0.0
    signed = best_w >= 15 and best_h >= 8 and best_n >= 10
    if signed:
        conf = 0.95 if best_w >= 25 and best_n >= 20 else 0.75
    else:
        conf = 0.95 if total <= 3 else (0.6 if best_n >= 6 else 0.8)
    raw = f"encre {best_w:.0f}×{best_h:.0f} mm, {total} cellules"
    return SignatureCheck(signed, conf, area, ratio, raw)


def _blank(mask: np.ndarray, box: Box, ox: int, oy: int, factor: float, pad: int) -> None:
    bx0 = int((box[0] - ox) * factor) - pad
    by0 = int((box[1] - oy) * factor) - pad
    bx1 = int((box[2] - ox) * factor + 0.999) + pad
    by1 = int((box[3] - oy) * factor + 0.999) + pad
    h, w = mask.shape
    if bx1 <= 0 or by1 <= 0 or bx0 >= w or by0 >= h:
        return
    mask[max(0, by0) : min(h, by1), max(0, bx0) : min(w, bx1)] = False


def check_page(
    gray: np.ndarray,
    unit: float,
    words: Sequence[Word],
    labels: Mapping[str, str],
    exclude: Sequence[Box] = (),
) -> SignatureCheck | None:
    """Signature check of one page image (``words`` in its pixels, ``unit`` px per point)."""
    h, w = gray.shape
    lines = build_lines(words, w)
    area = signature_area(lines, float(w), float(h), unit, labels)
    if area is None:
        return None
    return check_ink(gray, unit, area, words, exclude)
