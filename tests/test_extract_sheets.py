"""Spreadsheets as pages: a town hall's own needs form in Excel, OpenDocument or CSV is
read like a digital PDF (rows as lines, cells as words laid out in columns), recognised
by content; hostile workbooks are refused with a French reason, and the batch goes on."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest

from extractors import ExtractionError, extract_file, extract_files
from extractors.parsers import choose_parser
from extractors.sheets import (
    MAX_ROWS,
    SheetParser,
    cell_text,
    read_csv,
    read_ods,
    sheet_format,
)
from sources import parse_message

KEYWORDS = {
    "needs_form": ["expression des besoins", "nombre d'écoles", "comptes élèves"],
    "convention": ["convention d'adhésion", "groupement de commandes"],
}

ROWS: list[list[object]] = [
    ["Annexe 2 : fiche d'expression des besoins"],
    [],
    ["Nom de la collectivité", "Commune de Fontenay-le-Comte"],
    ["Nombre d'écoles", 3],
    ["Nombre de comptes élèves", 412],
    [],
    ["Nom de l'école", "Nombre d'élèves"],
    ["École Jules Ferry", 200],
    ["École du Centre", 150],
    ["École des Prés", 62],
    ["Total", 412],
]


def xlsx(rows: list[list[object]] = ROWS, title: str = "Besoins") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ods(rows: list[list[object]] = ROWS) -> bytes:
    """A minimal OpenDocument spreadsheet, as LibreOffice writes one (trailing repeated
    empty rows and cells included)."""
    t = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    o = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    x = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    body = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, int):
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>"
                )
            else:
                cells.append(f"<table:table-cell><text:p>{v}</text:p></table:table-cell>")
        cells.append('<table:table-cell table:number-columns-repeated="16000"/>')
        body.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    body.append(
        '<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{o}" '
        f'xmlns:table="{t}" xmlns:text="{x}"><office:body><office:spreadsheet>'
        f'<table:table table:name="Feuille1">{"".join(body)}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", "<manifest/>")
    return out.getvalue()


def csv_bytes(rows: list[list[object]] = ROWS) -> bytes:
    lines = [";".join(str(v) for v in (row + [""] * (2 - len(row)))) for row in rows]
    return "\r\n".join(lines).encode("cp1252")


def _check_needs_form(data: bytes, name: str) -> None:
    docs = extract_file(data, filename=name, keywords=KEYWORDS)
    assert [d.type for d in docs] == ["needs_form"]
    doc = docs[0]
    assert doc.ocr is False and doc.pages == [1]
    # The grid is there as text and lines, whatever the needs reader makes of it.
    with SheetParser(data) as parser:
        page = parser.page(0)
        text = page.text_layer() or ""
        assert "Nombre d'écoles 3" in text and "École des Prés 62" in text
        words = (page.words_loader() or list)()
    label = next(w for w in words if w.text == "d'écoles")
    value = next(w for w in words if w.text == "3")
    assert value.box[0] - label.box[2] > 40  # the value cell stands apart, to the right
    assert abs(value.box[1] - label.box[1]) < 1  # on the label's row
    assert doc.value("schools") == 3
    assert doc.value("student_accounts") == 412
    assert doc.value("collectivity") == "Commune de Fontenay-le-Comte"
    ev = doc.fields["schools"].evidence
    assert ev is not None and ev.page == 1 and ev.box is not None


def test_an_excel_needs_form_is_read_like_a_digital_form() -> None:
    _check_needs_form(xlsx(), "besoins.xlsx")


def test_an_opendocument_needs_form_is_read_too() -> None:
    data = ods()
    assert sheet_format(data) == "ods"
    assert read_ods(data)[0].rows[3] == ["Nombre d'écoles", "3"]  # repeats not expanded
    _check_needs_form(data, "besoins.ods")


def test_a_csv_needs_form_in_windows_encoding_is_read_too() -> None:
    data = csv_bytes()
    assert sheet_format(data) == "csv"
    assert read_csv(data)[0].rows[2] == ["Nom de la collectivité", "Commune de Fontenay-le-Comte"]
    _check_needs_form(data, "export.csv")


def test_recognised_by_content_not_by_name() -> None:
    assert choose_parser(xlsx()) is SheetParser
    docs = extract_file(xlsx(), filename="scan.pdf", keywords=KEYWORDS)
    assert [d.type for d in docs] == ["needs_form"]
    assert sheet_format(b"Bonjour,\nvoici la fiche, comme convenu.\nCordialement") is None
    assert sheet_format(b"From: a@b.fr\nSubject: x; y\nTo: c@d.fr; e@f.fr\n\nhello") is None
    assert sheet_format(b"<html><body>a;b\nc;d</body></html>") is None


def test_cells_read_as_a_person_reads_them() -> None:
    import datetime as dt

    assert cell_text(12.0) == "12"
    assert cell_text(2.5) == "2,5"
    assert cell_text(dt.datetime(2021, 12, 13)) == "13/12/2021"
    assert cell_text(True) == "oui"
    assert cell_text("  Nombre \n d'écoles ") == "Nombre d'écoles"
    assert cell_text(None) == ""


def test_a_long_sheet_spills_over_pages_in_aligned_columns() -> None:
    rows: list[list[object]] = [["Nom de l'école", "Nombre d'élèves"]]
    rows += [[f"École n° {i}", 20 + i] for i in range(120)]
    with SheetParser(xlsx(rows)) as parser:
        assert parser.page_count() == 3
        first = (parser.page(0).words_loader() or list)()
        last = (parser.page(2).words_loader() or list)()
        assert min(w.box[0] for w in first if w.text.isdigit()) == min(
            w.box[0] for w in last if w.text.isdigit()
        )
        rendered = parser.page(0).render(72)
        assert rendered.image.width > 100 and abs(rendered.px_per_pt - 1.0) < 0.01


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(xlsx()[:-300], id="truncated-xlsx"),
        pytest.param(
            b"PK\x03\x04" + b"\x00" * 40 + b"[Content_Types].xml" + b"\x01" * 200, id="junk"
        ),
        pytest.param(
            (lambda d: d.replace(b"xl/worksheets/sheet1.xml", b"xl/worksheets/sheetX.xml"))(xlsx()),
            id="member-renamed",
        ),
    ],
)
def test_a_corrupt_workbook_is_a_clean_french_error(data: bytes) -> None:
    with pytest.raises(ExtractionError) as info:
        extract_file(data, filename="besoins.xlsx")
    assert info.value.code in ("corrupt", "not_supported", "empty")
    assert "tableur" in info.value.message_fr.lower() or "fichier" in info.value.message_fr


def test_a_huge_sheet_is_refused_and_the_batch_goes_on(tmp_path: Path) -> None:
    huge = io.BytesIO()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    for i in range(MAX_ROWS + 10):
        ws.append([f"ligne {i}", i])
    wb.save(huge)
    (tmp_path / "a_huge.xlsx").write_bytes(huge.getvalue())
    (tmp_path / "b_form.xlsx").write_bytes(xlsx())
    results = {r.path.name: r for r in extract_files(sorted(tmp_path.iterdir()), keywords=KEYWORDS)}
    bad = results["a_huge.xlsx"]
    assert bad.error is not None and bad.error.code == "too_large"
    assert "lignes" in bad.error.message_fr
    good = results["b_form.xlsx"]
    assert good.error is None and [d.type for d in good.documents] == ["needs_form"]


def test_a_zip_bomb_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (120 * 1024 * 1024))
    with pytest.raises(ExtractionError) as info:
        extract_file(out.getvalue(), filename="b.xlsx")
    assert info.value.code == "too_large" and "décompressé" in info.value.message_fr


def test_a_spreadsheet_attachment_is_no_longer_dropped() -> None:
    msg = EmailMessage()
    msg["From"] = "mairie@fontenay.fr"
    msg["To"] = "dane@ac-nantes.fr"
    msg["Subject"] = "Fiche de besoins e-primo"
    msg.set_content("Bonjour, veuillez trouver notre fiche de besoins.")
    msg.add_attachment(
        xlsx(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="besoins.xlsx",
    )
    msg.add_attachment(csv_bytes(), maintype="text", subtype="csv", filename="besoins.csv")
    msg.add_attachment(b"a;b\nc;d\n", maintype="text", subtype="plain", filename="notes.txt")
    parsed = parse_message(msg.as_bytes())
    usable = {a.name: a for a in parsed.usable}
    assert set(usable) >= {"besoins.xlsx", "besoins.csv"}
    assert "notes.txt" not in usable  # plain text is not taken for a table
    for name in ("besoins.xlsx", "besoins.csv"):
        docs = extract_file(usable[name].data, filename=name, keywords=KEYWORDS)
        assert [d.type for d in docs] == ["needs_form"]
