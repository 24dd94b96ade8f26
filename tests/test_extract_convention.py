"""The convention's fields (collectivity, signatory name and role, signature date) read by
meaning from layouts and wordings of our own making — none of them the sample
generator's: forms with colons or leader dots, a label | value table, labels above their
values, prose ("représentée par son Maire, …"), a two-column signature block with the
rector's side, abbreviations, the real Hauts-de-Seine convention's first page, and two of
them scanned (OCR)."""

from __future__ import annotations

import datetime as dt
import io
import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from extractors import extract_file
from extractors import testing as T
from extractors.fields.convention import WORDINGS, convention_fields, find_labels
from extractors.names import parse_collectivity, parse_person, parse_role
from extractors.pages import Page, Word

W, H = A4
REAL = Path(__file__).resolve().parents[2] / "shared" / "real-documents"

BODY = (
    "Le groupement de commandes a pour objet la passation d'un marché public relatif à la "
    "fourniture d'un espace numérique de travail pour les écoles du premier degré. Chaque "
    "membre s'engage à exécuter le marché à hauteur de ses besoins propres, tels qu'ils "
    "sont exprimés dans l'annexe jointe à la présente convention."
)


def _canvas() -> tuple[io.BytesIO, Canvas]:
    buf = io.BytesIO()
    return buf, Canvas(buf, pagesize=A4, invariant=1)


def _head(c: Canvas, title: str = "CONVENTION D'ADHÉSION AU GROUPEMENT DE COMMANDES") -> float:
    c.setFont("Helvetica-Bold", 12)
    c.drawCentredString(W / 2, H - 70, title)
    c.setFont("Helvetica", 10)
    c.drawCentredString(W / 2, H - 86, "Espace numérique de travail des écoles — 2022-2026")
    return H - 120


def _para(c: Canvas, y: float, text: str, width: int = 95, font: str = "Times-Roman") -> float:
    c.setFont(font, 10)
    for line in textwrap.wrap(text, width):
        c.drawString(60, y, line)
        y -= 13
    return y - 6


def _body(c: Canvas, y: float, articles: int = 2) -> float:
    for k in range(1, articles + 1):
        c.setFont("Times-Bold", 10)
        c.drawString(60, y, f"Article {k} – Objet")
        y = _para(c, y - 14, BODY)
    return y


def _done(buf: io.BytesIO, c: Canvas) -> bytes:
    c.showPage()
    c.save()
    return buf.getvalue()


def _scribble(c: Canvas, x: float, y: float) -> None:
    c.saveState()
    c.setStrokeColorRGB(0.1, 0.1, 0.5)
    p = c.beginPath()
    p.moveTo(x, y)
    for i in range(1, 8):
        p.curveTo(x + 8 * i, y + 25, x + 8 * i + 4, y - 10, x + 10 * i, y + 5)
    c.drawPath(p, stroke=1, fill=0)
    c.restoreState()


# --------------------------------------------------------------------------- layouts


def form_colons() -> bytes:
    """A form with colons, labels in Helvetica, values further along the line."""
    buf, c = _canvas()
    y = _body(c, _head(c))
    c.setFont("Helvetica-Bold", 10)
    c.drawString(60, y - 10, "POUR LE MEMBRE DU GROUPEMENT")
    rows = (
        ("Collectivité :", "Commune de Vertou"),
        ("Représentée par :", "Mme Sophie LE GALL"),
        ("Qualité :", "Maire-adjointe"),
        ("Date de signature :", "03/02/2022"),
    )
    y -= 34
    for label, value in rows:
        c.setFont("Helvetica", 10)
        c.drawString(60, y, label)
        c.setFont("Courier", 10)
        c.drawString(190, y, value)
        y -= 20
    _scribble(c, 200, y - 40)
    return _done(buf, c)


def form_leaders() -> bytes:
    """Labels followed by leader dots, then the value; "Fait à …, le …" under them."""
    buf, c = _canvas()
    y = _body(c, _head(c), 3)
    rows = (
        ("Dénomination de la collectivité", "Ville de Saumur"),
        ("Nom et prénom du signataire", "Jackie GOULET"),
        ("En qualité de", "Maire"),
    )
    for label, value in rows:
        c.setFont("Times-Roman", 10.5)
        c.drawString(60, y, label + " " + "." * 30 + " " + value)
        y -= 20
    c.drawString(60, y - 6, "Fait à Saumur, le 12 janvier 2022")
    _scribble(c, 90, y - 70)
    return _done(buf, c)


def table_cells() -> bytes:
    """A ruled two-column table: label | value."""
    buf, c = _canvas()
    y = _body(c, _head(c))
    rows = (
        ("Organisme adhérent", "Communauté de communes du Pays de Blain"),
        ("Signataire (nom)", "Yves DANIEL"),
        ("Fonction", "Président"),
        ("Date", "17/12/2021"),
        ("Signature et cachet", ""),
    )
    top = y
    c.setLineWidth(0.6)
    for label, value in rows:
        h = 60 if label.startswith("Signature") else 24
        c.rect(60, y - h, 170, h)
        c.rect(230, y - h, 300, h)
        c.setFont("Helvetica-Bold", 9.5)
        c.drawString(66, y - 16, label)
        c.setFont("Helvetica", 10)
        c.drawString(238, y - 16, value)
        y -= h
    _scribble(c, 260, y + 20)
    del top
    return _done(buf, c)


def labels_above() -> bytes:
    """Labels in a header row, each value under its label; the date under "Signature et
    cachet"."""
    buf, c = _canvas()
    y = _body(c, _head(c), 3)
    cols = (
        (60, "Commune de", "Couëron"),
        (200, "Nom du signataire", "Carole GRELAUD"),
        (380, "Titre", "La Maire"),
    )
    for x, label, value in cols:
        c.setFont("Helvetica-Oblique", 9)
        c.drawString(x, y, label)
        c.setFont("Helvetica", 10.5)
        c.drawString(x, y - 16, value)
    c.setFont("Helvetica-Oblique", 9)
    c.drawString(60, y - 50, "Signature et cachet")
    c.setFont("Helvetica", 10.5)
    c.drawString(60, y - 66, "Le 20 décembre 2021")
    _scribble(c, 80, y - 120)
    return _done(buf, c)


def prose() -> bytes:
    """The parties named in prose, the rector first; the date in "Fait à …, le …"."""
    buf, c = _canvas()
    y = _head(c)
    y = _para(c, y, "ENTRE")
    y = _para(
        c,
        y,
        "L'État, ministère de l'Éducation nationale, représenté par Monsieur le Recteur de "
        "l'académie de Nantes, Monsieur William MAROIS, coordonnateur du groupement, ci-après "
        "dénommé « le coordonnateur », d'une part,",
    )
    y = _para(c, y, "ET")
    y = _para(
        c,
        y,
        "La Commune de Saint-Herblain, représentée par son Maire, Monsieur Bertrand AFFILÉ, "
        "dûment habilité par délibération du conseil municipal en date du 13 décembre 2021, "
        "ci-après dénommée « le membre », d'autre part,",
    )
    y = _para(c, y, "Il est convenu ce qui suit.")
    y = _body(c, y, 2)
    c.setFont("Times-Roman", 10)
    c.drawString(60, y - 10, "Fait en deux exemplaires à Saint-Herblain, le 5 janvier 2022")
    return _done(buf, c)


def two_columns() -> bytes:
    """The rector's signature column on the left, the commune's on the right."""
    buf, c = _canvas()
    y = _body(c, _head(c), 3) - 10
    c.setFont("Times-Roman", 10)
    left = ("Fait à Nantes, le 10 janvier 2022", "Pour le Recteur,", "Le Recteur de l'académie")
    right = ("Fait à Rezé, le 16 décembre 2021", "Pour la Commune de Rezé,", "Le Maire,")
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        c.drawString(60, y - 14 * i, a)
        c.drawString(330, y - 14 * i, b)
    c.drawString(60, y - 42, "de Nantes")
    c.setFont("Times-Bold", 10)
    c.drawString(60, y - 120, "William MAROIS")
    c.drawString(330, y - 120, "Hervé NEAU")
    _scribble(c, 80, y - 100)
    _scribble(c, 350, y - 100)
    return _done(buf, c)


def abbreviations() -> bytes:
    """Abbreviated labels, a syndicate, a civility before the name, a short date."""
    buf, c = _canvas()
    y = _body(c, _head(c, "CONVENTION CONSTITUTIVE D'UN GROUPEMENT DE COMMANDES"), 2)
    rows = (
        ("Coll. adhérente :", "SIVOS de la Vallée du Don"),
        ("Nom du sign. :", "M. Paul-Henri DURAND"),
        ("Fonct. :", "Vice-président délégué"),
        ("Date sign. :", "22.12.21"),
    )
    for label, value in rows:
        c.setFont("Times-Italic", 10)
        c.drawString(70, y, label)
        c.setFont("Times-Roman", 10)
        c.drawString(150, y, value)
        y -= 17
    return _done(buf, c)


def block_one_line() -> bytes:
    """Another word order: "Nom, prénom" then the title; a one-line signature formula
    "Pour la commune, La Maire, Anne DUPRÉ"."""
    buf, c = _canvas()
    y = _body(c, _head(c), 2)
    c.setFont("Helvetica", 10)
    c.drawString(60, y, "Membre du groupement : Mairie de Bouguenais")
    c.drawString(60, y - 18, "Nom, prénom : DUPRÉ Anne")
    c.drawString(60, y - 36, "Qualité du signataire : Première adjointe")
    c.drawString(60, y - 70, "À Bouguenais, le 7 décembre 2021")
    c.drawString(60, y - 86, "Pour la commune, La Première adjointe, Anne DUPRÉ")
    return _done(buf, c)


def real_hauts_de_seine() -> bytes:
    """The real convention's first page (shared/real-documents), laid out as a PDF."""
    text = (REAL / "convention_enc-hds_hauts-de-seine_colleges_excerpt.txt").read_text()
    page1 = text.split("\n\n")[0].removeprefix("1 ").strip()
    buf, c = _canvas()
    c.setFont("Helvetica-Bold", 11)
    c.drawCentredString(W / 2, H - 60, "CONVENTION D'UTILISATION DU PROGRAMME ENC HdS")
    _para(c, H - 90, page1, 100)
    return _done(buf, c)


TRUTH_HDS = next(
    t
    for t in json.loads((REAL / "truth.json").read_text())
    if t["file"].startswith("convention_enc-hds")
)

Case = tuple[Callable[[], bytes], dict[str, object]]
CASES: dict[str, Case] = {
    "form_colons": (
        form_colons,
        {
            "collectivity": "Commune de Vertou",
            "signatory_name": "Sophie LE GALL",
            "signatory_role": "Maire-adjointe",
            "signature_date": dt.date(2022, 2, 3),
        },
    ),
    "form_leaders": (
        form_leaders,
        {
            "collectivity": "Ville de Saumur",
            "signatory_name": "Jackie GOULET",
            "signatory_role": "Maire",
            "signature_date": dt.date(2022, 1, 12),
        },
    ),
    "table_cells": (
        table_cells,
        {
            "collectivity": "Communauté de communes du Pays de Blain",
            "signatory_name": "Yves DANIEL",
            "signatory_role": "Président",
            "signature_date": dt.date(2021, 12, 17),
        },
    ),
    "labels_above": (
        labels_above,
        {
            "collectivity": "Couëron",
            "signatory_name": "Carole GRELAUD",
            "signatory_role": "La Maire",
            "signature_date": dt.date(2021, 12, 20),
        },
    ),
    "prose": (
        prose,
        {
            "collectivity": "Commune de Saint-Herblain",
            "signatory_name": "Bertrand AFFILÉ",
            "signatory_role": "Maire",
            "signature_date": dt.date(2022, 1, 5),
        },
    ),
    "two_columns": (
        two_columns,
        {
            "collectivity": "Commune de Rezé",
            "signatory_name": "Hervé NEAU",
            "signatory_role": "Le Maire",
            "signature_date": dt.date(2021, 12, 16),
        },
    ),
    "abbreviations": (
        abbreviations,
        {
            "collectivity": "SIVOS de la Vallée du Don",
            "signatory_name": "Paul-Henri DURAND",
            "signatory_role": "Vice-président délégué",
            "signature_date": dt.date(2021, 12, 22),
        },
    ),
    "block_one_line": (
        block_one_line,
        {
            "collectivity": "Mairie de Bouguenais",
            "signatory_name": "DUPRÉ Anne",
            "signatory_role": "Première adjointe",
            "signature_date": dt.date(2021, 12, 7),
        },
    ),
}

FIELDS = ("collectivity", "signatory_name", "signatory_role", "signature_date")


@pytest.mark.parametrize("case", sorted(CASES))
def test_layouts_and_wordings(case: str) -> None:
    make, want = CASES[case]
    (doc,) = extract_file(make(), filename=f"{case}.pdf")
    assert doc.type == "convention"
    got = {k: doc.value(k) for k in FIELDS}
    assert got == want
    for k in FIELDS:
        f = doc.fields[k]
        assert f.confidence >= 0.7, (k, f)
        assert f.evidence is not None and f.evidence.box is not None


def _text_pages(pdf: bytes) -> list[Page]:
    from extractors.limits import DEFAULT_LIMITS
    from extractors.parsers import PdfParser
    from extractors.scan import process_page
    from extractors.signature import DEFAULT_LABELS

    parser = PdfParser(pdf, DEFAULT_LIMITS)
    try:
        pages = [
            process_page(parser.page(i), DEFAULT_LIMITS, DEFAULT_LABELS)
            for i in range(parser.page_count())
        ]
        for p in pages:
            p.drop_loader()
        return pages
    finally:
        parser.close()


def test_real_convention_names_the_departement_not_the_rector() -> None:
    """The Hauts-de-Seine convention: the académie's party (ministère, Recteur) comes
    first; the collectivity is the département, its signatory its président. (Its title is
    not an e-primo convention's: the fields are read on its pages directly.)"""
    fields = convention_fields(_text_pages(real_hauts_de_seine()))
    got = {k: fields[k].value for k in ("collectivity", "signatory_name", "signatory_role")}
    assert got == {k: TRUTH_HDS[k] for k in got}
    ev = fields["signatory_name"].evidence
    assert ev is not None and ev.box is not None


@pytest.mark.parametrize(("case", "seed"), [("form_colons", 3), ("two_columns", 5)])
def test_scanned_layouts(case: str, seed: int) -> None:
    make, want = CASES[case]
    images = T.scan(make(), dpi=200, skew=0.6, seed=seed)
    (doc,) = extract_file(T.images_to_pdf(images, dpi=200), filename=f"{case}.pdf")
    assert doc.type == "convention" and doc.ocr
    got = {k: doc.value(k) for k in FIELDS}
    assert got == want


# --------------------------------------------------------------------------- weak evidence


def test_unreadable_value_is_none_with_the_labels_box() -> None:
    """A label whose value is no person ("voir ci-dessus") gives None, with low confidence,
    pointing at the label; the rector's name is never taken instead."""
    buf, c = _canvas()
    y = _body(c, _head(c), 2)
    c.setFont("Helvetica", 10)
    c.drawString(60, y, "Pour le Recteur de l'académie de Nantes,")
    c.drawString(60, y - 14, "Nom : William MAROIS")
    c.drawString(60, y - 60, "Pour la collectivité adhérente,")
    c.drawString(60, y - 74, "Nom du signataire : voir au verso 12")
    (doc,) = extract_file(_done(buf, c), filename="weak.pdf")
    f = doc.fields["signatory_name"]
    assert f.value is None
    assert f.confidence <= 0.5
    assert f.evidence is not None and f.evidence.box is not None
    assert f.evidence.box[0] < 200  # the label, on the left


def test_rector_block_alone_gives_no_signatory() -> None:
    buf, c = _canvas()
    y = _body(c, _head(c), 2)
    c.setFont("Helvetica", 10)
    c.drawString(60, y, "Fait à Nantes, le 10 janvier 2022")
    c.drawString(60, y - 14, "Le Recteur de l'académie de Nantes,")
    c.drawString(60, y - 60, "William MAROIS")
    (doc,) = extract_file(_done(buf, c), filename="rector.pdf")
    assert doc.value("signatory_name") is None
    assert doc.value("collectivity") is None
    assert doc.value("signature_date") is None


def test_blank_form_is_none() -> None:
    buf, c = _canvas()
    y = _body(c, _head(c), 2)
    c.setFont("Helvetica", 10)
    for i, label in enumerate(("Collectivité :", "Nom et prénom du signataire :", "Qualité :")):
        c.drawString(60, y - 20 * i, label)
    (doc,) = extract_file(_done(buf, c), filename="blank.pdf")
    for k in ("collectivity", "signatory_name", "signatory_role"):
        assert doc.value(k) is None
        assert doc.fields[k].evidence is not None


# --------------------------------------------------------------------------- vocabulary


@pytest.mark.parametrize("field", sorted(WORDINGS))
def test_every_wording_names_its_field(field: str) -> None:
    for wording in WORDINGS[field]:
        for line in (wording, wording.rstrip(" :…") + " : 12"):
            runs = find_labels(line)
            assert runs and field in runs[0].kinds, line


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Nom du signatair :", "signatory_name"),  # OCR lost a letter
        ("Qualite du signataire", "signatory_role"),  # no accent
        ("NOM DE LA COLLECTIVITE ADHERENTE :", "collectivity"),
        ("Signataire (nom) :", "signatory_name"),
        ("Fonctlon :", "signatory_role"),
    ],
)
def test_labels_with_noise_and_order(text: str, field: str) -> None:
    runs = find_labels(text)
    assert runs and runs[0].kinds == {field}


@pytest.mark.parametrize("text", ["Date de la délibération :", "Article 3 : Durée"])
def test_not_labels(text: str) -> None:
    assert not any(
        r.kinds & {"collectivity", "signatory_name", "signatory_role"} and r.separated
        for r in find_labels(text)
    )


def test_a_sentence_opening_with_a_label_word_gives_no_value() -> None:
    page = T.text_page([(60, 100, "La commune s'engage à payer sa quote-part du marché.")])
    got = convention_fields([page]).get("collectivity")
    assert got is None or got.value is None


def test_value_types() -> None:
    assert parse_person("Monsieur Bertrand AFFILÉ") == "Bertrand AFFILÉ"
    assert parse_person("Le Maire") is None
    assert parse_person("voir au verso") is None
    assert parse_person("DUPONT") is None  # one word: not enough
    assert parse_person("LE GOFF Stéphane") == "LE GOFF Stéphane"  # an article in a surname
    assert parse_person("Jean LE GALL") == "Jean LE GALL"
    assert parse_person("LE MAIRE") is None
    assert parse_role("Monsieur le Maire") == "Monsieur le Maire"
    assert parse_role("Le recteur de l'académie") is None
    assert parse_role("le maire a signé la convention") is None
    assert parse_collectivity("ST SEBASTIEN SUR LOIRE") == "ST SEBASTIEN SUR LOIRE"
    assert parse_collectivity("Nom de la collectivité") is None
    assert parse_collectivity("La commune signe la convention") is None


def test_page_words_only() -> None:
    """Lines built from words alone (no text layer helper): a label and its value in
    separate cells of one row."""
    words = [
        Word("Nom", (60, 100, 80, 110)),
        Word("du", (82, 100, 92, 110)),
        Word("signataire", (94, 100, 140, 110)),
        Word("Claire", (300, 100, 330, 110)),
        Word("MOREAU", (333, 100, 375, 110)),
    ]
    page = Page(number=1, width=595, height=842, text="", _words=words)
    fields = convention_fields([page])
    assert fields["signatory_name"].value == "Claire MOREAU"


@pytest.mark.parametrize(
    ("rows", "want"),
    [
        (  # one label for two fields
            [(60, 100, "Nom et qualité du signataire : Jean DUPONT, Maire")],
            {"signatory_name": "Jean DUPONT", "signatory_role": "Maire"},
        ),
        (  # first person, in prose
            [(60, 100, "Je soussignée Marie DUVAL, Maire de la commune de Rezé, certifie")],
            {
                "signatory_name": "Marie DUVAL",
                "signatory_role": "Maire",
                "collectivity": "commune de Rezé",
            },
        ),
        (  # a block: the date, the title and the name on one line
            [
                (300, 600, "Fait à Rezé, le 3 janvier 2022"),
                (300, 615, "Le Maire, Jean-Luc DAVID"),
            ],
            {
                "signatory_name": "Jean-Luc DAVID",
                "signatory_role": "Le Maire",
                "signature_date": dt.date(2022, 1, 3),
            },
        ),
        (  # the name above its title, the rector's column beside it
            [
                (60, 600, "Pour le recteur, par délégation"),
                (320, 600, "Pour la Ville d'Ancenis-Saint-Géréon,"),
                (60, 615, "Le secrétaire général"),
                (320, 615, "Le Maire"),
                (60, 680, "Pierre MARTIN"),
                (320, 680, "Rémy ORHON"),
            ],
            {
                "collectivity": "Ville d'Ancenis-Saint-Géréon",
                "signatory_name": "Rémy ORHON",
                "signatory_role": "Le Maire",
            },
        ),
        (  # OCR slips in the labels
            [
                (60, 100, "Nom de la collectivlté adhérente : Commune de Nort-sur-Erdre"),
                (60, 120, "Fonctlon du signataire : Maire"),
                (60, 140, "Nom du slgnataire : Yves DAUVÉ"),
            ],
            {
                "collectivity": "Commune de Nort-sur-Erdre",
                "signatory_role": "Maire",
                "signatory_name": "Yves DAUVÉ",
            },
        ),
    ],
)
def test_wordings_on_lines(rows: list[tuple[float, float, str]], want: dict[str, object]) -> None:
    fields = convention_fields([T.text_page(rows)])
    assert {k: fields[k].value for k in want if k in fields} == want


def test_a_sentence_about_a_date_is_no_signature_date() -> None:
    rows = [
        (60, 300, "La date limite d'adhésion est fixée au 15 janvier 2022 ; elle vaut 48 mois."),
        (60, 600, "Nom du signataire : Jean DUPONT"),
        (60, 620, "LE"),
        (200, 620, "10.01.2022"),
    ]
    fields = convention_fields([T.text_page(rows)])
    assert fields["signature_date"].value == dt.date(2022, 1, 10)
    fields = convention_fields([T.text_page(rows[:2])])
    assert fields.get("signature_date") is None or fields["signature_date"].value is None


# --------------------------------------------------------------------------- key-value layouts
#
# Layouts any French administrative form may use, written here from such forms (not the
# sample families'): leader dots in every spelling, a value written on or above its dotted
# line (a handwritten fill-in, OCR'd with its noise), two signature columns with the
# rector's on either side, a caption under its value, a header row over its values, labels
# in capitals with abbreviations, a bare place name after "Collectivité".


def _fill_page(
    rows: list[tuple[float, float, str] | tuple[float, float, str, float, float]],
    ocr: bool = False,
) -> Page:
    """A page of word boxes from ``(x, top, text[, size, conf])`` rows: a word is
    0.55 x size points a letter wide and ``size`` high (9 unless given); ``conf`` is the
    OCR confidence (0-100) of its words."""
    words: list[Word] = []
    for row in rows:
        x, top, text = row[0], row[1], row[2]
        size = row[3] if len(row) > 3 else 9.0  # type: ignore[misc]
        conf = row[4] if len(row) > 4 else (80.0 if ocr else 100.0)  # type: ignore[misc]
        for w in text.split(" "):
            width = 0.55 * size * len(w)
            words.append(Word(w, (x, top, x + width, top + size), conf))
            x += width + 0.3 * size
    return Page(number=1, width=595, height=842, text="", ocr=ocr, _words=words)


def _values(page: Page, keys: tuple[str, ...] = FIELDS) -> dict[str, object]:
    fields = convention_fields([page])
    return {k: fields[k].value if k in fields else None for k in keys}


@pytest.mark.parametrize(
    "line",
    [
        "Nom de la collectivité : .......... Commune de Rezé ..........",
        "Nom de la collectivité : ..........Commune de Rezé..........",
        "Nom de la collectivité ………………… Commune de Rezé …………",
        "Nom de la collectivité …Commune de Rezé…",
        "Nom de la collectivité : ____________ Commune de Rezé ________",
        "Nom de la collectivité : . . . . . . . Commune de Rezé . . . . . .",
        "Nom de la collectivité : - - - - - - Commune de Rezé - - - - -",
    ],
)
def test_leader_dots_in_every_spelling(line: str) -> None:
    assert _values(T.text_page([(60, 300, line)]), ("collectivity",)) == {
        "collectivity": "Commune de Rezé"
    }


@pytest.mark.parametrize(
    "line",
    [
        "Représentée par ......... M. Jean Dupont ........ agissant en qualité de ....Maire....",
        "Représentée par .........M. Jean Dupont........ agissant en qualité de ....Maire....",
        "Représentée par ……… M. Jean Dupont ……… agissant en qualité de ………Maire………",
        "Représentée par ___ M. Jean Dupont ___ agissant en qualité de ___ Maire ___",
        "Représentée par : M. Jean Dupont, agissant en qualité de : Maire",
    ],
)
def test_two_fill_ins_on_one_line(line: str) -> None:
    got = _values(T.text_page([(60, 300, line)]), ("signatory_name", "signatory_role"))
    assert got == {"signatory_name": "Jean Dupont", "signatory_role": "Maire"}


def test_leaders_then_a_second_label_on_the_line() -> None:
    rows = [
        (
            60,
            300,
            "Nom : .......DURAND....... Prénom : ......Marie...... Qualité : ...Adjointe...",
        ),
        (60, 320, "Commune de : .................. Basse-Goulaine ..................."),
    ]
    got = _values(T.text_page(rows), ("collectivity", "signatory_role"))
    assert got == {"collectivity": "Basse-Goulaine", "signatory_role": "Adjointe"}


@pytest.mark.parametrize("dy", [-11.0, -8.0, -6.0, 3.0, 6.0, 8.0])
def test_handwritten_fill_in_off_its_line(dy: float) -> None:
    """The value written on (or above) the dotted line, a few points off the label's
    line, in a larger hand: OCR gives it a line of its own."""
    rows: list[tuple[float, float, str] | tuple[float, float, str, float, float]] = [
        (60, 300, "Nom de la collectivité : " + "." * 60),
        (190, 300 + dy, "Commune de Vallet", 14.0, 100.0),
        (60, 330, "Nom et prénom du signataire : " + "." * 50),
        (215, 330 + dy, "Jérôme MARCHAIS", 14.0, 100.0),
        (60, 360, "Qualité : " + "." * 70),
        (130, 360 + dy, "Maire", 14.0, 100.0),
    ]
    got = _values(_fill_page(rows), ("collectivity", "signatory_name", "signatory_role"))
    assert got == {
        "collectivity": "Commune de Vallet",
        "signatory_name": "Jérôme MARCHAIS",
        "signatory_role": "Maire",
    }


def test_handwritten_fill_in_with_ocr_noise() -> None:
    """A scanned fill-in: the value above the dotted line, OCR'd with slips ("rn" for
    "m", a space before the civility's dot, specks after the name)."""
    rows: list[tuple[float, float, str] | tuple[float, float, str, float, float]] = [
        (60, 300, "Nom de la collectivité : " + "_" * 40, 9.0, 88.0),
        (190, 290, "Cornmune de Rezé", 14.0, 61.0),
        (60, 330, "Nom du signataire : " + "_" * 40, 9.0, 90.0),
        (170, 321, "M . Hervé NEAU", 14.0, 58.0),
        (60, 360, "Fonction : " + "_" * 45, 9.0, 91.0),
        (130, 351, "Le Marre", 14.0, 55.0),
    ]
    got = _values(_fill_page(rows, ocr=True), ("collectivity", "signatory_name", "signatory_role"))
    assert got == {
        "collectivity": "Commune de Rezé",
        "signatory_name": "Hervé NEAU",
        "signatory_role": "Le Maire",
    }


def test_a_blank_dotted_line_takes_no_value_from_the_row_above() -> None:
    """A label left blank under a filled row: the value of the row above is its own
    label's, never the blank one's."""
    rows = [
        (60, 300, "Nom du signataire : Jean DUPONT"),
        (60, 312, "Collectivité : ......................................"),
        (60, 324, "Qualité : ......................................"),
    ]
    got = _values(T.text_page(rows), ("collectivity", "signatory_name", "signatory_role"))
    assert got == {"collectivity": None, "signatory_name": "Jean DUPONT", "signatory_role": None}


ROWS = list[tuple[float, float, str]]


@pytest.mark.parametrize(
    ("rows", "want"),
    [
        (  # the commune left, the rector right, the date under each
            [
                (60, 600, "Pour la commune de Mauves-sur-Loire,"),
                (320, 600, "Pour le recteur de l'académie de Nantes,"),
                (60, 614, "Le Maire,"),
                (320, 614, "La rectrice,"),
                (60, 680, "Jean-Pierre BLANDIN"),
                (320, 680, "Katia BÉGUIN"),
                (60, 700, "Fait à Mauves-sur-Loire, le 4 janvier 2022"),
                (320, 700, "Fait à Nantes, le 12 janvier 2022"),
            ],
            {
                "collectivity": "commune de Mauves-sur-Loire",
                "signatory_name": "Jean-Pierre BLANDIN",
                "signatory_role": "Le Maire",
                "signature_date": dt.date(2022, 1, 4),
            },
        ),
        (  # the rector left by delegation (a secretary general: a title of our types)
            [
                (60, 600, "Fait à Nantes, le 20 janvier 2022"),
                (320, 600, "Fait à Clisson, le 6 janvier 2022"),
                (60, 614, "Pour la rectrice de la région académique"),
                (320, 614, "Pour la Ville de Clisson"),
                (60, 628, "et par délégation,"),
                (320, 628, "La Maire,"),
                (60, 642, "Le secrétaire général,"),
                (60, 700, "Pierre MARTIN"),
                (320, 700, "Anne-Marie PINEAU"),
            ],
            {
                "collectivity": "Ville de Clisson",
                "signatory_name": "Anne-Marie PINEAU",
                "signatory_role": "La Maire",
                "signature_date": dt.date(2022, 1, 6),
            },
        ),
        (  # labelled columns: the rector's labels carry typed values too
            [
                (60, 600, "LE COORDONNATEUR"),
                (320, 600, "LE MEMBRE DU GROUPEMENT"),
                (60, 616, "Nom : Pierre MARTIN"),
                (320, 616, "Nom : Sylvie DUBOIS"),
                (60, 630, "Qualité : Secrétaire général"),
                (320, 630, "Qualité : Présidente"),
                (60, 644, "Date : 18/01/2022"),
                (320, 644, "Date : 11/01/2022"),
            ],
            {
                "collectivity": None,
                "signatory_name": "Sylvie DUBOIS",
                "signatory_role": "Présidente",
                "signature_date": dt.date(2022, 1, 11),
            },
        ),
        (  # the rector right, his side dated and named; the commune's name under its title
            [
                (60, 600, "Pour la Commune de Haute-Goulaine"),
                (320, 600, "Pour le Recteur, le directeur académique"),
                (60, 614, "Le Premier adjoint"),
                (320, 614, "des services de l'éducation nationale"),
                (320, 628, "Le DASEN, Michel DUPUY"),
                (60, 690, "Marc LE BIHAN"),
                (320, 690, "Fait à Nantes, le 25 janvier 2022"),
                (60, 704, "Le 10 janvier 2022"),
            ],
            {
                "collectivity": "Commune de Haute-Goulaine",
                "signatory_name": "Marc LE BIHAN",
                "signatory_role": "Le Premier adjoint",
                "signature_date": dt.date(2022, 1, 10),
            },
        ),
    ],
)
def test_two_signature_columns(rows: ROWS, want: dict[str, object]) -> None:
    assert _values(T.text_page(rows)) == want


def test_the_rectors_column_alone_gives_nothing_of_the_collectivity() -> None:
    rows = [
        (60, 600, "Pour la commune de Sucé-sur-Erdre"),
        (320, 600, "Pour la rectrice de l'académie,"),
        (60, 614, "Le Maire"),
        (320, 614, "Le secrétaire général"),
        (320, 680, "Pierre MARTIN"),
        (320, 700, "Fait à Nantes, le 12 janvier 2022"),
    ]
    got = _values(T.text_page(rows))
    assert got == {
        "collectivity": "commune de Sucé-sur-Erdre",
        "signatory_name": None,
        "signatory_role": "Le Maire",
        "signature_date": None,
    }


@pytest.mark.parametrize(
    ("rows", "want"),
    [
        (  # a caption under its signature line
            [
                (320, 640, "Jean DUPONT, Maire"),
                (320, 652, "____________________________"),
                (320, 664, "Nom et qualité du signataire"),
            ],
            {"signatory_name": "Jean DUPONT", "signatory_role": "Maire"},
        ),
        (  # captions under a row of values
            [
                (60, 640, "Commune de Saint-Aignan-Grandlieu"),
                (260, 640, "Sophie BRIAND"),
                (420, 640, "Maire"),
                (60, 652, "(collectivité)"),
                (260, 652, "(nom et prénom)"),
                (420, 652, "(qualité)"),
            ],
            {
                "collectivity": "Commune de Saint-Aignan-Grandlieu",
                "signatory_name": "Sophie BRIAND",
                "signatory_role": "Maire",
            },
        ),
        (  # captioned lines stacked: each value is its own caption's, not the next one's
            [
                (60, 600, "Commune de Thouaré-sur-Loire"),
                (60, 612, "Collectivité"),
                (60, 636, "Martine OGER"),
                (60, 648, "Nom du signataire"),
                (60, 672, "Maire"),
                (60, 684, "Qualité"),
            ],
            {
                "collectivity": "Commune de Thouaré-sur-Loire",
                "signatory_name": "Martine OGER",
                "signatory_role": "Maire",
            },
        ),
    ],
)
def test_label_under_its_value(rows: ROWS, want: dict[str, object]) -> None:
    assert _values(T.text_page(rows), tuple(want)) == want


@pytest.mark.parametrize(
    ("rows", "want"),
    [
        (  # a box: capitals and abbreviations in the header row, values under them
            [
                (60, 500, "COLLECT."),
                (240, 500, "SIGNAT. (NOM, PRÉNOM)"),
                (420, 500, "QUALITE"),
                (60, 520, "Commune de Divatte-sur-Loire"),
                (240, 520, "GUILLOT Christelle"),
                (420, 520, "Maire-adjointe"),
            ],
            {
                "collectivity": "Commune de Divatte-sur-Loire",
                "signatory_name": "GUILLOT Christelle",
                "signatory_role": "Maire-adjointe",
            },
        ),
        (  # another order of the label's words, a dash between them
            [
                (60, 500, "Collectivité - dénomination : Ville de Nort-sur-Erdre"),
                (60, 515, "Signataire - nom et prénom : Yves DAUVÉ"),
                (60, 530, "Signataire - qualité : Maire"),
            ],
            {
                "collectivity": "Ville de Nort-sur-Erdre",
                "signatory_name": "Yves DAUVÉ",
                "signatory_role": "Maire",
            },
        ),
        (  # a tall box: the label in its corner, the value lower down
            [
                (60, 500, "NOM ET PRÉNOM DU SIGNATAIRE"),
                (60, 534, "Christophe RICHARD"),
                (300, 500, "FONCTION"),
                (300, 534, "Maire"),
            ],
            {"signatory_name": "Christophe RICHARD", "signatory_role": "Maire"},
        ),
        (  # capitals, abbreviated, with colons
            [
                (60, 500, "COLLECTIVITE : MAIRIE DE LA CHAPELLE-SUR-ERDRE"),
                (60, 515, "SIGNAT. : M. Fabrice ROUSSEL"),
                (60, 530, "QUALITE : MAIRE"),
            ],
            {
                "collectivity": "MAIRIE DE LA CHAPELLE-SUR-ERDRE",
                "signatory_name": "Fabrice ROUSSEL",
                "signatory_role": "MAIRE",
            },
        ),
    ],
)
def test_boxes_capitals_and_word_order(rows: ROWS, want: dict[str, object]) -> None:
    assert _values(T.text_page(rows), tuple(want)) == want


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("Collectivité : Rezé", "Rezé"),
        ("Collectivité : SAINT-PHILBERT-DE-GRAND-LIEU", "SAINT-PHILBERT-DE-GRAND-LIEU"),
        ("Collectivité adhérente : Les Sorinières", "Les Sorinières"),
        ("Nom de la commune : Le Loroux-Bottereau", "Le Loroux-Bottereau"),
        ("Commune : Vertou", "Vertou"),
        ("COLLECTIVITÉ ........ Saint-Julien-de-Concelles ........", "Saint-Julien-de-Concelles"),
        ("Collectivité : la commune s'engage à payer", None),
    ],
)
def test_bare_place_after_a_collectivity_label(line: str, want: str | None) -> None:
    assert _values(T.text_page([(60, 300, line)]), ("collectivity",)) == {"collectivity": want}


@pytest.mark.parametrize(
    ("rows", "want"),
    [
        (  # surname and first name filled in apart, on one line
            [
                (
                    60,
                    300,
                    "Nom : .......DURAND....... Prénom : ......Marie...... Qualité : ....Maire....",
                )
            ],
            {"signatory_name": "Marie DURAND", "signatory_role": "Maire"},
        ),
        (  # … and on two lines, under a heading of the representative
            [
                (60, 600, "Le représentant de la collectivité"),
                (60, 614, "Nom : NEAU"),
                (60, 628, "Prénom : Hervé"),
                (60, 642, "Qualité : Maire"),
            ],
            {"signatory_name": "Hervé NEAU", "signatory_role": "Maire"},
        ),
    ],
)
def test_surname_and_first_name_apart(rows: ROWS, want: dict[str, object]) -> None:
    assert _values(T.text_page(rows), tuple(want)) == want


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("Collectivité signataire :", "collectivity"),
        ("Nom de la collectivité signataire :", "collectivity"),
        ("Nom du signataire de la collectivité :", "signatory_name"),
        ("Représentant légal de la collectivité :", "signatory_name"),
        ("Qualité du représentant :", "signatory_role"),
        ("Signataire - nom et prénom :", "signatory_name"),
        ("COLLECT. :", "collectivity"),
        ("SIGNAT. :", "signatory_name"),
    ],
)
def test_the_labels_head_noun_names_its_field(label: str, field: str) -> None:
    runs = find_labels(label + " x")
    assert runs and runs[0].kinds == {field}


def test_a_collectivity_labelled_signataire() -> None:
    rows = [
        (60, 600, "Collectivité signataire : Commune de Rezé"),
        (60, 614, "Nom du représentant légal : Hervé NEAU"),
        (60, 628, "Fonction du représentant : Maire"),
    ]
    assert _values(T.text_page(rows), ("collectivity", "signatory_name", "signatory_role")) == {
        "collectivity": "Commune de Rezé",
        "signatory_name": "Hervé NEAU",
        "signatory_role": "Maire",
    }


@pytest.mark.parametrize(
    "line",
    [
        "Fait à ......Rezé...... le ....12/01/2022....",
        "Fait à …………Rezé………… le …………12 janvier 2022…………",
        "Fait à _____Rezé_____ le ___12/01/2022___",
        "Fait à Rezé, le 12 / 01 / 2022",
        "Date : ....12 janvier 2022....",
    ],
)
def test_signature_date_on_a_dotted_line(line: str) -> None:
    rows = [(60, 580, "Nom du signataire : Hervé NEAU"), (60, 600, line)]
    assert _values(T.text_page(rows), ("signature_date",)) == {
        "signature_date": dt.date(2022, 1, 12)
    }


def test_two_column_headings_run_into_one_line() -> None:
    """OCR joins the two columns' headings when the gap between them is narrow: the
    commune's heading is still read, the rector's never."""
    rows = [
        (60, 600, "Pour la commune de Saint-Sébastien-sur-Loire,"),
        (295, 600, "Pour le recteur de l'académie de Nantes,"),
        (60, 614, "Le Maire,"),
        (320, 614, "Le secrétaire général,"),
        (60, 680, "Laurent TURQUOIS"),
        (320, 680, "Pierre MARTIN"),
    ]
    page = T.text_page(rows)
    assert len(page.lines) == 5  # the headings are one line
    assert _values(page, ("collectivity", "signatory_name", "signatory_role")) == {
        "collectivity": "commune de Saint-Sébastien-sur-Loire",
        "signatory_name": "Laurent TURQUOIS",
        "signatory_role": "Le Maire",
    }


def test_ocr_mends_the_kind_of_collectivity() -> None:
    from extractors.fields.convention import mend_kind

    assert mend_kind("Cornmune de Rezé") == "Commune de Rezé"
    assert mend_kind("VlLLE D'ANCENIS") == "VILLE D'ANCENIS"
    assert mend_kind("Maire de Rezé") == "Maire de Rezé"
    assert mend_kind("Marie de La Tour") == "Marie de La Tour"
    assert mend_kind("Vallet") == "Vallet"


@pytest.mark.parametrize(
    ("rows", "want"),
    [
        (  # the title held in a place, the name under it
            [(60, 600, "Le Maire de Geneston,"), (60, 680, "Jean-Pierre LE NAIN")],
            {
                "collectivity": "Geneston",
                "signatory_name": "Jean-Pierre LE NAIN",
                "signatory_role": "Le Maire",
            },
        ),
        (  # … and the name after it on its line
            [
                (300, 600, "Fait à Rezé, le 3 janvier 2022"),
                (300, 615, "Le Maire de Rezé, Hervé NEAU"),
            ],
            {"collectivity": "Rezé", "signatory_name": "Hervé NEAU", "signatory_role": "Le Maire"},
        ),
        (  # a caption for the signature between the title and the name
            [
                (60, 600, "Pour la commune,"),
                (60, 614, "le Maire,"),
                (60, 680, "(signature et cachet)"),
                (60, 700, "Hervé NEAU"),
            ],
            {"collectivity": None, "signatory_name": "Hervé NEAU", "signatory_role": "le Maire"},
        ),
        (  # an electronic signature's "Signé par"
            [(60, 600, "Signé par : Hervé NEAU"), (60, 614, "En sa qualité de : Maire")],
            {"collectivity": None, "signatory_name": "Hervé NEAU", "signatory_role": "Maire"},
        ),
        (  # a long label: the EPCI spelt out
            [
                (
                    60,
                    600,
                    "Nom de l'établissement public de coopération intercommunale : "
                    "Clisson Sèvre et Maine Agglo",
                )
            ],
            {"collectivity": "Clisson Sèvre et Maine Agglo"},
        ),
    ],
)
def test_signature_blocks_and_long_labels(rows: ROWS, want: dict[str, object]) -> None:
    assert _values(T.text_page(rows), tuple(want)) == want


def test_the_states_column_is_the_rectors() -> None:
    """ "Pour l'État" heads the rector's column: its secretary general, lower on the page,
    is no signatory of the commune's."""
    rows = [
        (320, 600, "Pour la commune de Rezé"),
        (60, 600, "Pour l'État,"),
        (320, 614, "Le Maire"),
        (60, 640, "Le secrétaire général"),
        (320, 680, "Hervé NEAU"),
        (60, 700, "Pierre MARTIN"),
    ]
    assert _values(T.text_page(rows), ("signatory_name", "signatory_role")) == {
        "signatory_name": "Hervé NEAU",
        "signatory_role": "Le Maire",
    }


@pytest.mark.parametrize("blank_first", [False, True])
def test_fill_ins_on_tight_rows_go_to_their_own_dotted_line(blank_first: bool) -> None:
    """Rows 18 points apart, each value written on its dotted line in a larger hand: a
    value between two labels is the one whose dotted line it is written on (its bottom
    at that line), never the row above's."""
    rows: list[tuple[float, float, str] | tuple[float, float, str, float, float]] = [
        (60, 300, "Collectivité : " + "." * 60),
        (60, 318, "Nom du signataire : " + "." * 55),
        (170, 305, "Jérôme MARCHAIS", 14.0, 100.0),
    ]
    if not blank_first:
        rows.append((150, 287, "Commune de Vallet", 14.0, 100.0))
    got = _values(_fill_page(rows), ("collectivity", "signatory_name"))
    assert got == {
        "collectivity": None if blank_first else "Commune de Vallet",
        "signatory_name": "Jérôme MARCHAIS",
    }


@pytest.mark.parametrize(
    ("line", "want"),
    [
        (
            "Collectivité adhérente (nom, adresse) : Commune de Rezé, place Jean-Baptiste "
            "Daviais, 44400 Rezé",
            "Commune de Rezé",
        ),
        ("Collectivité : Commune de Rezé – SIREN 214 401 432", "Commune de Rezé"),
        (
            "Collectivité : Commune nouvelle de Divatte-sur-Loire",
            "Commune nouvelle de Divatte-sur-Loire",
        ),
        ("Adresse de la mairie : Place de la Mairie", None),
        ("Adresse du siège : Rue Jean Jaurès", None),
    ],
)
def test_a_collectivity_and_what_follows_it(line: str, want: str | None) -> None:
    """The name, then its address or SIREN in the same cell; an address's label is no
    collectivity's."""
    assert _values(T.text_page([(60, 300, line)]), ("collectivity",)) == {"collectivity": want}


def test_an_address_label_ends_the_value_before_it() -> None:
    rows = [(60, 300, "Collectivité : Commune de Rezé Adresse : 1 place Daviais")]
    assert _values(T.text_page(rows), ("collectivity",)) == {"collectivity": "Commune de Rezé"}


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("Nom et qualité du signataire : Jean DUPONT (Maire)", ("Jean DUPONT", "Maire")),
        ("Nom et qualité du signataire : Jean DUPONT - Maire", ("Jean DUPONT", "Maire")),
        ("Représentant de la collectivité : M. Jean DUPONT, Maire", ("Jean DUPONT", "Maire")),
        (
            "Qualité : Adjoint délégué à l'éducation",
            (None, "Adjoint délégué à l'éducation"),
        ),
        (
            "Qualité : Conseillère municipale déléguée à l'enfance",
            (None, "Conseillère municipale déléguée à l'enfance"),
        ),
    ],
)
def test_name_and_title_in_one_cell(line: str, want: tuple[str | None, str]) -> None:
    got = _values(T.text_page([(60, 300, line)]), ("signatory_name", "signatory_role"))
    assert (got["signatory_name"], got["signatory_role"]) == want


def test_titles_delegated_to_a_topic() -> None:
    assert parse_role("Adjointe déléguée aux affaires scolaires") == (
        "Adjointe déléguée aux affaires scolaires"
    )
    assert parse_role("Adjoint au maire délégué à l'éducation") == (
        "Adjoint au maire délégué à l'éducation"
    )
    assert (
        parse_role("Vice-président délégué aux finances") == "Vice-président délégué aux finances"
    )
    assert parse_role("Adjoint délégué à la vie scolaire, signe la présente convention") is None
    assert parse_role("Adjoint délégué à la vie scolaire qui signe la présente convention") is None
    assert parse_collectivity("Commune nouvelle de Divatte-sur-Loire") == (
        "Commune nouvelle de Divatte-sur-Loire"
    )


def form_fill_in() -> bytes:
    """A form filled in by hand: each label followed by a dotted rule, the value written
    above the rule in a larger italic (ink blue), "Fait à … le …" filled in the same way."""
    buf, c = _canvas()
    y = _body(c, _head(c), 2)
    rows = (
        ("Nom de la collectivité :", "Commune de Vallet"),
        ("Représentée par :", "M. Jérôme MARCHAIS"),
        ("Agissant en qualité de :", "Maire"),
    )

    def dotted(x0: float, x1: float, y: float) -> None:
        c.saveState()
        c.setDash(1, 2)
        c.setLineWidth(0.6)
        c.line(x0, y - 1, x1, y - 1)
        c.restoreState()

    def hand(x: float, y: float, text: str) -> None:
        c.setFont("Times-Italic", 15)
        c.setFillColorRGB(0.1, 0.1, 0.45)
        c.drawString(x, y + 3, text)
        c.setFillColorRGB(0, 0, 0)

    for label, value in rows:
        c.setFont("Helvetica", 10)
        c.drawString(60, y, label)
        x = 62 + c.stringWidth(label, "Helvetica", 10)
        dotted(x + 2, 520, y)
        hand(x + 30, y, value)
        y -= 30
    c.setFont("Helvetica", 10)
    c.drawString(60, y, "Fait à")
    c.drawString(180, y, "le")
    dotted(92, 176, y)
    dotted(194, 300, y)
    hand(100, y, "Vallet")
    hand(210, y, "14/01/2022")
    _scribble(c, 300, y - 50)
    return _done(buf, c)


def test_a_form_filled_in_by_hand() -> None:
    """The larger hand draws "Représentée" into its row: the label's pieces are joined
    again, and each value is read above its dotted rule."""
    (doc,) = extract_file(form_fill_in(), filename="fill_in.pdf")
    assert doc.type == "convention"
    assert {k: doc.value(k) for k in FIELDS} == {
        "collectivity": "Commune de Vallet",
        "signatory_name": "Jérôme MARCHAIS",
        "signatory_role": "Maire",
        "signature_date": dt.date(2022, 1, 14),
    }


@pytest.mark.parametrize(
    "rows",
    [
        [
            (60, 300, "Fait à " + "." * 20 + " le " + "." * 25),
            (100, 291, "Vallet", 14.0, 100.0),
            (230, 291, "14/01/2022", 14.0, 100.0),
        ],
        [
            (60, 300, "Fait à " + "_" * 20 + " le " + "_" * 25),
            (100, 291, "Vallet", 14.0, 100.0),
            (230, 291, "14/01/22", 14.0, 100.0),
        ],
        [
            (60, 300, "Fait à"),
            (100, 300, "." * 15),
            (180, 300, "le"),
            (195, 300, "." * 20),
            (100, 291, "Vallet", 14.0, 100.0),
            (205, 292, "14 janvier 2022", 14.0, 100.0),
        ],
    ],
)
def test_signature_date_written_above_its_dotted_line(
    rows: list[tuple[float, float, str] | tuple[float, float, str, float, float]],
) -> None:
    assert _values(_fill_page(rows), ("signature_date",)) == {
        "signature_date": dt.date(2022, 1, 14)
    }


@pytest.mark.parametrize("rector_first", [True, False])
def test_a_grid_of_parties_one_column_each(rector_first: bool) -> None:
    """One label column, then a column per party (the rector's first or second): each
    label's value is its row's cell in the collectivity's column, never the rector's."""
    xr, xc = (200, 400) if rector_first else (400, 200)
    rows = [
        (xr, 600, "Pour l'académie"),
        (xc, 600, "Pour la commune de Rezé"),
        (60, 614, "Nom"),
        (xr, 614, "Pierre MARTIN"),
        (xc, 614, "Hervé NEAU"),
        (60, 628, "Qualité"),
        (xr, 628, "Secrétaire général"),
        (xc, 628, "Maire"),
        (60, 642, "Date"),
        (xr, 642, "20/01/2022"),
        (xc, 642, "12/01/2022"),
    ]
    assert _values(T.text_page(rows)) == {
        "collectivity": "commune de Rezé",
        "signatory_name": "Hervé NEAU",
        "signatory_role": "Maire",
        "signature_date": dt.date(2022, 1, 12),
    }


@pytest.mark.parametrize("rector_left", [True, False])
def test_one_date_centred_over_both_columns(rector_left: bool) -> None:
    """ "Fait en deux exemplaires à Nantes, le …" over both signature columns dates the
    collectivity's signature too, whichever side the rector's column is on."""
    cols = [
        ("Pour le recteur de l'académie,", "La rectrice", "Katia BÉGUIN"),
        ("Pour la commune de Rezé,", "Le Maire", "Hervé NEAU"),
    ]
    if not rector_left:
        cols.reverse()
    rows = [(150.0, 580.0, "Fait en deux exemplaires à Nantes, le 12 janvier 2022")]
    for x, (heading, title, name) in zip((60.0, 320.0), cols, strict=True):
        rows += [(x, 600.0, heading), (x, 614.0, title), (x, 680.0, name)]
    assert _values(T.text_page(rows)) == {
        "collectivity": "commune de Rezé",
        "signatory_name": "Hervé NEAU",
        "signatory_role": "Le Maire",
        "signature_date": dt.date(2022, 1, 12),
    }


def box_and_caption() -> bytes:
    """A ruled box with a header row (capitals) over the values, and a signature line
    with its caption under the name."""
    buf, c = _canvas()
    y = _body(c, _head(c), 2) - 10
    heads = ("COLLECTIVITÉ", "SIGNATAIRE (NOM, PRÉNOM)", "QUALITÉ")
    values = ("Commune de Basse-Goulaine", "GUILLOT Christelle", "Maire-adjointe")
    xs = (60.0, 230.0, 400.0)
    c.setLineWidth(0.6)
    for x, w in zip(xs, (170, 170, 135), strict=True):
        c.rect(x, y - 50, w, 50)
        c.line(x, y - 18, x + w, y - 18)
    for x, head, value in zip(xs, heads, values, strict=True):
        c.setFont("Helvetica-Bold", 8.5)
        c.drawString(x + 5, y - 12, head)
        c.setFont("Helvetica", 10)
        c.drawString(x + 5, y - 36, value)
    y -= 110
    c.setFont("Times-Roman", 10)
    c.drawString(330, y, "Fait à Basse-Goulaine, le 9 février 2022")
    _scribble(c, 350, y - 50)
    c.line(330, y - 80, 530, y - 80)
    c.setFont("Helvetica", 10)
    c.drawString(335, y - 74, "GUILLOT Christelle, Maire-adjointe")
    c.setFont("Helvetica-Oblique", 8)
    c.drawString(335, y - 92, "Nom et qualité du signataire")
    return _done(buf, c)


BOX_AND_CAPTION = {
    "collectivity": "Commune de Basse-Goulaine",
    "signatory_name": "GUILLOT Christelle",
    "signatory_role": "Maire-adjointe",
    "signature_date": dt.date(2022, 2, 9),
}


@pytest.mark.parametrize("seed", [None, 2, 3])
def test_a_box_with_a_header_row_digital_and_scanned(seed: int | None) -> None:
    """Scanned, OCR runs the box's value cells into one line ("Commune de Basse-Goulaine |
    GUILLOT Christelle"): the header row's labels cut it back into cells."""
    pdf = box_and_caption()
    if seed is not None:
        pdf = T.images_to_pdf(T.scan(pdf, dpi=200, skew=0.5, seed=seed), dpi=200)
    (doc,) = extract_file(pdf, filename="box.pdf")
    assert doc.type == "convention" and doc.ocr == (seed is not None)
    assert {k: doc.value(k) for k in FIELDS} == BOX_AND_CAPTION


def leaders_as_glyphs() -> bytes:
    """Leader dots typed as characters in a PDF: their glyph boxes sit low, so the dots
    come out as lines of their own and the label's line has none left."""
    buf, c = _canvas()
    y = _body(c, _head(c), 2) - 10
    c.setFont("Times-Roman", 10.5)
    c.drawString(60, y, "Nom de la collectivité : ..........Commune de Rezé..........")
    c.drawString(
        60,
        y - 20,
        "Représentée par ......... M. Hervé Neau ........ agissant en qualité de ....Maire....",
    )
    c.drawString(60, y - 40, "Fait à ……Rezé…… le ……12 janvier 2022……")
    _scribble(c, 300, y - 90)
    return _done(buf, c)


@pytest.mark.parametrize("seed", [None, 1])
def test_leaders_typed_as_glyphs(seed: int | None) -> None:
    pdf = leaders_as_glyphs()
    if seed is not None:
        pdf = T.images_to_pdf(T.scan(pdf, dpi=200, skew=0.5, seed=seed), dpi=200)
    (doc,) = extract_file(pdf, filename="leaders.pdf")
    assert {k: doc.value(k) for k in FIELDS} == {
        "collectivity": "Commune de Rezé",
        "signatory_name": "Hervé Neau",
        "signatory_role": "Maire",
        "signature_date": dt.date(2022, 1, 12),
    }


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("Représentée par M. Hervé Neau agissant en qualité de Maire", ("Hervé Neau", "Maire")),
        ("Représentée par M. Hervé Neau, en sa qualité de Maire", ("Hervé Neau", "Maire")),
        (
            "Le Recteur, M. Pierre Martin, en sa qualité de Président du conseil d'administration",
            (None, None),
        ),
    ],
)
def test_a_title_label_inside_a_line(line: str, want: tuple[str | None, str | None]) -> None:
    got = _values(T.text_page([(60, 300, line)]), ("signatory_name", "signatory_role"))
    assert (got["signatory_name"], got["signatory_role"]) == want
