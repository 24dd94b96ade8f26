"""What every family shares: French dates and people drawn at random, fonts, a small
text-layout writer on a reportlab canvas, and the marks people put on paper (pen ink,
vector and pasted-image signatures, handwriting, round town-hall seals, the mail room's
arrival stamps).

Nothing here looks at how ``extractors`` reads documents: the families are laid out the
way town halls, their software and their platforms make these pieces.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from samples.roster import Entity

W, H = A4
RGB = tuple[float, float, float]

BLUE_INK: RGB = (0.08, 0.14, 0.55)
BLACK_INK: RGB = (0.08, 0.08, 0.1)
STAMP_BLUE: RGB = (0.2, 0.25, 0.7)
STAMP_VIOLET: RGB = (0.45, 0.2, 0.6)
STAMP_RED: RGB = (0.8, 0.1, 0.12)

# ----------------------------------------------------------------------------- output


@dataclass
class Rendered:
    """One file of a family: its PDF and the pieces in it (the truth's documents as
    ``{"type", "pages", "fields"}``)."""

    pdf: bytes
    documents: list[dict[str, Any]]
    pages: int


@dataclass
class Ctx:
    """What a family draws from: its rng, the collectivity and whether the paper will be
    scanned (arrival stamps and pen ink exist only on paper)."""

    rng: random.Random
    entity: Entity
    paper: bool
    seed: int
    extra: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- dates

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MONTHS_SHORT = (
    "JAN.",
    "FÉV.",
    "MARS",
    "AVR.",
    "MAI",
    "JUIN",
    "JUIL.",
    "AOÛT",
    "SEPT.",
    "OCT.",
    "NOV.",
    "DÉC.",
)
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_UNITS = (
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
)
_TENS = {20: "vingt", 30: "trente", 40: "quarante", 50: "cinquante"}


def words(n: int) -> str:
    """0..59 in French words ("vingt et un", "trente-deux")."""
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    base = _TENS[tens * 10]
    if unit == 0:
        return base
    if unit == 1:
        return f"{base} et un"
    return f"{base}-{_UNITS[unit]}"


def year_words(year: int, mil: bool = False, hyphens: bool = False) -> str:
    """2021 -> "deux mille vingt et un" ("deux mil …" as many registers write it;
    with hyphens as the 1990 spelling reform has it)."""
    text = ("deux mil " if mil else "deux mille ") + words(year - 2000)
    return text.replace(" ", "-") if hyphens else text


def day_words(day: int) -> str:
    return "premier" if day == 1 else words(day)


def numeric(d: dt.date, sep: str = "/", short_year: bool = False) -> str:
    year = f"{d.year % 100:02d}" if short_year else str(d.year)
    return f"{d.day:02d}{sep}{d.month:02d}{sep}{year}"


def long_date(d: dt.date) -> str:
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def weekday_date(d: dt.date) -> str:
    return f"{WEEKDAYS[d.weekday()]} {long_date(d)}"


def register_opening(d: dt.date, rng: random.Random) -> str:
    """How a register extract opens, every form clerks use: "L'an deux mille vingt et
    un, le treize décembre", "L'an deux mil vingt et un, le lundi 13 décembre 2021"."""
    mil = rng.random() < 0.4
    hyph = rng.random() < 0.2
    year = year_words(d.year, mil=mil, hyphens=hyph)
    choice = rng.randrange(4)
    if choice == 0:
        return f"L'an {year}, le {day_words(d.day)} {MONTHS[d.month - 1]}"
    if choice == 1:
        return f"L'an {year}, le {weekday_date(d)}"
    if choice == 2:
        return f"L'an {year} et le {day_words(d.day)} du mois de {MONTHS[d.month - 1]}"
    return f"L'an {year}, le {WEEKDAYS[d.weekday()]} {day_words(d.day)} {MONTHS[d.month - 1]}"


def any_date(d: dt.date, rng: random.Random) -> str:
    """A date as people write it on a form."""
    return rng.choice(
        (
            numeric(d),
            numeric(d, short_year=True),
            numeric(d, sep="."),
            long_date(d),
            weekday_date(d),
            f"{d.day}/{d.month}/{d.year}",
        )
    )


def working_day(d: dt.date, forward: bool = True) -> dt.date:
    while d.weekday() >= 5:
        d += dt.timedelta(days=1 if forward else -1)
    return d


def meeting_date(rng: random.Random) -> dt.date:
    """Councils met between late October 2021 and early January 2022, mostly on
    weekday evenings."""
    start = dt.date(2021, 10, 25)
    while True:
        d = start + dt.timedelta(days=rng.randrange(0, 75))
        if d.weekday() < 5 or rng.random() < 0.1:
            return d


def after(d: dt.date, rng: random.Random, lo: int, hi: int) -> dt.date:
    return working_day(d + dt.timedelta(days=rng.randint(lo, hi)))


# ----------------------------------------------------------------------------- people

FIRST_M = (
    "Jean-Pierre",
    "Philippe",
    "Patrick",
    "Alain",
    "Christophe",
    "Gérard",
    "Hervé",
    "Joël",
    "Yannick",
    "Loïc",
    "Stéphane",
    "François",
    "Michel",
    "Dominique",
    "Thierry",
    "Bruno",
    "Éric",
    "Jérôme",
    "Anthony",
    "Régis",
)
FIRST_F = (
    "Isabelle",
    "Nathalie",
    "Sylvie",
    "Catherine",
    "Valérie",
    "Martine",
    "Françoise",
    "Anne-Sophie",
    "Sandrine",
    "Christelle",
    "Maryvonne",
    "Hélène",
    "Céline",
    "Chantal",
    "Béatrice",
    "Gwenaëlle",
    "Monique",
    "Élodie",
)
SURNAMES = (
    "Guérin",
    "Le Goff",
    "Moreau",
    "Bréhéret",
    "Chevalier",
    "Rousseau",
    "Pineau",
    "Gaudin",
    "Lebreton",
    "Hamon",
    "Brossard",
    "Têtu",
    "Gauthier",
    "Cottineau",
    "Jouin",
    "Ménard",
    "Rivière",
    "Bouvier",
    "Durand-Lemaître",
    "Poirier",
    "Foucher",
    "Leroux",
    "Morin",
    "Bellanger",
    "Drouet",
    "Cadiou",
    "Renaudin",
    "Allard",
    "Thébault",
    "Bourdais",
)


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    female: bool

    @property
    def civility(self) -> str:
        return "Madame" if self.female else "Monsieur"

    @property
    def short_civility(self) -> str:
        return "Mme" if self.female else "M."

    def written(self, rng: random.Random) -> str:
        """As a town hall types it: "Jean DUPONT", "Jean Dupont", "DUPONT Jean"."""
        k = rng.randrange(3)
        if k == 0:
            return f"{self.first} {self.last.upper()}"
        if k == 1:
            return f"{self.first} {self.last}"
        return f"{self.last.upper()} {self.first}"


def person(rng: random.Random) -> Person:
    female = rng.random() < 0.4
    first = rng.choice(FIRST_F if female else FIRST_M)
    return Person(first, rng.choice(SURNAMES), female)


def mayor_role(p: Person, rng: random.Random, epci: bool = False) -> str:
    """The signatory's role as written in the block: "Maire", "Le Maire", "Adjointe au
    maire", "Président"."""
    if epci:
        return rng.choice(("Président", "Le Président", "Vice-président"))
    if rng.random() < 0.75:
        return rng.choice(
            ("Maire", "Le Maire", "Maire", "Madame le Maire" if p.female else "Maire")
        )
    return "Première adjointe" if p.female else rng.choice(("Premier adjoint", "Adjoint au maire"))


def de(name: str) -> str:
    """ "de Vertou", "d'Ancenis", "du Pellerin", "des Sorinières"."""
    low = name.lower()
    if low.startswith("le "):
        return "du " + name[3:]
    if low.startswith("les "):
        return "des " + name[4:]
    if low.startswith("la ") or low.startswith("l'"):
        return "de " + name
    if strip_accents(low[:1]) in "aeiouyh":
        return "d'" + name
    return "de " + name


def strip_accents(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text)
    return "".join(c for c in norm if not unicodedata.combining(c))


def siren_department(entity: Entity) -> str:
    dept = entity.main_department
    return dept.zfill(3) if dept.isdigit() else dept


DEPT_NAMES = {
    "44": "Loire-Atlantique",
    "49": "Maine-et-Loire",
    "53": "Mayenne",
    "72": "Sarthe",
    "85": "Vendée",
}
PREFECTURES = {
    "44": "Loire-Atlantique",
    "49": "Maine-et-Loire",
    "53": "la Mayenne",
    "72": "la Sarthe",
    "85": "la Vendée",
}


def act_id(entity: Entity, meeting: dt.date, number: str) -> str:
    """An ACTES identifier: ``044-214401093-20211213-DEL2021_12-DE``."""
    return f"{siren_department(entity)}-{entity.siren}-{meeting:%Y%m%d}-{number}-DE"


# ----------------------------------------------------------------------------- fonts

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_TTF = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
    "DejaVuSerif": "DejaVuSerif.ttf",
    "DejaVuSerif-Bold": "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic": "DejaVuSerif-Italic.ttf",
    "DejaVuSansCondensed": "DejaVuSansCondensed.ttf",
    "DejaVuSansCondensed-Bold": "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSansMono": "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold": "DejaVuSansMono-Bold.ttf",
}
# the standard PDF face that stands in when a system font is missing
_FALLBACK = {
    "DejaVuSans": "Helvetica",
    "DejaVuSans-Bold": "Helvetica-Bold",
    "DejaVuSans-Oblique": "Helvetica-Oblique",
    "DejaVuSerif": "Times-Roman",
    "DejaVuSerif-Bold": "Times-Bold",
    "DejaVuSerif-Italic": "Times-Italic",
    "DejaVuSansCondensed": "Helvetica",
    "DejaVuSansCondensed-Bold": "Helvetica-Bold",
    "DejaVuSansMono": "Courier",
    "DejaVuSansMono-Bold": "Courier-Bold",
}


@cache
def font(name: str) -> str:
    """A reportlab font name: the TrueType face registered once, else its standard
    stand-in (Helvetica, Times, Courier are always there)."""
    if name not in _TTF:
        return name
    path = _DEJAVU / _TTF[name]
    if not path.exists():
        return _FALLBACK[name]
    try:
        pdfmetrics.registerFont(TTFont(name, str(path)))
    except Exception:  # a broken font file: the standard face will do
        return _FALLBACK[name]
    return name


def pil_font(name: str, px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _DEJAVU / _TTF.get(name, "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(str(path), px)
    except OSError:
        return ImageFont.load_default(px)


# ----------------------------------------------------------------------------- writer


def new_canvas(buf: io.BytesIO, title: str, author: str = "", creator: str = "") -> Canvas:
    canv = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    canv.setTitle(title)
    canv.setAuthor(author)
    canv.setCreator(creator)
    canv.setProducer(creator or "reportlab")
    return canv


class Writer:
    """Flowing text on a canvas, top to bottom, one column at a time; a new page (with
    its footer) when the column is full."""

    def __init__(
        self,
        canv: Canvas,
        *,
        face: str = "Times-Roman",
        bold: str = "Times-Bold",
        size: float = 10.5,
        left: float = 2.2 * 72 / 2.54,
        right: float = W - 2.2 * 72 / 2.54,
        top: float = H - 2.2 * 72 / 2.54,
        bottom: float = 2.4 * 72 / 2.54,
        leading: float = 1.25,
        footer: Callable[[Canvas, int], None] | None = None,
    ) -> None:
        self.c = canv
        self.face, self.bold, self.size = face, bold, size
        self.left, self.right, self.top, self.bottom = left, right, top, bottom
        self.leading = leading
        self.y = top
        self.page = 1
        self.footer = footer

    @property
    def width(self) -> float:
        return self.right - self.left

    def new_page(self) -> None:
        if self.footer:
            self.footer(self.c, self.page)
        self.c.showPage()
        self.page += 1
        self.y = self.top

    def finish(self) -> int:
        if self.footer:
            self.footer(self.c, self.page)
        self.c.showPage()
        return self.page

    def ensure(self, height: float) -> None:
        if self.y - height < self.bottom:
            self.new_page()

    def space(self, h: float) -> None:
        self.y -= h

    def para(
        self,
        text: str,
        *,
        face: str | None = None,
        size: float | None = None,
        indent: float = 0.0,
        align: str = "left",
        after: float = 4.0,
        colour: RGB | None = None,
    ) -> tuple[float, float]:
        """Write a paragraph; returns (top, bottom) y of what it took."""
        face = face or self.face
        size = size or self.size
        lines = simpleSplit(text, face, size, self.width - indent)
        lead = size * self.leading
        top = self.y
        for line in lines:
            # the page may turn before a line: the graphics state is saved per line, on
            # its page (reportlab's showPage drops a state saved before it)
            self.ensure(lead)
            self.y -= lead
            self.c.saveState()
            if colour:
                self.c.setFillColorRGB(*colour)
            self.c.setFont(face, size)
            x = self.left + indent
            if align == "center":
                self.c.drawCentredString(self.left + self.width / 2, self.y + size * 0.22, line)
            elif align == "right":
                self.c.drawRightString(self.right, self.y + size * 0.22, line)
            else:
                self.c.drawString(x, self.y + size * 0.22, line)
            self.c.restoreState()
        self.y -= after
        return top, self.y


def plain(markup: str) -> str:
    """Reportlab mark-up of ``samples.texts`` as plain text."""
    text = markup.replace("<super>er</super>", "er").replace("&amp;", "&")
    return re.sub(r"<[^>]+>", "", text)


# ----------------------------------------------------------------------------- ink


def _smooth(pts: Sequence[tuple[float, float]]) -> list[tuple[float, ...]]:
    """Catmull-Rom through ``pts`` as cubic Bézier segments (c1, c2, end)."""
    out: list[tuple[float, ...]] = []
    for i in range(len(pts) - 1):
        p0 = pts[i - 1] if i > 0 else pts[i]
        p1, p2 = pts[i], pts[i + 1]
        p3 = pts[i + 2] if i + 2 < len(pts) else p2
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        out.append((*c1, *c2, *p2))
    return out


def signature_strokes(rng: random.Random, w: float, h: float) -> list[list[tuple[float, float]]]:
    """A signature as pen strokes in a w x h box (origin bottom-left): a looping name
    stroke, sometimes a second word, and a flourish or an underline."""
    strokes: list[list[tuple[float, float]]] = []
    n = rng.randint(7, 13)
    x, pts = rng.uniform(0, w * 0.1), []
    base = h * rng.uniform(0.3, 0.5)
    for i in range(n):
        x += w * rng.uniform(0.45, 1.0) / n
        up = i % 2 == 0
        y = base + (h * rng.uniform(0.25, 0.55) if up else -h * rng.uniform(0.05, 0.3))
        pts.append((min(x, w), max(0.0, min(h, y))))
        if rng.random() < 0.25:  # a loop
            pts.append((max(0.0, x - w * 0.04), min(h, y + h * 0.15)))
    strokes.append([(pts[0][0], base), *pts])
    if rng.random() < 0.5:
        x0 = rng.uniform(w * 0.2, w * 0.5)
        strokes.append(
            [
                (x0 + w * k * 0.06, base + h * rng.uniform(-0.1, 0.35))
                for k in range(rng.randint(3, 6))
            ]
        )
    if rng.random() < 0.7:  # flourish
        y0 = h * rng.uniform(0.05, 0.25)
        strokes.append(
            [
                (w * rng.uniform(0.0, 0.2), y0),
                (w * 0.5, y0 + h * rng.uniform(-0.08, 0.08)),
                (w * rng.uniform(0.8, 1.0), y0 + h * rng.uniform(0.0, 0.2)),
            ]
        )
    return strokes


def pen_signature(
    canv: Canvas, x: float, y: float, w: float, h: float, rng: random.Random, ink: RGB = BLUE_INK
) -> None:
    """Ink of a pen: stroked Bézier curves of varying width."""
    canv.saveState()
    canv.setStrokeColorRGB(*ink)
    canv.setLineCap(1)
    canv.setLineJoin(1)
    for stroke in signature_strokes(rng, w, h):
        canv.setLineWidth(rng.uniform(0.7, 1.6))
        path = canv.beginPath()
        path.moveTo(x + stroke[0][0], y + stroke[0][1])
        for seg in _smooth(stroke):
            path.curveTo(x + seg[0], y + seg[1], x + seg[2], y + seg[3], x + seg[4], y + seg[5])
        canv.drawPath(path, stroke=1, fill=0)
    canv.restoreState()


def vector_signature(
    canv: Canvas, x: float, y: float, w: float, h: float, rng: random.Random, ink: RGB = BLACK_INK
) -> None:
    """A signature as a tablet or a vectorising tool leaves it: filled outlines (no
    stroke), each pen stroke a closed polygon of varying thickness."""
    canv.saveState()
    canv.setFillColorRGB(*ink)
    for stroke in signature_strokes(rng, w, h):
        dense: list[tuple[float, float]] = []
        for (x0, y0), (x1, y1) in pairwise(stroke):
            for k in range(6):
                t = k / 6
                dense.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
        dense.append(stroke[-1])
        left, right = [], []
        for i, (px, py) in enumerate(dense):
            qx, qy = dense[min(i + 1, len(dense) - 1)]
            rx, ry = dense[max(i - 1, 0)]
            dx, dy = qx - rx, qy - ry
            norm = math.hypot(dx, dy) or 1.0
            half = 0.4 + 0.6 * math.sin(math.pi * i / max(1, len(dense) - 1))
            nx, ny = -dy / norm * half, dx / norm * half
            left.append((x + px + nx, y + py + ny))
            right.append((x + px - nx, y + py - ny))
        outline = left + right[::-1]
        path = canv.beginPath()
        path.moveTo(*outline[0])
        for pt in outline[1:]:
            path.lineTo(*pt)
        path.close()
        canv.drawPath(path, stroke=0, fill=1)
    canv.restoreState()


def signature_image(rng: random.Random, w_pt: float, h_pt: float, dpi: int = 200) -> Image.Image:
    """A signature scanned once and pasted into documents: dark ink on an off-white,
    slightly grainy background (a JPEG of a piece of paper)."""
    scale = dpi / 72
    wp, hp = int(w_pt * scale), int(h_pt * scale)
    img = Image.new("RGB", (wp, hp), (rng.randint(238, 250),) * 3)
    draw = ImageDraw.Draw(img)
    ink = (20, 30, rng.randint(60, 120))
    for stroke in signature_strokes(rng, w_pt, h_pt):
        pts = []
        for seg_start, seg in zip(stroke, _smooth(stroke), strict=False):
            p0 = seg_start
            c1, c2, p3 = (seg[0], seg[1]), (seg[2], seg[3]), (seg[4], seg[5])
            for k in range(12):
                t = k / 12
                a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t**3
                px = a * p0[0] + b * c1[0] + c * c2[0] + d * p3[0]
                py = a * p0[1] + b * c1[1] + c * c2[1] + d * p3[1]
                pts.append((px * scale, hp - py * scale))
        if len(pts) > 1:
            draw.line(pts, fill=ink, width=max(2, int(scale * 1.2)), joint="curve")
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    return img


def paste_image(canv: Canvas, img: Image.Image, x: float, y: float, w: float, h: float) -> None:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    buf.seek(0)
    canv.drawImage(ImageReader(buf), x, y, w, h)


def hand_image(
    text: str, size_pt: float, rng: random.Random, ink: tuple[int, int, int] = (25, 35, 140)
) -> tuple[Image.Image, float, float]:
    """Handwriting-like fill-in as a transparent image (a pen on paper, or a stylus on a
    tablet): an oblique face, each glyph off the line, turned, sized and spaced
    unevenly, strokes slightly thickened. Returns (RGBA image, width pt, height pt)."""
    dpi = 200
    px = max(10, int(size_pt * dpi / 72))
    face = rng.choice(("DejaVuSans-Oblique", "DejaVuSerif-Italic"))
    pad = px
    width = int(len(text) * px * 0.75) + 2 * pad
    img = Image.new("L", (width, int(px * 2.2)), 0)
    x = pad
    slant = rng.uniform(-2.5, 2.5)
    for ch in text:
        f = pil_font(face, int(px * rng.uniform(0.92, 1.1)))
        glyph_w = int(f.getlength(ch)) + 4
        if ch == " ":
            x += int(glyph_w * rng.uniform(0.9, 1.4))
            continue
        tile = Image.new("L", (glyph_w + px, int(px * 2)), 0)
        ImageDraw.Draw(tile).text((px // 2, px // 3), ch, fill=255, font=f)
        tile = tile.rotate(slant + rng.uniform(-5, 5), resample=Image.Resampling.BICUBIC)
        tile = tile.filter(ImageFilter.MaxFilter(3))
        dy = int(rng.uniform(-0.08, 0.08) * px)
        img.paste(255, (x - px // 2, dy), tile)
        x += int(glyph_w * rng.uniform(0.92, 1.08))
    img = img.crop((0, 0, min(width, x + pad), img.height))
    rgba = Image.new("RGBA", img.size, (*ink, 0))
    rgba.putalpha(img)
    return rgba, img.width * 72 / dpi, img.height * 72 / dpi


def draw_hand(
    canv: Canvas,
    x: float,
    baseline: float,
    text: str,
    size: float,
    rng: random.Random,
    max_width: float | None = None,
) -> float:
    """Draw ``text`` by hand with its baseline at ``baseline``; returns the width."""
    img, w, h = hand_image(text, size, rng)
    if max_width is not None and w > max_width:
        h, w = h * max_width / w, max_width
    buf = io.BytesIO()
    img.save(buf, "PNG")
    buf.seek(0)
    # the glyphs' baseline sits ~0.62 of the tile down from its top
    canv.drawImage(ImageReader(buf), x, baseline - h * 0.38, w, h, mask="auto")
    return w


# ----------------------------------------------------------------------------- stamps


def _arc_text(
    canv: Canvas, cx: float, cy: float, r: float, text: str, face: str, size: float, top: bool
) -> None:
    total = sum(canv.stringWidth(ch, face, size) for ch in text)
    span = total / r
    angle = math.pi / 2 + span / 2 if top else -math.pi / 2 - span / 2
    for ch in text:
        cw = canv.stringWidth(ch, face, size)
        step = cw / r
        a = angle - step / 2 if top else angle + step / 2
        canv.saveState()
        canv.translate(cx + r * math.cos(a), cy + r * math.sin(a))
        canv.rotate(math.degrees(a) - 90 if top else math.degrees(a) + 90)
        canv.drawCentredString(0, 0, ch)
        canv.restoreState()
        angle = angle - step if top else angle + step
    canv.setFont(face, size)


def round_seal(
    canv: Canvas,
    cx: float,
    cy: float,
    r: float,
    name: str,
    rng: random.Random,
    colour: RGB = STAMP_BLUE,
    centre: str = "",
    bottom: str = "",
) -> None:
    """A town hall's round rubber seal: two rings, its name around the top, the
    département or "LE MAIRE" around the bottom, a word in the middle; pale, turned."""
    canv.saveState()
    canv.setFillColorRGB(*colour)
    canv.setStrokeColorRGB(*colour)
    canv.setFillAlpha(0.75)
    canv.setStrokeAlpha(0.75)
    canv.translate(cx, cy)
    canv.rotate(rng.uniform(-25, 25))
    canv.setLineWidth(1.3)
    canv.circle(0, 0, r)
    canv.setLineWidth(0.6)
    canv.circle(0, 0, r * 0.72)
    face = "Helvetica-Bold"
    size = r * 0.2
    canv.setFont(face, size)
    _arc_text(canv, 0, 0, r * 0.8, strip_accents(name.upper())[:26], face, size, top=True)
    if bottom:
        _arc_text(canv, 0, 0, r * 0.8 + size * 0.7, bottom.upper(), face, size, top=False)
    if centre:
        canv.setFont("Helvetica-Bold", r * 0.2)
        for k, part in enumerate(centre.split("\n")):
            canv.drawCentredString(0, r * 0.05 - k * r * 0.24, part)
    canv.restoreState()


def arrival_stamp(canv: Canvas, day: dt.date, rng: random.Random) -> None:
    """The mail room's arrival stamp, in one of several kinds, somewhere in the top
    part of the first page (sometimes across the text)."""
    kind = rng.randrange(3)
    colour = rng.choice((STAMP_RED, STAMP_BLUE, STAMP_VIOLET))
    x = rng.uniform(W * 0.45, W * 0.7)
    y = rng.uniform(H * 0.72, H * 0.88)
    canv.saveState()
    canv.setFillColorRGB(*colour)
    canv.setStrokeColorRGB(*colour)
    canv.setFillAlpha(0.8)
    canv.setStrokeAlpha(0.8)
    canv.translate(x, y)
    canv.rotate(rng.uniform(-8, 8))
    if kind == 0:  # rectangle, date in the middle
        canv.setLineWidth(1.2)
        canv.rect(0, 0, 150, 62)
        canv.setFont("Helvetica-Bold", 9)
        canv.drawCentredString(75, 48, "RECTORAT DE L'ACADÉMIE DE NANTES")
        canv.setFont("Helvetica", 8)
        canv.drawCentredString(75, 37, "COURRIER ARRIVÉ LE")
        canv.setFont("Courier-Bold", 13)
        canv.drawCentredString(75, 20, f"{day.day:02d} {MONTHS_SHORT[day.month - 1]} {day.year}")
        canv.setFont("Helvetica", 8)
        canv.drawCentredString(75, 6, "DANE")
    elif kind == 1:  # oval date stamp
        canv.setLineWidth(1.0)
        canv.ellipse(0, 0, 130, 55)
        canv.setFont("Helvetica-Bold", 8)
        canv.drawCentredString(65, 38, "ARRIVÉE")
        canv.setFont("Courier-Bold", 12)
        canv.drawCentredString(65, 23, numeric(day))
        canv.setFont("Helvetica", 7)
        canv.drawCentredString(65, 12, "DAN - Rectorat")
    else:  # a dater: just the date and a service
        canv.setFont("Courier-Bold", 14)
        canv.drawString(
            0, 14, f"{day.day:02d} {MONTHS_SHORT[day.month - 1]}. {day.year}".replace("..", ".")
        )
        canv.setFont("Helvetica", 8)
        canv.drawString(0, 2, "Service courrier — Rectorat de Nantes")
    canv.restoreState()


def arrival_day(rng: random.Random, not_before: dt.date) -> dt.date:
    """When the mail room stamped the paper: a working day of December or January."""
    start = max(not_before + dt.timedelta(days=3), dt.date(2021, 12, 1))
    return working_day(start + dt.timedelta(days=rng.randrange(0, 30)))


def footer_page_of(total_hint: int | None = None, face: str = "Helvetica", size: float = 8):
    """A footer "Page n" (or "n/N" when the total is known in advance)."""

    def draw(canv: Canvas, page: int) -> None:
        canv.saveState()
        canv.setFont(face, size)
        text = f"{page}/{total_hint}" if total_hint else f"Page {page}"
        canv.drawCentredString(W / 2, 28, text)
        canv.restoreState()

    return draw
