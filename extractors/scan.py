"""One page from its source to a ``Page``: the text layer when usable, else render,
orient, deskew and OCR. Page images live only inside ``process_page``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PIL import Image

from extractors import imaging, signature
from extractors.dates import find_dates, fold
from extractors.limits import Limits
from extractors.ocr import OcrWord, ocr_text, run_tesseract
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
    need_sig = signature.has_block(fold(text), labels)
    if not (need_sig or source.has_images()):
        return page
    rendered = source.render(SIGNATURE_DPI)
    unit = rendered.px_per_pt
    if source.has_images():
        # a scan with a text layer may carry a stamp on its image
        from extractors.stamp import find_stamps

        page.stamps = find_stamps(rendered.image, unit)
    if need_sig:
        gray = np.asarray(rendered.image.convert("L"))
        words_px = [Word(w.text, _scale_box(w.box, unit), w.conf) for w in page.words]
        exclude = [_scale_box(s.box, unit) for s in page.stamps if looks_like_stamp(s)]
        check = signature.check_page(gray, unit, words_px, labels, exclude)
        if check is not None:
            page.signature = _scaled_check(check, 1 / unit)
    return page


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
    angle = orient.skew
    if angle:
        to_proc = imaging.small_rotation(angle, gray_img.width, gray_img.height) @ to_proc
        gray_img = gray_img.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)

    words = run_tesseract(gray_img, dpi=dpi, timeout=limits.ocr_timeout_s)
    if _weak(words):
        # orientation unsure and the text reads badly: try the page the other way up
        flipped = imaging.rotate_image(gray_img, 180)
        alt = run_tesseract(flipped, dpi=dpi, timeout=limits.ocr_timeout_s)
        if _score(alt) > _score(words) * 1.2:
            to_proc = imaging.quarter_turn(180, gray_img.width, gray_img.height) @ to_proc
            gray_img, words = flipped, alt

    proc_words = [w for w in words if w.conf >= 0]
    back = (to_proc @ imaging.scale(unit)).inverse()  # processed px -> original points
    if not any(looks_like_stamp(s) and find_dates(s.text) for s in stamps):
        from extractors.stamp import find_gray_stamps

        for read in find_gray_stamps(gray_img, proc_words, unit, timeout=limits.ocr_timeout_s):
            stamps.append(StampRead(read.text, back.map_box(read.box), read.conf))
    page_words = [Word(w.text, back.map_box(w.box), w.conf) for w in proc_words]
    text = ocr_text(proc_words)
    page = Page(
        number=source.number,
        width=source.width,
        height=source.height,
        text=text,
        ocr=True,
        stamps=stamps,
    )
    page._words = page_words

    if signature.has_block(fold(text), labels):
        gray = np.asarray(gray_img)
        words_px = [Word(w.text, w.box, w.conf) for w in proc_words]
        fwd = to_proc @ imaging.scale(unit)  # original points -> processed px
        exclude = [fwd.map_box(s.box) for s in stamps if looks_like_stamp(s)]
        check = signature.check_page(gray, unit, words_px, labels, exclude)
        if check is not None:
            page.signature = signature.SignatureCheck(
                check.signed, check.confidence, back.map_box(check.area), check.ink_ratio, check.raw
            )
    return page


def _score(words: list[OcrWord]) -> float:
    good = [w for w in words if w.conf >= 60 and len(w.text) >= 3 and w.text.isalpha()]
    return float(sum(len(w.text) for w in good))


def _weak(words: list[OcrWord]) -> bool:
    confs = [w.conf for w in words if w.conf >= 0]
    if len(confs) < 5:
        return True
    return float(np.mean(confs)) < 55
