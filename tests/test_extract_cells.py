"""Ruled cells on scans (``extractors/cells.py``): a grid found by its rules, each cell
read alone, on a layout of the tests' own (not the sample generator's)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from extractors import cells, extract_file
from extractors import testing as T
from extractors.ocr import OcrWord, ocr_text

UNIT = 300 / 72


def _gray(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L"))


def test_a_ruled_form_has_one_cell_per_label_and_value() -> None:
    (img,) = T.scan(T.ruled_form_pdf(), seed=4)
    found = cells.find_cells(_gray(img), UNIT)
    assert [(c.grid, c.row) for c in found] == [(0, 0), (0, 0), (0, 1), (0, 1), (0, 2), (0, 2)]
    # the label column is 230 pt wide, the value column 250 pt (rules' centres)
    widths = sorted({round((c.x1 - c.x0) / UNIT / 10) * 10 for c in found})
    assert widths == [230, 250]


def test_rules_without_sides_and_strokes_in_the_air_make_no_cell() -> None:
    img = Image.new("L", (2480, 1200), 250)
    d = ImageDraw.Draw(img)
    # underlined fields (rules with nothing joining them), a tall stroke crossing one
    d.line((200, 300, 1600, 300), fill=20, width=4)
    d.line((200, 420, 1600, 420), fill=20, width=4)
    d.line((700, 250, 700, 470), fill=20, width=5)  # ends in the air on both sides
    d.line((900, 300, 900, 520), fill=20, width=5)  # starts on a rule, ends in the air
    assert cells.find_cells(np.asarray(img), UNIT) == []


def test_a_tinted_cell_and_a_lone_digit_read_once_the_cells_are_apart() -> None:
    (img,) = T.scan(T.ruled_form_pdf(), noise=0.2, seed=7)
    gray = img.convert("L")
    junk = [OcrWord("ee", 300, 560, 40, 30, 20.0, 1, 1, 1)]  # the tint read as letters
    words = cells.read_cells(gray, junk, UNIT, 300, 60.0)
    assert "ee" not in [w.text for w in words]
    text = ocr_text(words)
    assert "Nombre total d'écoles 1" in text
    assert "Nombre de comptes élèves 0" in text
    assert all(w.block >= cells.CELL_BLOCK for w in words)


def test_a_page_without_rules_keeps_its_words() -> None:
    (img,) = T.scan(T.letter_pdf(), seed=2)
    words = [OcrWord("Madame", 200, 300, 120, 30, 95.0, 1, 1, 1)]
    assert cells.read_cells(img.convert("L"), words, UNIT, 300, 60.0) is words


@pytest.mark.parametrize("skew", [0.0, 1.0])
def test_a_scanned_ruled_needs_form_gives_its_counts(skew: float) -> None:
    # specks in the tinted cells: read with the page, the counts come out wrong or not at all
    (img,) = T.scan(T.ruled_form_pdf(), skew=skew, noise=0.2, seed=9)
    (doc,) = extract_file(T.images_to_pdf([img]), filename="formulaire.pdf")
    assert doc.value("schools") == 1
    assert doc.value("student_accounts") == 0
    assert doc.value("collectivity") == "Commune de Vertou"


def test_squared_paper_is_not_read_cell_by_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    # a 5 mm grid over the page: hundreds of "cells", none a form's
    img = Image.new("L", (2480, 3508), 250)
    d = ImageDraw.Draw(img)
    step = round(5 / 25.4 * 300)
    xs, ys = range(100, 2400, step), range(100, 3400, step)
    for x in xs:
        d.line((x, ys[0], x, ys[-1]), fill=60, width=3)
    for y in ys:
        d.line((xs[0], y, xs[-1], y), fill=60, width=3)
    with monkeypatch.context() as m:  # the squares are found as cells without the cap
        m.setattr(cells, "MAX_CELLS", 10**6)
        assert len(cells.find_cells(np.asarray(img), UNIT)) > 400
    assert cells.find_cells(np.asarray(img), UNIT) == []

    def no_ocr(*args: object, **kwargs: object) -> list[list[OcrWord]]:
        raise AssertionError("tesseract started for squared paper")

    monkeypatch.setattr(cells, "run_tesseract_many", no_ocr)
    words = [OcrWord("Notes", 300, 300, 120, 30, 40.0, 1, 1, 1)]
    assert cells.read_cells(img, words, UNIT, 300, 60.0) is words
