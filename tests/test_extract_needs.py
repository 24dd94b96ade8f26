"""The needs form's counts read by meaning: label wordings the generator never uses, the
value after a colon, leader dots, in the next cell or under the label, school tables in
any column order, with or without a total, over two pages; decoys and blanks. PDFs are
built here (reportlab), two of them scanned and OCR'd."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from extractors import extract_file
from extractors import testing as T
from extractors.fields.needs import match_label, needs_fields, parse_count
from extractors.model import Document
from extractors.pages import Line, Page, Word

W, H = A4
Draw = Callable[[Canvas], None]


def _pdf(*pages: Draw, title: str = "Fiche d'expression des besoins – annexe 2") -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    for i, draw in enumerate(pages):
        if i == 0:
            c.setFont("Helvetica-Bold", 13)
            c.drawString(60, H - 60, title)
            c.setFont("Helvetica", 11)
            c.drawString(60, H - 95, "Collectivité : Commune de Vallet")
        draw(c)
        c.showPage()
    c.save()
    return buf.getvalue()


def _one(data: bytes, **kw: object) -> Document:
    docs = extract_file(data, filename="annexe2.pdf", **kw)  # type: ignore[arg-type]
    needs = [d for d in docs if d.type == "needs_form"]
    assert len(needs) == 1, [(d.type, d.pages) for d in docs]
    return needs[0]


def _text(c: Canvas, x: float, y: float, text: str, size: float = 10.5) -> None:
    c.setFont("Helvetica", size)
    c.drawString(x, y, text)


def _table(
    c: Canvas,
    top: float,
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    ruled: bool = True,
    x0: float = 50,
) -> float:
    """A table (header row then rows), ruled or not; returns the y under it."""
    xs = [x0]
    for w in widths:
        xs.append(xs[-1] + w)
    y = top
    row_h = 20
    for i, row in enumerate([head, *rows]):
        if ruled:
            c.rect(xs[0], y - row_h, xs[-1] - xs[0], row_h)
            for x in xs[1:-1]:
                c.line(x, y - row_h, x, y)
        c.setFont(
            "Helvetica-Bold" if i == 0 or row[0].upper().startswith("TOTAL") else "Helvetica", 9
        )
        for j, text in enumerate(row):
            if text:
                c.drawString(xs[j] + 4, y - 14, text)
        y -= row_h
    return y


# --------------------------------------------------------------------------- labels


def _line(text: str) -> Line:
    words, x = [], 50.0
    for t in text.split():
        words.append(Word(t, (x, 100.0, x + 6 * len(t), 110.0)))
        x += 6 * len(t) + 3
    return Line(words)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Nombre d'écoles : 3", "schools"),
        ("Nombre d'écoles publiques concernées : 4", "schools"),
        ("Nb écoles", "schools"),
        ("Nbre d'écoles ...... 2", "schools"),
        ("Écoles (nombre)", "schools"),
        ("Total écoles", "schools"),
        ("Nombre d'établissements scolaires", "schools"),
        ("Combien d'écoles ?", "schools"),
        ("2. Nombre d'écoies maternelles et élémentaires :", "schools"),  # OCR slip
        ("Nombre de comptes élèves à créer : 312", "student_accounts"),
        ("Nombre total de comptes élèves", "student_accounts"),
        ("Effectif total : 245", "student_accounts"),
        ("Nombre d'élèves prévisionnel 2021-2022 : 250", "student_accounts"),
        ("Comptes élèves (nombre)", "student_accounts"),
        ("Total élèves", "student_accounts"),
    ],
)
def test_count_labels_by_meaning(text: str, field: str) -> None:
    m = match_label(_line(text))
    assert m is not None and m[0] == field, m


@pytest.mark.parametrize(
    "text",
    [
        "Nombre de classes : 12",
        "Nombre d'enseignants : 15",
        "Nombre de comptes enseignants : 20",
        "Nombre d'élèves par classe : 24",
        "Le nombre de comptes élèves correspond à l'effectif des écoles concernées.",
        "Les écoles de la commune accueillent 245 élèves",
        "Nombre d'habitants : 9 000",
    ],
)
def test_not_count_labels(text: str) -> None:
    assert match_label(_line(text)) is None


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("4", "schools", 4),
        ("  12 écoles", "schools", 12),
        ("1 020", "student_accounts", 1020),
        ("néant", "schools", None),
        ("", "student_accounts", None),
        ("2021", "student_accounts", None),  # a year
        ("12/01/2022", "schools", None),
        ("02 40 12 34 56", "student_accounts", None),
        ("0440123A", "schools", None),
        ("44330 Vallet", "student_accounts", None),
        ("350", "schools", None),  # no commune has 350 schools
    ],
)
def test_counts_by_type(text: str, field: str, value: int | None) -> None:
    assert parse_count(text, field).value == value


# --------------------------------------------------------------------------- digital forms


def test_colon_and_qualifiers_after_the_noun() -> None:
    def draw(c: Canvas) -> None:
        _text(c, 60, H - 140, "Nombre d'écoles publiques concernées : 4")
        _text(c, 60, H - 165, "Nombre de comptes élèves à créer : 312")

    doc = _one(_pdf(draw))
    assert doc.value("schools") == 4 and doc.value("student_accounts") == 312
    assert doc.fields["schools"].confidence >= 0.9
    assert doc.fields["schools"].evidence is not None and doc.fields["schools"].evidence.box


def test_leader_dots_and_abbreviations() -> None:
    def draw(c: Canvas) -> None:
        _text(c, 60, H - 140, "Nb écoles .................................... 3")
        _text(c, 60, H - 165, "Total élèves ................................. 245")
        _text(c, 60, H - 190, "Nombre de classes .......................... 11")

    doc = _one(_pdf(draw))
    assert doc.value("schools") == 3 and doc.value("student_accounts") == 245


def test_value_in_the_next_cell_of_a_ruled_table() -> None:
    def draw(c: Canvas) -> None:
        rows = [
            ("Département", "Loire-Atlantique"),
            ("Nbre d'écoles", "5"),
            ("Nombre de classes", "18"),
            ("Effectif total", "1 020"),
            ("Téléphone", "02 40 12 34 56"),
        ]
        y = H - 130
        for label, value in rows:
            c.rect(50, y - 26, 480, 26)
            c.line(260, y - 26, 260, y)
            _text(c, 56, y - 17, label)
            _text(c, 400, y - 17, value)
            y -= 26

    doc = _one(_pdf(draw))
    assert doc.value("schools") == 5 and doc.value("student_accounts") == 1020
    assert doc.fields["student_accounts"].confidence >= 0.9


def test_label_above_its_value() -> None:
    def draw(c: Canvas) -> None:
        for x, label, value in (
            (60, "Écoles (nombre)", "2"),
            (300, "Comptes élèves (nombre)", "180"),
        ):
            c.setFont("Helvetica-Bold", 10)
            c.drawString(x, H - 140, label)
            c.rect(x, H - 172, 150, 22)
            _text(c, x + 8, H - 165, value)

    doc = _one(_pdf(draw))
    assert doc.value("schools") == 2 and doc.value("student_accounts") == 180


SCHOOLS = [
    ("École élémentaire Jules Ferry", "0440123A", "8", "196"),
    ("École maternelle Les Tilleuls", "0440456B", "4", "98"),
    ("École primaire du Bourg", "0440789C", "5", "121"),
]


def test_school_table_name_uai_classes_pupils_with_total() -> None:
    def draw(c: Canvas) -> None:
        rows = [list(s) for s in SCHOOLS] + [["TOTAL", "", "17", "415"]]
        _table(c, H - 140, ["Nom de l'école", "UAI", "Classes", "Élèves"], rows, [220, 80, 60, 70])

    doc = _one(_pdf(draw))
    assert doc.value("schools") == 3 and doc.value("student_accounts") == 415
    assert 0.85 <= doc.fields["student_accounts"].confidence <= 0.95 + 1e-9


def test_school_table_other_order_without_total() -> None:
    def draw(c: Canvas) -> None:
        rows = [[s[3], s[1], s[0], "Vallet"] for s in SCHOOLS]
        _table(
            c,
            H - 140,
            ["Nombre de comptes élèves", "RNE", "École", "Commune"],
            rows,
            [130, 70, 190, 90],
        )

    doc = _one(_pdf(draw))
    assert doc.value("schools") == 3 and doc.value("student_accounts") == 196 + 98 + 121


def test_school_table_unruled_third_order_total_mismatch_is_flagged() -> None:
    def draw(c: Canvas) -> None:
        rows = [[s[1], s[3], s[0]] for s in SCHOOLS] + [["TOTAL GÉNÉRAL", "420", ""]]
        _table(
            c,
            H - 140,
            ["Code UAI", "Comptes élèves", "Établissement"],
            rows,
            [90, 110, 230],
            ruled=False,
        )

    doc = _one(_pdf(draw))
    assert doc.value("schools") == 3
    f = doc.fields["student_accounts"]
    assert f.value == 420 and f.confidence <= 0.5  # the printed total, not the sum (415)
    assert f.evidence is not None and "415" in f.evidence.raw


@pytest.mark.parametrize("repeat_header", [True, False])
def test_school_table_over_two_pages(repeat_header: bool) -> None:
    names = [
        "Jean Moulin",
        "Jules Ferry",
        "Les Tilleuls",
        "du Bourg",
        "Pasteur",
        "Victor Hugo",
        "La Fontaine",
        "Saint-Exupéry",
        "Prévert",
        "Curie",
        "Montessori",
        "Les Chênes",
        "Les Lilas",
        "Le Petit Prince",
        "Camus",
        "Brassens",
        "Perrault",
        "Anne Frank",
        "Voltaire",
        "Rabelais",
        "Du Bellay",
        "Condorcet",
        "Jaurès",
        "Renoir",
        "Monet",
        "Cézanne",
        "Rimbaud",
        "Verlaine",
        "Molière",
        "Racine",
        "Corneille",
        "Musset",
    ]
    schools = [
        (f"École {name}", f"04401{i:02d}{chr(65 + i % 26)}", str(50 + i))
        for i, name in enumerate(names)
    ]
    first, second = schools[:28], schools[28:]
    head = ["Nom de l'école", "UAI", "Nb comptes élèves"]

    def p1(c: Canvas) -> None:
        _table(c, H - 140, head, [list(s) for s in first], [240, 90, 120])

    def p2(c: Canvas) -> None:
        rows = [list(s) for s in second] + [["Total", "", str(sum(int(s[2]) for s in schools))]]
        if repeat_header:
            _table(c, H - 60, head, rows, [240, 90, 120])
        else:
            _table(c, H - 60 + 20, ["", "", ""], [], [240, 90, 120], ruled=False)
            y = H - 60
            for row in rows:
                c.rect(50, y - 20, 450, 20)
                c.line(290, y - 20, 290, y)
                c.line(380, y - 20, 380, y)
                c.setFont("Helvetica", 9)
                for x, t in zip((54, 294, 384), row, strict=True):
                    if t:
                        c.drawString(x, y - 14, t)
                y -= 20
        _text(c, 60, 80, "Page 2/2", 8)

    doc = _one(_pdf(p1, p2))
    assert doc.pages == [1, 2]
    assert doc.value("schools") == len(schools)
    assert doc.value("student_accounts") == sum(int(s[2]) for s in schools)


def test_blank_form_gives_none_with_the_label_box() -> None:
    def draw(c: Canvas) -> None:
        _text(c, 60, H - 140, "Nombre d'écoles concernées :")
        _text(c, 60, H - 165, "Nombre de comptes élèves :")

    doc = _one(_pdf(draw))
    for name in ("schools", "student_accounts"):
        f = doc.fields[name]
        assert f.value is None and f.confidence < 0.9
        assert f.evidence is not None and f.evidence.box is not None


def test_decoy_counts_are_not_ours() -> None:
    def draw(c: Canvas) -> None:
        _text(c, 60, H - 140, "Nombre de classes : 12")
        _text(c, 60, H - 165, "Nombre d'enseignants : 15")
        _text(c, 60, H - 190, "Nombre de comptes enseignants : 20")

    doc = _one(_pdf(draw))
    assert doc.value("schools") is None and doc.value("student_accounts") is None

    def both(c: Canvas) -> None:
        draw(c)
        _text(c, 60, H - 215, "Nombre d'écoles : 2")
        _text(c, 60, H - 240, "Nombre de comptes élèves : 150")

    doc = _one(_pdf(both))
    assert doc.value("schools") == 2 and doc.value("student_accounts") == 150


def test_values_of_the_wrong_type_are_refused() -> None:
    def draw(c: Canvas) -> None:
        _text(c, 60, H - 140, "Nombre d'écoles : 0440123A")
        _text(c, 60, H - 165, "Nombre de comptes élèves : 12/01/2022")

    doc = _one(_pdf(draw))
    for name in ("schools", "student_accounts"):
        f = doc.fields[name]
        assert f.value is None and f.confidence <= 0.5


def test_the_campaign_vocabulary_extends_the_defaults() -> None:
    def draw(c: Canvas) -> None:
        _text(c, 60, H - 140, "Nombre d'implantations : 4")
        _text(c, 60, H - 165, "Nombre de comptes élèves : 150")

    data = _pdf(draw)
    (doc,) = extract_file(data, filename="f.pdf")
    assert doc.value("schools") is None
    from extractors.limits import DEFAULT_LIMITS
    from extractors.parsers import PdfParser
    from extractors.scan import process_page
    from extractors.signature import DEFAULT_LABELS

    parser = PdfParser(data)
    try:
        pages: list[Page] = [process_page(parser.page(0), DEFAULT_LIMITS, DEFAULT_LABELS)]
        pages[0].drop_loader()
    finally:
        parser.close()
    out = needs_fields(pages, {"schools": ["Nombre d'implantations"]})
    assert out["schools"].value == 4 and out["student_accounts"].value == 150


# --------------------------------------------------------------------------- scans


def test_scanned_form_abbreviated_labels() -> None:
    def draw(c: Canvas) -> None:
        _text(c, 60, H - 150, "Nb écoles : 3", 12)
        _text(c, 60, H - 180, "Nombre d'élèves concernés : 245", 12)
        _text(c, 60, H - 210, "Nombre de classes : 11", 12)

    pdf = T.images_to_pdf(T.scan(_pdf(draw), skew=0.6, seed=3))
    doc = _one(pdf)
    assert doc.ocr
    assert doc.value("schools") == 3 and doc.value("student_accounts") == 245


def test_scanned_school_table() -> None:
    def draw(c: Canvas) -> None:
        rows = [[s[1], s[0], s[3]] for s in SCHOOLS] + [["Total", "", "415"]]
        _table(c, H - 140, ["UAI", "Nom de l'école", "Effectif"], rows, [90, 240, 90])

    pdf = T.images_to_pdf(T.scan(_pdf(draw), seed=5))
    doc = _one(pdf)
    assert doc.ocr
    assert doc.value("schools") == 3 and doc.value("student_accounts") == 415


def test_two_counts_on_one_line() -> None:
    def draw(c: Canvas) -> None:
        _text(c, 60, H - 140, "Nombre d'écoles : 3   Nombre de comptes élèves : 250")

    doc = _one(_pdf(draw))
    assert doc.value("schools") == 3 and doc.value("student_accounts") == 250
    assert doc.fields["schools"].confidence >= 0.9


def test_header_row_over_a_value_row() -> None:
    def draw(c: Canvas) -> None:
        head = ["Nom de la commune", "Nombre d'écoles", "Nombre de comptes élèves"]
        _table(c, H - 140, head, [["Vallet", "3", "415"]], [170, 130, 170])

    doc = _one(_pdf(draw))
    assert doc.value("schools") == 3 and doc.value("student_accounts") == 415
    assert doc.fields["schools"].confidence >= 0.9


def test_counts_in_a_letter() -> None:
    def draw(c: Canvas) -> None:
        _text(
            c, 60, H - 140, "Madame, Monsieur, la commune souhaite équiper ses 4 écoles publiques"
        )
        _text(c, 60, H - 155, "de l'ENT e-primo et demande la création de 312 comptes élèves,")
        _text(c, 60, H - 170, "soit environ 25 élèves par classe.")

    doc = _one(_pdf(draw))
    assert doc.value("schools") == 4 and doc.value("student_accounts") == 312
    assert doc.fields["schools"].confidence < 0.9  # prose: for a person to confirm


def _two_line_header(c: Canvas) -> None:
    xs = [50, 290, 380, 500]
    y = H - 140
    c.rect(50, y - 30, 450, 30)
    for x in xs[1:-1]:
        c.line(x, y - 30, x, y)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(54, y - 12, "Nom de l'école")
    c.drawString(294, y - 12, "Code")
    c.drawString(294, y - 23, "UAI")
    c.drawString(384, y - 12, "Nombre de")
    c.drawString(384, y - 23, "comptes élèves")
    y -= 30
    c.setFont("Helvetica", 9)
    for s in SCHOOLS:
        c.rect(50, y - 20, 450, 20)
        for x in xs[1:-1]:
            c.line(x, y - 20, x, y)
        c.drawString(54, y - 14, s[0])
        c.drawString(294, y - 14, s[1])
        c.drawRightString(490, y - 14, s[3])  # right-aligned counts
        y -= 20


def _wrapped_names(c: Canvas) -> None:
    y = H - 140
    c.setFont("Helvetica-Bold", 9)
    for x, t in zip((54, 204, 304), ("École", "Commune", "Élèves"), strict=True):
        c.drawString(x, y - 14, t)
    y -= 20
    c.setFont("Helvetica", 9)
    for s in SCHOOLS:
        kind, name = s[0].split(" ", 1)[1].split(" ", 1)
        c.drawString(54, y - 10, f"École {kind}")
        c.drawString(54, y - 20, name)  # the name wraps onto a second line
        c.drawString(204, y - 10, "Vallet")
        c.drawString(304, y - 10, s[3])
        y -= 30
    c.drawString(54, y - 10, "Total")
    c.drawString(304, y - 10, "415")


def _table_then_label(c: Canvas) -> None:
    rows = [[s[0], s[3]] for s in SCHOOLS]
    _table(c, H - 140, ["Établissement scolaire", "Nombre d'élèves"], rows, [250, 120])
    _text(c, 60, H - 260, "Nombre total d'écoles : 3")


def _empty_rows_before_total(c: Canvas) -> None:
    rows = [[s[0], s[1], s[3]] for s in SCHOOLS] + [["", "", ""]] * 6 + [["TOTAL", "", "415"]]
    _table(c, H - 140, ["École", "UAI", "Comptes élèves"], rows, [250, 90, 100])


@pytest.mark.parametrize(
    "draw", [_two_line_header, _wrapped_names, _table_then_label, _empty_rows_before_total]
)
def test_school_table_shapes(draw: Draw) -> None:
    doc = _one(_pdf(draw))
    assert doc.value("schools") == 3 and doc.value("student_accounts") == 415
    assert doc.fields["student_accounts"].confidence >= 0.85


def test_tight_ruled_cells_read_by_pdfplumber() -> None:
    # the cells' texts run into each other (4 pt apart): the words alone would join a
    # school's name and its count; the ruled grid tells them apart
    def draw(c: Canvas) -> None:
        c.setFont("Helvetica", 9)
        name_w = max(c.stringWidth(s[0], "Helvetica", 9) for s in SCHOOLS) + 3
        xs = [50, 50 + name_w, 50 + name_w + 40]
        y = H - 140
        for i, row in enumerate([("Nom de l'école", "Élèves"), *((s[0], s[3]) for s in SCHOOLS)]):
            c.rect(xs[0], y - 16, xs[2] - xs[0], 16)
            c.line(xs[1], y - 16, xs[1], y)
            c.setFont("Helvetica-Bold" if i == 0 else "Helvetica", 9)
            c.drawString(xs[0] + 1, y - 11, row[0])
            c.drawString(xs[1] + 1.5, y - 11, row[1])
            y -= 16

    data = _pdf(draw)
    doc = _one(data)
    assert doc.value("schools") == 3 and doc.value("student_accounts") == 415


def test_pupils_column_when_the_accounts_column_is_blank() -> None:
    def draw(c: Canvas) -> None:
        rows = [[s[0], s[3], ""] for s in SCHOOLS]
        _table(c, H - 140, ["École", "Effectif", "Comptes élèves"], rows, [220, 80, 110])

    doc = _one(_pdf(draw))
    assert doc.value("schools") == 3 and doc.value("student_accounts") == 415


def test_counts_written_out_in_a_letter() -> None:
    """A needs form written as a letter: "deux écoles publiques", the accounts asked for."""
    from extractors.fields.needs import needs_fields
    from extractors.testing import text_page

    rows = [
        (60.0, 100.0, "Mairie de Saint-Mars-du-Désert"),
        (
            60.0,
            300.0,
            "Nos besoins concernent deux écoles publiques, pour un total de 264 comptes élèves.",
        ),
    ]
    fields = needs_fields([text_page(rows)])
    assert fields["schools"].value == 2
    assert fields["student_accounts"].value == 264
    assert fields["collectivity"].value == "Mairie de Saint-Mars-du-Désert"


# ----------------------------------------------------------------- rows of titles, bare nouns


def _fields(rows: list[tuple[float, float, str]]) -> dict[str, object]:
    page = T.text_page(rows)
    return {k: v.value for k, v in needs_fields([page]).items()}


def test_row_of_titles_over_a_row_of_values_read_by_column() -> None:
    # titles centred in their cells, values aligned left: no box overlaps its title
    got = _fields(
        [
            (60, 40, "Fiche d'expression des besoins"),
            (118, 150, "Collectivité"),
            (260, 150, "Écoles concernées"),
            (400, 150, "Nombre de comptes élèves"),
            (69, 186, "Val d'Erdre-Auxence"),
            (226, 186, "3"),
            (382, 186, "320"),
        ]
    )
    assert got == {"collectivity": "Val d'Erdre-Auxence", "schools": 3, "student_accounts": 320}


def test_a_column_of_numbers_under_a_school_title_is_a_count_not_a_list() -> None:
    got = _fields(
        [
            (60, 40, "Annexe 2 - besoins"),
            (70, 150, "Commune"),
            (220, 150, "Écoles"),
            (330, 150, "Comptes élèves"),
            (70, 170, "Rezé"),
            (220, 170, "4"),
            (330, 170, "410"),
        ]
    )
    assert got["schools"] == 4 and got["student_accounts"] == 410


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("Écoles concernées : 2", 2),
        ("Écoles publiques 5", 5),
        ("Écoles Jean Macé 25", None),  # a school's row, not a label
        ("École du Bourg 2", None),  # singular: one school named, no count
    ],
)
def test_the_plural_noun_alone_labels_a_bare_number(line: str, want: int | None) -> None:
    got = _fields([(60, 40, "Fiche d'expression des besoins"), (60, 120, line)])
    assert got["schools"] == want


def test_the_plural_noun_alone_wants_a_number_not_a_list() -> None:
    got = _fields(
        [
            (60, 40, "Fiche d'expression des besoins"),
            (60, 120, "Écoles concernées : école Jules Ferry, école du Bourg"),
        ]
    )
    assert got["schools"] is None


def test_in_prose_the_most_specific_noun_gives_the_count() -> None:
    got = _fields(
        [
            (60, 40, "Objet : expression des besoins (annexe 2)"),
            (60, 120, "Nos besoins concernent une école publique, pour un total de 87 comptes"),
            (60, 133, "élèves (effectif à la rentrée 2021 : 92 élèves)."),
        ]
    )
    assert got["student_accounts"] == 87 and got["schools"] == 1
    one_line = _fields(
        [
            (60, 40, "Objet : expression des besoins (annexe 2)"),
            (60, 120, "soit 87 comptes élèves pour 92 élèves inscrits à la rentrée."),
        ]
    )
    assert one_line["student_accounts"] == 87


def test_titles_closer_than_the_line_builder_splits_are_cells_of_their_own() -> None:
    # a tight table: one text line holds three titles, another a name and a count
    page = Page(
        number=1,
        width=595,
        height=842,
        text="",
        _words=[
            Word(t, b)
            for t, b in [
                ("Fiche", (60, 40, 85, 48)),
                ("d'expression", (88, 40, 140, 48)),
                ("des", (143, 40, 156, 48)),
                ("besoins", (159, 40, 190, 48)),
                ("Collectivité", (99, 150, 144, 157)),
                ("Nombre", (184, 150, 215, 157)),
                ("d'écoles", (218, 150, 251, 157)),
                ("publiques", (254, 150, 294, 158)),
                ("Comptes", (302, 150, 338, 158)),
                ("élèves", (341, 150, 366, 157)),
                ("demandés", (369, 150, 411, 157)),
                ("Comptes", (430, 150, 466, 158)),
                ("enseignants", (469, 150, 518, 158)),
                ("Commune", (69, 186, 105, 193)),
                ("du", (108, 186, 116, 193)),
                ("Lion-d'Angers", (119, 186, 167, 194)),
                ("2", (186, 186, 191, 193)),
                ("246", (304, 186, 320, 193)),
                ("7", (422, 186, 426, 193)),
            ]
        ],
    )
    got = {k: v.value for k, v in needs_fields([page]).items()}
    assert got == {
        "collectivity": "Commune du Lion-d'Angers",
        "schools": 2,
        "student_accounts": 246,
    }


def test_a_zero_written_alone_is_an_answer_not_a_blank() -> None:
    assert parse_count("0", "student_accounts").value == 0
    assert parse_count("0", "student_accounts").status == "ok"
    assert parse_count("0 0", "student_accounts").value is None


def _by_commune(titles: tuple[str, str, str], total: bool) -> list[tuple[float, float, str]]:
    """An EPCI's needs by member commune: Blain 3 / 410, Bouvron 1 / 120, Le Gâvre 2 / 95."""
    rows: list[tuple[float, float, str]] = [
        (70, 120, titles[0]),
        (230, 120, titles[1]),
        (380, 120, titles[2]),
    ]
    for top, (name, schools, pupils) in zip(
        (140, 158, 176),
        [("Blain", "3", "410"), ("Bouvron", "1", "120"), ("Le Gâvre", "2", "95")],
        strict=True,
    ):
        rows += [(70, top, name), (240, top, schools), (390, top, pupils)]
    if total:
        rows += [(70, 194, "Total"), (240, 194, "6"), (390, 194, "625")]
    return rows


@pytest.mark.parametrize("total", [True, False])
def test_a_table_by_commune_sums_its_school_counts(total: bool) -> None:
    rows = [(60, 40, "Communauté de communes du Pays de Blain - besoins par commune")]
    got = _fields(rows + _by_commune(("Commune", "Nombre d'écoles", "Comptes élèves"), total))
    assert got["schools"] == 6 and got["student_accounts"] == 625


def test_a_column_title_is_never_the_collectivity() -> None:
    rows = [
        (60, 40, "Annexe 2 - expression des besoins"),
        (60, 60, "Communauté de communes du Pays de Blain"),
    ]
    got = _fields(rows + _by_commune(("Commune", "Écoles", "Élèves"), True))
    assert got["collectivity"] == "Communauté de communes du Pays de Blain"
    assert (got["schools"], got["student_accounts"]) == (6, 625)


def test_a_header_cells_value_is_the_cell_under_it_not_the_first_below() -> None:
    # a school table whose "Commune" column holds the collectivity; the school's name in
    # the column before starts a little higher (OCR'd rows are not level)
    page = T.text_page(
        [
            (62, 220, "Nom de l'école"),
            (292, 220, "Commune"),
            (422, 220, "Nombre de comptes élèves"),
            (62, 241.5, "École maternelle Victor Hugo"),
            (292, 243.5, "Notre-Dame-de-Monts"),
            (427, 242.5, "153"),
        ]
    )
    assert needs_fields([page])["collectivity"].value == "Notre-Dame-de-Monts"


def test_accounts_asked_for_beat_the_pupils_enrolled_and_go_to_staff() -> None:
    page = T.text_page(
        [
            (60, 300, "Nous sollicitons la création de 118 comptes élèves pour nos écoles."),
            (60, 320, "Effectif total des écoles : 131 élèves"),
        ]
    )
    f = needs_fields([page])["student_accounts"]
    assert f.value == 118
    assert f.confidence <= 0.7  # two numbers: staff confirm
    assert f.evidence is not None and "131" in f.evidence.raw


def test_a_labelled_account_count_is_not_overruled_by_pupils_in_a_sentence() -> None:
    page = T.text_page(
        [
            (60, 300, "Nombre de comptes élèves : 250"),
            (60, 320, "Nos écoles accueillent 262 élèves à la rentrée."),
        ]
    )
    f = needs_fields([page])["student_accounts"]
    assert f.value == 250 and f.confidence >= 0.9
