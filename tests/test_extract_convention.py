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
