"""Lines tesseract's page layout analysis (psm 3) drops on a scanned fill-in form (values
written on dotted rules) are found by their ink no read word covers and read again alone
(psm 6); pages without lost text pay nothing more. Real tesseract: a few seconds a page."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from extractors import extract_file, imaging, ocr, scan
from extractors import testing as T
from extractors.limits import DEFAULT_LIMITS
from extractors.ocr import ocr_text, run_tesseract
from extractors.pages import Page
from extractors.parsers import PdfParser
from extractors.signature import DEFAULT_LABELS

W, H = A4
UNIT = 300 / 72  # pixels per point at 300 dpi

ROWS = (
    ("Nom de la collectivité :", "Commune de Vertou"),
    ("Adresse :", "12 rue de la Mairie 44120 Vertou"),
    ("Représentée par :", "Rodolphe Amailland"),
    ("Agissant en qualité de :", "Maire"),
    ("Courriel :", "mairie@vertou.fr"),
    ("Fait à :", "Vertou, le 14 janvier 2022"),
)
_HAND = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf"


def _hand_font() -> tuple[str, float]:
    """A font unlike the form's for the values written on it: a TTF italic when there
    is one, else Helvetica-Oblique, larger than the labels either way."""
    if os.path.exists(_HAND):
        if "Hand" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("Hand", _HAND))
        return "Hand", 14.0
    return "Helvetica-Oblique", 14.0


def dotted_form_pdf(rules: str = "typed") -> bytes:
    """A convention's fill-in page: labels followed by dotted rules up to the margin,
    ``typed`` as full stops or ``drawn`` as dots, the values written on them in blue."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 13)
    c.drawCentredString(W / 2, H - 80, "Convention d'adhésion au groupement de commandes")
    c.setFont("Times-Roman", 11)
    c.drawString(60, H - 120, "Le présent formulaire est à retourner signé au rectorat de Nantes.")
    font, size = _hand_font()
    y = H - 170
    for label, value in ROWS:
        c.setFont("Times-Roman", 11)
        c.drawString(60, y, label)
        x = 60 + c.stringWidth(label, "Times-Roman", 11) + 4
        if rules == "typed":
            c.drawString(x, y, "." * int((520 - x) / c.stringWidth(".", "Times-Roman", 11)))
        else:
            dot = x
            while dot < 520:
                c.circle(dot, y, 0.5, stroke=0, fill=1)
                dot += 3
        c.setFillColorRGB(0.1, 0.15, 0.55)
        c.setFont(font, size)
        c.drawString(x + 15, y + 2, value)
        c.setFillColorRGB(0, 0, 0)
        y -= 34
    c.setFont("Times-Roman", 11)
    c.drawString(60, y - 10, "Signature et cachet de la collectivité")
    c.showPage()
    c.save()
    return buf.getvalue()


def _page(image: Image.Image) -> Page:
    parser = PdfParser(T.images_to_pdf([image]), DEFAULT_LIMITS)
    try:
        page = scan.process_page(parser.page(0), DEFAULT_LIMITS, DEFAULT_LABELS)
        page.drop_loader()
        return page
    finally:
        parser.close()


@pytest.fixture(scope="module")
def form_scans() -> dict[str, Image.Image]:
    return {
        rules: T.scan(dotted_form_pdf(rules), skew=0.5, seed=1)[0] for rules in ("typed", "drawn")
    }


class Spy:
    """Counts tesseract runs (their psm) and what ``recover_lost_lines`` did."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.psms: list[int] = []
        self.recovered: list[tuple[int, int, list[int]]] = []  # words in, out, runs' psm
        run, recover = ocr._run, scan.recover_lost_lines

        def counting(path: str, lang: str, psm: int, *args: Any) -> str:
            self.psms.append(psm)
            return run(path, lang, psm, *args)

        def spying(gray: Image.Image, words: list[ocr.OcrWord], *args: Any) -> Any:
            before = len(self.psms)
            out = recover(gray, words, *args)
            self.recovered.append((len(words), len(out), self.psms[before:]))
            return out

        monkeypatch.setattr(ocr, "_run", counting)
        monkeypatch.setattr(scan, "recover_lost_lines", spying)


# --------------------------------------------------------------------------- the finding


def test_page_layout_analysis_drops_the_lines_after_a_dotted_rule(
    form_scans: dict[str, Image.Image],
) -> None:
    # the reproduction: tesseract alone (psm 3) on the scan loses the form's lines
    text = ocr_text(run_tesseract(form_scans["typed"].convert("L"), psm=3))
    assert "Signature et cachet" in text  # the page's last line is read
    lost = [label for label, _ in ROWS if label.split()[0] not in text]
    assert len(lost) >= 3, text


# --------------------------------------------------------------------------- the fix


@pytest.mark.parametrize("rules", ["typed", "drawn"])
def test_lines_lost_on_dotted_rules_are_read_again(
    rules: str, form_scans: dict[str, Image.Image], monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    page = _page(form_scans[rules])
    text = page.text
    for expected in (
        "Représentée par",
        "Rodolphe Amailland",
        "Agissant en qualité de : Maire",
        "Vertou, le 14 janvier 2022",
        "Signature et cachet de la collectivité",
    ):
        assert expected in text, (expected, text)
    # in reading order: the recovered lines come before the page's last line
    assert text.index("Rodolphe") < text.index("Agissant") < text.index("Signature et")
    # read once each: no word twice
    words = [w.text for w in page.words]
    for word in ("Représentée", "Amailland", "Agissant", "janvier", "Signature"):
        assert words.count(word) == 1, (word, words)
    # the lost bands read in one run, as blocks of lines
    ((n_in, n_out, runs),) = spy.recovered
    assert n_out > n_in and runs == [6]
    assert spy.psms.count(3) == 1  # the page read once


def test_form_fields_are_read_from_the_recovered_lines(
    form_scans: dict[str, Image.Image],
) -> None:
    (doc,) = extract_file(T.images_to_pdf([form_scans["typed"]]), filename="form.pdf")
    assert doc.type == "convention" and doc.ocr
    assert doc.value("signatory_name") == "Rodolphe Amailland"
    assert doc.value("signatory_role") == "Maire"


# --------------------------------------------------------------------------- no extra cost


@pytest.mark.parametrize("which", ["letter", "signed_last_page"])
def test_page_without_lost_text_gets_no_extra_read(
    which: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf: Callable[[], bytes] = {
        "letter": T.letter_pdf,
        "signed_last_page": lambda: T.convention_pdf(body_pages=0),
    }[which]
    image = T.scan(pdf(), skew=0.7, seed=2)[-1]
    spy = Spy(monkeypatch)
    page = _page(image)
    assert page.text
    ((n_in, n_out, runs),) = spy.recovered
    assert n_out == n_in and runs == []  # no extra word, no extra tesseract run
    assert 6 not in spy.psms  # no block re-read at all


# --------------------------------------------------------------------------- the helpers


def _paper(h: int, w: int) -> np.ndarray:
    return np.full((h, w), 245, dtype=np.uint8)


def test_leader_dots_are_erased_but_a_colon_and_an_i_dot_stay() -> None:
    arr = _paper(60, 400)
    # a row of 3-pixel dots every 12 px (a leader line at 300 dpi)
    for x in range(150, 390, 12):
        arr[40:43, x : x + 3] = 20
    # a colon (two dots one above the other) and an i (a stem and its dot)
    arr[25:28, 100:103] = 20
    arr[37:40, 100:103] = 20
    arr[28:43, 80:83] = 20
    arr[20:23, 80:83] = 20
    out = imaging.erase_leader_dots(arr, UNIT)
    assert out[40:43, 150:390].min() == 255  # the leader's dots are gone
    assert out[25:28, 100:103].max() < 100 and out[37:40, 100:103].max() < 100
    assert out[20:23, 80:83].max() < 100 and out[28:43, 80:83].max() < 100
    assert out[0:10].min() == 255  # paper is white


def test_uncovered_bands_find_the_line_no_word_covers() -> None:
    stems = np.zeros((200, 300), dtype=bool)
    covered = np.zeros_like(stems)
    for x in range(20, 200, 4):  # two lines of letter strokes, 10 px tall
        stems[30:40, x] = True
        stems[80:90, x] = True
    stems[130:140, 40:42] = True  # a checkbox's side: too short to be a word
    stems[150:190, 60:120] = True  # a drawing: too tall for a line
    covered[25:45, 15:205] = True  # the first line was read
    bands = imaging.uncovered_bands(stems, covered, 10.0)
    assert bands == [(20, 80, 197, 90)]


def test_stamp_sized_coloured_ink_is_kept_apart_but_not_a_filled_in_form() -> None:
    from extractors.pages import StampRead

    assert scan._stamp_apart(StampRead("COURRIER ARRIVÉ LE 12 JAN. 2022", (0, 0, 300, 200), 80))
    assert scan._stamp_apart(StampRead("12 JAN. 2022", (0, 0, 120, 40), 80))
    # a blue pen's values over the whole form, with the date of signing
    filled = StampRead("Commune de Vertou Maire Vertou, le 14 janvier 2022", (0, 0, 280, 210), 60)
    assert not scan._stamp_apart(filled)
