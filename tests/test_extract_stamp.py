"""Arrival stamps on grey scans, found by their mid-grey ink without help from the page's
OCR; the stamp's date line read alone; connected regions labelled."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from extractors import imaging
from extractors import testing as T
from extractors.stamp import date_line, find_gray_stamps, locate_gray_stamps, stamp_date

D = dt.date
# rubber-stamp inks: lighter than printed black once scanned in grey
STAMP_RED = (215, 60, 60)
STAMP_BLUE = (70, 90, 200)


def _grey_page(date: dt.date, colour: tuple[int, int, int], angle: float) -> Image.Image:
    (img,) = T.scan(T.letter_pdf(), stamp=(date, colour, angle), seed=7)
    return img.convert("L")  # a grey scanner: the stamp's colour is gone


def test_grey_scan_red_stamp_found_by_its_ink_alone() -> None:
    gray = _grey_page(D(2022, 1, 12), STAMP_RED, -11)
    unit = 300 / 72
    found = locate_gray_stamps(gray, unit)
    assert found, "no stamp-sized patch of mid-grey ink"
    (x0, y0, x1, y1), _levels = found[0]
    # the test stamp is pasted at 55 % of the width, 4 % of the height
    assert x0 < gray.width * 0.55 + 200 < x1 and y0 < gray.height * 0.04 + 200 < y1
    reads = find_gray_stamps(gray, [], unit)  # no OCR words: the ink alone
    assert reads
    dm = stamp_date(reads[0].text)
    assert dm is not None and dm.date == D(2022, 1, 12)


def test_grey_scan_blue_stamp_turned_the_other_way() -> None:
    reads = find_gray_stamps(_grey_page(D(2021, 12, 20), STAMP_BLUE, 9), [], 300 / 72)
    assert reads
    dm = stamp_date(reads[0].text)
    assert dm is not None and dm.date == D(2021, 12, 20)


def test_grey_page_without_stamp_has_none() -> None:
    (img,) = T.scan(T.letter_pdf(), seed=7)
    assert find_gray_stamps(img.convert("L"), [], 300 / 72) == []


def test_date_line_forms_and_frame_junk() -> None:
    assert date_line("I 03. 12. 2021 I").date == D(2021, 12, 3)  # type: ignore[union-attr]
    assert date_line("13JANV2022").date == D(2022, 1, 13)  # type: ignore[union-attr]
    assert date_line("J 01 DÉC 2021").date == D(2021, 12, 1)  # type: ignore[union-attr]
    assert date_line("8 DÉC. 2021") is None  # a stamp prints two digits: one is lost
    assert date_line("le 14 décembre 2021") is None  # prose, not a stamp
    assert date_line("29 NOV.") is None  # no year: not a date
    assert date_line("RECTORAT DE NANTES") is None


def test_label_components_matches_flood_fill() -> None:
    rng = np.random.default_rng(1)
    mask = rng.random((60, 90)) < 0.35
    labels, boxes = imaging.label_components(mask)
    assert sorted(b[:4] for b in boxes) == sorted(c[:4] for c in imaging.components(mask))
    assert int((labels > 0).sum()) == int(mask.sum()) == sum(b[4] for b in boxes)
    for i, (x0, y0, x1, y1, n) in enumerate(boxes):
        ys, xs = np.nonzero(labels == i + 1)
        assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (x0, y0, x1, y1)
        assert len(xs) == n


def _stamp_over_type(date: dt.date, angle: float) -> Image.Image:
    """A page whose paragraph a stamp was put on (inked over the type, multiply), scanned
    in black and white: stamp and type are the same black."""
    from PIL import ImageChops, ImageDraw, ImageFont

    page = Image.new("RGB", (2480, 1400), "white")
    d = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 42)
    for i, line in enumerate(
        [
            "Monsieur le Recteur de l'académie de Nantes,",
            "Délégation académique au numérique éducatif,",
            "4, rue de la Houssinière, BP 72616, Nantes,",
            "veuillez trouver ci-joint la convention signée,",
            "la délibération et la fiche des besoins.",
        ]
    ):
        d.text((1100, 290 + 52 * i), line, fill="black", font=font)
    stamp = T.stamp_image(date, (200, 30, 35)).rotate(
        angle, expand=True, resample=Image.Resampling.BICUBIC
    )
    layer = Image.new("RGB", page.size, "white")
    layer.paste(stamp, (1400, 250), stamp)
    inked = ImageChops.multiply(page, layer)
    return inked.convert("L").point(lambda v: 0 if v < 150 else 255).convert("1")


def test_black_and_white_stamp_on_type_is_read_by_its_bold_date() -> None:
    import io

    from extractors import extract_file

    img = _stamp_over_type(D(2022, 1, 7), -6)
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(300, 300))
    (doc,) = extract_file(buf.getvalue(), filename="courrier.png")
    assert doc.value("arrival_stamp_date") == D(2022, 1, 7)


def test_a_stamp_year_misread_by_one_digit_is_mended_from_the_document() -> None:
    from extractors.stamp import garbled_year_line, mend_stamp_year

    years = {2020, 2021, 2022, 2023}  # around a document of 2021 and 2022
    assert garbled_year_line("24 DÉC. 2921") == ("24 DÉC", "2921")
    assert garbled_year_line("24 DÉC. 2021") is None  # nothing garbled
    assert garbled_year_line("2A DÉC. 2921") is None  # the day is garbled too
    mended = mend_stamp_year("ARRIVÉ LE\n24 DÉC. 2921", years)
    assert mended is not None and stamp_date(mended).date == D(2021, 12, 24)  # type: ignore[union-attr]
    mended = mend_stamp_year("13.01.2S22", years)
    assert mended is not None and stamp_date(mended).date == D(2022, 1, 13)  # type: ignore[union-attr]
    # one digit from two of the years, or from none: not guessed
    assert mend_stamp_year("13 DÉC. 2O2Q", {2025, 2027}) is None
    assert mend_stamp_year("13 DÉC. 2999", years) is None
    assert mend_stamp_year("13 DÉC. 2921", set()) is None


@pytest.mark.parametrize(
    ("stamp", "page_text", "expected"),
    [
        ("ARRIVÉ LE\n13 JAN. 2002", "Fait le 30 novembre 2021", D(2022, 1, 13)),  # one digit off
        ("ARRIVÉ LE\n13 JAN. 1995", "Fait le 30 novembre 2021", None),  # far, not mendable
        ("ARRIVÉ LE\n13 JAN. 2022", "Fait le 30 novembre 2021", D(2022, 1, 13)),
        # a convention whose only printed date is older: its stamp is kept as read
        ("ARRIVÉ LE\n13 JAN. 2021", "Arrêté du 5 mars 2019", D(2021, 1, 13)),
        ("ARRIVÉ LE\n13 JAN. 2022", "Arrêté du 5 mars 2019", D(2022, 1, 13)),
        ("ARRIVÉ LE\n13 JAN. 2002", "Sans date", D(2002, 1, 13)),  # nothing to judge by
    ],
)
def test_a_stamp_year_far_from_the_document_is_mended_or_dropped(
    stamp: str, page_text: str, expected: dt.date | None
) -> None:
    from extractors.fields import arrival_stamp
    from extractors.pages import Page, StampRead

    page = Page(1, 595.0, 842.0, page_text, ocr=True, _words=[])
    page.stamps = [StampRead(stamp, (400.0, 40.0, 560.0, 110.0), 0.8)]
    found = arrival_stamp(page)
    assert (found.value if found else None) == expected


def _dater_pdf(line: str) -> bytes:
    """A letter with a frameless dater's stamp in red: a bold date line over a service
    line, about 9 mm tall (no frame, no title), turned a little."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    w, h = A4
    c.setFont("Helvetica", 11)
    for k in range(28):
        c.drawString(72, h - 260 - 16 * k, "Objet : convention de groupement de commandes ENT.")
    c.setFillColorRGB(0.8, 0.2, 0.2)
    c.saveState()
    c.translate(w * 0.55, h * 0.8)
    c.rotate(4)
    c.setFont("Courier-Bold", 14)
    c.drawString(0, 14, line)
    c.setFont("Helvetica", 8)
    c.drawString(0, 2, "Service courrier - Rectorat de Nantes")
    c.restoreState()
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize("line", ["12 JAN. 2022", "12 JANV. 2022", "12.01.2022"])
def test_grey_scan_frameless_dater_stamp_is_found_by_its_ink(line: str) -> None:
    # a dater prints a line or two, ~9 mm tall: smaller than a framed stamp, still one
    (img,) = T.scan(_dater_pdf(line), seed=7)
    reads = find_gray_stamps(img.convert("L"), [], 300 / 72)
    assert reads, "the dater's mid-grey ink was not taken for a stamp"
    dm = stamp_date(reads[0].text)
    assert dm is not None and dm.date == D(2022, 1, 12)
