"""The digital (vector) sample documents, drawn with reportlab: the convention, the
délibération (three town-hall layouts, two acknowledgment styles), the needs form (two
layouts) and a cover letter. Each builder takes a spec and returns reproducible PDF bytes
(``invariant=1``); what the spec says is what the document shows, so the specs are the
ground truth.

Marks made on paper (the signatory's ink, the town-hall seal, the mail room's arrival
stamp) are drawn as vector overlays with a multiply blend, so that a later rasterisation
(``samples.scan``) shows them as ink on paper.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from samples import frdates, texts

RGB = tuple[float, float, float]
BLUE_INK: RGB = (0.09, 0.17, 0.55)
BLACK_INK: RGB = (0.08, 0.08, 0.1)
STAMP_RED: RGB = (0.78, 0.1, 0.12)
STAMP_BLUE: RGB = (0.12, 0.22, 0.66)
SEAL_VIOLET: RGB = (0.32, 0.2, 0.55)

PAGE_W, PAGE_H = A4
CREATOR = "convention-intake samples"


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class StampSpec:
    """The mail room's arrival stamp. ``x``, ``y``: centre, in points from the bottom-left
    of the page; ``angle``: degrees, counter-clockwise."""

    date: dt.date
    style: int = 0  # 0: DANE rectangle, 1: oval "courrier arrivée", 2: "REÇU LE" box
    date_style: int = 0
    colour: RGB = STAMP_RED
    angle: float = 0.0
    x: float = 430.0
    y: float = 760.0


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    female: bool

    @property
    def civility(self) -> str:
        return "Mme" if self.female else "M."

    @property
    def full(self) -> str:
        """``Jean-Pierre MARTIN``, as signatures are typed in town halls."""
        return f"{self.first} {self.last.upper()}"

    @property
    def plain(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class ConventionSpec:
    collectivity: str | None  # as written, None when left blank
    role: str | None
    signatory: str | None
    date_text: str | None  # the date as written next to "Date et signature"
    signed: bool
    hand: bool = True  # handwriting-like fill (else typed)
    ink: RGB = BLUE_INK
    seal: tuple[str, str] | None = None  # (around the top, around the bottom)
    seed: int = 0
    stamp: StampSpec | None = None


@dataclass(frozen=True)
class AckSpec:
    """Legality-control acknowledgment printed on the first page of a délibération."""

    act_id: str
    sent: dt.date
    received: dt.date
    style: str = "prefecture"  # prefecture | platform
    position: str = "top"  # top | bottom
    posted: dt.date | None = None


@dataclass(frozen=True)
class DeliberationSpec:
    layout: str  # registre | table | dcm
    assembly: str  # "conseil municipal" | "conseil communautaire"
    collectivity: str  # as written in the heading
    department: str  # department name
    meeting: dt.date
    decision: str  # authorize | postpone | refuse
    president: Person
    president_title: str  # "le Maire", "la Présidente"…
    number: str  # as printed: "DEL2021_12", "2021-12-05", "C-2021-148"
    place: str = ""  # the town, for "Pour extrait conforme, à …"
    members: int = 19
    present: int = 15
    proxies: int = 2
    against: int = 0
    abstentions: int = 0
    attendees: tuple[str, ...] = ()
    secretary: str = ""
    convocation: dt.date | None = None
    hour: tuple[int, int] = (20, 30)
    ack: AckSpec | None = None
    signed_on: dt.date | None = None  # "Pour extrait conforme, le …"
    seed: int = 0
    ink: RGB = BLUE_INK
    seal: tuple[str, str] | None = None
    stamp: StampSpec | None = None

    @property
    def voters(self) -> int:
        return self.present + self.proxies


@dataclass(frozen=True)
class NeedsFormSpec:
    layout: str  # kv | table
    collectivity: str
    department: str
    schools: tuple[tuple[str, str, int], ...]  # (school, place, pupils)
    blank: bool = False
    show_total: bool = True
    show_count: bool = True  # table layout: a "Nombre d'écoles" line
    hand: bool = False
    contact: str = ""
    contact_role: str = ""
    phone: str = ""
    email: str = ""
    place: str = ""
    date: dt.date | None = None
    signer_title: str = "Le Maire"
    signed: bool = True
    seed: int = 0
    ink: RGB = BLUE_INK
    stamp: StampSpec | None = None

    @property
    def school_count(self) -> int | None:
        return None if self.blank else len(self.schools)

    @property
    def pupils(self) -> int | None:
        return None if self.blank else sum(n for _, _, n in self.schools)


@dataclass(frozen=True)
class LetterSpec:
    collectivity: str  # letterhead, as written
    department: str
    address: str
    phone: str
    place: str
    date: dt.date
    signer: Person
    signer_title: str  # "Le Maire"
    enclosures: tuple[str, ...]
    seed: int = 0
    ink: RGB = BLUE_INK
    stamp: StampSpec | None = None
    extra: str = ""  # an added sentence


@dataclass
class Built:
    pdf: bytes
    pages: int
    meta: dict[str, Any] = field(default_factory=dict)


@contextmanager
def binary_streams() -> Iterator[None]:
    """Write binary (not ASCII85) streams while building: smaller files, and much faster
    for images (reportlab's pure-Python ASCII85 encoder is slow)."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


# --------------------------------------------------------------------------- ink


def _multiply(canv: Canvas, alpha: float = 0.9) -> None:
    canv.setBlendMode("Multiply")
    canv.setFillAlpha(alpha)
    canv.setStrokeAlpha(alpha)


def hand_text(
    canv: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    ink: RGB,
    rng: random.Random,
    font: str = "Times-Italic",
    max_width: float | None = None,
) -> float:
    """Handwriting-like text: an italic face, each glyph slightly off the line, size and
    angle. Returns the width used."""
    if max_width is not None:
        while size > 7 and canv.stringWidth(text, font, size) * 1.06 > max_width:
            size -= 0.5
    canv.saveState()
    canv.setFillColorRGB(*ink)
    cx = x
    drift = rng.uniform(-0.04, 0.04)
    for ch in text:
        s = size * rng.uniform(0.97, 1.04)
        dy = rng.uniform(-0.6, 0.6) + drift * (cx - x) / 10
        canv.saveState()
        canv.translate(cx, y + dy)
        canv.rotate(rng.uniform(-3.0, 3.0))
        canv.setFont(font, s)
        canv.drawString(0, 0, ch)
        canv.restoreState()
        cx += canv.stringWidth(ch, font, s) * rng.uniform(1.0, 1.08)
    canv.restoreState()
    return cx - x


def typed_text(
    canv: Canvas,
    x: float,
    y: float,
    text: str,
    size: float = 10.5,
    font: str = "Helvetica",
    max_width: float | None = None,
) -> float:
    if max_width is not None:
        while size > 7 and canv.stringWidth(text, font, size) > max_width:
            size -= 0.5
    canv.saveState()
    canv.setFillColor(colors.black)
    canv.setFont(font, size)
    canv.drawString(x, y, text)
    canv.restoreState()
    return canv.stringWidth(text, font, size)


def _catmull_rom(canv: Canvas, pts: Sequence[tuple[float, float]]) -> Any:
    path = canv.beginPath()
    path.moveTo(*pts[0])
    for i in range(len(pts) - 1):
        p0 = pts[i - 1] if i > 0 else pts[i]
        p1, p2 = pts[i], pts[i + 1]
        p3 = pts[i + 2] if i + 2 < len(pts) else p2
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        path.curveTo(c1[0], c1[1], c2[0], c2[1], p2[0], p2[1])
    return path


def scribble(
    canv: Canvas, x: float, y: float, w: float, h: float, ink: RGB, rng: random.Random
) -> None:
    """A signature: smooth random strokes through up-and-down control points, with
    back-steps that make loops, inside the box (x, y, w, h)."""
    canv.saveState()
    _multiply(canv, 0.95)
    canv.setStrokeColorRGB(*ink)
    canv.setLineCap(1)
    canv.setLineJoin(1)
    strokes = rng.choice((1, 1, 2))
    start = x
    for s in range(strokes):
        end = x + w if s == strokes - 1 else start + w * rng.uniform(0.3, 0.5)
        n = rng.randint(7, 13)
        cur = start
        up = rng.random() < 0.5
        pts = [(cur, y + h * rng.uniform(0.3, 0.7))]
        if s == 0 and rng.random() < 0.6:  # a big initial, looped
            cx, cy, r = cur + h * 0.2, y + h * 0.6, h * rng.uniform(0.22, 0.38)
            for a in range(0, 330, 55):
                t = math.radians(a + 90)
                pts.append((cx + r * math.cos(t) * 0.7, cy + r * math.sin(t)))
        for _ in range(n):
            step = (end - start) / n * rng.uniform(0.5, 1.7)
            if rng.random() < 0.22:
                step = -step * 0.6
            cur = min(max(cur + step, start), end)
            lo, hi = (0.55, 0.98) if up else (0.02, 0.45)
            pts.append((cur, y + h * rng.uniform(lo, hi)))
            up = not up
        canv.setLineWidth(rng.uniform(0.8, 1.5))
        canv.drawPath(_catmull_rom(canv, pts), stroke=1, fill=0)
        start = end + rng.uniform(3, 10)
    if rng.random() < 0.6:  # the final flourish under the name
        y0 = y + h * rng.uniform(0.0, 0.15)
        pts = [
            (x + w * 0.05, y0 + rng.uniform(-2, 2)),
            (x + w * 0.4, y0 - rng.uniform(0, 4)),
            (x + w * 0.8, y0 + rng.uniform(-1, 3)),
            (x + w * rng.uniform(0.9, 1.0), y0 + rng.uniform(4, 10)),
        ]
        canv.setLineWidth(rng.uniform(0.7, 1.2))
        canv.drawPath(_catmull_rom(canv, pts), stroke=1, fill=0)
    canv.restoreState()


def _arc_text(
    canv: Canvas,
    cx: float,
    cy: float,
    r: float,
    text: str,
    size: float,
    top: bool,
    font: str = "Helvetica-Bold",
) -> None:
    widths = [canv.stringWidth(ch, font, size) for ch in text]
    total = sum(widths) * 1.1
    span = total / r  # radians
    angle = math.pi / 2 + span / 2 if top else -math.pi / 2 - span / 2
    for ch, wch in zip(text, widths, strict=True):
        step = wch * 1.1 / r
        mid = angle - step / 2 if top else angle + step / 2
        px, py = cx + r * math.cos(mid), cy + r * math.sin(mid)
        canv.saveState()
        canv.translate(px, py)
        canv.rotate(math.degrees(mid) - 90 if top else math.degrees(mid) + 90)
        canv.setFont(font, size)
        canv.drawCentredString(0, 0 if top else -size * 0.7, ch)
        canv.restoreState()
        angle = angle - step if top else angle + step


def seal(
    canv: Canvas,
    cx: float,
    cy: float,
    top_text: str,
    bottom_text: str,
    rng: random.Random,
    ink: RGB = SEAL_VIOLET,
    r: float = 38.0,
) -> None:
    """A round town-hall seal: two rings, text around them, "RF" in the middle."""
    canv.saveState()
    _multiply(canv, rng.uniform(0.55, 0.8))
    canv.translate(cx, cy)
    canv.rotate(rng.uniform(-25, 25))
    canv.setStrokeColorRGB(*ink)
    canv.setFillColorRGB(*ink)
    canv.setLineWidth(1.4)
    canv.circle(0, 0, r)
    canv.setLineWidth(0.6)
    canv.circle(0, 0, r - 11)
    arc = math.radians(170) * (r - 8.5) / 1.1  # text may span 170 degrees
    for text, top in ((top_text, True), (bottom_text, False)):
        size = 7.5
        while size > 3.5 and canv.stringWidth(text, "Helvetica-Bold", size) > arc:
            size -= 0.25
        _arc_text(canv, 0, 0, r - 8.5, text, size, top=top)
    canv.setFont("Times-Bold", 13)
    canv.drawCentredString(0, -4.5, "RF")
    canv.restoreState()


def draw_stamp(canv: Canvas, spec: StampSpec) -> None:
    """The mail room's rubber stamp ("RECTORAT DE NANTES / ARRIVÉ LE / 12 JAN. 2022 /
    DANE"), inked with a multiply blend so text under it stays visible."""
    date_text = frdates.stamp_date(spec.date, spec.date_style)
    canv.saveState()
    canv.translate(spec.x, spec.y)
    canv.rotate(spec.angle)
    for dx, alpha in ((0.0, 0.82), (0.35, 0.25)):  # a second, fainter strike: uneven ink
        canv.saveState()
        canv.translate(dx, -dx)
        _multiply(canv, alpha)
        canv.setStrokeColorRGB(*spec.colour)
        canv.setFillColorRGB(*spec.colour)
        if spec.style == 1:
            canv.setLineWidth(1.6)
            canv.ellipse(-82, -40, 82, 40)
            canv.setLineWidth(0.7)
            canv.ellipse(-76, -34, 76, 34)
            canv.setFont("Helvetica-Bold", 7.5)
            canv.drawCentredString(0, 20, "ACADÉMIE DE NANTES")
            canv.setFont("Helvetica", 7)
            canv.drawCentredString(0, 10, "COURRIER ARRIVÉ LE")
            canv.setFont("Helvetica-Bold", 13)
            canv.drawCentredString(0, -6, date_text)
            canv.setFont("Helvetica-Bold", 7.5)
            canv.drawCentredString(0, -22, "RECTORAT – DANE")
        elif spec.style == 2:
            canv.setLineWidth(1.3)
            canv.rect(-80, -34, 160, 68)
            canv.setFont("Helvetica-Bold", 7.5)
            canv.drawCentredString(0, 22, "RECTORAT DE L'ACADÉMIE DE NANTES")
            canv.setFont("Helvetica", 8)
            canv.drawCentredString(0, 10, "REÇU LE")
            canv.setFont("Courier-Bold", 14)
            canv.drawCentredString(0, -6, date_text)
            canv.setFont("Helvetica", 7)
            canv.drawCentredString(0, -24, "Service : DANE")
        else:
            canv.setLineWidth(1.6)
            canv.roundRect(-76, -38, 152, 76, 8)
            canv.setLineWidth(0.6)
            canv.roundRect(-71, -33, 142, 66, 6)
            canv.setFont("Helvetica-Bold", 9)
            canv.drawCentredString(0, 20, "RECTORAT DE NANTES")
            canv.setFont("Helvetica", 8)
            canv.drawCentredString(0, 9, "ARRIVÉ LE")
            canv.setFont("Helvetica-Bold", 14)
            canv.drawCentredString(0, -7, date_text)
            canv.setFont("Helvetica-Bold", 9)
            canv.drawCentredString(0, -25, "DANE")
        canv.restoreState()
    canv.restoreState()


def _marianne(canv: Canvas, x: float, y: float, name: str = "ACADÉMIE\nDE NANTES") -> None:
    """The State's block: a small emblem, the académie's name and the motto."""
    canv.saveState()
    canv.setFillColor(colors.black)
    canv.rect(x, y + 20, 22, 14, stroke=0, fill=1)
    canv.setFillColor(colors.white)
    canv.rect(x + 7, y + 20, 8, 14, stroke=0, fill=1)
    canv.setFillColor(colors.black)
    canv.setFont("Helvetica-Bold", 10)
    for i, line in enumerate(name.split("\n")):
        canv.drawString(x, y + 6 - i * 11, line)
    canv.setFont("Times-Italic", 7.5)
    for i, line in enumerate(("Liberté", "Égalité", "Fraternité")):
        canv.drawString(x, y - 20 - i * 8.5, line)
    canv.restoreState()


def _canvas(buf: io.BytesIO, title: str) -> Canvas:
    canv = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    canv.setTitle(title)
    canv.setCreator(CREATOR)
    canv.setAuthor("")
    return canv


# --------------------------------------------------------------------------- convention

_STYLES = {
    "title": ParagraphStyle(
        "title",
        fontName="Times-Bold",
        fontSize=13,
        leading=16,
        alignment=TA_CENTER,
        spaceAfter=14,
        spaceBefore=6,
    ),
    "vu": ParagraphStyle("vu", fontName="Times-Roman", fontSize=10, leading=12.5),
    "p": ParagraphStyle(
        "p",
        fontName="Times-Roman",
        fontSize=10,
        leading=12.5,
        alignment=TA_JUSTIFY,
        spaceBefore=3,
        spaceAfter=3,
    ),
    "h": ParagraphStyle(
        "h",
        fontName="Times-Bold",
        fontSize=10.5,
        leading=13,
        spaceBefore=9,
        spaceAfter=4,
    ),
    "sub": ParagraphStyle(
        "sub",
        fontName="Times-BoldItalic",
        fontSize=10,
        leading=12.5,
        spaceBefore=5,
        spaceAfter=2,
    ),
    "li": ParagraphStyle(
        "li",
        fontName="Times-Roman",
        fontSize=10,
        leading=12.5,
        leftIndent=18,
        bulletIndent=6,
        alignment=TA_LEFT,
    ),
}


class _SignatureBlock(Flowable):
    """The last part of the convention: the rector's side, then the collectivity's, with
    its four labels, filled or blank, and the ink."""

    HEIGHT = 300.0

    def __init__(self, spec: ConventionSpec) -> None:
        super().__init__()
        self.spec = spec

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        return availWidth, self.HEIGHT

    def draw(self) -> None:
        canv, spec = self.canv, self.spec
        rng = random.Random(spec.seed)
        h = self.HEIGHT
        canv.setFont("Times-Roman", 10)
        y = h - 14
        canv.setFont("Times-Bold", 10)
        canv.drawString(0, y, "Pour le rectorat,")
        canv.setFont("Times-Roman", 10)
        y -= 14
        for line in (
            "Le recteur de la région académique Pays de la Loire",
            "et de l'académie de Nantes, Chancelier des universités",
            texts.RECTOR_BLOCK[1],
        ):
            canv.drawString(0, y, line)
            y -= 12.5
        canv.drawString(0, y - 2, texts.LABEL_DATE)
        y -= 62
        canv.setFont("Times-Bold", 10)
        canv.drawString(0, y, "Pour la collectivité adhérente,")
        y -= 20
        label_w = canv.stringWidth(texts.LABEL_COLLECTIVITY, "Times-Roman", 10.5) + 8
        values = (
            (texts.LABEL_COLLECTIVITY, spec.collectivity),
            (texts.LABEL_ROLE, spec.role),
            (texts.LABEL_NAME, spec.signatory),
        )
        for label, value in values:
            self._label_line(canv, y, label, label_w)
            if value:
                self._fill(canv, label_w + 4, y + 1, value, rng)
            y -= 22
        canv.setFont("Times-Roman", 10.5)
        canv.drawString(0, y, texts.LABEL_DATE)
        if spec.date_text:
            self._fill(canv, label_w + 4, y + 1, spec.date_text, rng)
        sig_y = y - 78
        if spec.signed:
            scribble(canv, 60, sig_y, rng.uniform(140, 200), 60, spec.ink, rng)
        if spec.seal:
            seal(canv, 330, sig_y + 34, spec.seal[0], spec.seal[1], rng)

    def _label_line(self, canv: Canvas, y: float, label: str, label_w: float) -> None:
        canv.setFont("Times-Roman", 10.5)
        canv.drawString(0, y, label)
        canv.saveState()
        canv.setDash(1, 2)
        canv.setLineWidth(0.5)
        canv.line(label_w, y - 2, self.width, y - 2)
        canv.restoreState()

    def _fill(self, canv: Canvas, x: float, y: float, text: str, rng: random.Random) -> None:
        room = self.width - x - 4
        if self.spec.hand:
            hand_text(canv, x, y, text, 12, self.spec.ink, rng, max_width=room)
        else:
            typed_text(canv, x, y, text, 10.5, max_width=room)


def _doc(
    buf: io.BytesIO,
    title: str,
    first_top: float,
    first_bottom: float,
    on_first: Callable[[Canvas, Any], None],
    on_first_end: Callable[[Canvas, Any], None] | None,
    on_later: Callable[[Canvas, Any], None] | None,
    margins: tuple[float, float, float, float] = (2.2 * cm, 2.2 * cm, 2.0 * cm, 2.0 * cm),
) -> BaseDocTemplate:
    left, right, top, bottom = margins
    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        invariant=1,
        title=title,
        author="",
        creator=CREATOR,
        pageCompression=1,
    )
    width = PAGE_W - left - right
    first = Frame(
        left,
        first_bottom,
        width,
        PAGE_H - first_top - first_bottom,
        id="first",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    later = Frame(
        left,
        bottom,
        width,
        PAGE_H - top - bottom,
        id="later",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates(
        [
            PageTemplate(
                "first",
                frames=[first],
                onPage=on_first,
                onPageEnd=on_first_end,
                autoNextPageTemplate="later",
            ),
            PageTemplate("later", frames=[later], onPage=on_later or (lambda c, d: None)),
        ]
    )
    return doc


@binary_streams()
def build_convention(spec: ConventionSpec) -> Built:
    buf = io.BytesIO()

    def footer(canv: Canvas, doc: Any) -> None:
        canv.saveState()
        canv.setFont("Times-Italic", 8)
        canv.drawCentredString(
            PAGE_W / 2,
            1.1 * cm,
            f"Convention d'adhésion au groupement de commandes ENT e-primo 2022-2026 – "
            f"page {canv.getPageNumber()}",
        )
        canv.restoreState()

    def first(canv: Canvas, doc: Any) -> None:
        _marianne(canv, 2.2 * cm, PAGE_H - 2.6 * cm)
        footer(canv, doc)

    def first_end(canv: Canvas, doc: Any) -> None:
        if spec.stamp:
            draw_stamp(canv, spec.stamp)

    doc = _doc(buf, "Convention d'adhésion e-primo", 4.6 * cm, 2.0 * cm, first, first_end, footer)
    story: list[Flowable] = [Paragraph(texts.CONVENTION_TITLE, _STYLES["title"])]
    for kind, text in texts.CONVENTION:
        if kind == "li":
            story.append(Paragraph(text, _STYLES["li"], bulletText="–"))
        else:
            story.append(Paragraph(text, _STYLES[kind]))
    story.append(Spacer(1, 10))
    story.append(_SignatureBlock(spec))
    doc.build(story)
    pdf = buf.getvalue()
    return Built(pdf, page_count(pdf))


# --------------------------------------------------------------------------- délibération


def draw_ack(canv: Canvas, ack: AckSpec, left: float = 2.2 * cm) -> None:
    """The legality-control acknowledgment, as the prefecture's @ctes or a transmission
    platform prints it on the act."""
    fmt = frdates.numeric_date
    if ack.style == "platform":
        lines = [
            ("Helvetica", f"Envoyé en préfecture le {fmt(ack.sent)}"),
            ("Helvetica", f"Reçu en préfecture le {fmt(ack.received)}"),
            ("Helvetica", "Affiché le " + (fmt(ack.posted) if ack.posted else "")),
            ("Helvetica-Bold", f"ID : {ack.act_id}"),
        ]
        w, size, lead = 190.0, 7.5, 10.0
    else:
        lines = [
            ("Helvetica-Bold", "Accusé de réception en préfecture"),
            ("Helvetica", ack.act_id),
            ("Helvetica", f"Date de télétransmission : {fmt(ack.sent)}"),
            ("Helvetica", f"Date de réception préfecture : {fmt(ack.received)}"),
        ]
        w, size, lead = 200.0, 7.5, 10.0
    h = lead * len(lines) + 8
    if ack.position == "top":
        x, y = PAGE_W - 1.4 * cm - w, PAGE_H - 0.9 * cm - h
    else:
        x, y = left, 0.9 * cm
    canv.saveState()
    canv.setLineWidth(0.7)
    canv.setStrokeColor(colors.black)
    if ack.style == "prefecture":
        canv.rect(x, y, w, h)
    else:
        canv.roundRect(x, y, w, h, 4)
    canv.setFillColor(colors.black)
    for i, (font, text) in enumerate(lines):
        canv.setFont(font, size)
        canv.drawString(x + 6, y + h - 4 - lead * (i + 1) + 2.5, text)
    canv.restoreState()


def _delib_story(spec: DeliberationSpec) -> list[Flowable]:
    body = ParagraphStyle(
        "b", fontName="Times-Roman", fontSize=10.5, leading=13.5, alignment=TA_JUSTIFY, spaceAfter=5
    )
    bold = ParagraphStyle("bb", parent=body, fontName="Times-Bold")
    center = ParagraphStyle(
        "c", parent=body, alignment=TA_CENTER, fontName="Times-Bold", fontSize=12, leading=15
    )
    small = ParagraphStyle("s", parent=body, fontSize=9.5, leading=12)
    rng = random.Random(spec.seed)
    communal = spec.assembly == "conseil municipal"
    who = spec.president_title  # "le Maire"
    who_cap = who[0].upper() + who[1:]
    entity = "la commune" if communal else "la communauté"
    decision_lines = {
        "authorize": [
            f"<b>APPROUVE</b> l'adhésion de {entity} au groupement de commandes pour la mise "
            "en place d'un environnement numérique de travail dans les écoles de l'académie "
            "de Nantes (ENT e-primo 2022-2026), coordonné par le rectorat ;",
            f"<b>AUTORISE</b> {who} à signer la convention constitutive du groupement de "
            "commandes ainsi que tout document s'y rapportant ;",
            "<b>DIT</b> que les crédits nécessaires seront inscrits aux budgets des exercices "
            "concernés.",
        ],
        "postpone": [
            "<b>DÉCIDE</b> de reporter sa décision à une séance ultérieure, dans l'attente "
            "d'informations complémentaires sur le coût des comptes élèves ;",
            f"<b>CHARGE</b> {who} de solliciter ces éléments auprès du rectorat.",
        ],
        "refuse": [
            f"<b>DÉCIDE</b> de ne pas adhérer au groupement de commandes ENT e-primo "
            f"2022-2026 et ne donne pas autorisation {_to(who)} de signer la convention ;",
            f"<b>CHARGE</b> {who} d'en informer le rectorat de l'académie de Nantes.",
        ],
    }[spec.decision]
    voting = spec.voters
    pour = voting - spec.against - spec.abstentions
    if spec.against == 0 and spec.abstentions == 0:
        vote = "à l'unanimité des membres présents et représentés"
    else:
        vote = (
            f"par {pour} voix pour, {spec.against} voix contre et {spec.abstentions} "
            f"abstention{'s' if spec.abstentions > 1 else ''}"
        )
    expose = (
        f"{who_cap} rappelle que l'académie de Nantes a impulsé en 2013 le déploiement d'un "
        "espace numérique de travail (ENT) dans les écoles, e-primo. Par courrier du 18 "
        "octobre 2021, le recteur propose aux collectivités d'adhérer au nouveau groupement "
        "de commandes pour la période 2022-2026 (48 mois, du 19 juillet 2022 au 19 juillet "
        "2026). Chaque adhérent finance les comptes d'accès des élèves de ses écoles ; le "
        "besoin est exprimé dans l'annexe 2 de la convention."
    )
    story: list[Flowable] = []
    if spec.layout == "registre":
        title = "EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS DU " + spec.assembly.upper()
        story += [
            Paragraph(title, center),
            Paragraph(f"Séance du {frdates.long_date(spec.meeting)}", center),
            Spacer(1, 8),
        ]
        if spec.convocation:
            story.append(
                Paragraph(f"Date de convocation : {frdates.numeric_date(spec.convocation)}", small)
            )
        story.append(
            Paragraph(
                f"Nombre de membres en exercice : {spec.members} – présents : {spec.present}"
                f" – votants : {voting}",
                small,
            )
        )
        place = "à la mairie" if communal else "au siège de la communauté"
        story.append(
            Paragraph(
                f"{frdates.words_date(spec.meeting)} à {frdates.words_time(*spec.hour)}, le "
                f"{spec.assembly} de {spec.place}, dûment convoqué, s'est réuni {place} "
                f"en séance publique, sous la présidence de {spec.president.civility} "
                f"{spec.president.full}, {who.split(' ', 1)[1]}.",
                body,
            )
        )
        if spec.attendees:
            story.append(Paragraph("<b>Présents :</b> " + ", ".join(spec.attendees) + ".", small))
        if spec.secretary:
            story.append(Paragraph(f"<b>Secrétaire de séance :</b> {spec.secretary}", small))
        story += [
            Spacer(1, 4),
            Paragraph(f"Délibération n° {spec.number}", bold),
            Paragraph(
                "<b>Objet : Adhésion au groupement de commandes ENT e-primo 2022-2026</b>", body
            ),
            Paragraph(expose, body),
            Paragraph(
                "Vu le code général des collectivités territoriales ; vu le code de la commande "
                "publique, notamment ses articles L2113-6 à L2113-8 ; vu le projet de "
                "convention d'adhésion transmis par le rectorat ;",
                body,
            ),
            Paragraph(f"Après en avoir délibéré, le {spec.assembly}, {vote} :", body),
        ]
        story += [Paragraph(line, body, bulletText="–") for line in decision_lines]
        story.append(Paragraph("Fait et délibéré les jour, mois et an susdits.", body))
    elif spec.layout == "table":
        head = ParagraphStyle("h", parent=center, fontSize=13)
        story += [
            Paragraph(spec.assembly.upper(), head),
            Paragraph(f"Séance du {frdates.weekday_date(spec.meeting)}", center),
            Spacer(1, 6),
            Paragraph(f"Délibération n° {spec.number}", bold),
            Spacer(1, 4),
        ]
        data = [
            ["Membres en exercice", "Présents", "Pouvoirs", "Votants"],
            [str(spec.members), str(spec.present), str(spec.proxies), str(voting)],
            ["Pour", "Contre", "Abstentions", ""],
            [str(pour), str(spec.against), str(spec.abstentions), ""],
        ]
        table = Table(data, colWidths=[110, 90, 90, 90])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                    ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                    ("FONT", (0, 2), (-1, 2), "Helvetica-Bold", 9),
                    ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ]
            )
        )
        story += [table, Spacer(1, 8)]
        if spec.convocation:
            story.append(
                Paragraph(
                    f"Date de convocation : {frdates.long_date(spec.convocation)}. Présidence : "
                    f"{spec.president.civility} {spec.president.full}.",
                    small,
                )
            )
        story += [
            Paragraph(
                "<b>Objet : Adhésion au groupement de commandes ENT e-primo 2022-2026 pour les "
                "écoles du territoire</b>",
                body,
            ),
            Paragraph(expose, body),
            Paragraph(
                f"Le {spec.assembly} de {spec.place}, après en avoir délibéré, {vote} :",
                body,
            ),
        ]
        story += [Paragraph(line, body, bulletText="•") for line in decision_lines]
    else:  # dcm: terse
        story += [
            Paragraph(f"<b>DCM n° {spec.number}</b>", body),
            Paragraph(
                f"{spec.assembly[0].upper() + spec.assembly[1:]} du "
                f"{frdates.dotted_short(spec.meeting)}",
                body,
            ),
            Paragraph("<b>Objet :</b> ENT e-primo – adhésion au groupement de commandes", body),
            Spacer(1, 4),
            Paragraph(
                "Vu le CGCT ; vu le courrier du recteur de l'académie de Nantes du 18/10/2021 ; "
                f"le {spec.assembly}, {vote} :",
                body,
            ),
        ]
        story += [Paragraph(line, body, bulletText="–") for line in decision_lines]
        story.append(
            Paragraph(
                f"Votes : pour {pour} – contre {spec.against} – abstention(s) {spec.abstentions}",
                small,
            )
        )
    signed_on = spec.signed_on or spec.meeting
    closing = (
        f"Pour extrait certifié conforme, à {spec.place or spec.collectivity}, le "
        f"{frdates.any_date(signed_on, rng)}"
    )
    story += [
        Spacer(1, 8),
        KeepTogether(
            [
                Paragraph(closing, body),
                Paragraph(f"{who_cap}, {spec.president.full}", body),
                _Ink(spec),
            ]
        ),
    ]
    return story


class _Ink(Flowable):
    """Signature (and seal) under a délibération's closing."""

    def __init__(self, spec: DeliberationSpec) -> None:
        super().__init__()
        self.spec = spec

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return availWidth, 80

    def draw(self) -> None:
        rng = random.Random(self.spec.seed + 1)
        scribble(self.canv, 250, 8, 140, 55, self.spec.ink, rng)
        if self.spec.seal:
            seal(self.canv, 200, 40, self.spec.seal[0], self.spec.seal[1], rng)


@binary_streams()
def build_deliberation(spec: DeliberationSpec) -> Built:
    buf = io.BytesIO()
    ack = spec.ack
    header_lines = [
        dept_of(spec.department),
        spec.collectivity,
    ]
    top = 4.2 * cm
    bottom = 2.0 * cm
    if ack and ack.position == "bottom":
        bottom = 2.9 * cm

    def first(canv: Canvas, doc: Any) -> None:
        canv.saveState()
        name = spec.collectivity
        if spec.layout == "dcm":  # centred, under the Republic's motto
            cx = 2.2 * cm + 145
            canv.setFont("Times-Bold", 9)
            canv.drawCentredString(cx, PAGE_H - 1.5 * cm, "RÉPUBLIQUE FRANÇAISE")
            size = 13.0
            while size > 8 and canv.stringWidth(name, "Times-Bold", size) > 280:
                size -= 0.5
            canv.setFont("Times-Bold", size)
            canv.drawCentredString(cx, PAGE_H - 2.2 * cm, name)
            canv.setFont("Times-Italic", 8.5)
            canv.drawCentredString(cx, PAGE_H - 2.65 * cm, header_lines[0])
        elif spec.layout == "table":  # a banner with a rule under it
            x, y = 2.2 * cm, PAGE_H - 1.9 * cm
            size = 14.0
            while size > 8 and canv.stringWidth(name, "Helvetica-Bold", size) > 330:
                size -= 0.5
            canv.setFont("Helvetica-Bold", size)
            canv.drawString(x, y, name)
            canv.setLineWidth(2)
            canv.line(x, y - 8, x + 330, y - 8)
            canv.setFont("Helvetica", 8)
            canv.drawString(x, y - 19, header_lines[0])
        else:
            x, y = 2.2 * cm, PAGE_H - 1.6 * cm
            canv.setFont("Helvetica", 8.5)
            canv.drawString(x, y, header_lines[0].upper())
            size = 12.0
            while size > 8 and canv.stringWidth(name, "Helvetica-Bold", size) > 300:
                size -= 0.5
            canv.setFont("Helvetica-Bold", size)
            canv.drawString(x, y - 15, name)
            canv.setLineWidth(0.8)
            canv.line(x, y - 22, x + 120, y - 22)
        canv.restoreState()

    def first_end(canv: Canvas, doc: Any) -> None:
        if ack:
            draw_ack(canv, ack)
        if spec.stamp:
            draw_stamp(canv, spec.stamp)

    def later(canv: Canvas, doc: Any) -> None:
        canv.saveState()
        canv.setFont("Helvetica", 8)
        canv.drawRightString(
            PAGE_W - 2.2 * cm,
            PAGE_H - 1.3 * cm,
            f"{spec.collectivity} – délibération {spec.number}",
        )
        canv.restoreState()

    doc = _doc(buf, "Délibération", top, bottom, first, first_end, later)
    doc.build(_delib_story(spec))
    pdf = buf.getvalue()
    return Built(pdf, page_count(pdf))


def _to(who: str) -> str:
    """``le Maire`` -> ``au Maire``; ``la Présidente`` -> ``à la Présidente``."""
    return "au " + who[3:] if who.startswith("le ") else "à " + who


def dept_of(department: str) -> str:
    """``Département de Loire-Atlantique``, ``Département de la Sarthe``."""
    if department in ("Mayenne", "Sarthe", "Vendée"):
        return f"Département de la {department}"
    return f"Département de {department}"


# --------------------------------------------------------------------------- needs form


def _form_header(canv: Canvas) -> float:
    _marianne(canv, 2.0 * cm, PAGE_H - 2.4 * cm)
    canv.setFont("Helvetica-Bold", 14)
    canv.drawCentredString(PAGE_W / 2 + 40, PAGE_H - 2.0 * cm, "ANNEXE 2")
    canv.setFont("Helvetica-Bold", 11.5)
    canv.drawCentredString(
        PAGE_W / 2 + 40, PAGE_H - 2.7 * cm, "Tableau d'engagement des collectivités"
    )
    canv.drawCentredString(PAGE_W / 2 + 40, PAGE_H - 3.25 * cm, "portant expression des besoins")
    canv.setFont("Helvetica-Oblique", 9.5)
    canv.drawCentredString(
        PAGE_W / 2 + 40, PAGE_H - 3.9 * cm, "Groupement de commandes ENT e-primo 2022-2026"
    )
    return PAGE_H - 5.6 * cm


@binary_streams()
def build_needs_form(spec: NeedsFormSpec) -> Built:
    buf = io.BytesIO()
    canv = _canvas(buf, "Annexe 2 – expression des besoins")
    rng = random.Random(spec.seed)
    y = _form_header(canv)
    x0, x1 = 2.0 * cm, PAGE_W - 2.0 * cm

    def value(x: float, yy: float, text: str, room: float) -> None:
        if spec.hand:
            hand_text(canv, x, yy, text, 12.5, spec.ink, rng, max_width=room)
        else:
            typed_text(canv, x, yy, text, 10.5, max_width=room)

    canv.setFont("Helvetica", 9)
    canv.drawString(
        x0,
        y,
        "À joindre à la convention d'adhésion, retour au rectorat au plus tard le 15 janvier 2022.",
    )
    y -= 28
    canv.setLineWidth(0.7)
    if spec.layout == "kv":
        rows = [
            ("Collectivité", spec.collectivity),
            ("Département", spec.department),
            ("Nombre d'écoles", "" if spec.blank else str(spec.school_count)),
            ("Nombre de comptes élèves", "" if spec.blank else str(spec.pupils)),
            ("Référent (nom et fonction)", f"{spec.contact}, {spec.contact_role}".strip(", ")),
            ("Courriel", spec.email),
            ("Téléphone", spec.phone),
        ]
        split = x0 + 190
        row_h = 30
        for label, text in rows:
            canv.rect(x0, y - row_h, x1 - x0, row_h)
            canv.line(split, y - row_h, split, y)
            canv.setFont("Helvetica-Bold", 10)
            canv.drawString(x0 + 6, y - 19, label)
            if text:
                value(split + 8, y - 20, text, x1 - split - 14)
            y -= row_h
        y -= 20
        canv.setFont("Helvetica-Oblique", 8.5)
        canv.drawString(
            x0, y, "Le nombre de comptes élèves correspond à l'effectif des écoles concernées."
        )
        y -= 30
    else:
        canv.setFont("Helvetica-Bold", 11)
        canv.drawString(x0, y, "Collectivité :")
        value(x0 + 80, y, spec.collectivity, x1 - x0 - 90)
        y -= 24
        if spec.show_count:
            canv.setFont("Helvetica-Bold", 10)
            canv.drawString(x0, y, "Nombre d'écoles :")
            if not spec.blank:
                value(x0 + 100, y, str(spec.school_count), 100)
            y -= 24
        cols = (x0, x0 + 230, x0 + 360, x1)
        head = ("Nom de l'école", "Commune", "Nombre de comptes élèves")
        row_h = 24
        canv.setFillColorRGB(0.88, 0.88, 0.88)
        canv.rect(x0, y - row_h, x1 - x0, row_h, fill=1, stroke=0)
        canv.setFillColor(colors.black)
        rows_t: list[tuple[str, str, str]] = [
            (s, p, "" if spec.blank else str(n)) for s, p, n in spec.schools
        ]
        if spec.show_total:
            rows_t.append(("TOTAL", "", "" if spec.blank else str(spec.pupils)))
        all_rows = [head, *rows_t]
        for i, row in enumerate(all_rows):
            canv.rect(x0, y - row_h, x1 - x0, row_h, fill=0)
            for c in range(1, 3):
                canv.line(cols[c], y - row_h, cols[c], y)
            for c, text in enumerate(row):
                if not text:
                    continue
                room = cols[c + 1] - cols[c] - 10
                if i == 0 or (row[0] == "TOTAL" and c == 0):
                    typed_text(canv, cols[c] + 5, y - 16, text, 9, "Helvetica-Bold", room)
                elif c == 2:
                    value(cols[c] + 10, y - 17, text, room)
                else:
                    typed_text(canv, cols[c] + 5, y - 16, text, 9.5, max_width=room)
            y -= row_h
        y -= 30
    canv.setFont("Helvetica", 10)
    date_text = frdates.any_date(spec.date, rng) if spec.date else ""
    canv.drawString(x0 + 220, y, "Fait à")
    value(x0 + 252, y, spec.place, 120)
    canv.setFont("Helvetica", 10)
    canv.drawString(x0 + 375, y, "le")
    if date_text:
        value(x0 + 390, y, date_text, 90)
    y -= 20
    canv.setFont("Helvetica", 10)
    canv.drawString(x0 + 220, y, f"{spec.signer_title} (signature et cachet)")
    if spec.signed:
        scribble(canv, x0 + 240, y - 80, 150, 55, spec.ink, rng)
    if spec.stamp:
        draw_stamp(canv, spec.stamp)
    canv.showPage()
    canv.save()
    pdf = buf.getvalue()
    return Built(pdf, 1)


# --------------------------------------------------------------------------- cover letter


@binary_streams()
def build_letter(spec: LetterSpec) -> Built:
    buf = io.BytesIO()
    canv = _canvas(buf, "Courrier")
    rng = random.Random(spec.seed)
    x0 = 2.2 * cm
    y = PAGE_H - 2.0 * cm
    canv.setFont("Helvetica-Bold", 13)
    canv.drawString(x0, y, spec.collectivity.upper())
    canv.setFont("Helvetica", 8.5)
    for line in (spec.address, spec.department, spec.phone):
        y -= 11
        canv.drawString(x0, y, line)
    canv.setLineWidth(1.2)
    canv.line(x0, y - 6, x0 + 160, y - 6)
    y_addr = PAGE_H - 5.2 * cm
    canv.setFont("Times-Roman", 10.5)
    for i, line in enumerate(("Monsieur le Recteur", *texts.RECTORAT_ADDRESS)):
        canv.drawString(PAGE_W / 2 + 20, y_addr - i * 13, line)
    y = y_addr - 6 * 13 - 24
    canv.drawString(PAGE_W / 2 + 20, y, f"{spec.place}, le {frdates.long_date(spec.date)}")
    y -= 36
    canv.setFont("Times-Bold", 10.5)
    canv.drawString(x0, y, "Objet : Adhésion au groupement de commandes e-primo")
    y -= 14
    canv.setFont("Times-Roman", 10.5)
    canv.drawString(x0, y, "P.J. : " + ", ".join(spec.enclosures))
    y -= 36
    style = ParagraphStyle(
        "l",
        fontName="Times-Roman",
        fontSize=10.5,
        leading=14,
        alignment=TA_JUSTIFY,
        firstLineIndent=28,
    )
    paragraphs = [
        "Monsieur le Recteur,",
        "Suite à votre courrier du 18 octobre 2021 relatif au marché ENT e-primo 2022-2026, "
        "j'ai l'honneur de vous faire parvenir, en recommandé avec accusé de réception, les "
        "pièces nécessaires à l'adhésion de notre collectivité au groupement de commandes.",
    ]
    if spec.extra:
        paragraphs.append(spec.extra)
    paragraphs += [
        "Restant à votre disposition pour tout renseignement complémentaire, je vous prie "
        "d'agréer, Monsieur le Recteur, l'expression de ma haute considération.",
    ]
    width = PAGE_W - 2 * x0
    for i, text in enumerate(paragraphs):
        p = Paragraph(text, style if i else ParagraphStyle("s", parent=style, firstLineIndent=0))
        _, h = p.wrap(width, 400)
        p.drawOn(canv, x0, y - h)
        y -= h + 10
    y -= 20
    canv.setFont("Times-Roman", 10.5)
    canv.drawString(PAGE_W / 2 + 40, y, spec.signer_title + ",")
    scribble(canv, PAGE_W / 2 + 40, y - 70, 140, 55, spec.ink, rng)
    canv.drawString(PAGE_W / 2 + 40, y - 86, spec.signer.full)
    if spec.stamp:
        draw_stamp(canv, spec.stamp)
    canv.showPage()
    canv.save()
    pdf = buf.getvalue()
    return Built(pdf, 1)
