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
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

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


def _p(text: str) -> str:
    """Escaped for a reportlab Paragraph."""
    return escape(_pdf_text(text))


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

_BODY = ParagraphStyle(
    "body", fontName="Helvetica", fontSize=10.5, leading=14, alignment=TA_LEFT, spaceAfter=6
)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8.5, leading=11, spaceAfter=0)
_SENDER = ParagraphStyle("sender", parent=_BODY, fontSize=9.5, leading=12, spaceAfter=0)
_BLOCK = ParagraphStyle("block", parent=_BODY, spaceAfter=0)
_BOLD = ParagraphStyle("bold", parent=_BODY, fontName="Helvetica-Bold")


def _lines(lines: Sequence[str], style: ParagraphStyle, *, bold_first: bool = False) -> Paragraph:
    parts = [_p(line) for line in lines]
    if bold_first and parts:
        parts[0] = f"<b>{parts[0]}</b>"
    return Paragraph("<br/>".join(parts), style)


def _right_block(content: Flowable, *, left: float = 95 * mm) -> Table:
    width = A4[0] - 40 * mm
    table = Table([["", content]], colWidths=[left, width - left])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _letter_flowables(text: LetterText) -> list[Flowable]:
    flow: list[Flowable] = [_lines(text.sender, _SENDER, bold_first=True)]
    if text.contact:
        flow += [Spacer(1, 3 * mm), _lines(text.contact, _SMALL)]
    flow += [
        Spacer(1, 10 * mm),
        _right_block(_lines(text.recipient, _BLOCK, bold_first=True)),
        Spacer(1, 10 * mm),
        _right_block(Paragraph(_p(text.dateline), _BLOCK)),
        Spacer(1, 8 * mm),
        Paragraph(f"<b>{_p(text.subject)}</b>", _BODY),
        Paragraph(_p(text.reference), _SMALL),
        Spacer(1, 6 * mm),
        Paragraph(_p(text.salutation), _BODY),
        Paragraph(_p(text.opening), _BODY),
        ListFlowable(
            [ListItem(Paragraph(_p(piece), _BODY), leftIndent=12) for piece in text.pieces],
            bulletType="bullet",
            start="•",
            leftIndent=12,
        ),
        Paragraph(_p(text.instructions), _BODY),
        Table(
            [[_lines(text.return_address, _BLOCK, bold_first=True)]],
            colWidths=[110 * mm],
            hAlign="LEFT",
            style=TableStyle(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 15 * mm),
                    ("LINEBEFORE", (0, 0), (0, -1), 1.5, colors.HexColor("#4a6fa5")),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            ),
        ),
        Spacer(1, 6 * mm),
        *(Paragraph(_p(line), _BODY) for line in text.closing),
        Spacer(1, 10 * mm),
        _right_block(_lines(text.signatory, _BLOCK, bold_first=False)),
    ]
    return flow


def reminders_pdf(
    campaign: Campaign, reminders: Iterable[Reminder], *, today: dt.date, title: str | None = None
) -> bytes:
    """One PDF, one letter per page range, in the order given. With no reminder, a single
    page says so (a PDF that opens is better than an error)."""
    _spec(campaign)
    reminders = list(reminders)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_pdf_text(title or f"Relances – {campaign.campaign.title}"),
        author=_pdf_text(campaign.campaign.organizer),
        subject=_pdf_text(campaign.campaign.title),
        creator="convention-intake",
    )
    flow: list[Flowable] = []
    for n, reminder in enumerate(reminders):
        if n:
            flow.append(PageBreak())
        flow += _letter_flowables(letter_text(campaign, reminder, today))
    if not reminders:
        flow.append(
            Paragraph(
                _p(
                    f"{campaign.campaign.title} : aucune lettre de relance — aucun dossier "
                    "manquant ou incomplet pour cette sélection."
                ),
                _BODY,
            )
        )
    doc.build(flow)
    return buffer.getvalue()
