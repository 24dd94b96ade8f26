"""Arrival stamps: the mail room's rubber stamp, in red, blue or violet ink, often rotated.

The coloured ink is isolated from the black print by colour, each coloured region is
straightened (its text lines' direction over the half turn, then both ways up) and OCR'd
alone. The caller decides which reads are arrival stamps (``fields.arrival_stamp``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from PIL import Image

from extractors import imaging
from extractors.dates import DateMatch, find_dates, fold
from extractors.ocr import OcrWord, ocr_lines, ocr_text, run_tesseract, run_tesseract_many
from extractors.pages import StampRead

# coloured regions smaller than this (mm) are pen marks or logos' details, not stamps
_MIN_SIDE_MM = 12.0
_MAX_REGIONS = 4


def find_stamps(rgb: Image.Image, px_per_pt: float, *, timeout: float = 60.0) -> list[StampRead]:
    """Reads of the coloured-ink regions of a page image; boxes in points of that image."""
    # find regions on a ~75 dpi copy
    factor = min(1.0, (75.0 / 72.0) / px_per_pt)
    small = np.asarray(imaging.downscale(rgb, factor))
    mask = imaging.coloured_ink_mask(small)
    if mask.mean() < 0.0004:
        return []
    spp = px_per_pt * factor  # small pixels per point
    cell = max(2, round(2.0 * 72 / 25.4 * spp))  # ~2 mm cells
    dens = imaging.grid_density(mask, cell)
    grid = imaging.dilate(dens > 0.03, 2)
    regions = imaging.components(grid, min_cells=4)
    mm_per_cell = cell / spp * 25.4 / 72
    page_cells = grid.shape[0] * grid.shape[1]
    good = []
    for x0, y0, x1, y1, n in regions:
        w_mm, h_mm = (x1 - x0) * mm_per_cell, (y1 - y0) * mm_per_cell
        if max(w_mm, h_mm) < _MIN_SIDE_MM or min(w_mm, h_mm) < 5.0:
            continue
        if (x1 - x0) * (y1 - y0) > 0.35 * page_cells:
            continue  # a coloured background or a photo, not a stamp
        good.append((n, x0, y0, x1, y1))
    good.sort(reverse=True)
    reads: list[StampRead] = []
    full = np.asarray(rgb)
    k = cell / factor  # full-resolution pixels per cell
    for _, x0, y0, x1, y1 in good[:_MAX_REGIONS]:
        fx0, fy0 = int(x0 * k), int(y0 * k)
        fx1, fy1 = min(full.shape[1], int(x1 * k)), min(full.shape[0], int(y1 * k))
        read = read_region(full[fy0:fy1, fx0:fx1], px_per_pt, timeout=timeout)
        if read is None:
            continue
        text, conf = read
        box = (fx0 / px_per_pt, fy0 / px_per_pt, fx1 / px_per_pt, fy1 / px_per_pt)
        reads.append(StampRead(text, box, conf))
    return reads


def read_region(
    rgb: np.ndarray, px_per_pt: float, *, timeout: float = 60.0
) -> tuple[str, float] | None:
    mask = imaging.coloured_ink_mask(rgb)
    if mask.sum() < 50:
        return None
    if not _has_glyphs(mask, px_per_pt):
        return None  # a signature's strokes or a drawing: no text to read
    c = rgb.astype(np.int32)
    lum = (299 * c[..., 0] + 587 * c[..., 1] + 114 * c[..., 2]) // 1000
    mask = bridge(imaging.close(mask, 1), lum < 110, round(2.5 * px_per_pt))
    ink = np.where(mask, 0, 255).astype(np.uint8)
    img = Image.fromarray(ink, "L")
    # OCR wants ~300 dpi; stamps scanned lower are upscaled
    dpi = px_per_pt * 72
    if dpi < 250:
        f = 300 / dpi
        img = img.resize((round(img.width * f), round(img.height * f)), Image.Resampling.BICUBIC)
        dpi = 300
    small = imaging.downscale(img, 0.35)
    angle = imaging.estimate_line_angle(np.asarray(small) < 128)
    straight = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    straight = _pad(straight)
    best: tuple[float, str, float] | None = None
    for turn in (0, 180):
        candidate = imaging.rotate_image(straight, turn)
        words = run_tesseract(candidate, psm=6, dpi=int(dpi), timeout=timeout, optional=True)
        words = [w for w in words if w.conf >= 0]
        if not words:
            continue
        text = _reread_date_line(candidate, words, int(dpi), timeout)
        conf = float(np.mean([w.conf for w in words]))
        score = conf + (40.0 if find_dates(text) else 0.0)
        if best is None or score > best[0]:
            best = (score, text, conf / 100.0)
        if find_dates(text) and conf > 70:
            break
    if best is None or stamp_date(best[1]) is None:
        # no date in the stamp read whole: its rows, one at a time (as grey stamps are)
        rows = read_stamp_rows(mask, (0.0, 0.0, 0.0, 0.0), px_per_pt, timeout=timeout)
        if rows is not None:
            return rows.text, rows.conf
    if best is None:
        return None
    return best[1], best[2]


def _has_glyphs(mask: np.ndarray, px_per_pt: float) -> bool:
    """Printed text is many small separate marks (a stamp has dozens of letters, bold
    ones touching in words); a signature is a few long strokes."""
    f = max(1, round(px_per_pt * 72 / 150))  # look at ~150 dpi
    h, w = mask.shape
    small = np.asarray(
        mask[: h - h % f, : w - w % f].reshape(h // f, f, w // f, f).any(axis=(1, 3))
    )
    comps = imaging.components(small)
    unit = px_per_pt / f  # small pixels per point
    letters = words = 0
    for x0, y0, x1, y1, n in comps:
        if y1 - y0 > 16 * unit or n < 3:
            continue
        if x1 - x0 <= 14 * unit:
            letters += 1
        elif x1 - x0 <= 70 * unit and y1 - y0 >= 4 * unit:
            words += 1  # letters joined by bold ink or a low-resolution scan
    return letters + 3 * words >= 10


def _pad(img: Image.Image, margin: int = 20) -> Image.Image:
    out = Image.new("L", (img.width + 2 * margin, img.height + 2 * margin), 255)
    out.paste(img, (margin, margin))
    return out


_LEAD = re.compile(r"(arriv|rriv|recu|rec[uy]|enregistr)[^\n]{0,6}\ble\b")
_STAMP_STYLE = re.compile(r"^\d{1,2}\s*[A-ZÉÛ]{3,5}\.?\s*\d{2,4}$|^\d{2}[.\-/]\d{2}[.\-/]\d{4}$")


def stamp_date(text: str) -> DateMatch | None:
    """The date a stamp prints: on the line after (or right after) "ARRIVÉ LE" /
    "REÇU LE", or in a stamp's style (``12 JAN. 2022``, ``12.01.2022``); a date written
    in prose (``26 novembre 2021``) near a stamp is the document's, not the stamp's."""
    best: tuple[int, DateMatch] | None = None
    lines = text.split("\n")
    starts = []
    pos = 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln) + 1
    for dm in find_dates(text):
        li = max(i for i, st in enumerate(starts) if st <= dm.start)
        before = fold(text[starts[li] : dm.start])
        prev = fold(lines[li - 1]) if li > 0 else ""
        score = 0
        prev_raw = lines[li - 1].strip() if li > 0 else ""
        if _LEAD.search(before) or (
            not before.strip() and (_LEAD.search(prev) or prev_raw.endswith("LE"))
        ):
            score += 2
        raw = dm.raw.strip()
        if _STAMP_STYLE.match(raw):
            score += 1
        elif any(c.islower() for c in raw) and score < 2:
            continue  # prose
        if score and (best is None or score > best[0]):
            best = (score, dm)
    return best[1] if best else None


_STAMP_ANCHOR = re.compile(r"arriv|rriv|\brecu\b|courr|rrier|rectorat|\bdane\b|service")


def find_gray_stamps(
    gray: Image.Image,
    words: Sequence[OcrWord],
    px_per_pt: float,
    *,
    timeout: float = 60.0,
    located: bool = True,
) -> list[StampRead]:
    """Arrival stamps on a grey scan, where colour cannot isolate them. First by their
    ink: a stamp-sized patch of mid-grey strokes (a red or blue stamp prints lighter than
    black type), its frame dropped, straightened, read line by line; then around the
    stamp's capitals that the page's OCR read (ARRIVÉ, REÇU, RECTORAT…). Boxes in
    ``gray``'s pixels."""
    if located:
        found = read_located_gray_stamp(gray, px_per_pt, timeout=timeout)
        if found is not None:
            return [found[0]]
    return _gray_stamps_near_words(gray, words, px_per_pt, timeout=timeout)


def read_located_gray_stamp(
    gray: Image.Image, px_per_pt: float, *, timeout: float = 60.0
) -> tuple[StampRead, tuple[float, float]] | None:
    """The first stamp ``locate_gray_stamps`` finds whose date reads, with the page's
    (ink, paper) levels; box in ``gray``'s pixels."""
    grey = locate_gray_stamps(gray, px_per_pt)
    for box, levels in grey:
        read = read_gray_stamp(gray, box, levels, px_per_pt, timeout=timeout)
        if not _full_date(read):
            # its grey cut where type crossed it: its bold date, type and all
            bold = read_bold_date(gray, box, px_per_pt, levels=levels, timeout=timeout)
            read = bold or read
        if read is not None:
            return read, levels
    if not grey:
        # no grey of its own (a black-and-white scan): found by its frame
        for box in locate_framed_stamps(gray, px_per_pt):
            read = read_bold_date(gray, box, px_per_pt, timeout=timeout)
            if read is not None:
                return read, _levels(np.asarray(gray.crop(box)).astype(np.int16))
    return None


def locate_framed_stamps(
    gray: Image.Image, px_per_pt: float, *, limit: int = 3
) -> list[tuple[int, int, int, int]]:
    """Stamps by their frame, where ink alone cannot tell them (black and white): a
    closed line thick as bold print (a rubber stamp's border is ~1.5 pt; a form's rules
    and a letter's type are thinner), stamp-sized, empty inside but for the stamp's
    text. Boxes in ``gray``'s pixels, largest first."""
    f = min(1.0, 150 / (px_per_pt * 72))  # work at ~150 dpi
    small = np.asarray(imaging.downscale(gray, f))
    spp = px_per_pt * f
    inked = small < 128
    # bold strokes only, then the gaps the thinning left in a turned frame closed
    thick = imaging.close(imaging.open_(inked, max(1, round(_BOLD_HALF_PT * spp))), 2)
    if not thick.any():
        return []
    _, comps = imaging.label_components(thick)
    mm = 25.4 / 72 / spp  # mm per small pixel
    found = []
    for x0, y0, x1, y1, n in comps:
        if not _stamp_sized(x1 - x0, y1 - y0, mm):
            continue
        if n > 0.25 * (x1 - x0) * (y1 - y0):
            continue  # a filled shape (a logo, a black box), not an outline
        k = 1 / f
        found.append(
            (
                n,
                (
                    int(x0 * k),
                    int(y0 * k),
                    min(gray.width, int(x1 * k)),
                    min(gray.height, int(y1 * k)),
                ),
            )
        )
    found.sort(key=lambda t: -t[0])
    return [box for _, box in found[:limit]]


def wipe_stamp(
    gray: Image.Image, box: tuple[float, float, float, float], levels: tuple[float, float]
) -> Image.Image:
    """A copy of ``gray`` with the stamp's mid-grey ink inside ``box`` turned to paper;
    black type (and the stamp's strokes over it) is kept."""
    ink, paper = levels
    x0, y0, x1, y1 = (int(v) for v in box)
    arr = np.array(gray)
    crop = arr[y0:y1, x0:x1].astype(np.int16)
    band = _band(crop, ink, paper, 0.22, 0.85)
    crop[imaging.dilate(band, 1) & (crop >= ink + 0.22 * (paper - ink))] = int(paper)
    arr[y0:y1, x0:x1] = crop.astype(np.uint8)
    return Image.fromarray(arr)


# share of a stamp's box that its mid-grey ink covers (measured 3-10 %)
_MIN_STAMP_INK = 0.022
# a stamp is ~4-10 cm wide and 2-7 cm high, whatever its angle; a frameless dater
# (a bold date line over a service line) only ~1 cm high
_STAMP_LONG_MM = (35.0, 110.0)
_STAMP_SHORT_MM = (7.0, 70.0)


def _stamp_sized(width: float, height: float, mm_per_unit: float) -> bool:
    """Whether a ``width`` x ``height`` region (in units of ``mm_per_unit`` mm) has a
    stamp's size, whatever its angle."""
    long_mm = max(width, height) * mm_per_unit
    short_mm = min(width, height) * mm_per_unit
    return (
        _STAMP_LONG_MM[0] <= long_mm <= _STAMP_LONG_MM[1]
        and _STAMP_SHORT_MM[0] <= short_mm <= _STAMP_SHORT_MM[1]
    )


def _levels(arr: np.ndarray) -> tuple[float, float]:
    """Black ink and paper grey levels of a page: the paper is most of the page, black
    type the darkest part of what is not paper (a page with little type and a large stamp
    must not take the stamp's grey for black)."""
    paper = float(np.percentile(arr, 70))
    marks = arr[arr < paper - 60]
    if marks.size < 100:
        return float(np.percentile(arr, 0.5)), paper
    return float(np.percentile(marks, 5)), paper


def _band(arr: np.ndarray, ink: float, paper: float, lo: float, hi: float) -> np.ndarray:
    """Mid greys between black type and paper, without the soft edges of black type."""
    low, high = ink + lo * (paper - ink), ink + hi * (paper - ink)
    dark = arr < low
    return (arr >= low) & (arr <= high) & ~imaging.dilate(dark, 1)


def locate_gray_stamps(
    gray: Image.Image, px_per_pt: float, *, limit: int = 2
) -> list[tuple[tuple[int, int, int, int], tuple[float, float]]]:
    """Stamp-sized patches of mid-grey strokes on a grey page, largest first, with the
    page's (ink, paper) levels: boxes in ``gray``'s pixels."""
    f = min(1.0, 150 / (px_per_pt * 72))  # work at ~150 dpi
    small = np.asarray(imaging.downscale(gray, f)).astype(np.int16)
    ink, paper = _levels(small)
    if paper - ink < 80:
        return []  # too little contrast to tell a stamp's grey from type
    band = _band(small, ink, paper, 0.30, 0.78)
    band = imaging.close(band, 1)
    spp = px_per_pt * f
    cell = max(2, round(2.0 * 72 / 25.4 * spp))  # ~2 mm cells
    grid = imaging.dilate(imaging.grid_density(band, cell) > 0.06, 1)
    mm = cell / spp * 25.4 / 72
    found = []
    for x0, y0, x1, y1, n in imaging.components(grid, min_cells=6):
        if not _stamp_sized(x1 - x0, y1 - y0, mm):
            continue
        k = cell / f
        margin = 4 * px_per_pt
        box = (
            max(0, int(x0 * k - margin)),
            max(0, int(y0 * k - margin)),
            min(gray.width, int(x1 * k + margin)),
            min(gray.height, int(y1 * k + margin)),
        )
        # a stamp is inked all over its area; the soft edges of a block of black type
        # (blurred by a rotation) are only a sprinkle of mid greys
        crop = np.asarray(gray.crop(box)).astype(np.int16)
        if _band(crop, ink, paper, 0.30, 0.78).mean() < _MIN_STAMP_INK:
            continue
        found.append((n, box))
    found.sort(key=lambda t: -t[0])
    return [(box, (ink, paper)) for _, box in found[:limit]]


# what a rubber date stamp's line may hold: digits, capitals of the month, dots
_DATE_LINE_CHARS = "0123456789ABCDEFGHIJLMNOPRSTUVÉÛ. "
_STAMP_LINE = re.compile(
    r"^[\dO]{2}\s*[A-ZÉÛ]{3,5}\.?\s*\d{4}$|^[\dO]{2}\s?[.\-/]\s?[\dO]{2}\s?[.\-/]\s?\d{4}$"
)


# below this, a date line's digits are guesses (3 read for 8, 1 for 7)
_MIN_LINE_CONF = 0.3


def date_line(text: str) -> DateMatch | None:
    """The date of one line of a stamp read alone (``12 JAN. 2022``, ``12JANV2022``,
    ``12.01.2022``), frame strokes read as letters around it ignored; prose dates and
    partial reads are not dates. A date stamp prints the day with two digits: a single
    digit is a misread one."""
    spaced = re.sub(r"(\d)\.?([A-ZÉÛ])", r"\1 \2", text)
    spaced = re.sub(r"([A-ZÉÛ.])(\d)", r"\1 \2", spaced)
    for dm in find_dates(spaced):
        if _STAMP_LINE.match(dm.raw.strip()):
            return dm
    return None


# a date stamp's line whose year OCR garbled ("24 DÉC. 2921", "13.12.2521")
_GARBLED_YEAR = re.compile(
    r"^\s*([\dO]{2})\s*([A-ZÉÛ]{3,5})\.?\s*([\dA-Z]{4})\.?\s*$"
    r"|^\s*([\dO]{2})\s?[.\-/]\s?([\dO]{2})\s?[.\-/]\s?([\dA-Z]{4})\.?\s*$"
)
_YEAR_DIGITS = str.maketrans("OIlSBZ", "011582")


def garbled_year_line(text: str) -> tuple[str, str] | None:
    """(the line without its year, the year as read) when ``text`` is a date stamp's line
    whose day and month read and whose year did not: ``("24 DÉC", "2921")``."""
    m = _GARBLED_YEAR.match(text.strip())
    if m is None:
        return None
    if m.group(1):
        head, year = f"{m.group(1)} {m.group(2)}", m.group(3)
        probe = f"{head} 2000"
    else:
        head, year = f"{m.group(4)}.{m.group(5)}.", m.group(6)
        probe = f"{head}2000"
    if date_line(probe) is None:
        return None  # the day or the month did not read either
    if date_line(text) is not None:
        return None  # nothing garbled
    return head, year


def mend_stamp_year(text: str, years: set[int]) -> str | None:
    """A stamp's text with the year of its date line mended, when that year is one digit
    away from exactly one of ``years`` (the years around the document's own dates: a
    letter of December 2021 is stamped in 2021 or 2022, and "2921" is a misread 2021);
    None when there is nothing to mend or no single answer."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        found = garbled_year_line(line)
        if found is None:
            continue
        head, raw = found
        year = nearest_year(raw.translate(_YEAR_DIGITS), years)
        if year is None:
            return None
        sep = "" if head.endswith(".") else " "  # "13.12." or "13 DÉC"
        return "\n".join([*lines[:i], "LE", f"{head}{sep}{year}", *lines[i + 1 :]])
    return None


def nearest_year(digits: str, years: set[int]) -> int | None:
    """The year of ``years`` that ``digits`` (a year as read, four digits) spells, else
    the only one a single digit away; None when there is none or more than one."""
    if len(digits) != 4:
        return None
    near = [y for y in years if str(y) == digits] or [
        y for y in years if sum(a != b for a, b in zip(str(y), digits, strict=True)) == 1
    ]
    return near[0] if len(near) == 1 else None


def _without_frame(mask: np.ndarray, px_per_pt: float) -> np.ndarray:
    """Drop strokes larger than a letter (the stamp's frame, rules): what is left is
    the stamp's text."""
    labels, boxes = imaging.label_components(mask)
    if not boxes:
        return mask
    lim = 18 * px_per_pt
    big = np.zeros(len(boxes) + 1, dtype=bool)
    for i, (x0, y0, x1, y1, n) in enumerate(boxes):
        w, h = x1 - x0, y1 - y0
        # taller than a letter: a frame or its side; wider: a rule (thin, or a turned
        # one, sparse in its box) but not a word whose bold letters touch ("ANV")
        big[i + 1] = h > lim or (w > lim and (h < 4 * px_per_pt or n < 0.15 * w * h))
    return mask & ~big[labels]


def _text_rows(mask: np.ndarray, px_per_pt: float) -> list[tuple[int, int]]:
    """Rows of text of a straightened stamp (top, bottom), letter-sized only."""
    rows = mask.sum(axis=1)
    if rows.size == 0 or rows.max() == 0:
        return []
    on = rows > max(3, 0.04 * rows.max())
    return [(i, j) for i, j in imaging.true_runs(on) if 5 * px_per_pt <= j - i <= 26 * px_per_pt]


_DATE_ROWS = 2


def _read_date_rows(
    lines: Sequence[Image.Image], dpi: int, timeout: float
) -> list[tuple[str, float]]:
    """Rows of a stamp, each read as one line of a date stamp's characters (one tesseract
    run for all): text, mean confidence (0-1)."""
    out = []
    for found in run_tesseract_many(
        lines,
        psm=7,
        dpi=dpi,
        timeout=timeout,
        extra=("-c", "tessedit_char_whitelist=" + _DATE_LINE_CHARS),
        optional=True,
    ):
        words = [w for w in found if w.conf >= 0]
        conf = float(np.mean([w.conf for w in words])) / 100.0 if words else 0.0
        out.append((" ".join(w.text for w in words), conf))
    return out


def read_gray_stamp(
    gray: Image.Image,
    box: tuple[int, int, int, int],
    levels: tuple[float, float],
    px_per_pt: float,
    *,
    timeout: float = 60.0,
) -> StampRead | None:
    """Read the date of a stamp found by ``locate_gray_stamps``: its mid-grey ink, cut
    where black type crossed it and bridged, its frame dropped, straightened (a stamp is
    put on askew), then each text row read alone as one line of a date stamp."""
    ink, paper = levels
    arr = np.asarray(gray.crop(box)).astype(np.int16)
    dark = arr < ink + 0.22 * (paper - ink)
    band = _band(arr, ink, paper, 0.22, 0.78) & ~imaging.dilate(dark, 2)
    band = bridge(imaging.close(band, 1), imaging.dilate(dark, 2), 8)
    return read_stamp_rows(band, _fbox(box), px_per_pt, timeout=timeout)


# inked: darker than paper by this share of the paper-to-ink range (a stamp's ink too)
_BOLD_INKED = 0.5
# bold print: strokes thicker than twice this (points); a letter's stroke is ~0.5-0.8 pt,
# a stamp's 14 pt bold date ~2 pt
_BOLD_HALF_PT = 0.45
# on a grey page, bold strokes count as the stamp's within this (points) of its grey ink
_BOLD_NEAR_GREY_PT = 2.0


def read_bold_date(
    gray: Image.Image,
    box: tuple[int, int, int, int],
    px_per_pt: float,
    *,
    levels: tuple[float, float] | None = None,
    timeout: float = 60.0,
) -> StampRead | None:
    """A date stamp prints its date in bold type, about twice as thick as a letter's or
    a form's print: where colour and grey cannot tell the stamp from the type under it
    (a black-and-white scan, a stamp put on a paragraph), everything inked in ``box`` is
    kept, then only the strokes thick as bold print (an opening), which leaves the
    stamp's date whole and the type crossing it gone; its rows are read as a stamp's."""
    arr = np.asarray(gray.crop(box)).astype(np.int16)
    if arr.size == 0:
        return None
    if levels is None:
        ink, paper = float(np.percentile(arr, 1)), float(np.percentile(arr, 60))
    else:
        ink, paper = levels
    if paper - ink < 60:
        return None
    inked = arr < paper - _BOLD_INKED * (paper - ink)
    r = max(1, round(_BOLD_HALF_PT * px_per_pt))
    # the bold strokes as printed (an opening rounds them): the ink at and next to them
    bold = inked & imaging.dilate(imaging.open_(inked, r), 1)
    if levels is not None:
        # a grey page: bold print of the page itself (a title the stamp was put on) is
        # black all through; the stamp's strokes are grey but where type crossed them
        grey = _band(arr, ink, paper, 0.22, 0.78)
        bold &= imaging.dilate(grey, max(1, round(_BOLD_NEAR_GREY_PT * px_per_pt)))
    if bold.sum() < 200:
        return None
    read = read_stamp_rows(bold, _fbox(box), px_per_pt, timeout=timeout)
    return read if _full_date(read) else None  # bold text is not all stamps


def _full_date(read: StampRead | None) -> bool:
    """Whether a row read gave a whole date (not one whose year is left to mend)."""
    return read is not None and date_line(read.text.rsplit("\n", 1)[-1]) is not None


def read_stamp_rows(
    mask: np.ndarray,
    box: tuple[float, float, float, float],
    px_per_pt: float,
    *,
    timeout: float = 60.0,
) -> StampRead | None:
    """A stamp's ink (``mask``, the stamp alone), its frame dropped, straightened (a stamp
    is put on askew), then each text row read alone as one line of a date stamp: the
    first row that reads as a date gives it. ``box``: where the mask is, for evidence."""
    band = _without_frame(mask, px_per_pt)
    if band.sum() < 200:
        return None
    img = Image.fromarray(np.where(band, 0, 255).astype(np.uint8))
    angle = imaging.estimate_line_angle(np.asarray(imaging.downscale(img, 0.35)) < 128, 24)
    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    dpi = int(px_per_pt * 72)
    rows = _text_rows(np.asarray(img) < 128, px_per_pt)
    texts: list[str] = []
    pad = int(2 * px_per_pt)
    partial: StampRead | None = None  # a date line whose year did not read
    # the date is the stamp's largest print: its tallest rows only, tallest first, read
    # in one tesseract run (reading every row from the top took four)
    tallest = sorted(rows, key=lambda r: r[0] - r[1])[:_DATE_ROWS]
    lines = [
        _pad(img.crop((0, max(0, top - pad), img.width, min(img.height, bottom + pad))))
        for top, bottom in tallest
    ]
    for text, conf in _read_date_rows(lines, dpi, timeout):
        dm = date_line(text)
        texts.append(text)
        if dm is not None and conf >= _MIN_LINE_CONF:
            return StampRead("\n".join([*texts[:-1], "LE", dm.raw]), box, conf)
        if partial is None and conf >= _MIN_LINE_CONF and garbled_year_line(text):
            partial = StampRead("\n".join([*texts[:-1], "LE", text]), box, conf)
    return partial


def _gray_stamps_near_words(
    gray: Image.Image, words: Sequence[OcrWord], px_per_pt: float, *, timeout: float = 60.0
) -> list[StampRead]:
    """The page's OCR read some of the stamp's capitals (ARRIVÉ, REÇU, RECTORAT…); the
    area around them is read again alone, at a few angles."""
    anchors = [
        w
        for w in words
        if sum(c.isupper() for c in w.text) >= 3 and _STAMP_ANCHOR.search(fold(w.text))
    ]
    if not anchors:
        return []
    # the densest cluster of anchors (a stamp is ~6 x 3 cm)
    reach = 90 * px_per_pt
    best = max(
        anchors,
        key=lambda a: sum(
            1 for b in anchors if abs(b.left - a.left) < reach and abs(b.top - a.top) < reach
        ),
    )
    group = [
        b for b in anchors if abs(b.left - best.left) < reach and abs(b.top - best.top) < reach
    ]
    x0 = min(b.left for b in group)
    y0 = min(b.top for b in group)
    x1 = max(b.left + b.width for b in group)
    y1 = max(b.top + b.height for b in group)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = 95 * px_per_pt, 62 * px_per_pt
    box = (
        max(0, int(cx - half_w)),
        max(0, int(cy - half_h)),
        min(gray.width, int(cx + half_w)),
        min(gray.height, int(cy + half_h)),
    )
    bold = read_bold_date(gray, box, px_per_pt, timeout=timeout)
    if bold is not None:
        return [bold]
    crop = gray.crop(box)
    dpi = int(px_per_pt * 72)
    # a red or green stamp prints lighter than black type: first the mid greys that are
    # not the soft edges of black letters; then the crop as it is (blue prints as dark)
    band_img = _mid_greys(crop)
    sources = ([band_img] if band_img is not None else []) + [crop]
    images = [
        _pad(src.rotate(a, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255))
        for src in sources
        for a in (0.0, -9.0, 9.0)
    ]
    # the first attempt alone (a date read ends the search), the others in one run
    reads = run_tesseract_many(images[:1], psm=6, dpi=dpi, timeout=timeout, optional=True)
    tried: list[tuple[float, Image.Image, list[OcrWord]]] = []
    for k, img in enumerate(images):
        if k == len(reads):
            reads += run_tesseract_many(images[k:], psm=6, dpi=dpi, timeout=timeout, optional=True)
        found = [w for w in reads[k] if w.conf >= 0]
        if not found:
            continue
        text = ocr_text(found)
        date = stamp_date(text)
        conf = float(np.mean([w.conf for w in found]))
        if date:
            return [StampRead(text, _fbox(box), conf / 100.0)]
        tried.append((conf, img, found))
    # no date read: the date lines of the two best readings, alone
    for conf, img, found in sorted(tried, key=lambda t: -t[0])[:2]:
        text = _reread_date_line(img, found, dpi, timeout)
        if stamp_date(text):
            return [StampRead(text, _fbox(box), conf / 100.0)]
    return []


def _fbox(box: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


def _mid_greys(crop: Image.Image) -> Image.Image | None:
    arr = np.asarray(crop).astype(np.int16)
    ink, paper = np.percentile(arr, 3), np.percentile(arr, 60)
    if paper - ink < 80:
        return None
    dark = arr < ink + 0.22 * (paper - ink)
    band = (arr >= ink + 0.22 * (paper - ink)) & (arr <= ink + 0.72 * (paper - ink))
    band &= ~imaging.dilate(dark, 2)
    if band.mean() < 0.01:
        return None
    band = bridge(imaging.close(band, 1), imaging.dilate(dark, 2), 8)
    return Image.fromarray(np.where(band, 0, 255).astype(np.uint8))


def bridge(ink: np.ndarray, gaps: np.ndarray, reach: int) -> np.ndarray:
    """Where black type crossed the stamp, its strokes are cut: fill ``gaps`` pixels that
    have stamp ink on both sides (left and right, or above and below) within ``reach``."""
    reach = max(1, min(reach, 12))
    left = np.zeros_like(ink)
    right = np.zeros_like(ink)
    up = np.zeros_like(ink)
    down = np.zeros_like(ink)
    for k in range(1, reach + 1):
        left |= imaging.shift(ink, 0, -k)
        right |= imaging.shift(ink, 0, k)
        up |= imaging.shift(ink, -k, 0)
        down |= imaging.shift(ink, k, 0)
    return ink | (gaps & ((left & right) | (up & down)))


def _reread_date_line(img: Image.Image, words: Sequence[OcrWord], dpi: int, timeout: float) -> str:
    """The stamp's text; when no stamp date is in it, its lines with digits are read again
    alone, as one word (the date line of a stamp reads better without its neighbours)."""
    text = ocr_text(words)
    if stamp_date(text) is not None:
        return text
    lines = []
    for row in ocr_lines(words):
        if sum(c.isdigit() for w in row for c in w.text) < 2:
            continue
        x0 = min(w.left for w in row) - 12
        y0 = min(w.top for w in row) - 10
        x1 = max(w.left + w.width for w in row) + 12
        y1 = max(w.top + w.height for w in row) + 10
        lines.append(_pad(img.crop((max(0, x0), max(0, y0), x1, y1))))
    if not lines:
        return text
    # each line as one word, then as one line: one tesseract run for each way
    as_word = run_tesseract_many(lines, psm=8, dpi=dpi, timeout=timeout, optional=True)
    as_line = run_tesseract_many(lines, psm=7, dpi=dpi, timeout=timeout, optional=True)
    for word_read, line_read in zip(as_word, as_line, strict=True):
        for again in (word_read, line_read):
            candidate = " ".join(w.text for w in again if w.conf >= 0)
            if stamp_date("LE\n" + candidate) is not None:
                return text + "\nLE\n" + candidate
    return text
