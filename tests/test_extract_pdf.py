"""Digital PDFs (text layer, no OCR): splitting an envelope, every field of each piece,
evidence boxes, and the hard rules (unsigned convention, délibération without an act id)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from extractors import ExtractionError, extract_file
from extractors import testing as T
from extractors.model import FIELD_NAMES
from extractors.parsers import PdfParser

D = dt.date


def test_envelope_is_split_into_its_pieces() -> None:
    data = T.merge(
        T.letter_pdf(),
        T.convention_pdf(),
        T.deliberation_pdf(),
        T.needs_form_pdf(total=True),
    )
    docs = extract_file(data, filename="enveloppe.pdf")
    assert [(d.type, d.pages) for d in docs] == [
        ("other", [1]),
        ("convention", [2, 3, 4]),
        ("deliberation", [5]),
        ("needs_form", [6]),
    ]
    assert not any(d.ocr for d in docs)


def test_pieces_in_any_order() -> None:
    data = T.merge(T.needs_form_pdf(), T.deliberation_pdf(), T.convention_pdf(body_pages=1))
    docs = extract_file(data, filename="x.pdf")
    assert [(d.type, d.pages) for d in docs] == [
        ("needs_form", [1]),
        ("deliberation", [2]),
        ("convention", [3, 4]),
    ]


def test_convention_fields_and_evidence() -> None:
    (doc,) = extract_file(T.convention_pdf(), filename="convention.pdf")
    assert doc.type == "convention"
    assert doc.values() == {
        "collectivity": "ST SEBASTIEN SUR LOIRE",
        "signatory_role": "Maire",
        "signatory_name": "Laurent TURQUOIS",
        "signature_date": D(2021, 12, 14),
        "signed": True,
    }
    assert set(FIELD_NAMES["convention"]) <= set(doc.fields)
    ev = doc.fields["signatory_name"].evidence
    assert ev is not None and ev.page == 3 and ev.box is not None
    x0, top, x1, bottom = ev.box
    # the name is drawn at x=310 on the right column, in the upper part of the page
    assert 300 < x0 < 320 and x1 > x0 and 100 < top < bottom < 400
    assert "TURQUOIS" in ev.raw


def test_unsigned_convention_is_never_signed_even_if_the_rector_signed() -> None:
    (doc,) = extract_file(T.convention_pdf(signed=False), filename="c.pdf")
    assert doc.value("signed") is False
    assert doc.fields["signed"].confidence >= 0.7
    (doc,) = extract_file(T.convention_pdf(signed=False, rector_signed=False), filename="c.pdf")
    assert doc.value("signed") is False


def test_blank_convention_fields_are_null() -> None:
    data = T.convention_pdf(collectivity=None, role=None, name=None, date_text=None, signed=False)
    (doc,) = extract_file(data, filename="c.pdf")
    assert doc.values() == {
        "collectivity": None,
        "signatory_role": None,
        "signatory_name": None,
        "signature_date": None,
        "signed": False,
    }


@pytest.mark.parametrize(
    ("decision", "authorizes"), [("authorize", True), ("refuse", False), ("postpone", False)]
)
def test_deliberation_decision(decision: str, authorizes: bool) -> None:
    (doc,) = extract_file(T.deliberation_pdf(decision=decision), filename="d.pdf")
    assert doc.type == "deliberation"
    assert doc.value("authorizes_signature") is authorizes


def test_deliberation_fields() -> None:
    (doc,) = extract_file(T.deliberation_pdf(), filename="d.pdf")
    assert doc.values() == {
        "collectivity": "MAIRIE DE LA CHAPELLE-SUR-ERDRE",
        "meeting_date": D(2021, 12, 13),  # "L'an deux mille vingt et un, le treize décembre"
        "authorizes_signature": True,
        "act_id": "044-214400350-20211213-DEL2021_58-DE",
        "prefecture_receipt_date": D(2021, 12, 15),  # not the date it was sent
    }
    ev = doc.fields["act_id"].evidence
    assert ev is not None and ev.box is not None and ev.box[1] > 700  # bottom of the page


def test_deliberation_heading_beside_the_acknowledgment() -> None:
    data = T.deliberation_pdf(heading="COMMUNE DE REZÉ", ack_top=True)
    (doc,) = extract_file(data, filename="d.pdf")
    assert doc.value("collectivity") == "COMMUNE DE REZÉ"
    assert doc.value("act_id") == "044-214400350-20211213-DEL2021_58-DE"
    assert doc.value("prefecture_receipt_date") == D(2021, 12, 15)


def test_deliberation_without_acknowledgment_has_no_act_id() -> None:
    (doc,) = extract_file(T.deliberation_pdf(act_id=None, words_date=False), filename="d.pdf")
    assert doc.value("act_id") is None
    assert doc.value("prefecture_receipt_date") is None
    assert doc.value("meeting_date") == D(2021, 12, 13)


def test_needs_form_sums_the_school_rows() -> None:
    (doc,) = extract_file(T.needs_form_pdf(), filename="f.pdf")
    assert doc.values() == {
        "collectivity": "Commune de Vertou",
        "schools": 2,
        "student_accounts": 205,
    }
    rows = (("École A", 30), ("École B", 41), ("École C", 1200))
    (doc,) = extract_file(T.needs_form_pdf(rows=rows, total=True, count_line=True), filename="f")
    assert doc.value("schools") == 3
    assert doc.value("student_accounts") == 1271


def test_keywords_come_from_the_caller() -> None:
    data = T.needs_form_pdf()
    (doc,) = extract_file(data, filename="f.pdf", keywords={"needs_form": ["comptes élèves"]})
    assert doc.type == "needs_form"


def test_text_layer_pages_are_fast_and_never_ocred() -> None:
    data = T.merge(*[T.convention_pdf(body_pages=3) for _ in range(5)])
    t = time.perf_counter()
    docs = extract_file(data, filename="many.pdf")
    elapsed = time.perf_counter() - t
    assert [d.type for d in docs] == ["convention"] * 5
    assert not any(d.ocr for d in docs)
    assert elapsed < 10


def test_password_protected_pdf() -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "shared/pdf-samples"
    sample = path / "005-libreoffice-writer-password_libreoffice-writer-password.pdf"
    if not sample.exists():
        pytest.skip("shared pdf-samples not available")
    with pytest.raises(ExtractionError) as exc:
        extract_file(sample.read_bytes(), filename="x.pdf")
    assert exc.value.code == "encrypted"
    assert "mot de passe" in exc.value.message_fr


def test_page_limit() -> None:
    from extractors.limits import Limits

    data = T.merge(*[T.letter_pdf() for _ in range(4)])
    with pytest.raises(ExtractionError) as exc:
        extract_file(data, filename="x.pdf", limits=Limits(max_pages=3))
    assert exc.value.code == "too_many_pages"
    with pytest.raises(ExtractionError) as exc:
        extract_file(data, filename="x.pdf", limits=Limits(max_bytes=100))
    assert exc.value.code == "too_large"


def test_truncated_pdf_is_a_clean_error() -> None:
    data = T.letter_pdf()
    with pytest.raises(ExtractionError) as exc:
        PdfParser(data[: len(data) // 3])
    assert exc.value.code == "corrupt"


def test_needs_form_table_whose_rows_run_together() -> None:
    # school | commune | count, no total: the commune and the count are close enough to
    # be one line of text; each count is still under the counts' column
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    h = A4[1]
    c.setFont("Helvetica-Bold", 13)
    c.drawString(60, h - 70, "ANNEXE 2 - Tableau d'engagement des collectivités")
    c.setFont("Helvetica", 10)
    c.drawString(60, h - 110, "Collectivité : Saint-Vincent-Sterlanges")
    c.drawString(60, h - 130, "Nombre d'écoles : 2")
    c.drawString(62, h - 170, "Nom de l'école")
    c.drawString(292, h - 170, "Commune")
    c.drawString(422, h - 170, "Nombre de comptes élèves")
    for i, (school, n) in enumerate([("École Jules Ferry", "134"), ("École du Bourg", "1 020")]):
        y = h - 195 - 20 * i
        c.drawString(62, y, school)
        c.drawString(292, y, "Saint-Vincent-Sterlanges")
        c.drawString(425, y, n)
    c.drawString(278, h - 260, "Fait à Saint-Vincent-Sterlanges le 24.11.21")
    c.showPage()
    c.save()
    (doc,) = extract_file(buf.getvalue(), filename="annexe2.pdf")
    assert doc.type == "needs_form" and not doc.ocr
    assert doc.value("schools") == 2
    assert doc.value("student_accounts") == 1154
