"""Tesseract as a subprocess (``extractors/ocr.py``): a failure of tesseract on one image
of a read that only adds to a page does not lose the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from extractors import testing as T
from extractors.errors import ExtractionError
from extractors.ocr import run_tesseract, run_tesseract_many

# a strip of scanner noise on which tesseract 5.3 (Debian 12) dies of SIGFPE when read as
# one line of a stamp's characters
NOISE = Path(__file__).parent / "data" / "tesseract_sigfpe.png"
STAMP_LINE = ("-c", "tessedit_char_whitelist=0123456789ABCDEFGHIJLMNOPRSTUVÉÛ. ")


def _line(text: str) -> Image.Image:
    img = Image.new("L", (900, 120), 255)
    ImageDraw.Draw(img).text((30, 20), text, fill=0, font=T._font(60))
    return img


def _crashes() -> bool:
    try:
        run_tesseract(Image.open(NOISE), psm=7, extra=STAMP_LINE)
    except ExtractionError:
        return True
    return False


def test_an_optional_read_keeps_the_images_tesseract_can_read() -> None:
    noise = Image.open(NOISE)
    reads = run_tesseract_many(
        [_line("12 JANV 2022"), noise, _line("RECTORAT")],
        psm=7,
        extra=STAMP_LINE,
        optional=True,
    )
    assert len(reads) == 3
    assert " ".join(w.text for w in reads[0]) == "12 JANV 2022"
    assert " ".join(w.text for w in reads[2]) == "RECTORAT"


def test_a_page_read_that_fails_is_a_french_error() -> None:
    if not _crashes():
        pytest.skip("this tesseract reads the noise strip without failing")
    with pytest.raises(ExtractionError, match="La reconnaissance de texte a échoué") as err:
        run_tesseract(Image.open(NOISE), psm=7, extra=STAMP_LINE)
    assert err.value.code == "ocr_failed"
    assert run_tesseract(Image.open(NOISE), psm=7, extra=STAMP_LINE, optional=True) == []
