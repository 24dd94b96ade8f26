"""One page from its source to a ``Page``: the text layer when usable, else render,
orient, deskew and OCR. Page images live only inside ``process_page``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image

from extractors import imaging, signature
from extractors.cells import find_cells, read_cells, walls
from extractors.dates import find_dates, fold
from extractors.fields import COUNT_LABELS, acknowledgment_missing
from extractors.limits import Limits
from extractors.ocr import (
    OcrWord,
    ocr_lines,
    ocr_text,
    read_quality,
    run_tesseract,
    run_tesseract_many,
)
from extractors.pages import Box, Page, StampRead, Word
from extractors.parsers import PageSource

SIGNATURE_DPI = 100
STAMP_WORDS = ("arrive", "recu", "courrier", "enregistre", "rectorat", "depart", "recu le")


def looks_like_stamp(read: StampRead) -> bool:
    t = fold(read.text)
    return bool(find_dates(read.text)) or any(k in t for k in STAMP_WORDS)


def process_page(source: PageSource, limits: Limits, labels: Mapping[str, str]) -> Page:
    text = source.text_layer()
    if text is not None:
        return _text_page(source, text, labels)
    return _ocr_page(source, limits, labels)


def _text_page(source: PageSource, text: str, labels: Mapping[str, str]) -> Page:
    page = Page(
        number=source.number,
        width=source.width,
        height=source.height,
        text=text,
        ocr=False,
        words_loader=source.words_loader(),
        head=getattr(source, "head", None),
    )
    zone = None
    if signature.has_block(fold(text), labels, exact=True):
        zone = signature.find_zone(page.lines, page.width, page.height, 1.0, labels, fuzzy=False)
    marks = None
    if zone is not None:
        from extractors.pdfsig import page_marks

        marks = page_marks(source, zone.box)
        if marks is not None and not marks.drawn:
            # drawings further down the same columns: look there too (less sure of it)
            zx0, zy0, zx1, _ = zone.box
            lower = (zx0, zy0, zx1, page.height - 12)
            below = page_marks(source, lower)
            if below is not None and below.drawn:
                zone, marks = signature.Zone(lower, False, zone.cues), below
        if marks is not None and not marks.drawn:
            if _ink_beside(source, page, zone.box, page_marks):
                # ink on the signing part of the page, outside the zone found: a person
                # must look (never a confident "unsigned" beside a drawn signature)
                page.signature = signature.SignatureCheck(
                    None,  # type: ignore[arg-type]
                    0.4,
                    zone.box,
                    0.0,
                    "tracé ou image hors de la zone de signature : à vérifier",
                )
                return page
            # nothing but text in the zone: no need to look at the page's pixels
            signed, conf = signature.verdict(
                signature.Ink(False, False, False, 0.0, 0.0, 0), zone, scan=False, drawn=False
            )
            page.signature = signature.SignatureCheck(
                signed,  # type: ignore[arg-type]
                conf,
                zone.box,
                0.0,
                "zone de signature sans tracé ni image",
            )
            zone = None
    if not (zone is not None or source.has_images()):
        return page
    rendered = source.render(SIGNATURE_DPI)
    unit = rendered.px_per_pt
    if source.has_images():
        # a scan with a text layer may carry a stamp on its image
        from extractors.stamp import find_stamps

        page.stamps = find_stamps(rendered.image, unit)
    if zone is not None:
        gray = np.asarray(rendered.image.convert("L"))
        words_px = [Word(w.text, _scale_box(w.box, unit), w.conf) for w in page.words]
        exclude = [_scale_box(s.box, unit) for s in page.stamps if looks_like_stamp(s)]
        area = _scale_box(zone.box, unit)
        scanned = marks is None or marks.scan
        check = signature.check_ink(gray, unit, area, words_px, exclude, zone=zone, scan=scanned)
        if marks is not None and not check.raw.startswith("cachet"):
            extra = f"; PDF : {marks.strokes} tracés, {marks.images} images"
            signed, conf = check.signed, check.confidence
            if signed is False and marks.drawn:
                # the PDF draws in the zone what the pixels do not show as ink: unknown
                signed, conf, extra = None, min(conf, 0.45), extra + " : à vérifier"
            check = signature.SignatureCheck(
                signed,  # type: ignore[arg-type]
                conf,
                check.area,
                check.ink_ratio,
                check.raw + extra,
            )
        page.signature = _scaled_check(check, 1 / unit)
    return page


_RECTOR_CUE = re.compile(r"\b(recteur|rectrice|rectorat|academie|coordonnat)")


def _ink_beside(page_source: PageSource, page: Page, zone: Box, page_marks: Any) -> bool:
    """Whether the signing part of a digital page (from the zone's top down) draws
    strokes or images outside the zone found, the rector's column aside."""
    top = max(0.0, zone[1] - 40)
    cols = sorted(
        (ln.box[0], ln.box[2])
        for ln in page.lines
        if ln.box[1] < zone[3] and _RECTOR_CUE.search(fold(ln.text))
    )
    spans: list[tuple[float, float]] = []
    x = 0.0
    for c0, c1 in cols:
        if c0 - 10 > x:
            spans.append((x, c0 - 10))
        x = max(x, c1 + 10)
    spans.append((x, page.width))
    for x0, x1 in spans:
        if x1 - x0 < 40:
            continue
        marks = page_marks(page_source, (x0, top, x1, page.height))
        if marks is not None and marks.drawn:
            return True
    return False


def _scale_box(box: Box, s: float) -> Box:
    return (box[0] * s, box[1] * s, box[2] * s, box[3] * s)


def _scaled_check(check: signature.SignatureCheck, s: float) -> signature.SignatureCheck:
    return signature.SignatureCheck(
        check.signed, check.confidence, _scale_box(check.area, s), check.ink_ratio, check.raw
    )


def _ocr_page(source: PageSource, limits: Limits, labels: Mapping[str, str]) -> Page:
    from extractors.stamp import find_stamps

    rendered = source.render(limits.ocr_dpi)
    rgb = rendered.image
    unit = rendered.px_per_pt  # pixels per point of the original page
    dpi = max(72, round(unit * 72))
    stamps = find_stamps(rgb, unit, timeout=limits.ocr_timeout_s) if rgb.mode == "RGB" else []
    gray_img = rgb.convert("L")
    del rgb, rendered

    # orientation on a ~100 dpi copy
    small = np.asarray(imaging.downscale(gray_img, 100 / dpi))
    if imaging.is_blank(small):
        return Page(
            number=source.number,
            width=source.width,
            height=source.height,
            text="",
            ocr=True,
            stamps=stamps,
            _words=[],
        )
    orient = imaging.detect_orientation(small)
    to_proc = imaging.quarter_turn(orient.rotation, gray_img.width, gray_img.height)
    gray_img = imaging.rotate_image(gray_img, orient.rotation)

    # a grey scan's stamp, found by its mid-grey ink and read alone (before the deskew's
    # resampling blurs its strokes: the stamp is straightened on its own), is wiped from
    # the image the page's OCR reads: its strokes no longer hide the type under it
    from extractors.stamp import find_gray_stamps, read_located_gray_stamp, wipe_stamp

    gray_read: StampRead | None = None
    levels: tuple[float, float] | None = None
    if not any(looks_like_stamp(s) and find_dates(s.text) for s in stamps):
        located = read_located_gray_stamp(gray_img, unit, timeout=limits.ocr_timeout_s)
        if located is not None:
            gray_read, levels = located
    angle = orient.skew
    if angle:
        turn = imaging.small_rotation(angle, gray_img.width, gray_img.height)
        to_proc = turn @ to_proc
        gray_img = gray_img.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
        if gray_read is not None:
            x0, y0, x1, y1 = turn.map_box(gray_read.box)
            box = (max(0.0, x0), max(0.0, y0), min(gray_img.width, x1), min(gray_img.height, y1))
            gray_read = StampRead(gray_read.text, box, gray_read.conf)
    ocr_img = gray_img
    if gray_read is not None and levels is not None:
        ocr_img = wipe_stamp(gray_img, gray_read.box, levels)
    words = run_tesseract(ocr_img, dpi=dpi, timeout=limits.ocr_timeout_s)
    if _weak(words) and gray_read is None:
        # orientation unsure and the text reads badly: try the page the other way up
        flipped = imaging.rotate_image(gray_img, 180)
        alt = run_tesseract(flipped, dpi=dpi, timeout=limits.ocr_timeout_s, optional=True)
        if _score(alt) > _score(words) * 1.2:
            to_proc = imaging.quarter_turn(180, gray_img.width, gray_img.height) @ to_proc
            gray_img, words = flipped, alt
    read_img = gray_img if gray_read is None else ocr_img  # the image ``words`` come from
    del ocr_img

    proc_words = without_ghosts([w for w in words if w.conf >= 0])
    # a ruled form's or table's cells, each read alone (rules and tints misread otherwise)
    grid = find_cells(np.asarray(read_img), unit)
    proc_words = read_cells(read_img, proc_words, unit, dpi, limits.ocr_timeout_s, grid)
    # text the page's layout analysis dropped (lines on dotted rules): read again, alone
    to_px = to_proc @ imaging.scale(unit)
    apart = [to_px.map_box(s.box) for s in stamps if _stamp_apart(s)]
    if gray_read is not None:
        apart.append(gray_read.box)
    proc_words = recover_lost_lines(read_img, proc_words, unit, dpi, apart, limits)
    del read_img
    folded = fold(ocr_text(proc_words))
    targets: list[tuple[str, str | None]] = []
    if signature.has_block(folded, labels, cues=False):
        keys = ("collectivity", "role", "name", "date")
        targets += [(labels[k], None) for k in keys if k in labels]
    if any(fold(label) in folded for label in COUNT_LABELS):
        # longest first: "Nombre de comptes" must not re-read the line of "Nombre de
        # comptes élèves"
        targets += [(lab, "0123456789") for lab in sorted(COUNT_LABELS, key=len, reverse=True)]
    if targets:
        proc_words = _read_label_values(gray_img, proc_words, unit, dpi, targets, limits)
    if _ACK_WORDS.search(folded):
        missing = acknowledgment_missing(ocr_text(proc_words))
        if missing:
            proc_words = _reread_acknowledgment(gray_img, proc_words, unit, dpi, missing, limits)
    # the page as read (upright, straight) in points; ``to_file`` maps it back onto the
    # page as filed, for evidence
    up = imaging.scale(1 / unit)  # processed px -> upright points
    to_file = (to_proc @ imaging.scale(unit)).inverse() @ imaging.scale(unit)
    from_file = to_file.inverse()  # original points -> upright points
    stamps = [StampRead(s.text, from_file.map_box(s.box), s.conf) for s in stamps]
    if gray_read is not None:
        stamps.append(StampRead(gray_read.text, up.map_box(gray_read.box), gray_read.conf))
    elif not any(looks_like_stamp(s) and find_dates(s.text) for s in stamps):
        reads = find_gray_stamps(
            gray_img, proc_words, unit, timeout=limits.ocr_timeout_s, located=False
        )
        for read in reads:
            stamps.append(StampRead(read.text, up.map_box(read.box), read.conf))
    page = Page(
        number=source.number,
        width=gray_img.width / unit,
        height=gray_img.height / unit,
        text=ocr_text(proc_words),
        ocr=True,
        stamps=stamps,
        to_file=to_file,
    )
    page._words = [Word(w.text, up.map_box(w.box), w.conf) for w in proc_words]

    if signature.has_block(fold(page.text), labels):
        gray = np.asarray(gray_img)
        words_px = [Word(w.text, w.box, w.conf) for w in proc_words]
        exclude = [_scale_box(s.box, unit) for s in stamps if looks_like_stamp(s)]
        check = signature.check_page(gray, unit, words_px, labels, exclude, walls(grid))
        if check is not None:
            page.signature = _scaled_check(check, 1 / unit)
    return page


# the page's words are looked for on a copy of about this resolution
_BANDS_DPI = 100


def recover_lost_lines(
    gray: Image.Image,
    words: list[OcrWord],
    unit: float,
    dpi: int,
    apart: Sequence[Box],
    limits: Limits,
) -> list[OcrWord]:
    """Tesseract's page layout analysis (psm 3) drops whole lines of a fill-in form: on
    a scan, every line after the first dotted rule ("Nom de la collectivité : ......",
    the value written on the dots) may be missing. The letters no read word covers are
    found on a small copy of the page (``imaging.uncovered_bands``: lines of letter
    strokes, the dots, rules and specks left out); only when there are some, those
    bands are cropped, their leader dots, rules and read words wiped, and read in one
    tesseract run as blocks of lines (psm 6). Their words are put in the page's words
    (page pixels, before the line that follows them on the page), none where a word
    was already read. ``apart``: boxes (page pixels) not to look at (stamps)."""
    if not words:
        return words
    f = min(1.0, _BANDS_DPI / dpi)
    small = np.asarray(imaging.downscale(gray, f))
    spp = unit * f
    stems = imaging.text_stems(imaging.ink_mask(small), spp)
    covered = np.zeros_like(stems)
    pad = max(1, round(1.0 * spp))
    sh, sw = covered.shape

    def paint(box: Box, margin: int) -> None:
        x0, y0, x1, y1 = box
        covered[
            max(0, int(y0 * f) - margin) : min(sh, int(np.ceil(y1 * f)) + margin),
            max(0, int(x0 * f) - margin) : min(sw, int(np.ceil(x1 * f)) + margin),
        ] = True

    for w in words:
        paint(w.box, pad)
    for box in apart:
        paint(box, pad)
    heights = sorted(w.height for w in words if w.conf >= 60)
    line_h = heights[len(heights) // 2] * f if len(heights) >= 5 else 10.0 * spp
    bands = imaging.uncovered_bands(stems, covered, line_h)
    if not bands:
        return words

    crops: list[np.ndarray] = []
    origins: list[tuple[int, int, int, int]] = []
    page = np.asarray(gray)
    for bx0, by0, bx1, by1 in bands:
        mx, my = line_h, 0.35 * line_h
        x0 = int(max(0, (bx0 - mx) / f))
        x1 = int(min(gray.width, (bx1 + mx) / f))
        y0 = int(max(0, (by0 - my) / f))
        y1 = int(min(gray.height, (by1 + my) / f))
        arr = imaging.erase_leader_dots(page[y0:y1, x0:x1], unit)
        inked = arr < 128
        near = inked | imaging.shift(inked, 1, 0) | imaging.shift(inked, -1, 0)
        arr[imaging.long_runs(near, round(20 * unit)) & inked] = 255  # rules, "_____"
        # what was read stays the page read's; a stamp is no text of the page
        for wx0, wy0, wx1, wy1 in [w.box for w in words] + list(apart):
            if wx1 > x0 and wx0 < x1 and wy1 > y0 and wy0 < y1:
                rows = slice(max(0, int(wy0) - y0), max(0, int(np.ceil(wy1)) - y0))
                arr[rows, max(0, int(wx0) - x0) : max(0, int(np.ceil(wx1)) - x0)] = 255
        crops.append(arr)
        origins.append((x0, y0, x1, y1))
    reads = run_tesseract_many(crops, psm=6, dpi=dpi, timeout=limits.ocr_timeout_s, optional=True)

    fresh: list[list[OcrWord]] = []  # lines, top to bottom
    for k, (read, (x0, y0, _x1, _y1), band) in enumerate(zip(reads, origins, bands, strict=True)):
        bx0, by0, bx1, by1 = (v / f for v in band)
        kept = [
            OcrWord(
                w.text, w.left + x0, w.top + y0, w.width, w.height, w.conf, 800 + k, w.par, w.line
            )
            for w in read
            if w.conf >= 0 and w.text.strip()
        ]
        kept = [
            w
            for w in kept
            if bx0 - line_h / f <= w.left + w.width / 2 <= bx1 + line_h / f
            and by0 - 0.35 * line_h / f <= w.top + w.height / 2 <= by1 + 0.35 * line_h / f
            and not any(_overlap(w, old) > 0.3 for old in words)
        ]
        letters = sum(len(re.sub(r"[\W_]", "", w.text)) for w in kept)
        if not kept or read_quality(kept) < 0.4 * letters:
            continue  # junk: a drawing, a scribble
        fresh += ocr_lines(kept)
    if not fresh:
        return words
    return _insert_lines(words, fresh)


def _stamp_apart(read: StampRead) -> bool:
    """Whether a coloured-ink region is a stamp, kept out of the page's text: its words
    say so, or it holds a date and is no larger than a date stamp (a form filled in with
    a blue pen is coloured ink too, over many lines, with its date of signing)."""
    if any(k in fold(read.text) for k in STAMP_WORDS):
        return True
    x0, y0, x1, y1 = read.box
    return bool(find_dates(read.text)) and x1 - x0 <= 220 and y1 - y0 <= 120


def _overlap(a: OcrWord, b: OcrWord) -> float:
    """The share of ``a``'s box inside ``b``'s."""
    ix = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    iy = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    if ix <= 0 or iy <= 0:
        return 0.0
    return ix * iy / max(1, a.width * a.height)


def _insert_lines(words: list[OcrWord], fresh: list[list[OcrWord]]) -> list[OcrWord]:
    """``words`` with each of the ``fresh`` lines put before the first line read (in
    reading order) that lies below it across the same columns, else at the end."""
    lines = ocr_lines(words)
    boxes = [
        (
            min(w.left for w in ln),
            min(w.top for w in ln),
            max(w.left + w.width for w in ln),
            max(w.top + w.height for w in ln),
        )
        for ln in lines
    ]
    before: dict[int, list[list[OcrWord]]] = {}
    for new in sorted(fresh, key=lambda ln: min(w.top for w in ln)):
        nx0 = min(w.left for w in new)
        nx1 = max(w.left + w.width for w in new)
        mid = (min(w.top for w in new) + max(w.top + w.height for w in new)) / 2
        at = next(
            (
                i
                for i, (x0, y0, x1, _y1) in enumerate(boxes)
                if y0 > mid and min(x1, nx1) - max(x0, nx0) > 0
            ),
            len(lines),
        )
        before.setdefault(at, []).append(new)
    out: list[OcrWord] = []
    for i in range(len(lines) + 1):
        for new in before.get(i, []):
            out += new
        if i < len(lines):
            out += lines[i]
    return out


def _read_label_values(
    gray: Image.Image,
    words: list[OcrWord],
    unit: float,
    dpi: int,
    targets: Sequence[tuple[str, str | None]],
    limits: Limits,
) -> list[OcrWord]:
    """Handwriting after a form's label is often dropped by the page's layout analysis,
    or read as junk along the dotted leader line: read the strip right of each label that
    has nothing legible after it again, as one line, without the dots. ``targets``:
    (label, characters the value may hold, None for any): a count is read as digits only
    ("&" was an 8, "«T4" 117). Returns the page's words with the strip's junk replaced."""
    from extractors.pages import build_lines
    from extractors.textmatch import find_label

    page_words = [Word(w.text, w.box, w.conf) for w in words]
    lines = build_lines(page_words, gray.width)
    added: list[OcrWord] = []
    junk: list[tuple[int, int, int, int]] = []
    counted: set[int] = set()  # lines whose count label was handled (by a longer label)
    # the strips to read again: characters allowed, image, region, the label's height
    todo: list[tuple[str | None, Image.Image, tuple[int, int, int, int], float]] = []
    for label, allowed in targets:
        value = re.compile(rf"\s*[{allowed}]+\s*") if allowed is not None else None
        for hit in find_label(lines, label):
            if allowed is not None:
                if hit.line_index in counted:
                    continue
                counted.add(hit.line_index)
            line = lines[hit.line_index]
            if allowed is not None and re.search(r"[^\W\d_]{2}", line.text[: hit.start]):
                continue  # the words in a sentence ("Le nombre de comptes élèves correspond")
            after = line.text[hit.end :]
            legible = line.span_conf(hit.end, len(line.text)) >= 60
            if allowed is None and len(re.sub(r"[\W_]", "", after)) >= 2 and legible:
                continue
            if value is not None and value.fullmatch(after) and legible:
                continue
            lbox = line.span_box(hit.start, hit.end)
            h = lbox[3] - lbox[1]
            right = [
                ln
                for ln in lines
                if ln is not line
                and ln.box[0] > lbox[2]
                and min(ln.box[3], lbox[3]) - max(ln.box[1], lbox[1]) > 0.3 * h
                and ln.conf >= 60
                and (value is None or value.fullmatch(ln.text))
            ]
            if right:
                continue
            x0 = int(lbox[2] + 3 * unit)
            x1 = int(min(gray.width - 10 * unit, x0 + 300 * unit))
            y0 = int(max(0, lbox[1] - 0.9 * h))
            y1 = int(min(gray.height, lbox[3] + 0.7 * h))
            if x1 - x0 < 20 * unit:
                continue
            strip = gray.crop((x0, y0, x1, y1))
            if float(np.asarray(strip).min()) > 150:
                continue  # nothing written
            strip = _without_dots(strip, unit, 1.6 if allowed is None else 2.0)
            todo.append((allowed, strip, (x0, y0, x1, y1), h))

    # every strip of one kind of value in one tesseract run (a start costs more than a line)
    for allowed in dict.fromkeys(a for a, *_ in todo):
        batch = [t for t in todo if t[0] == allowed]
        extra = ("-c", f"tessedit_char_whitelist={allowed}") if allowed else ()
        reads = run_tesseract_many(
            [strip for _, strip, _, _ in batch],
            psm=7,
            dpi=dpi,
            timeout=limits.ocr_timeout_s,
            extra=extra,
            optional=True,
        )
        for (_, strip, region, h), got in zip(batch, reads, strict=True):
            x0, y0, _x1, _y1 = region
            fresh = [
                OcrWord(w.text, w.left + x0, w.top + y0, w.width, w.height, w.conf, 900, 1, 0)
                for w in got
                if w.conf >= 0 and re.search(r"\w", w.text)
            ]
            if allowed is not None and not fresh:
                stroke = _lone_stroke(strip, h)
                if stroke is not None:
                    sx0, sy0, sx1, sy1 = stroke
                    fresh = [
                        OcrWord("1", sx0 + x0, sy0 + y0, sx1 - sx0, sy1 - sy0, 50.0, 900, 1, 0)
                    ]
            old = [w for w in words if _inside(w, [region])]
            better = read_quality(fresh) > read_quality(old)
            if allowed is not None and fresh and not any(c.isdigit() for w in old for c in w.text):
                better = True  # digits, even unsure, where nothing numeric was read
            if better:
                junk.append(region)
                added += fresh

    return [w for w in words if not _inside(w, junk)] + added


# the prefecture's acknowledgment block ("Envoyé en préfecture le … Reçu en préfecture
# le … ID : …", "Accusé de réception en préfecture … Date de télétransmission …")
_ACK_WORDS = re.compile(
    r"(envoye|recu|reception|accuse de reception) (en |a la )?pref|teletransmis"
)
_ACK_ANCHOR = re.compile(r"^(envoy|accus|recu|teletransm|affich)")
# the block's lines from its first anchor line on, and its width (points)
_ACK_LINES = 5.5
_ACK_WIDTH_PT = 270.0


def _reread_acknowledgment(
    gray: Image.Image,
    words: list[OcrWord],
    unit: float,
    dpi: int,
    missing: set[str],
    limits: Limits,
) -> list[OcrWord]:
    """An acknowledgment block is often boxed, or printed beside the collectivity's
    heading and crossed by its rule: the page's layout analysis then merges its lines
    with the heading's and garbles them ("Reçu en préfecture le" read as "do aan le").
    Its area, from its first line down a few lines, is read again alone, rules and frame
    removed; a fresh line that holds what the page's read lacks (``missing``: the act
    identifier, the receipt date) replaces the page's words where it is."""
    anchors = [
        w
        for row in ocr_lines(words)
        if _ACK_WORDS.search(fold(" ".join(x.text for x in row)))
        for w in row
        if _ACK_ANCHOR.match(fold(w.text))
    ]
    if not anchors:
        return words
    first = min(anchors, key=lambda w: w.top)
    h = max(first.height, 6 * unit)
    x0 = int(max(0, first.left - 0.8 * h))
    y0 = int(max(0, first.top - 0.8 * h))
    x1 = int(min(gray.width, x0 + _ACK_WIDTH_PT * unit))
    y1 = int(min(gray.height, first.top + (_ACK_LINES + 1) * h))
    arr = np.array(gray.crop((x0, y0, x1, y1)))
    inked = arr < 128
    # the frame and a heading's rule (a slightly skewed rule steps a pixel up or down)
    near = inked | imaging.shift(inked, 1, 0) | imaging.shift(inked, -1, 0)
    rules = imaging.long_runs(near, round(20 * unit)) | imaging.long_runs(
        inked, round(12 * unit), axis=0
    )
    arr[rules & inked] = 255
    fresh = [
        OcrWord(w.text, w.left + x0, w.top + y0, w.width, w.height, w.conf, 950, w.par, w.line)
        for w in run_tesseract(arr, psm=6, dpi=dpi, timeout=limits.ocr_timeout_s, optional=True)
        if w.conf >= 0 and re.search(r"\w", w.text)
    ]
    taken: list[OcrWord] = []
    replaced: list[tuple[int, int, int, int]] = []  # the taken lines' boxes
    for row in ocr_lines(fresh):
        if not missing - acknowledgment_missing(" ".join(w.text for w in row)):
            continue  # nothing the page's read lacks
        taken += row
        top = min(w.top for w in row)
        bottom = max(w.top + w.height for w in row)
        replaced.append((x0, top, x1, bottom))
    if not taken:
        return words

    # the page's words on those lines, inside the block (not a heading that runs into
    # it); a garbled word may stand taller or shorter than the line it was made of
    def on_taken_line(w: OcrWord) -> bool:
        return w.left >= x0 and any(
            min(w.top + w.height, b) - max(w.top, t) >= 0.5 * min(b - t, w.height)
            for _, t, _, b in replaced
        )

    return [w for w in words if not on_taken_line(w)] + taken


def _lone_stroke(strip: Image.Image, height: float) -> tuple[int, int, int, int] | None:
    """Tesseract reads no lone "1" written or printed in italics in a count's field (one
    slanted stroke, alone): the box of the strip's only mark when it is one such stroke,
    as tall as the label's letters (``height``, pixels) give or take, under half as wide
    as tall. Marks cut by the strip's edge are the lines above and below."""
    arr = np.asarray(strip)
    marks = [
        c for c in imaging.components(arr < 128) if c[4] >= 10 and c[1] > 0 and c[3] < arr.shape[0]
    ]
    if len(marks) != 1:
        return None
    x0, y0, x1, y1, _n = marks[0]
    tall = y1 - y0
    if not 0.55 * height <= tall <= 2.2 * height or (x1 - x0) > 0.45 * tall:
        return None
    return x0, y0, x1, y1


def without_ghosts(words: list[OcrWord]) -> list[OcrWord]:
    """Tesseract sometimes reads an accent or a speck inside a word as a word of its own
    ("Mairie CC du Bailleul", the "CC" a sliver within "Mairie"): an unsure word lying
    inside a surer, larger one is dropped."""

    def within(small: OcrWord, big: OcrWord) -> bool:
        if small is big or small.conf >= 60 or big.conf < small.conf:
            return False
        if small.width * small.height >= big.width * big.height:
            return False
        ix = min(small.left + small.width, big.left + big.width) - max(small.left, big.left)
        iy = min(small.top + small.height, big.top + big.height) - max(small.top, big.top)
        return ix > 0 and iy > 0 and ix * iy >= 0.8 * small.width * small.height

    # compare each word with those of its paragraph only (a ghost is often given a line
    # of its own, above the word it lies in)
    ghosts = {
        id(w)
        for row in ocr_lines(words, paragraphs=True)
        for w in row
        if any(within(w, other) for other in row)
    }
    return [w for w in words if id(w) not in ghosts] if ghosts else words


def _inside(w: OcrWord, regions: list[tuple[int, int, int, int]]) -> bool:
    cx, cy = w.left + w.width / 2, w.top + w.height / 2
    return any(a <= cx <= c and b <= cy <= d for a, b, c, d in regions)


def _without_dots(strip: Image.Image, unit: float, speck_pt: float = 1.6) -> Image.Image:
    """Erase the dotted leader line a form prints after its labels (and specks): marks
    smaller than ``speck_pt`` each way. Letters are larger; what is lost is the dot of an
    i (a name's accents are ~1.7 pt: a count's strip, digits only, also loses a bold
    label's colon at 2 pt).
    What is lighter than ink is paper: the faint rings JPEG leaves of the dots misled
    tesseract ("Maire" read as nothing)."""
    arr = np.array(strip)
    mask = arr < 170
    small = speck_pt * unit
    for x0, y0, x1, y1, _n in imaging.components(mask):
        if x1 - x0 <= small and y1 - y0 <= small:
            region = arr[y0:y1, x0:x1]
            region[mask[y0:y1, x0:x1]] = 255
    arr[~mask] = 255
    return Image.fromarray(arr)


def _score(words: list[OcrWord]) -> float:
    good = [w for w in words if w.conf >= 60 and len(w.text) >= 3 and w.text.isalpha()]
    return float(sum(len(w.text) for w in good))


def _weak(words: list[OcrWord]) -> bool:
    confs = [w.conf for w in words if w.conf >= 0]
    if len(confs) < 15:
        return False  # too little text to judge, or to matter
    return float(np.mean(confs)) < 55
