"""Small document builders for the extraction tests and benchmark, with layouts of their
own (not the sample generator's): side-by-side signature columns, a town-hall letterhead
délibération with a platform acknowledgment at the bottom, a needs form listed as rows.
``scan`` turns a PDF into page images as a scanner would (rotation, skew, grey, noise,
a coloured arrival stamp)."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Sequence

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from extractors.pages import Page, Word

W, H = A4


def _scribble(c: Canvas, x: float, y: float, w: float, h: float, seed: int = 1) -> None:
    rng = random.Random(seed)
    c.saveState()
    c.setStrokeColorRGB(0.1, 0.15, 0.6)
    c.setLineWidth(1.3)
    p = c.beginPath()
    p.moveTo(x, y + h / 2)
    n = 9
    for i in range(1, n + 1):
        x1 = x + w * (i - 0.6) / n
        x2 = x + w * (i - 0.3) / n
        x3 = x + w * i / n
        p.curveTo(x1, y + rng.uniform(0, h), x2, y + rng.uniform(0, h), x3, y + rng.uniform(0, h))
    c.drawPath(p, stroke=1, fill=0)
    c.line(x, y + 2, x + w * 0.9, y + 6)
    c.restoreState()


def convention_pdf(
    *,
    collectivity: str | None = "ST SEBASTIEN SUR LOIRE",
    role: str | None = "Maire",
    name: str | None = "Laurent TURQUOIS",
    date_text: str | None = "le 14 décembre 2021",
    signed: bool = True,
    rector_signed: bool = True,
    body_pages: int = 2,
) -> bytes:
    """A convention whose last page puts the rector (left) and the collectivity (right)
    side by side."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 13)
    c.drawCentredString(W / 2, H - 90, "Convention d'adhésion à un groupement de commandes")
    c.drawCentredString(W / 2, H - 108, "pour la mise en place d'un ENT dans les écoles")
    for p in range(body_pages):
        if p:
            c.showPage()
        c.setFont("Times-Roman", 10)
        y = H - 150 if p == 0 else H - 70
        for k in range(1, 5):
            c.setFont("Times-Bold", 10)
            c.drawString(60, y, f"ARTICLE {p * 4 + k} – DISPOSITIONS DU GROUPEMENT")
            y -= 14
            c.setFont("Times-Roman", 10)
            for _ in range(6):
                c.drawString(
                    60, y, "Le groupement de commandes passera un marché public pour les écoles"
                )
                y -= 12.5
            y -= 8
        c.setFont("Times-Italic", 8)
        c.drawCentredString(W / 2, 30, f"page {p + 1}")
    c.showPage()
    c.setFont("Times-Roman", 10)
    c.drawString(60, H - 80, "ARTICLE 9 – LITIGES")
    c.drawString(60, H - 95, "Les litiges relèvent du Tribunal administratif de Nantes.")
    y0 = H - 160
    c.drawString(60, y0, "Le recteur de l'académie de Nantes,")
    c.drawString(60, y0 - 13, "Coordonnateur du groupement de commandes")
    c.drawString(60, y0 - 40, "Date et signature")
    if rector_signed:
        _scribble(c, 70, y0 - 120, 150, 50, seed=7)
    x = 310
    labels = (
        ("Nom de la collectivité adhérente :", collectivity),
        ("Fonction du signataire :", role),
        ("Nom du signataire :", name),
    )
    y = y0
    for label, value in labels:
        c.setFont("Times-Roman", 10)
        c.drawString(x, y, label)
        if value:
            c.setFont("Helvetica", 10)
            c.drawString(x, y - 13, value)
        y -= 32
    c.setFont("Times-Roman", 10)
    c.drawString(x, y, "Date et signature :")
    if date_text:
        c.setFont("Helvetica", 10)
        c.drawString(x + 88, y, date_text)
    if signed:
        _scribble(c, x + 20, y - 95, 170, 55, seed=3)
    c.setFont("Times-Italic", 8)
    c.drawCentredString(W / 2, 30, f"page {body_pages + 1}")
    c.showPage()
    c.save()
    return buf.getvalue()


def deliberation_pdf(
    *,
    heading: str = "MAIRIE DE LA CHAPELLE-SUR-ERDRE",
    decision: str = "authorize",
    act_id: str | None = "044-214400350-20211213-DEL2021_58-DE",
    sent: str = "14/12/2021",
    received: str = "15/12/2021",
    words_date: bool = True,
    ack_top: bool = False,
) -> bytes:
    """A délibération with a letterhead, the meeting date in words and a transmission
    platform's acknowledgment at the bottom of the page."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 12)
    c.drawString(60, H - 60, heading)
    c.setFont("Helvetica", 8)
    c.drawString(60, H - 72, "Département de la Loire-Atlantique")
    c.setFont("Times-Bold", 12)
    c.drawCentredString(W / 2, H - 120, "Délibération du conseil municipal n° 2021-58")
    c.setFont("Times-Roman", 10.5)
    y = H - 150
    opening = (
        "L'an deux mille vingt et un, le treize décembre à vingt heures, le conseil"
        if words_date
        else "Le conseil municipal s'est réuni le 13/12/2021 à 20 h. Le conseil"
    )
    body = [
        opening,
        "municipal, légalement convoqué le 6 décembre 2021, s'est réuni en séance publique.",
        "Objet : groupement de commandes ENT e-primo 2022-2026.",
        "Après en avoir délibéré, le conseil municipal, à l'unanimité :",
    ]
    body += {
        "authorize": [
            "- approuve l'adhésion de la commune au groupement de commandes ;",
            "- autorise Monsieur le Maire à signer la convention et tout document afférent.",
        ],
        "refuse": [
            "- n'autorise pas Monsieur le Maire à signer la convention ;",
            "- refuse l'adhésion au groupement de commandes.",
        ],
        "postpone": [
            "- décide d'ajourner l'examen de ce point à une séance ultérieure.",
        ],
    }[decision]
    body += ["Pour extrait conforme, le 14 décembre 2021.", "Le Maire, Jean DUPONT"]
    for line in body:
        c.drawString(60, y, line)
        y -= 15
    if act_id:
        # a platform's block, at the bottom, or at the top right beside the letterhead
        x, y = (330, H - 100) if ack_top else (60, 40)
        c.setFont("Helvetica", 7.5)
        c.roundRect(x, y, 200, 50, 4)
        c.drawString(x + 6, y + 38, f"Envoyé en préfecture le {sent}")
        c.drawString(x + 6, y + 27, f"Reçu en préfecture le {received}")
        c.drawString(x + 6, y + 16, "Affiché le")
        c.setFont("Helvetica-Bold", 7.5)
        c.drawString(x + 6, y + 5, f"ID : {act_id}")
    c.showPage()
    c.save()
    return buf.getvalue()


def needs_form_pdf(
    *,
    collectivity: str = "Commune de Vertou",
    rows: Sequence[tuple[str, int]] = (("École Jean Moulin", 120), ("École du Bourg", 85)),
    total: bool = False,
    count_line: bool = False,
) -> bytes:
    """A needs form with one school per row and the number of pupil accounts at the end."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 13)
    c.drawCentredString(W / 2, H - 70, "Fiche d'expression des besoins – annexe 2")
    c.setFont("Helvetica", 11)
    c.drawString(60, H - 120, f"Collectivité : {collectivity}")
    y = H - 150
    if count_line:
        c.drawString(60, y, f"Nombre d'écoles : {len(rows)}")
        y -= 25
    c.setFont("Helvetica-Bold", 10)
    c.drawString(60, y, "École")
    c.drawString(380, y, "Comptes élèves")
    y -= 20
    c.setFont("Helvetica", 10)
    for school, n in rows:
        c.drawString(60, y, school)
        c.drawString(400, y, str(n))
        y -= 18
    if total:
        c.setFont("Helvetica-Bold", 10)
        c.drawString(60, y, "Total")
        c.drawString(400, y, str(sum(n for _, n in rows)))
    c.showPage()
    c.save()
    return buf.getvalue()


def ruled_form_pdf(
    rows: Sequence[tuple[str, str]] = (
        ("Collectivité", "Commune de Vertou"),
        ("Nombre total d'écoles", "1"),
        ("Nombre de comptes élèves", "0"),
    ),
    *,
    shade: float = 0.86,
    title: str = "Annexe 2 – Recensement des besoins",
) -> bytes:
    """A form of ruled label | value rows, the labels' cells tinted (as a word processor's
    table style tints them), a signature line and an underlined field below it, which are
    rules but no cells."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 13)
    c.drawString(60, H - 70, title)
    x0, x_mid, x1, row_h = 60.0, 290.0, 540.0, 26.0
    top = H - 110
    for i, (label, value) in enumerate(rows):
        y = top - (i + 1) * row_h
        c.setFillGray(shade)
        c.rect(x0, y, x_mid - x0, row_h, stroke=0, fill=1)
        c.setFillGray(0)
        c.setFont("Helvetica-Bold", 10)
        c.drawString(x0 + 6, y + 9, label)
        c.setFont("Helvetica", 10)
        c.drawString(x_mid + 8, y + 9, value)
    c.setLineWidth(0.8)
    bottom = top - len(rows) * row_h
    for i in range(len(rows) + 1):
        c.line(x0, top - i * row_h, x1, top - i * row_h)
    for x in (x0, x_mid, x1):
        c.line(x, top, x, bottom)
    c.setFont("Helvetica", 10)
    c.drawString(60, bottom - 40, "Nom du signataire :")
    c.line(160, bottom - 42, 400, bottom - 42)
    c.drawString(60, bottom - 70, "Signature :")
    c.line(120, bottom - 72, 400, bottom - 72)
    c.showPage()
    c.save()
    return buf.getvalue()


def letter_pdf() -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 12)
    c.drawString(60, H - 60, "MAIRIE DE VERTOU")
    c.setFont("Times-Roman", 11)
    lines = [
        "Monsieur le Recteur,",
        "Veuillez trouver ci-joint la convention d'adhésion au groupement de commandes,",
        "la délibération du conseil municipal et la fiche d'expression des besoins.",
        "Je vous prie d'agréer, Monsieur le Recteur, l'expression de ma haute considération.",
    ]
    y = H - 200
    c.drawString(60, H - 160, "Objet : adhésion au groupement de commandes e-primo")
    for line in lines:
        c.drawString(60, y, line)
        y -= 16
    c.showPage()
    c.save()
    return buf.getvalue()


def merge(*pdfs: bytes) -> bytes:
    out = pdfium.PdfDocument.new()
    for data in pdfs:
        src = pdfium.PdfDocument(data)
        out.import_pages(src)
        src.close()
    buf = io.BytesIO()
    out.save(buf)
    out.close()
    return buf.getvalue()


# --------------------------------------------------------------------------- scanning


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def stamp_image(date: dt.date, colour: tuple[int, int, int], dpi: int = 300) -> Image.Image:
    """An arrival stamp ("COURRIER ARRIVÉ LE / 12 JAN. 2022 / RECTORAT") in RGBA."""
    months = ("JAN.", "FÉV.", "MARS", "AVR.", "MAI", "JUIN", "JUIL.", "AOÛT", "SEPT.", "OCT.",
              "NOV.", "DÉC.")  # fmt: skip
    k = dpi / 300
    w, h = int(620 * k), int(300 * k)
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((4, 4, w - 5, h - 5), radius=int(25 * k), outline=colour, width=int(7 * k))
    d.text((w / 2, 60 * k), "COURRIER ARRIVÉ LE", fill=colour, font=_font(int(40 * k)), anchor="mm")
    text = f"{date.day:02d} {months[date.month - 1]} {date.year}"
    d.text((w / 2, 150 * k), text, fill=colour, font=_font(int(64 * k)), anchor="mm")
    d.text(
        (w / 2, 240 * k), "RECTORAT DE NANTES", fill=colour, font=_font(int(38 * k)), anchor="mm"
    )
    return img


def scan(
    pdf: bytes,
    *,
    dpi: int = 300,
    rotation: Sequence[int] | int = 0,
    skew: float = 0.0,
    noise: float = 0.02,
    stamp: tuple[dt.date, tuple[int, int, int], float] | None = None,
    seed: int = 0,
) -> list[Image.Image]:
    """Page images of ``pdf`` as a scanner makes them. ``rotation``: degrees the content is
    turned clockwise (per page or for all); ``skew``: small clockwise angle; ``stamp``:
    (date, RGB colour, angle) put on the first page's top right."""
    rng = np.random.default_rng(seed)
    doc = pdfium.PdfDocument(pdf)
    out: list[Image.Image] = []
    for i in range(len(doc)):
        img = doc[i].render(scale=dpi / 72).to_pil().convert("RGB")
        if stamp is not None and i == 0:
            st = stamp_image(stamp[0], stamp[1], dpi).rotate(
                stamp[2], expand=True, resample=Image.Resampling.BICUBIC
            )
            img.paste(st, (int(img.width * 0.55), int(img.height * 0.04)), st)
        if skew:
            img = img.rotate(-skew, resample=Image.Resampling.BILINEAR, fillcolor=(255, 255, 255))
        arr = np.asarray(img).astype(np.int16)
        arr = arr - 8  # grey paper
        if noise:
            speck = rng.random(arr.shape[:2]) < noise * 0.05
            arr[speck] = 40
            arr += rng.normal(0, 6, arr.shape[:2]).astype(np.int16)[..., None]
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
        rot = rotation[i] if isinstance(rotation, Sequence) else rotation
        if rot:
            img = img.rotate(-rot, expand=True)
        out.append(img)
    doc.close()
    return out


def images_to_pdf(images: Sequence[Image.Image], dpi: int = 300) -> bytes:
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", save_all=True, append_images=list(images[1:]), resolution=dpi)
    return buf.getvalue()


def images_to_tiff(images: Sequence[Image.Image], dpi: int = 300) -> bytes:
    buf = io.BytesIO()
    images[0].save(
        buf, format="TIFF", save_all=True, append_images=list(images[1:]), dpi=(dpi, dpi),
        compression="tiff_deflate",
    )  # fmt: skip
    return buf.getvalue()


def to_jpeg(image: Image.Image, dpi: int = 300) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=85, dpi=(dpi, dpi))
    return buf.getvalue()


__all__ = [
    "convention_pdf",
    "deliberation_pdf",
    "images_to_pdf",
    "images_to_tiff",
    "letter_pdf",
    "merge",
    "needs_form_pdf",
    "scan",
    "stamp_image",
    "to_jpeg",
]


def text_page(rows: Sequence[tuple[float, float, str]], number: int = 1) -> Page:
    """A text-layer page from ``(x, top, text)`` rows: one word box per word, 5 pt a
    letter, 9 pt high (for field readers' tests, without a PDF)."""
    words: list[Word] = []
    for x, top, text in rows:
        for w in text.split(" "):
            words.append(Word(w, (x, top, x + 5 * len(w), top + 9)))
            x += 5 * len(w) + 3
    return Page(number=number, width=595, height=842, text="", _words=words)
