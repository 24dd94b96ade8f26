"""Reminder letters, in French, to the collectivities whose dossier is not complete.

Pure: plain data in, PDF bytes out (reportlab). Everything campaign-specific comes from
the campaign file: the pieces' French labels, the route's address and channels, the
deadline and its label, and the ``[letters]`` block (sender, contact, place, subject,
signatory). A letter names exactly the pieces the dossier still lacks (``missing`` of its
last verdict), the deadline and where to send them.

The recipient's postal address comes from the roster when it has one (extra columns
``adresse`` or ``address``: lines separated by ``|`` or new lines; then ``code_postal``
/ ``postal_code`` and ``ville`` / ``city``); otherwise the letter is addressed to the
collectivity's name, "À l'attention de Madame ou Monsieur le Maire" (a commune) or "le
Président" (an EPCI).

Fonts: reportlab's built-in Helvetica, whose WinAnsi encoding covers French (é, è, à, ç,
œ, «, », –, ’, €); other characters are folded to their closest Latin-1 form.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from config.campaign import Campaign, LetterSpec
from rules.flags import channel_label, format_date_fr

__all__ = [
    "LetterError",
    "Reminder",
    "address_lines",
    "letter_text",
    "reminder_from",
    "reminders_pdf",
]

PDF_MEDIA_TYPE = "application/pdf"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_SPLIT = re.compile(r"\s*(?:\r\n|\r|\n|\|)\s*")
_MAX_LINES = 6
_MAX_LINE = 120


class LetterError(ValueError):
    """The letters cannot be written (French message, for staff)."""


@dataclass(frozen=True)
class Reminder:
    """One letter's data: the collectivity and what its dossier lacks."""

    code: str
    name: str
    kind: str  # "commune" | "epci"
    department: str
    route: str
    status: str  # "missing" | "incomplete"
    missing: tuple[str, ...]  # piece keys, in the route's order
    address_lines: tuple[str, ...] = ()


# --------------------------------------------------------------------------- text


def _pdf_text(value: str) -> str:
    """Text Helvetica/WinAnsi can print: NFC, control characters dropped, characters
    outside Windows-1252 folded to their base letter (or dropped)."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", value)).replace("\u202f", "\u00a0")
    out = []
    for char in text:
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char)
            out.append("".join(c for c in base if c.encode("cp1252", "ignore")) or "?")
    return "".join(out)


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def address_lines(extra: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Postal address lines from a roster row's extra columns (empty when it has none)."""
    extra = extra or {}
    lines: list[str] = []
    for key in ("adresse", "address", "address_lines"):
        value = extra.get(key)
        if isinstance(value, list):
            lines = [str(v) for v in value]
        elif isinstance(value, str) and value.strip():
            lines = _LINE_SPLIT.split(value.strip())
        if lines:
            break
    postal = next((extra[k] for k in ("code_postal", "postal_code") if extra.get(k)), None)
    city = next((extra[k] for k in ("ville", "city") if extra.get(k)), None)
    if lines and (postal or city):
        lines.append(" ".join(str(v).strip() for v in (postal, city) if v))
    cleaned = [_CONTROL.sub("", line).strip()[:_MAX_LINE] for line in lines]
    return tuple(line for line in cleaned if line)[:_MAX_LINES]


def reminder_from(
    *,
    code: str,
    name: str,
    kind: str,
    department: str,
    row: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> Reminder | None:
    """The letter for a collectivity and its status row (``flows.dossiers.status_row``);
    None when the dossier is complete or lacks nothing."""
    status = str(row.get("status") or "missing")
    missing = tuple(str(m) for m in row.get("missing") or [])
    if status == "complete" or not missing:
        return None
    return Reminder(
        code=code,
        name=name,
        kind=kind,
        department=department,
        route=str(row.get("route") or ""),
        status=status,
        missing=missing,
        address_lines=address_lines(extra),
    )


def _is_epci(reminder: Reminder) -> bool:
    return reminder.kind == "epci"


def _attention(reminder: Reminder) -> str:
    who = "le Président" if _is_epci(reminder) else "le Maire"
    return f"À l'attention de Madame ou Monsieur {who}"


def _salutation(reminder: Reminder) -> str:
    if _is_epci(reminder):
        return "Madame la Présidente, Monsieur le Président"
    return "Madame la Maire, Monsieur le Maire"


def _spec(campaign: Campaign) -> LetterSpec:
    if campaign.letters is None:
        raise LetterError(
            f"Le fichier de la campagne « {campaign.id} » n'a pas de bloc [letters] "
            "(expéditeur, lieu, signataire) : les lettres de relance ne peuvent pas être "
            "rédigées."
        )
    return campaign.letters


@dataclass(frozen=True)
class LetterText:
    """A letter's content as text blocks (the PDF lays these out)."""

    sender: list[str]
    contact: list[str]
    recipient: list[str]
    dateline: str
    subject: str
    reference: str
    salutation: str
    opening: str
    pieces: list[str]
    instructions: str
    return_address: list[str]
    closing: list[str]
    signatory: list[str]


def letter_text(campaign: Campaign, reminder: Reminder, today: dt.date) -> LetterText:
    """What one letter says."""
    spec = _spec(campaign)
    route = campaign.routes.get(reminder.route) or campaign.routes[campaign.campaign.default_route]
    address = campaign.addresses[route.address]
    title = campaign.campaign.title
    recipient = [reminder.name]
    recipient += list(reminder.address_lines) if reminder.address_lines else [_attention(reminder)]
    pieces = [_capitalized(campaign.piece_label(key)) for key in reminder.missing]
    several = len(pieces) > 1
    if reminder.status == "missing":
        opening = (
            f"Sauf erreur de notre part, nous n'avons reçu à ce jour aucune pièce de votre "
            f"collectivité dans le cadre de la campagne « {title} ». "
            + (
                "Les pièces suivantes sont attendues :"
                if several
                else "La pièce suivante est attendue :"
            )
        )
    else:
        opening = (
            f"Nous avons bien reçu une partie du dossier de votre collectivité dans le cadre "
            f"de la campagne « {title} ». Il reste toutefois incomplet : "
            + (
                "les pièces suivantes manquent ou ne sont pas recevables en l'état :"
                if several
                else "la pièce suivante manque ou n'est pas recevable en l'état :"
            )
        )
    channels = " ou ".join(f"par {channel_label(c)}" for c in route.channels)
    what = "ces pièces" if several else "cette pièce"
    deadline = format_date_fr(campaign.deadline)
    instructions = (
        f"Nous vous remercions de nous faire parvenir {what} {channels}, au plus tard le "
        f"{deadline} ({campaign.campaign.deadline_label}), à l'adresse suivante :"
    )
    return_address = list(address.lines)
    if address.email:
        return_address.append(f"Courriel : {address.email}" if address.lines else address.email)
    if not return_address:
        return_address = [address.label]
    closing = [
        "Si vous avez envoyé ces documents entre-temps, nous vous prions de ne pas tenir "
        "compte de ce courrier.",
        f"Je vous prie d'agréer, {_salutation(reminder)}, l'expression de ma considération "
        "distinguée.",
    ]
    return LetterText(
        sender=list(spec.sender),
        contact=list(spec.contact),
        recipient=recipient,
        dateline=f"{spec.place}, le {format_date_fr(today)}",
        subject=spec.subject or f"Objet : {title} – relance",
        reference=f"Réf. : collectivité {reminder.code} – {reminder.name}",
        salutation=f"{_salutation(reminder)},",
        opening=opening,
        pieces=pieces,
        instructions=instructions,
        return_address=return_address,
        closing=closing,
        signatory=list(spec.signatory),
    )


# ---------------------------------------------------------------------------- PDF
# Drawn straight on a reportlab canvas (text wrapped with ``simpleSplit``): a letter in
# about 2 ms, so that the letters of a whole roster come in seconds.

PAGE_W, PAGE_H = A4
LEFT, RIGHT, TOP, BOTTOM = 20 * mm, 20 * mm, 18 * mm, 18 * mm
TEXT_W = PAGE_W - LEFT - RIGHT
BLOCK_X = LEFT + 95 * mm  # recipient, date and signature blocks
REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
ACCENT = HexColor("#4a6fa5")


class _Page:
    """A cursor going down the page; a new page when the text reaches the bottom."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.y = PAGE_H - TOP

    def space(self, height: float) -> None:
        self.y -= height

    def _room(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.canvas.showPage()
            self.y = PAGE_H - TOP

    def text(
        self,
        text: str,
        *,
        x: float = LEFT,
        width: float = TEXT_W,
        font: str = REGULAR,
        size: float = 10.5,
        leading: float = 14,
        after: float = 6,
        bullet: str | None = None,
    ) -> None:
        """A paragraph wrapped to ``width``; with ``bullet``, hung 12 pt to the right."""
        indent = 12 if bullet else 0
        lines = simpleSplit(_pdf_text(text), font, size, width - indent) or [""]
        for n, line in enumerate(lines):
            self._room(leading)
            self.y -= leading
            self.canvas.setFont(font, size)
            if bullet and n == 0:
                self.canvas.drawString(x, self.y + 3, bullet)
            self.canvas.drawString(x + indent, self.y + 3, line)
        self.y -= after

    def block(
        self,
        lines: Sequence[str],
        *,
        x: float = LEFT,
        width: float = TEXT_W,
        size: float = 10.5,
        leading: float = 14,
        bold_first: bool = False,
    ) -> None:
        for n, line in enumerate(lines):
            font = BOLD if bold_first and n == 0 else REGULAR
            self.text(line, x=x, width=width, font=font, size=size, leading=leading, after=0)


def _draw_letter(canvas: Canvas, text: LetterText) -> None:
    page = _Page(canvas)
    page.block(text.sender, size=9.5, leading=12, bold_first=True)
    if text.contact:
        page.space(8)
        page.block(text.contact, size=8.5, leading=11)
    page.space(28)
    side = PAGE_W - RIGHT - BLOCK_X
    page.block(text.recipient, x=BLOCK_X, width=side, bold_first=True)
    page.space(28)
    page.text(text.dateline, x=BLOCK_X, width=side, after=0)
    page.space(22)
    page.text(text.subject, font=BOLD)
    page.text(text.reference, size=8.5, leading=11, after=0)
    page.space(16)
    page.text(text.salutation)
    page.text(text.opening)
    for piece in text.pieces:
        page.text(piece, x=LEFT + 6, width=TEXT_W - 6, bullet="•", after=2)
    page.space(4)
    page.text(text.instructions)
    top = page.y
    page.block(text.return_address, x=LEFT + 15 * mm, width=110 * mm, bold_first=True)
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(1.5)
    canvas.line(LEFT + 6, top - 2, LEFT + 6, page.y + 1)
    canvas.setStrokeColor(HexColor("#000000"))
    page.space(18)
    for line in text.closing:
        page.text(line)
    page.space(28)
    page.block(text.signatory, x=BLOCK_X, width=side)
    canvas.showPage()


def reminders_pdf(
    campaign: Campaign, reminders: Iterable[Reminder], *, today: dt.date, title: str | None = None
) -> bytes:
    """One PDF, one letter per page range, in the order given. With no reminder, a single
    page says so (a PDF that opens is better than an error)."""
    _spec(campaign)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(_pdf_text(title or f"Relances – {campaign.campaign.title}"))
    canvas.setAuthor(_pdf_text(campaign.campaign.organizer))
    canvas.setSubject(_pdf_text(campaign.campaign.title))
    canvas.setCreator("convention-intake")
    count = 0
    for reminder in reminders:
        _draw_letter(canvas, letter_text(campaign, reminder, today))
        count += 1
    if not count:
        _Page(canvas).text(
            f"{campaign.campaign.title} : aucune lettre de relance — aucun dossier manquant ou "
            "incomplet pour cette sélection."
        )
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
