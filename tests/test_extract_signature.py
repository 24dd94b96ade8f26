"""Signature presence from evidence (issue 12 item 3): ink anywhere in the collectivity's
signing zone (pen on a scan, vector strokes, a pasted image), PDF digital signatures
validated with pyHanko, a stamp alone never a signature, weak evidence unknown.

Documents are built here with reportlab (layouts of their own, not the sample
generator's)."""

from __future__ import annotations

import datetime as dt
import io
import random
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from extractors import extract_file
from extractors import testing as T
from extractors.model import Document

W, H = A4


# --------------------------------------------------------------------------- builders


def _pen_png(w: int = 520, h: int = 170, seed: int = 5, colour: tuple = (20, 30, 120)) -> bytes:
    """A handwritten-looking signature (a loop, a long flourish), transparent background."""
    rng = random.Random(seed)
    img = Image.new("RGBA", (w, h), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    pts = []
    x = 10.0
    while x < w - 20:
        pts.append((x, rng.uniform(0.15 * h, 0.85 * h)))
        x += rng.uniform(18, 40)
    d.line(pts, fill=(*colour, 255), width=5, joint="curve")
    d.line([(20, 0.8 * h), (w - 30, 0.65 * h)], fill=(*colour, 255), width=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _seal(c: Canvas, cx: float, cy: float, r: float = 50) -> None:
    """A town hall's round seal: two rings, the commune's name along them, an emblem."""
    c.saveState()
    c.setStrokeColorRGB(0.15, 0.25, 0.7)
    c.setFillColorRGB(0.15, 0.25, 0.7)
    c.setLineWidth(1.6)
    c.circle(cx, cy, r)
    c.circle(cx, cy, r - 9)
    c.setFont("Helvetica-Bold", 7)
    text = "MAIRIE DE SAINT-SEBASTIEN-SUR-LOIRE * LOIRE-ATLANTIQUE *"
    import math

    for i, ch in enumerate(text):
        a = math.pi / 2 - 2 * math.pi * i / len(text)
        c.saveState()
        c.translate(cx + (r - 6.5) * math.cos(a), cy + (r - 6.5) * math.sin(a))
        c.rotate(math.degrees(a) - 90)
        c.drawCentredString(0, 0, ch)
        c.restoreState()
    c.setFont("Helvetica-Bold", 9)
    c.drawCentredString(cx, cy - 3, "LE MAIRE")
    c.restoreState()


def _scribble(c: Canvas, x: float, y: float, w: float, h: float, seed: int = 2) -> None:
    """A signature as vector Bézier strokes (a tablet's or a PDF editor's "draw")."""
    rng = random.Random(seed)
    c.saveState()
    c.setStrokeColorRGB(0.05, 0.05, 0.3)
    c.setLineWidth(1.1)
    p = c.beginPath()
    p.moveTo(x, y + h / 2)
    n = 11
    for i in range(1, n + 1):
        x3 = x + w * i / n
        p.curveTo(
            x3 - w * 0.7 / n,
            y + rng.uniform(0, h),
            x3 - w * 0.3 / n,
            y + rng.uniform(0, h),
            x3,
            y + rng.uniform(0.2 * h, 0.8 * h),
        )
    c.drawPath(p, stroke=1, fill=0)
    c.restoreState()


def convention(
    *,
    ink: str | None = None,  # "vector", "image", "vector_across", "image_beside"
    seal: bool = False,
    rector_ink: bool = False,
    typed_name: bool = True,
    boxed: bool = False,
) -> bytes:
    """A one-page convention ending on a signature block of its own: the rectorat's column
    on the right, the member's on the left under "Pour la commune", "Le Maire", a typed
    name and "Signature :" (no "Date et signature" label, no "Nom du signataire")."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 12)
    c.drawCentredString(W / 2, H - 80, "CONVENTION CONSTITUTIVE DU GROUPEMENT DE COMMANDES")
    c.drawCentredString(W / 2, H - 96, "Espace numérique de travail des écoles (e-primo)")
    c.setFont("Times-Roman", 10)
    y = H - 140
    for i in range(14):
        c.drawString(
            60, y, f"Article {i + 1}. Le membre s'engage à respecter les clauses du marché."
        )
        y -= 14
    c.drawString(60, y - 10, "Fait à Saint-Sébastien-sur-Loire, le 3 janvier 2022")
    top = y - 50  # top of the signature block
    # the member (left)
    c.setFont("Times-Bold", 10)
    c.drawString(70, top, "Pour la commune de Saint-Sébastien-sur-Loire,")
    c.setFont("Times-Roman", 10)
    c.drawString(70, top - 14, "Le Maire,")
    if typed_name:
        c.drawString(70, top - 120, "Laurent TURQUOIS")
    c.drawString(70, top - 28, "Signature :")
    if boxed:
        c.rect(65, top - 135, 220, 100, stroke=1, fill=0)
    # the rectorat (right)
    c.setFont("Times-Bold", 10)
    c.drawString(330, top, "Pour le recteur de l'académie de Nantes,")
    c.setFont("Times-Roman", 10)
    c.drawString(330, top - 14, "Le secrétaire général,")
    c.drawString(330, top - 120, "Pierre MARTIN")
    if rector_ink:
        _scribble(c, 340, top - 105, 160, 60, seed=9)
    if seal:
        _seal(c, 200, top - 70)
    if ink == "vector":
        _scribble(c, 80, top - 100, 150, 55)
    elif ink == "vector_across":
        _scribble(c, 60, top - 40, 190, 45)  # across "Signature :" and "Le Maire,"
    elif ink in ("image", "image_beside"):
        x = 75 if ink == "image" else 20  # beside: starts left of the labels' column
        c.drawImage(ImageReader(io.BytesIO(_pen_png())), x, top - 110, 160, 52, mask="auto")
    c.setFont("Times-Italic", 8)
    c.drawCentredString(W / 2, 30, "page 1 / 1")
    c.showPage()
    c.save()
    return buf.getvalue()


def _one(data: bytes, name: str = "c.pdf") -> Document:
    docs = [d for d in extract_file(data, filename=name) if d.type == "convention"]
    assert len(docs) == 1, [d.type for d in extract_file(data, filename=name)]
    return docs[0]


# --------------------------------------------------------------------------- digital PDFs


@pytest.mark.parametrize("ink", ["vector", "image", "vector_across", "image_beside"])
def test_drawn_signature_on_a_digital_pdf_is_signed(ink: str) -> None:
    doc = _one(convention(ink=ink))
    f = doc.fields["signed"]
    assert f.value is True, f
    assert f.confidence >= 0.9
    assert f.evidence is not None and f.evidence.box is not None
    x0, _top, _x1, _bottom = f.evidence.box
    assert x0 < 300  # the member's side, not the rector's


def test_digital_pdf_blank_zone_is_unsigned() -> None:
    doc = _one(convention(rector_ink=True))
    f = doc.fields["signed"]
    assert f.value is False, f
    assert f.confidence >= 0.8


def test_rectors_signature_alone_is_never_the_members() -> None:
    doc = _one(convention(rector_ink=True, boxed=True))
    assert doc.value("signed") is not True


def test_seal_alone_is_not_a_signature() -> None:
    f = _one(convention(seal=True)).fields["signed"]
    assert f.value is not True, f
    assert f.value is None and f.confidence <= 0.5  # someone stamped it: to triage


def test_signature_over_the_seal_is_signed() -> None:
    f = _one(convention(seal=True, ink="vector")).fields["signed"]
    assert f.value is True, f


def test_typed_name_only_is_never_signed() -> None:
    for data in (convention(), convention(boxed=True), T.convention_pdf(signed=False)):
        assert _one(data).value("signed") is not True


# --------------------------------------------------------------------------- PDF signatures


def _self_signed() -> object:
    from asn1crypto import keys as akeys
    from asn1crypto import x509 as ax509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Laurent TURQUOIS"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mairie de Saint-Sébastien-sur-Loire"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    ac = ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    return signers.SimpleSigner(
        signing_cert=ac,
        signing_key=akeys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([ac]),
    )


def _sign(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = IncrementalPdfFileWriter(io.BytesIO(pdf))
        spec = fields.SigFieldSpec("Signature_maire", on_page=-1, box=(70, 330, 250, 400))
        out = signers.sign_pdf(
            w,
            PdfSignatureMetadata(field_name="Signature_maire"),
            signer=_self_signed(),  # type: ignore[arg-type]
            new_field_spec=spec,
        )
    return out.getvalue()


def _modify_after_signing(signed: bytes) -> bytes:
    """An incremental update that draws on the signed page (not a form fill)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(signed))
    ref, _res = w.find_page_for_modification(-1)
    page = ref.get_object()
    extra = w.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 100 100 50 50 re f"))
    contents = page["/Contents"]
    if isinstance(contents, generic.ArrayObject):
        items = list(contents)
    else:
        items = [page.raw_get("/Contents")]
    page["/Contents"] = generic.ArrayObject([*items, extra])
    w.update_container(page)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def signed_pdf() -> bytes:
    return _sign(convention())  # no ink at all: only the PDF signature says it is signed


def test_pdf_signature_validated_signed(signed_pdf: bytes) -> None:
    f = _one(signed_pdf).fields["signed"]
    assert f.value is True and f.confidence >= 0.9
    assert f.evidence is not None
    assert "Laurent TURQUOIS" in f.evidence.raw and "intacte" in f.evidence.raw
    assert "non modifié" in f.evidence.raw
    assert f.evidence.page == 1 and f.evidence.box is not None


def test_pdf_signature_modified_after_signing_is_unknown(signed_pdf: bytes) -> None:
    f = _one(_modify_after_signing(signed_pdf)).fields["signed"]
    assert f.value is None and f.confidence <= 0.5
    assert f.evidence is not None and "modifié après la signature" in f.evidence.raw


def test_pdf_signature_with_bytes_changed_is_unknown(signed_pdf: bytes) -> None:
    # a byte of the signed content changed in place: the digest no longer matches
    i = signed_pdf.index(b"ReportLab")
    broken = signed_pdf[:i] + b"ReportLob" + signed_pdf[i + 9 :]
    f = _one(broken).fields["signed"]
    assert f.value is None and f.confidence <= 0.5
    assert f.evidence is not None and "rompue" in f.evidence.raw


# --------------------------------------------------------------------------- scans (OCR)


def _scanned(pdf: bytes, seed: int = 1) -> bytes:
    (page,) = T.scan(pdf, dpi=200, seed=seed)
    return T.images_to_tiff([page], dpi=200)


def test_pen_ink_beside_the_labels_on_a_scan_is_signed() -> None:
    f = _one(_scanned(convention(ink="image_beside")), "scan.tif").fields["signed"]
    assert f.value is True and f.confidence >= 0.9, f
    assert f.evidence is not None and f.evidence.box is not None and f.evidence.box[0] < 300


def test_seal_alone_on_a_scan_is_not_signed() -> None:
    f = _one(_scanned(convention(seal=True), seed=2), "scan.tif").fields["signed"]
    assert f.value is not True, f
    assert f.confidence <= 0.5


def test_unsigned_scan_is_never_confidently_unsigned() -> None:
    # the rector's column is signed; the member's is blank: unsigned, but a scan can hide
    # faint ink, so at most 0.5
    f = _one(_scanned(convention(rector_ink=True), seed=3), "scan.tif").fields["signed"]
    assert f.value is not True, f
    assert f.value is False and f.confidence <= 0.5
    assert f.evidence is not None and f.evidence.box is not None and f.evidence.box[2] < 335


# --------------------------------------------------------------------------- the zone


def _lines(rows: list[tuple[float, float, str]]) -> list:
    from extractors.pages import Word, build_lines

    words = []
    for x, y, text in rows:
        cx = x
        for token in text.split():
            words.append(Word(token, (cx, y, cx + 5.5 * len(token), y + 10), 90.0))
            cx += 5.5 * len(token) + 3
    return build_lines(words, 595.0)


def test_zone_stops_above_the_rectors_block_under_it() -> None:
    from extractors.signature import find_zone

    lines = _lines(
        [
            (60, 300, "Fait à Rezé, le 12 janvier 2022"),
            (60, 330, "Pour la commune de Rezé,"),
            (60, 344, "Le Maire,"),
            (60, 460, "Pour le recteur de l'académie de Nantes,"),
            (60, 474, "Le secrétaire général,"),
        ]
    )
    zone = find_zone(lines, 595.0, 842.0, 1.0, {})
    assert zone is not None and zone.by_label
    x0, y0, _x1, y1 = zone.box
    assert y0 <= 300 and 344 < y1 <= 460  # down to the rector's block, not into it
    assert x0 <= 60


def test_zone_found_by_ocr_slips_and_on_the_members_side() -> None:
    from extractors.signature import find_zone

    lines = _lines(
        [
            (60, 300, "Le recteur de l'académie,"),
            (60, 320, "Date et signature"),
            (330, 300, "Pour la cornmune,"),
            (330, 320, "Date et signatnre :"),
        ]
    )
    zone = find_zone(lines, 595.0, 842.0, 1.0, {})
    assert zone is not None
    x0, _y0, _x1, _y1 = zone.box
    assert x0 > 200  # the member's column on the right, the rector's on the left left out


def test_drawing_far_below_the_block_is_looked_at() -> None:
    # a signature image pasted low on the page, well under the block: not "unsigned"
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 12)
    c.drawCentredString(W / 2, H - 80, "CONVENTION CONSTITUTIVE DU GROUPEMENT DE COMMANDES")
    c.setFont("Times-Roman", 10)
    for i in range(10):
        c.drawString(60, H - 120 - 14 * i, "Le membre s'engage à respecter les clauses du marché.")
    c.drawString(60, H - 300, "Pour la commune de Rezé,")
    c.drawString(60, H - 314, "Le Maire, Jean DUPONT")
    c.drawImage(ImageReader(io.BytesIO(_pen_png())), 70, 90, 160, 52, mask="auto")
    c.showPage()
    c.save()
    f = _one(buf.getvalue()).fields["signed"]
    assert f.value is True, f


def test_ink_beside_the_zone_is_never_a_confident_unsigned() -> None:
    """The member's labels on the left, its signature drawn in the next cell to the right,
    outside the zone its labels give: unknown (triage), not unsigned."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from extractors import extract_file

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 12)
    c.drawString(60, 780, "CONVENTION D'ADHÉSION AU GROUPEMENT DE COMMANDES")
    c.setFont("Helvetica", 10)
    for i, text in enumerate(
        (
            "Pour la collectivité adhérente,",
            "Nom de la collectivité adhérente : Commune de Vertou",
            "Nom du signataire : Jean DUPONT",
            "Fonction du signataire : Maire",
            "Date et signature : 10/01/2022",
        )
    ):
        c.drawString(60, 500 - 16 * i, text)
    p = c.beginPath()
    p.moveTo(430, 330)
    for k in range(1, 8):
        p.curveTo(430 + 8 * k, 355, 434 + 8 * k, 320, 430 + 10 * k, 335)
    c.drawPath(p, stroke=1, fill=0)
    c.showPage()
    c.save()
    (doc,) = extract_file(buf.getvalue(), filename="beside.pdf")
    f = doc.fields["signed"]
    assert not (f.value is False and f.confidence > 0.5), f


# a grid of the parties' signatures: titles, then label | rector | collectivity rows
_PARTIES_GRID = [
    (63, 65, "Signatures des parties"),
    (147, 93, "Le coordonnateur du groupement"),
    (342, 93, "La collectivité adhérente"),
    (67, 115, "Collectivité"),
    (147, 115, "Rectorat de l'académie de Nantes"),
    (342, 115, "Le Tronchet"),
    (67, 137, "Nom et prénom"),
    (342, 137, "Maryvonne Le Goff"),
    (67, 158, "Qualité"),
    (147, 160, "Le recteur"),
    (342, 159, "Maire"),
    (67, 182, "Date"),
    (343, 181, "15/12/2021"),
    (67, 203, "Signature"),
]


def test_a_grid_of_parties_gives_the_collectivitys_column_as_its_zone() -> None:
    from extractors.signature import DEFAULT_LABELS, find_zone
    from extractors.testing import text_page

    page = text_page(_PARTIES_GRID)
    zone = find_zone(page.lines, page.width, page.height, 1.0, DEFAULT_LABELS)
    assert zone is not None
    x0, _y0, x1, y1 = zone.box
    # the collectivity's column (from its title on), down past the "Signature" row
    assert 320 <= x0 <= 342 and x1 > 500 and y1 > 230


_CONCURRENT = """
import sys
from concurrent.futures import ThreadPoolExecutor
from extractors import pdfsig
files = [open(p, "rb").read() for p in sys.argv[1:]]
with ThreadPoolExecutor(len(files)) as pool:
    for sigs in pool.map(pdfsig.read_signatures, files):
        print(all(s.intact for s in sigs) and len(sigs) == 1, [s.error for s in sigs])
"""


def test_signatures_validated_in_threads_of_a_new_process(
    signed_pdf: bytes, tmp_path: Path
) -> None:
    # the first validations of a process, several files at once (a batch's threads):
    # asn1crypto sets its classes up at their first use, which two threads raced over
    paths = []
    for i in range(4):
        p = tmp_path / f"signee-{i}.pdf"
        p.write_bytes(signed_pdf)
        paths.append(str(p))
    out = subprocess.run(
        [sys.executable, "-c", _CONCURRENT, *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.splitlines()
    assert len(out) == 4
    assert all(line.startswith("True") for line in out), out


@pytest.mark.parametrize("walled", [True, False])
def test_a_stroke_across_the_grids_rule_does_not_join_the_parties_titles(walled: bool) -> None:
    from extractors.pages import build_lines
    from extractors.signature import DEFAULT_LABELS, find_zone
    from extractors.testing import text_page

    # a pen stroke over the rule between the titles, read as a letter
    page = text_page([*_PARTIES_GRID[:2], (318, 93, "À"), *_PARTIES_GRID[2:]])
    # the grid's vertical rules, as the scan's cells give them
    walls = [(x, 85.0, x, 280.0) for x in (60.0, 140.0, 333.0, 530.0)] if walled else []
    lines = build_lines(page.words, page.width, walls)
    zone = find_zone(lines, page.width, page.height, 1.0, DEFAULT_LABELS)
    titles = [ln.text for ln in lines if "collectivité adhérente" in ln.text]
    if walled:
        assert titles == ["La collectivité adhérente"]
        assert zone is not None and 320 <= zone.box[0] <= 342
    else:  # what a scan gave without its rules: the titles run together
        assert titles == ["Le coordonnateur du groupement À La collectivité adhérente"]
