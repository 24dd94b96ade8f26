"""Is the collectivity's signing zone inked? Judged on evidence, never on text alone.

**The zone, by meaning.** The collectivity's side of a signature block is found from
its cues, whatever the layout: "Date et signature", "Signature (et cachet)", "Le Maire",
"Pour la commune de …", "Nom / Fonction du signataire", "Fait à …, le …" (a vocabulary,
matched with OCR slips forgiven, plus the campaign's own labels). Each cue takes the side
of the nearest heading above it in its column; the rectorat's column (recteur, académie,
coordonnateur…) is left out. The zone runs from the block's first cue down below its
last, from a little left of its labels to the rector's column (or the page's edge), so
ink beside or across a label line is inside it.

**Ink that is not print.** Printed words (text layer, or confident OCR words of normal
height) and rules are masked; what ink remains is cut into connected strokes. Rings of a
round seal and the text inside them are set aside (a stamp alone is not a signature);
small marks of letter size are print the OCR missed. A signature is a stroke group wide
and tall enough, made of long thin strokes.

**Confidence.** Strong ink → signed (≥ 0.9). A blank zone found by its labels on a
digital page without any drawing or image → unsigned (0.85); on a scan, "unsigned" is
never asserted above 0.5. Anything between (small marks, a seal alone, a zone guessed
without labels) is unknown (value None, ≤ 0.5), with the zone as evidence, for triage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from extractors import imaging
from extractors.pages import Box, Line, SignatureCheck, Word, build_lines, normalize

DEFAULT_LABELS: dict[str, str] = {
    "collectivity": "Nom de la collectivité adhérente :",
    "role": "Fonction du signataire :",
    "name": "Nom du signataire :",
    "date": "Date et signature",
}

MM = 72 / 25.4  # points per millimetre

# cues of a signature block, on the folded text of one line
_LABEL = re.compile(
    r"\b(date et signature|signature|signatures|cachet|visa|lu et approuve"
    r"|nom (et qualite |et fonction |et prenom )?du signataire|signataire"
    r"|(fonction|qualite) du signataire)\b"
)
_TITLE = re.compile(
    r"^\W*(pour (la|le|l')\s?(commune|ville|mairie|collectivite|communaute|syndicat|sivos|sivu"
    r"|membre|adherent|departement|conseil|etablissement|agglomeration|metropole)"
    r"|pour le maire|(le|la|madame|monsieur) (le |la )?(maire|president|presidente)\b"
    r"|maire\b|(l')?adjoint|(le|la) (premier|premiere) adjointe?|(le|la) vice-presidente?)"
)
_FAIT = re.compile(r"^\W*fait (a|le)\b")
_RECTOR = re.compile(
    r"\b(recteur|rectrice|rectorat|academie|coordonnateur|coordonnatrice|ministere"
    r"|directeur academique|directrice academique|dasen|region academique)\b"
)
# OCR slips: these phrases are looked for approximately on short lines
_FUZZY = ("date et signature", "signature", "le maire", "pour la commune", "signataire")


@dataclass(frozen=True)
class Zone:
    box: Box  # in the page's units (points or pixels, as the lines)
    by_label: bool  # found by a label of the block (not only "Fait à" or a guess)
    cues: tuple[Box, ...] = ()  # the member's cue lines


def has_block(
    text_folded: str, labels: Mapping[str, str], *, exact: bool = False, cues: bool = True
) -> bool:
    """Cheap test on a page's folded text: may it hold a signature block? (the campaign's
    signatory labels; with ``cues``, any cue line of a signature block too)"""
    from extractors.textmatch import clean_label, fuzzy_find

    flat = " ".join(text_folded.split())
    needles = [clean_label(labels.get(k, DEFAULT_LABELS[k])) for k in ("name", "role")]
    if any(n in flat for n in needles) or (
        not exact and any(fuzzy_find(flat, n, 0.8) for n in needles)
    ):
        return True
    if not cues:
        return False
    for raw in text_folded.splitlines() or [text_folded]:
        t = " ".join(raw.split())
        if not t.isascii():  # folded text is lower case: only accents and apostrophes left
            t = normalize(t)
        if t and _cue_kind(t, fuzzy=not exact):
            return True
    return False


def _cue_kind(t: str, *, fuzzy: bool) -> str | None:
    """'label', 'title' or 'fait' for a cue line of a signature block (folded text)."""
    short = len(t) <= 70
    if _FAIT.match(t) and re.search(r"\ble\b", t[6:]):
        return "fait"
    if _TITLE.match(t) and short:
        return "title"
    if short and _LABEL.search(t) and not re.search(r"\b(signer|signee?s? par)\b", t):
        return "label"
    if fuzzy and short and len(t) >= 6:
        from extractors.textmatch import fuzzy_find

        for phrase in _FUZZY:
            if fuzzy_find(t, phrase, 0.8):
                return "title" if phrase in ("le maire", "pour la commune") else "label"
    return None


def find_zone(
    lines: Sequence[Line],
    width: float,
    height: float,
    unit: float,
    labels: Mapping[str, str],
    *,
    fuzzy: bool = True,
) -> Zone | None:
    """The collectivity's signing zone (in the lines' units; ``unit`` = units per point)."""
    from extractors.textmatch import find_label

    lab = {**DEFAULT_LABELS, **labels}
    kinds: dict[int, str] = {}
    for i, ln in enumerate(lines):
        t = normalize(ln.text)
        kind = _cue_kind(t, fuzzy=fuzzy) if t else None
        if kind is not None:
            kinds[i] = kind
    for key in ("name", "role", "collectivity", "date"):
        for hit in find_label(lines, lab[key], 0.8 if fuzzy else 0.99):
            kinds.setdefault(hit.line_index, "label")
    rector = [
        i for i, ln in enumerate(lines) if len(ln.text) <= 90 and _RECTOR.search(normalize(ln.text))
    ]
    if not kinds:
        return None
    heads = [i for i, k in kinds.items() if k == "title"] + [
        i for i in kinds if i not in rector and _is_member_head(lines[i].text)
    ]

    def side(i: int) -> str:
        """'rector' or 'member': the nearest heading above (or on) it in its column."""
        b = lines[i].box
        best: tuple[float, str] | None = None
        for j, tag in [(j, "rector") for j in rector] + [(j, "member") for j in heads]:
            o = lines[j].box
            same_col = min(o[2], b[2]) - max(o[0], b[0]) > 0 or abs(o[0] - b[0]) < 30 * unit
            dy = b[1] - o[1]
            if not same_col or dy < -2 * unit or dy > 260 * unit:
                continue
            if best is None or dy < best[0]:
                best = (dy, tag)
        return best[1] if best else "member"

    member = [i for i in kinds if i not in rector and side(i) == "member"]
    if not member:
        return None
    # the signature block: the lowest cues of the page (a "Signature" label in the body's
    # first half is a heading of the text, not where one signs)
    low = max(lines[i].box[3] for i in member)
    block = [i for i in member if lines[i].box[1] >= low - 230 * unit]
    boxes = [lines[i].box for i in block]
    by_label = any(kinds[i] in ("label", "title") for i in block)
    x0 = max(4 * unit, min(b[0] for b in boxes) - 50 * unit)
    x1 = min(width - 4 * unit, max(b[2] for b in boxes) + 170 * unit)
    y0 = max(0.0, min(b[1] for b in boxes) - 8 * unit)
    y1 = min(height - 12 * unit, low + 150 * unit)
    core_x0 = min(b[0] for b in boxes if b[2] - b[0] < 0.6 * width) if boxes else x0
    member_titles = [
        i for i, ln in enumerate(lines) if i not in rector and _is_member_head(ln.text)
    ]
    grid = _party_column(
        lines, member_titles, rector, [lines[i].box for i in block if i not in heads], width, unit
    )
    if grid is not None:
        # a grid: the cues label rows, each party has its column (the parties' titles in
        # one header row): the collectivity signs in its column, on the cues' rows
        gx0, gx1 = grid
        if gx1 - gx0 >= 40 * unit and y1 - y0 >= 20 * unit:
            return Zone((gx0, y0, gx1, y1), by_label, tuple(boxes))
    for j in rector:
        r = lines[j].box
        if r[1] > y1 or r[3] < y0 - 60 * unit:
            continue  # not beside the block
        if r[0] >= core_x0 + 60 * unit:
            x1 = min(x1, r[0] - 4 * unit)  # the rector's column on the right
        elif r[2] <= core_x0 + 10 * unit:
            x0 = max(x0, min(r[2] + 4 * unit, core_x0 - 4 * unit))  # on the left
        elif r[1] > low:
            y1 = min(y1, r[1] - 3 * unit)  # the rector's block under the member's
    if x1 - x0 < 40 * unit or y1 - y0 < 20 * unit:
        return None
    return Zone((x0, y0, x1, y1), by_label, tuple(boxes))


def _party_column(
    lines: Sequence[Line],
    heads: Sequence[int],
    rector: Sequence[int],
    boxes: Sequence[Box],
    width: float,
    unit: float,
) -> tuple[float, float] | None:
    """The collectivity's column of a signature grid: its title stands in one row with the
    rector's, both to the right of the cues (row labels) and above them; (x0, x1)."""
    narrow = [b for b in boxes if b[2] - b[0] < 0.4 * width]
    if not narrow:
        return None
    # the row labels' column: the cues at the left edge of the block
    left_x0 = min(b[0] for b in narrow)
    labels_x1 = max(b[2] for b in narrow if b[0] <= left_x0 + 30 * unit)
    top = min(b[1] for b in narrow)
    for i in heads:
        h = lines[i].box
        if h[0] < labels_x1 - 2 * unit or not (-40 * unit <= top - h[3] <= 200 * unit):
            continue
        row = [
            lines[j].box
            for j in rector
            if min(lines[j].box[3], h[3]) - max(lines[j].box[1], h[1]) > 0
        ]
        if not row:
            continue
        right = [r[0] for r in row if r[0] > h[2]]
        left = [r[2] for r in row if r[2] < h[0]]
        x0 = max([h[0] - 8 * unit, *(v + 4 * unit for v in left)])
        x1 = min(right) - 4 * unit if right else width - 4 * unit
        return x0, x1
    return None


def _is_member_head(text: str) -> bool:
    t = normalize(text)
    return bool(
        re.search(r"\b(collectivite|commune|membre|adherent|nom du signataire)\b", t)
        and len(t) <= 70
    )


def signature_area(
    lines: Sequence[Line], width: float, height: float, unit: float, labels: Mapping[str, str]
) -> Box | None:
    """Area (in the lines' units; ``unit`` = units per point) where the collectivity signs."""
    zone = find_zone(lines, width, height, unit, labels)
    return zone.box if zone else None


# --------------------------------------------------------------------------- ink


@dataclass(frozen=True)
class Ink:
    """What the ink in a zone looks like, once print is masked."""

    strong: bool  # a signature-like stroke group
    weak: bool  # some marks that are not print, not enough to tell
    seal: bool  # a round seal's ring
    width_mm: float
    height_mm: float
    pixels: int

    def describe(self) -> str:
        what = "cachet rond, " if self.seal else ""
        return f"{what}tracé {self.width_mm:.0f}×{self.height_mm:.0f} mm, {self.pixels} px"


def measure_ink(
    gray: np.ndarray,
    unit: float,
    area: Box,
    words: Sequence[Word],
    exclude: Sequence[Box] = (),
) -> Ink:
    """Ink of ``area`` (pixels; ``unit`` pixels per point) with print masked, judged as
    strokes at ~100 dpi."""
    x0, y0, x1, y1 = (round(v) for v in area)
    h, w = gray.shape
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return Ink(False, False, False, 0.0, 0.0, 0)
    crop = gray[y0:y1, x0:x1]
    factor = min(1.0, (100 / 72) / unit)
    small = np.asarray(imaging.downscale(Image.fromarray(crop), factor))
    k = unit * factor  # small pixels per point
    px_mm = k * MM  # small pixels per millimetre
    ink = imaging.despeckle(small < 200)
    rule = max(8, round(22 * px_mm))
    ink &= ~(imaging.long_runs(ink, rule) | imaging.long_runs(ink, rule, axis=0))
    seals = _seals(ink, px_mm)  # before print is masked: a seal's text cuts its rings
    heights = sorted(wd.box[3] - wd.box[1] for wd in words) or [10 * unit]
    median_h = heights[len(heights) // 2]
    for wd in words:
        printed = wd.conf >= 75 and len(wd.text.strip(".,;:-_'\"")) >= 1
        if printed and (wd.box[3] - wd.box[1]) <= 2.2 * median_h:
            _blank(ink, wd.box, x0, y0, factor, pad=1)
    for b in exclude:
        _blank(ink, b, x0, y0, factor, pad=2)
    joined = imaging.dilate(ink, 1)
    joined &= ~(imaging.long_runs(joined, rule) | imaging.long_runs(joined, rule, axis=0))
    _, comps = imaging.label_components(joined)
    strokes = []
    for cx0, cy0, cx1, cy1, n in comps:
        mx, my = (cx0 + cx1) / 2, (cy0 + cy1) / 2
        if any(math.hypot(mx - sx, my - sy) <= 1.08 * r for sx, sy, r in seals):
            continue  # the seal's rings and the text inside them
        cw, ch = (cx1 - cx0) / px_mm, (cy1 - cy0) / px_mm
        if max(cw, ch) < 1.0:
            continue  # specks
        strokes.append((cx0, cy0, cx1, cy1, n, cw, ch))
    pixels = int(sum(s[4] for s in strokes))
    # taller than print (a line of letters the OCR missed is ~3-4 mm tall, however long)
    big = [s for s in strokes if s[6] >= 5 and max(s[5], s[6]) >= 7]
    best_w = best_h = 0.0
    strong = False
    for group in _groups(big, 10 * px_mm):
        gx0 = min(s[0] for s in group)
        gy0 = min(s[1] for s in group)
        gx1 = max(s[2] for s in group)
        gy1 = max(s[3] for s in group)
        gw, gh = (gx1 - gx0) / px_mm, (gy1 - gy0) / px_mm
        n = sum(s[4] for s in group)
        longest = max(max(s[5], s[6]) for s in group)
        fill = n / max(1.0, (gx1 - gx0) * (gy1 - gy0))
        if gw * gh > best_w * best_h:
            best_w, best_h = gw, gh
        if gw >= 15 and gh >= 9 and longest >= 12 and fill <= 0.65 and n >= 4 * px_mm * 10:
            strong = True
    weak = not strong and bool(big)
    return Ink(strong, weak, bool(seals), best_w, best_h, pixels)


def _seals(ink: np.ndarray, px_mm: float) -> list[tuple[float, float, float]]:
    """Round seals: (centre x, centre y, radius) in pixels of ``ink``."""
    joined = imaging.dilate(ink, 1)
    labels_img, comps = imaging.label_components(joined)
    out: list[tuple[float, float, float]] = []
    for i, (cx0, cy0, cx1, cy1, _n) in enumerate(comps):
        cw, ch = (cx1 - cx0) / px_mm, (cy1 - cy0) / px_mm
        round_ = min(cw, ch) >= 16 and max(cw, ch) <= 70 and 0.75 <= cw / ch <= 1.33
        if round_ and _ring(labels_img[cy0:cy1, cx0:cx1] == i + 1):
            out.append(((cx0 + cx1) / 2, (cy0 + cy1) / 2, max(cx1 - cx0, cy1 - cy0) / 2))
    return out


def _groups(items: list, gap: float) -> list[list]:
    """Items (boxes first) joined when their boxes come within ``gap`` of each other."""
    groups: list[list] = []
    for it in sorted(items, key=lambda s: s[0]):
        merged = None
        for g in groups:
            if any(
                it[0] - gap <= o[2] and o[0] - gap <= it[2] and it[1] - gap <= o[3]
                and o[1] - gap <= it[3]
                for o in g
            ):  # fmt: skip
                if merged is None:
                    g.append(it)
                    merged = g
                else:
                    merged.extend(g)
                    g.clear()
        if merged is None:
            groups.append([it])
        groups = [g for g in groups if g]
    return groups


def _ring(mask: np.ndarray) -> bool:
    """Whether a roughly square mark is a ring: ink all round near its outer edge."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    if len(xs) < 20:
        return False
    cy, cx = (h - 1) / 2, (w - 1) / 2
    r = max(h, w) / 2
    d = np.hypot(xs - cx, ys - cy) / r
    near = d >= 0.8
    ang = np.floor((np.arctan2(ys[near] - cy, xs[near] - cx) + math.pi) / (2 * math.pi) * 36)
    sectors = len(set(ang.astype(int).tolist()))
    inner = float((d < 0.45).mean())
    return sectors >= 30 and inner < 0.35


def _blank(mask: np.ndarray, box: Box, ox: int, oy: int, factor: float, pad: int) -> None:
    bx0 = int((box[0] - ox) * factor) - pad
    by0 = int((box[1] - oy) * factor) - pad
    bx1 = int((box[2] - ox) * factor + 0.999) + pad
    by1 = int((box[3] - oy) * factor + 0.999) + pad
    h, w = mask.shape
    if bx1 <= 0 or by1 <= 0 or bx0 >= w or by0 >= h:
        return
    mask[max(0, by0) : min(h, by1), max(0, bx0) : min(w, bx1)] = False


def verdict(ink: Ink, zone: Zone, *, scan: bool, drawn: bool = True) -> tuple[bool | None, float]:
    """``signed`` and its confidence from the ink found. ``scan``: the page is an image
    (OCR'd, or a scan under a text layer); ``drawn``: a digital page has vector strokes or
    images in the zone (False: nothing but text there)."""
    if ink.strong:
        return True, (0.95 if zone.by_label else 0.85)
    if ink.weak or ink.seal:
        return None, (0.45 if ink.seal else 0.4)
    if scan:
        return False, 0.5 if zone.by_label else 0.35
    if not drawn:
        return False, 0.85 if zone.by_label else 0.6
    return False, 0.75 if zone.by_label else 0.5


def check_ink(
    gray: np.ndarray,
    unit: float,
    area: Box,
    words: Sequence[Word],
    exclude: Sequence[Box] = (),
    *,
    zone: Zone | None = None,
    scan: bool = True,
) -> SignatureCheck:
    """Judge the ink in ``area`` of a grayscale page (``unit`` pixels per point)."""
    zone = zone or Zone(area, True)
    ink = measure_ink(gray, unit, area, words, exclude)
    ratio = ink.pixels / max(1.0, (area[2] - area[0]) * (area[3] - area[1]))
    signed, conf = verdict(ink, zone, scan=scan)
    return SignatureCheck(signed, conf, area, ratio, ink.describe())  # type: ignore[arg-type]


def check_page(
    gray: np.ndarray,
    unit: float,
    words: Sequence[Word],
    labels: Mapping[str, str],
    exclude: Sequence[Box] = (),
    walls: Sequence[Box] = (),
) -> SignatureCheck | None:
    """Signature check of one scanned page image (``words`` in its pixels, ``unit`` px
    per point; ``walls``: its grids' vertical rules, which no line runs across)."""
    h, w = gray.shape
    lines = build_lines(words, w, walls)
    zone = find_zone(lines, float(w), float(h), unit, labels)
    if zone is None:
        return None
    return check_ink(gray, unit, zone.box, words, exclude, zone=zone, scan=True)
