"""Unit tests of the extraction building blocks: dates, act ids, geometry, sniffing."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from PIL import Image, ImageDraw

from extractors import imaging
from extractors.actid import find_act_ids, luhn_ok
from extractors.dates import find_dates, parse_date, words_to_int
from extractors.errors import ExtractionError
from extractors.fields import deliberation_fields
from extractors.pages import Page, Word, build_lines
from extractors.parsers import ImageParser, PdfParser, choose_parser
from extractors.textmatch import fuzzy_find

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("le 10/12/2021", D(2021, 12, 10)),
        ("10.12.21", D(2021, 12, 10)),
        ("10-12-2021", D(2021, 12, 10)),
        ("2021-12-10", D(2021, 12, 10)),
        ("10 décembre 2021", D(2021, 12, 10)),
        ("1er décembre 2021", D(2021, 12, 1)),
        ("1 er décembre 2021", D(2021, 12, 1)),
        ("lundi 13 décembre 2021 à 20 h 30", D(2021, 12, 13)),
        ("ARRIVÉ LE 12 JAN. 2022", D(2022, 1, 12)),
        ("12 JANV 2022", D(2022, 1, 12)),
        ("3 fevrier 2022", D(2022, 2, 3)),
        ("l0/l2/2O21", D(2021, 12, 10)),  # OCR: l for 1, O for 0
        ("le treize décembre deux mille vingt et un", D(2021, 12, 13)),
        ("L'an deux mille vingt et un, le treize décembre", D(2021, 12, 13)),
        ("L’an deux mille vingt-deux, le dix-sept janvier à 18 h", D(2022, 1, 17)),
        ("le premier décembre deux mille vingt et un", D(2021, 12, 1)),
        ("15 décembre. 202 1", D(2021, 12, 15)),  # OCR split the year
    ],
)
def test_french_dates(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["le 31 février 2021", "article 12", "L2113-6 à L2113-8", "45/78/2021"]
)
def test_not_dates(text: str) -> None:
    assert parse_date(text) is None


def test_dates_spans_point_at_the_text() -> None:
    text = "Séance du 13 décembre 2021, convoquée le 06/12/2021"
    found = find_dates(text)
    assert [f.date for f in found] == [D(2021, 12, 13), D(2021, 12, 6)]
    assert text[found[0].start : found[0].end] == "13 décembre 2021"


def test_number_words() -> None:
    assert words_to_int("deux mille vingt et un") == 2021
    assert words_to_int("quatre-vingt-dix-neuf") == 99
    assert words_to_int("soixante-treize") == 73
    assert words_to_int("trente et un") == 31


def test_act_id_clean_and_repaired() -> None:
    assert luhn_ok("214401093")
    (a,) = find_act_ids("ID : 044-214401093-20211213-DEL2021_12-DE")
    assert a.value == "044-214401093-20211213-DEL2021_12-DE"
    assert a.siren == "214401093" and a.decision_date == D(2021, 12, 13)
    # OCR: O for 0, l for 1, spaces around dashes, D read as 0 in the nature
    (b,) = find_act_ids("O44 - 2l4401093 - 2O211213 - DEL2021_12 - 0E")
    assert b.value == "044-214401093-20211213-DEL2021_12-DE"
    assert b.confidence < a.confidence
    for nature in ("AR", "AI", "CC", "AU"):
        (c,) = find_act_ids(f"049-214401093-20211130-2021_045-{nature} suite")
        assert c.value.endswith(nature)


@pytest.mark.parametrize(
    "text",
    [
        "044-214401094-20211213-DEL2021_12-DE",  # SIREN fails Luhn
        "044-214401093-20211332-DEL2021_12-DE",  # no such date
        "044-214401093-20211213-DEL2021_12-XY",  # unknown nature
        "Délibération n° 2021-58 du 13 décembre 2021",
        "Tél : 02 40 12 34 56",
    ],
)
def test_act_id_rejected(text: str) -> None:
    assert find_act_ids(text) == []


def test_affine_maps_back_quarter_turns() -> None:
    w, h = 200, 100
    for rot in (90, 180, 270):
        a = imaging.quarter_turn(rot, w, h)
        img = Image.new("L", (w, h), 255)
        ImageDraw.Draw(img).rectangle((10, 20, 30, 40), fill=0)
        turned = np.asarray(imaging.rotate_image(img, rot))
        ys, xs = np.nonzero(turned < 128)
        box = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        back = a.inverse().map_box(tuple(float(v) for v in box))
        assert back == pytest.approx((10, 20, 31, 41), abs=1.01)


def _text_image(angle: float = 0.0, turn: int = 0) -> np.ndarray:
    img = Image.new("L", (850, 1100), 255)
    d = ImageDraw.Draw(img)
    from extractors.testing import _font

    font = _font(22)
    y = 60
    for i in range(25):
        d.text(
            (60, y), f"Le groupement de commandes passera un marché {i} public", fill=0, font=font
        )
        y += 38
    img = img.rotate(angle, fillcolor=255, resample=Image.Resampling.BILINEAR)
    return np.asarray(imaging.rotate_image(img, turn))


def test_skew_estimate_undoes_rotation() -> None:
    for angle in (-3.0, 2.0, 0.0):
        mask = imaging.ink_mask(_text_image(angle))
        est = imaging.estimate_skew(mask)
        assert est == pytest.approx(-angle, abs=0.3)


def test_orientation_detection() -> None:
    for turn in (0, 90, 180, 270):
        o = imaging.detect_orientation(_text_image(0, turn))
        # rotating the image by o.rotation (counter-clockwise) must undo the turn
        assert (o.rotation + turn) % 360 == 0, (turn, o)


def test_line_angle_of_a_rotated_stamp() -> None:
    for angle in (-35.0, 20.0, 70.0):
        img = Image.new("L", (900, 900), 255)
        d = ImageDraw.Draw(img)
        for i in range(3):
            d.rectangle((200, 350 + 60 * i, 700, 370 + 60 * i), fill=0)
        rotated = np.asarray(img.rotate(angle, fillcolor=255)) < 128
        est = imaging.estimate_line_angle(rotated)
        assert math.isclose((est + angle + 90) % 180 - 90, 0, abs_tol=2.0)


def test_lines_split_columns_and_keep_rows() -> None:
    words = [
        Word("Date", (60, 100, 80, 110)),
        Word("et", (82, 100, 90, 110)),
        Word("signature", (92, 100, 130, 110)),
        Word("Nom", (310, 101, 330, 111)),
        Word("du", (332, 101, 342, 111)),
        Word("signataire", (344, 101, 390, 111)),
        Word("ligne", (60, 130, 90, 140)),
    ]
    lines = build_lines(words, 595)
    assert [ln.text for ln in lines] == ["Date et signature", "Nom du signataire", "ligne"]


def test_fuzzy_find_tolerates_ocr_slips() -> None:
    span = fuzzy_find("nom du signatairc : jean", "nom du signataire")
    assert span is not None and span[0] == 0 and span[1] in (16, 17)
    assert fuzzy_find("tout autre chose ici", "nom du signataire") is None


def test_sniffing_by_content_not_name() -> None:
    assert choose_parser(b"%PDF-1.7\n...") is PdfParser
    assert choose_parser(b"\x89PNG\r\n\x1a\n....") is ImageParser
    assert choose_parser(b"\xff\xd8\xff\xe0....") is ImageParser
    assert choose_parser(b"II*\x00....") is ImageParser
    for data, code in [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"PK\x03\x04 docx", "not_supported"),
        (b"hello, world", "not_supported"),
    ]:
        with pytest.raises(ExtractionError) as exc:
            choose_parser(data)
        assert exc.value.code == code
        assert exc.value.message_fr  # French, for staff


def test_stamp_date_ignores_prose_dates_near_a_stamp() -> None:
    from extractors.stamp import stamp_date

    assert stamp_date("Nantes, le 26 novembre 2021") is None
    found = stamp_date("COURRIER ARRIVÉ LE\n29 NOV. 2021\nRECTORAT")
    assert found is not None and found.date == D(2021, 11, 29)
    found = stamp_date("REÇU LE\n12.01.2022")
    assert found is not None and found.date == D(2022, 1, 12)


def test_bridge_fills_a_stroke_cut_by_black_type() -> None:
    from extractors.stamp import bridge

    ink = np.zeros((20, 40), dtype=bool)
    ink[8:12, 2:38] = True  # a horizontal stamp stroke
    ink[:, 18:22] = False  # cut by a black letter's stem
    gaps = np.zeros_like(ink)
    gaps[:, 18:22] = True
    filled = bridge(ink, gaps, 6)
    assert filled[8:12, 2:38].all()
    assert not filled[0:6, 18:22].any()  # the black stem itself is not taken


def test_names_lose_trailing_ocr_specks() -> None:
    from extractors.fields import clean_name

    assert clean_name("Coron Le") == "Coron"
    assert clean_name("Villebernier ue") == "Villebernier"
    assert clean_name("Le Pin") == "Le Pin"
    assert clean_name("Notre-Dame-de-Monts") == "Notre-Dame-de-Monts"


def test_mend_role_against_the_titles_vocabulary() -> None:
    from extractors.fields import mend_role

    assert mend_role("La Marre") == "La Maire"
    assert mend_role("Matre-adjoint délégué") == "Maire-adjoint délégué"
    assert mend_role("Mails") == "Maire"
    assert mend_role("LE MAIRF") == "LE MAIRE"
    # right words, other words and short words stay as read
    for ok in ("Le Maire", "La Présidente", "Vice-président", "Adjointe au maire", "Mme"):
        assert mend_role(ok) == ok
    assert mend_role("Secrétaire de mairie") == "Secrétaire de mairie"


def test_mend_place_hyphens_and_saint() -> None:
    from extractors.fields import mend_place

    assert mend_place("AIGREFEUILLE-SUR -MAINE") == "AIGREFEUILLE-SUR-MAINE"
    assert mend_place("Le May-sur- Èvre") == "Le May-sur-Èvre"
    assert mend_place("Sant-Georges-sur-Erve") == "Saint-Georges-sur-Erve"
    assert mend_place("SANT-HERBLAIN") == "SAINT-HERBLAIN"
    assert mend_place("Commune de Loire - Divatte") == "Commune de Loire - Divatte"
    assert mend_place("Santa-Cruz") == "Santa-Cruz"


def test_act_id_underscore_lost_by_ocr() -> None:
    from extractors.actid import find_act_ids

    (found,) = find_act_ids("ID : 085-218500353-20211028-DEL2021 079-DE")
    assert found.value == "085-218500353-20211028-DEL2021_079-DE"
    assert found.confidence < 0.9  # repaired, not as read
    # two words after an act id are not part of its number
    assert [a.value for a in find_act_ids("044-214401093-20211213-2021_12-DE du conseil")] == [
        "044-214401093-20211213-2021_12-DE"
    ]


def test_true_runs() -> None:
    import numpy as np

    from extractors.imaging import true_runs

    assert true_runs(np.array([1, 1, 0, 1, 0, 0, 1, 1, 1], bool)) == [(0, 2), (3, 4), (6, 9)]
    assert true_runs(np.array([0, 1, 1, 0], bool)) == [(1, 3)]
    assert true_runs(np.array([], bool)) == [] and true_runs(np.zeros(3, bool)) == []


def test_act_id_glued_to_what_ocr_made_of_its_label() -> None:
    # "ID : 044-…" read as "TD7044-…": the department is the three characters before the
    # SIREN's dash, trusted less than an identifier standing alone
    (glued,) = find_act_ids("U TD7044-214401200-20211026-2021_126-DE")
    assert glued.value == "044-214401200-20211026-2021_126-DE"
    (alone,) = find_act_ids("ID : 044-214401200-20211026-2021_126-DE")
    assert glued.confidence < alone.confidence
    # an identifier standing alone wins over a glued reading of the same line
    assert [a.value for a in find_act_ids("7044-214401200-20211026-2021_126-DE")] == [
        "044-214401200-20211026-2021_126-DE"
    ]
    assert find_act_ids("Tél 0244-214401094-20211026-2021_126-DE") == []  # Luhn fails


def _text_page(*rows: str) -> Page:
    """A page of OCR'd words, one row of ``rows`` per line, 14 pt apart."""
    words = []
    for i, row in enumerate(rows):
        x = 40.0
        for token in row.split():
            w = 6.0 * len(token)
            words.append(Word(token, (x, 60.0 + 14 * i, x + w, 70.0 + 14 * i), 80.0))
            x += w + 4
    return Page(1, 595.0, 842.0, "\n".join(rows), ocr=True, _words=words)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("Date de réception préfecture : 18/11/2021", D(2021, 11, 18)),
        ("Date dé Téception préfecture : 18/11/2021", D(2021, 11, 18)),  # one letter misread
        ("Reçu en préfecture le 18/11/2021", D(2021, 11, 18)),
        ("Date de télétransmission : 17/11/2021", None),  # sent, not received
        ("Date de perception : 18/11/2021", None),
        ("tie en préfecture le 18/11/2021", D(2021, 11, 18)),  # "Reçu", garbled
        ("Envoyé en préfecture le 17/11/2021", None),
        ("Envoy en préfecture le 17/11/2021", None),
        ("Affiché le 19/11/2021", None),
        ("Transmis en préfecture le 17/11/2021", None),
    ],
)
def test_prefecture_receipt_by_its_label(row: str, expected: dt.date | None) -> None:
    page = _text_page("Accusé de réception en préfecture", row, "CONSEIL MUNICIPAL")
    assert deliberation_fields([page])["prefecture_receipt_date"].value == expected


def test_long_runs_are_rules_not_letters() -> None:
    m = np.zeros((6, 30), dtype=bool)
    m[1, 2:20] = True  # a rule
    m[3, 0:4] = True  # a letter's bar
    m[:, 25] = True  # a frame's side
    rows = imaging.long_runs(m, 10)
    assert rows[1, 2:20].all() and rows.sum() == 18
    cols = imaging.long_runs(m, 5, axis=0)
    assert cols[:, 25].all() and cols.sum() == 6
    assert not imaging.long_runs(m, 40).any()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("D EE 221121", D(2021, 11, 22)),  # 22/11/21, its slashes lost
        ("Le 10 1221", D(2021, 12, 10)),
        ("22 11 2021", D(2021, 11, 22)),
        ("Tél : 02 40 12 34 56", None),
        ("n° 311321", None),  # no 13th month
        ("1234567", None),
    ],
)
def test_handwritten_date_whose_slashes_ocr_lost(text: str, expected: dt.date | None) -> None:
    from extractors.dates import run_together_date

    found = run_together_date(text)
    assert (found.date if found else None) == expected


def test_a_ghost_word_inside_another_is_dropped() -> None:
    from extractors.ocr import OcrWord
    from extractors.scan import without_ghosts

    def w(text: str, left: int, top: int, width: int, height: int, conf: float) -> OcrWord:
        return OcrWord(text, left, top, width, height, conf, 1, 1, 1)

    mairie = w("Mairie", 650, 220, 160, 42, 96)
    # an accent read as a word, inside "Mairie", on a line of its own
    ghost = OcrWord("CC", 733, 220, 50, 13, 46, 1, 1, 0)
    du = w("du", 825, 220, 55, 38, 97)
    colon = w(":", 965, 221, 8, 8, 37)
    bailleul = w("Bailleul", 896, 220, 175, 42, 90)
    assert [x.text for x in without_ghosts([mairie, ghost, du, bailleul, colon])] == [
        "Mairie",
        "du",
        "Bailleul",
    ]
    # a sure small word, or one beside another, stays
    sure = w("1er", 733, 220, 50, 13, 91)
    beside = w("CC", 815, 220, 50, 40, 46)
    assert without_ghosts([mairie, sure, beside]) == [mairie, sure, beside]


def test_heading_run_into_a_garbled_acknowledgment_line() -> None:
    # the block's "Reçu en préfecture le" line read on the heading's row, its first word
    # garbled by the heading's last letters
    page = _text_page(
        "Envoyé en préfecture le 26/11/2021",
        "Communauté de communes Anjou Loir et Sarthe tie en préfecture le 26/11/2021",
        "ID : 049-200068955-20211123-2021_137-DE",
        "CONSEIL COMMUNAUTAIRE",
    )
    fields = deliberation_fields([page])
    assert fields["collectivity"].value == "Communauté de communes Anjou Loir et Sarthe"
    assert fields["prefecture_receipt_date"].value == D(2021, 11, 26)
    assert fields["prefecture_receipt_date"].confidence < 0.7  # its label was guessed


def test_shift_leaves_the_edges_empty() -> None:
    m = np.zeros((4, 3), dtype=bool)
    m[3, 1] = True  # the bottom row
    assert not imaging.shift(m, -1, 0)[0].any()  # moved down: nothing wraps to the top
    assert imaging.shift(m, 1, 0)[2, 1] and imaging.shift(m, 1, 0).sum() == 1
