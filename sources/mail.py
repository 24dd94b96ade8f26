"""Mail messages (IMAP or ``.eml``): who sent them, when they were received, and their
PDF and image attachments, also those inside attached messages and ZIP files.

Pure (bytes in, values out) and total: ``parse_message`` never raises on its input; what
cannot be used is returned with a French problem text for staff.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import email.utils
import io
import logging
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from email.message import Message
from typing import Literal

from extractors.message import looks_like_message
from sources.content import (
    DOCUMENT_EXTENSIONS,
    MESSAGE,
    OFFICE_EXTENSIONS,
    ZIP,
    decode_text,
    describe,
    extension,
    is_zip,
    printable,
    safe_component,
    safe_name,
    shown,
    sniff,
    unique,
    with_extension,
)
from sources.limits import DEFAULT_SOURCE_LIMITS, SourceLimits, human_size

log = logging.getLogger(__name__)

NO_ATTACHMENT = "message sans pièce jointe exploitable"
MAX_TEXT = 20_000
# An image not sent as an attachment (inline, or an HTML body's) and smaller than this is
# a logo, a signature or an emoji, not a piece: a scanned or photographed page is larger.
SMALL_INLINE_IMAGE_BYTES = 32 * 1024
MAX_MULTIPART_NESTING = 30
# Attachments that are never pieces of a dossier (S/MIME signatures, cards, invitations).
_NOISE_EXTENSIONS = frozenset({"p7s", "p7m", "p7c", "asc", "sig", "vcf", "ics", "htm", "html"})
_NOISE_TYPES = frozenset(
    {
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pgp-signature",
        "text/vcard",
        "text/x-vcard",
        "text/calendar",
        "application/ms-tnef",
    }
)
_JUNK_MEMBERS = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)", re.I)


@dataclass(frozen=True)
class Attachment:
    """A PDF or an image found in a message, or something that should have been one.

    ``name``: display name, never a path: the sanitized file name, nested ones as
    ``"outer.zip/inner.pdf"`` (a ZIP member by its file name, without the folders inside
    the archive) or ``"fwd.eml/inner.pdf"``; unique within the message.
    ``data``: the bytes (empty when refused for their size). ``content_type``: the type
    read from the content (``application/pdf``, ``image/jpeg``…) for usable ones, else
    the declared type. ``problem``: why it cannot be used (French), None when it can.
    ``notes``: French remarks that do not prevent its use (a corrected name)."""

    name: str
    data: bytes
    content_type: str
    problem: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class ParsedMessage:
    """What intake needs of a message. Addresses are lower-case ``local@domain`` or None;
    datetimes are aware (a zone-less date is taken as UTC)."""

    message_id: str | None
    sender: str | None  # From:
    sender_name: str | None  # From:'s display name
    reply_to: str | None
    sender_header: str | None  # Sender: (who actually sent it, e.g. a secretary)
    to: tuple[str, ...]
    subject: str
    date: dt.datetime | None  # Date: (set by the sender's client)
    received_at: dt.datetime | None  # the topmost Received: header (the last relay)
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the message itself (French)
    ignored: list[str] = field(default_factory=list)  # attachments that are not pieces
    text: str = ""  # the body as plain text (cut at 20,000 characters)
    readable: bool = True  # False: not read at all (empty, too large, not a message)

    @property
    def usable(self) -> list[Attachment]:
        return [a for a in self.attachments if a.problem is None]

    @property
    def receipt_time(self) -> dt.datetime | None:
        """Topmost ``Received:`` time, else ``Date:``, else None."""
        return self.received_at or self.date

    @property
    def receipt_source(self) -> Literal["received", "date"] | None:
        if self.received_at is not None:
            return "received"
        return "date" if self.date is not None else None


def parse_message(raw: bytes, *, limits: SourceLimits = DEFAULT_SOURCE_LIMITS) -> ParsedMessage:
    """Parse one message (RFC 5322 bytes). Never raises on bad input: an empty, oversized
    or unreadable message comes back with ``problems``; each unusable attachment with its
    ``problem``. A message with no usable attachment has the problem ``NO_ATTACHMENT``."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError(f"expected bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if not raw.strip():
        return _empty(["message vide"])
    if len(raw) > limits.max_message_bytes:
        return _empty(
            [
                f"message trop volumineux ({human_size(len(raw))} ; maximum "
                f"{human_size(limits.max_message_bytes)}) : non lu"
            ]
        )
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the email package raises many kinds on garbage
        log.info("unreadable message: %r", exc)
        return _empty(["message électronique illisible"])
    if not msg.keys() or (not looks_like_message(raw) and not _has_core_headers(msg)):
        return _empty([f"ce n'est pas un message électronique (contenu : {describe(raw[:2048])})"])
    walker = _Walker(limits)
    try:
        walker.message(msg, "", 0)
    except Exception as exc:  # never let one hostile message stop the batch
        log.warning("message walk failed: %r", exc, exc_info=True)
        walker.problems.append("message en partie illisible : certaines pièces n'ont pas été lues")
    sender_name, sender = _address(msg, "From")
    problems = list(walker.problems)
    if not any(a.problem is None for a in walker.attachments):
        problems.append(NO_ATTACHMENT)
    return ParsedMessage(
        message_id=_header_text(msg, "Message-ID", 998) or None,
        sender=sender,
        sender_name=sender_name,
        reply_to=_address(msg, "Reply-To")[1],
        sender_header=_address(msg, "Sender")[1],
        to=_addresses(msg, "To"),
        subject=_header_text(msg, "Subject", 1000),
        date=date_header(msg),
        received_at=topmost_received(msg),
        attachments=walker.attachments,
        problems=problems,
        ignored=walker.ignored,
        text=walker.text[:MAX_TEXT],
    )


def _empty(problems: list[str]) -> ParsedMessage:
    return ParsedMessage(
        None, None, None, None, None, (), "", None, None, problems=problems, readable=False
    )


def _has_core_headers(msg: Message) -> bool:
    return any(k in msg for k in ("From", "Date", "Subject", "Message-ID", "Received"))


# --------------------------------------------------------------------------- headers


def _header_text(msg: Message, name: str, limit: int) -> str:
    try:
        value = msg.get(name)
    except Exception:
        return ""
    return printable(decode_text(str(value)), limit) if value is not None else ""


def _address(msg: Message, name: str) -> tuple[str | None, str | None]:
    """(display name, lower-case address) of the first address of a header."""
    found = _all_addresses(msg, name)
    return found[0] if found else (None, None)


def _addresses(msg: Message, name: str) -> tuple[str, ...]:
    return tuple(a for _, a in _all_addresses(msg, name) if a)


def _all_addresses(msg: Message, name: str) -> list[tuple[str | None, str | None]]:
    try:
        values = msg.get_all(name) or []
    except Exception:
        return []
    found: list[tuple[str | None, str | None]] = []
    for value in values:
        try:
            pairs = [(a.display_name, a.addr_spec) for a in getattr(value, "addresses")]  # noqa: B009
        except Exception:
            pairs = email.utils.getaddresses([decode_text(str(value))])
        for display, addr in pairs:
            addr = printable(addr or "", 320).strip("<> ").lower()
            display = printable(decode_text(display or ""), 255) or None
            found.append((display, addr if "@" in addr else None))
    return found


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def parse_mail_date(text: str) -> dt.datetime | None:
    """An RFC 5322 date (``Sat, 15 Jan 2022 23:30:00 +0100``), aware; None if unreadable."""
    try:
        return _aware(email.utils.parsedate_to_datetime(printable(text, 200)))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def date_header(msg: Message) -> dt.datetime | None:
    try:
        value = msg.get("Date")
    except Exception:
        return None
    if value is None:
        return None
    parsed = getattr(value, "datetime", None)
    if isinstance(parsed, dt.datetime):
        return _aware(parsed)
    return parse_mail_date(str(value))


def topmost_received(msg: Message) -> dt.datetime | None:
    """The time of the topmost ``Received:`` header that has a readable one (the last
    relay, i.e. when the message reached the mailbox's server)."""
    try:
        values = msg.get_all("Received") or []
    except Exception:
        return None
    for value in values:
        text = str(value)
        if ";" in text:
            when = parse_mail_date(text.rsplit(";", 1)[1])
            if when is not None:
                return when
    return None


# --------------------------------------------------------------------------- the walk


class _Walker:
    def __init__(self, limits: SourceLimits) -> None:
        self.limits = limits
        self.attachments: list[Attachment] = []
        self.problems: list[str] = []
        self.ignored: list[str] = []
        self.text = ""
        self.names: set[str] = set()
        self.unpacked = 0
        self.stopped = False
        self.counter = 0

    # ------------------------------------------------------------------ results

    def add(
        self,
        name: str,
        data: bytes,
        content_type: str,
        problem: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        if self.stopped:
            return
        if len(self.attachments) >= self.limits.max_attachments:
            self.stopped = True
            self.problems.append(
                f"trop de pièces jointes (plus de {self.limits.max_attachments}) : "
                "les suivantes n'ont pas été lues"
            )
            return
        name = unique(name, self.names)
        self.attachments.append(Attachment(name, data, content_type, problem, notes))

    def fallback(self, mime: str | None) -> str:
        self.counter += 1
        return with_extension(f"piece-{self.counter}", mime)

    def named(self, raw_name: str | None, mime: str | None) -> tuple[str, str | None]:
        """The display name of a part and a note when its name had to be corrected;
        ``piece-N.ext`` (N counting unnamed parts) when it has none."""
        if not raw_name:
            return self.fallback(mime), None
        name, note = safe_name(raw_name, "")
        if name:
            return name, note
        name = self.fallback(mime)
        return (
            name,
            f"nom de fichier corrigé : « {shown(decode_text(raw_name))} » devient « {name} »",
        )

    def spend(self, size: int) -> bool:
        """Count ``size`` decoded bytes; False once the message's budget is spent."""
        self.unpacked += size
        if self.unpacked > self.limits.max_unpacked_bytes:
            if not self.stopped:
                self.stopped = True
                self.problems.append(
                    "contenu trop volumineux une fois décodé ou décompressé (plus de "
                    f"{human_size(self.limits.max_unpacked_bytes)}) : le reste n'a pas été lu"
                )
            return False
        return True

    # ------------------------------------------------------------------ messages

    def message(self, msg: Message, prefix: str, depth: int) -> None:
        for part, related in _leaves(msg, False, 0):
            if self.stopped:
                return
            if part is None:
                self.problems.append("structure du message trop imbriquée : non lue en entier")
                return
            try:
                self.part(part, related, prefix, depth, top=part is msg)
            except Exception as exc:
                log.info("attachment unreadable: %r", exc, exc_info=True)
                name = self.fallback(None)
                self.add(prefix + name, b"", part.get_content_type(), "pièce jointe illisible")

    def part(self, part: Message, related: bool, prefix: str, depth: int, top: bool) -> None:
        ctype = part.get_content_type()
        disposition = part.get_content_disposition()
        try:
            raw_name = part.get_filename() or part.get_param("name", header="content-type")
        except Exception:
            raw_name = None
        if isinstance(raw_name, tuple):  # an undecoded RFC 2231 value
            raw_name = email.utils.collapse_rfc2231_value(raw_name)
        raw_name = str(raw_name) if raw_name else None

        if ctype == MESSAGE:
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else None
            name, note = self.named(raw_name, MESSAGE)
            name = name if extension(name) == "eml" else f"{name}.eml"
            if not isinstance(inner_msg, Message):
                self.add(prefix + name, b"", MESSAGE, "message joint illisible", _n(note))
            elif depth + 1 > self.limits.max_depth:
                self.add(prefix + name, b"", MESSAGE, _too_deep(), _n(note))
            else:
                self.message(inner_msg, f"{prefix}{unique(name, self.names)}/", depth + 1)
            return
        if part.get_content_maintype() == "multipart":
            return  # an empty or broken multipart: nothing in it
        if ctype.startswith("text/") and not raw_name and disposition != "attachment":
            if not self.text and (ctype == "text/plain" or not top):
                self.text = _body_text(part)
            return
        if related and part.get("Content-ID") and disposition != "attachment" and not raw_name:
            return  # an image of an HTML body (logo, signature)
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = None
        data = bytes(payload) if isinstance(payload, bytes | bytearray) else b""
        if not self.spend(len(data)):
            return
        declared = ctype
        name, note = self.named(raw_name, sniff(data[:2048]) or declared)
        if disposition != "attachment" and _small_image(data, declared):
            self.ignored.append(prefix + name)  # a logo or a signature shown in the body
            return
        self.content(data, prefix + name, declared, depth, _n(note), named=raw_name is not None)

    # ------------------------------------------------------------------ contents

    def content(
        self,
        data: bytes,
        name: str,
        declared: str,
        depth: int,
        notes: tuple[str, ...],
        *,
        named: bool = True,
    ) -> None:
        """Decide what ``data`` (an attachment or an archive member) is."""
        head = data[:2048]
        ext = extension(name)
        mime = sniff(head)
        if mime is None:
            mime = _spreadsheet(data, head, ext, declared)
        if mime is not None:
            if len(data) > self.limits.max_file_bytes:
                self.add(name, b"", mime, _too_large(len(data), self.limits), notes)
            else:
                self.add(name, data, mime, None, notes)
            return
        if is_zip(head) and describe(head) == "une archive ZIP":
            if depth + 1 > self.limits.max_depth:
                self.add(name, b"", ZIP, _too_deep(), notes)
            else:
                self.zip(data, name, depth + 1, notes)
            return
        claims_message = ext == "eml" or declared == MESSAGE
        if head and (claims_message or looks_like_message(head)):
            if depth + 1 > self.limits.max_depth:
                self.add(name, b"", MESSAGE, _too_deep(), notes)
                return
            try:
                inner = email.message_from_bytes(data, policy=email.policy.default)
            except Exception:
                inner = None
            if inner is None or not inner.keys():
                self.add(name, data, MESSAGE, "message joint illisible", notes)
                return
            self.message(inner, name + "/", depth + 1)
            return
        claims_document = ext in DOCUMENT_EXTENSIONS or declared in (
            "application/pdf",
            ZIP,
            "application/x-zip-compressed",
        )
        claims_document = claims_document or declared.startswith("image/")
        if not data:
            if named or claims_document:
                self.add(name, b"", declared, "pièce jointe vide", notes)
            return
        if claims_document:
            what = describe(head)
            if ext == "zip" or declared in (ZIP, "application/x-zip-compressed"):
                problem = "archive ZIP illisible" + (
                    "" if what == "un contenu non reconnu" else f" (le fichier est {what})"
                )
            else:
                problem = (
                    f"le fichier n'est pas ce que son nom annonce : c'est {what}, "
                    "pas un PDF ni une image lisible"
                )
            self.add(name, data, declared, problem, notes)
            return
        what = describe(head)
        if ext in OFFICE_EXTENSIONS or what.startswith(("un document", "une archive")):
            self.add(
                name,
                data,
                declared,
                f"format non pris en charge ({what}) : un PDF ou une image est attendu",
                notes,
            )
            return
        if ext in _NOISE_EXTENSIONS or declared in _NOISE_TYPES or not named:
            self.ignored.append(name)
            return
        self.add(
            name,
            data,
            declared,
            f"format non pris en charge ({what}) : un PDF ou une image est attendu",
            notes,
        )

    def zip(self, data: bytes, name: str, depth: int, notes: tuple[str, ...]) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = [i for i in archive.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            self.add(name, data, ZIP, "archive ZIP illisible ou endommagée", notes)
            return
        with archive:
            if len(members) > self.limits.max_zip_members:
                self.add(
                    name,
                    b"",
                    ZIP,
                    f"archive ZIP de {len(members)} fichiers (maximum "
                    f"{self.limits.max_zip_members}) : non ouverte",
                    notes,
                )
                return
            found = False
            for info in members:
                if self.stopped:
                    return
                inner = _member_name(info)
                if _JUNK_MEMBERS.search(inner) or not inner:
                    continue
                # by its file name only: the folders inside the archive say nothing
                # staff need, and a name never carries a path (``../``, ``C:\\``)
                base = inner.rsplit("/", 1)[-1]
                clean = safe_component(base)
                if not clean:
                    continue
                note = None
                if clean != unicodedata.normalize("NFC", base).strip():
                    note = f"nom de fichier corrigé : « {shown(base)} » devient « {clean} »"
                found = True
                self.member(archive, info, f"{name}/{clean}", depth, _n(note))
            if not found:
                self.add(name, b"", ZIP, "archive ZIP vide", notes)

    def member(
        self,
        archive: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        name: str,
        depth: int,
        notes: tuple[str, ...],
    ) -> None:
        declared = "application/octet-stream"
        if info.flag_bits & 0x1:
            self.add(name, b"", declared, "fichier chiffré (protégé par mot de passe)", notes)
            return
        limit = self.limits.max_file_bytes
        if info.file_size > limit:
            self.add(name, b"", declared, _too_large(info.file_size, self.limits), notes)
            return
        if not self.spend(info.file_size):
            return
        try:
            with archive.open(info) as fh:
                data = fh.read(limit + 1)  # bounded even if the declared size lies
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError):
            self.add(name, b"", declared, "fichier endommagé dans l'archive ZIP", notes)
            return
        except OSError:
            self.add(name, b"", declared, "fichier endommagé dans l'archive ZIP", notes)
            return
        if len(data) > limit:
            self.add(name, b"", declared, _too_large(len(data), self.limits), notes)
            return
        self.content(data, name, declared, depth, notes)


def _leaves(msg: Message, related: bool, nesting: int) -> list[tuple[Message | None, bool]]:
    """The non-multipart parts of ``msg`` (attached messages are leaves), each with
    whether it sits in a multipart/related; ``(None, _)`` marks too deep a nesting."""
    if nesting > MAX_MULTIPART_NESTING:
        return [(None, related)]
    if msg.get_content_maintype() != "multipart":
        return [(msg, related)]
    payload = msg.get_payload()
    if not isinstance(payload, list):
        return [(msg, related)]
    inner_related = related or msg.get_content_subtype() == "related"
    found: list[tuple[Message | None, bool]] = []
    for sub in payload:
        if isinstance(sub, Message):
            found.extend(_leaves(sub, inner_related, nesting + 1))
    return found


_CSV_TYPES = frozenset({"text/csv", "application/csv", "text/comma-separated-values"})


def _spreadsheet(data: bytes, head: bytes, ext: str, declared: str) -> str | None:
    """The MIME type of a spreadsheet extraction reads (a town hall's own needs form):
    an Excel or OpenDocument workbook by its ZIP members, a CSV file only when it is
    named or declared so (plain text is not taken for a table)."""
    from extractors.sheets import CSV, MIME_TYPES, sheet_format

    if is_zip(head):
        fmt = sheet_format(data)
        return MIME_TYPES[fmt] if fmt is not None else None
    if ext == "csv" or declared in _CSV_TYPES:
        return MIME_TYPES[CSV] if sheet_format(data) == CSV else None
    return None


def _member_name(info: zipfile.ZipInfo) -> str:
    """A ZIP member's name: names stored in UTF-8 without the UTF-8 flag (common) are
    read as UTF-8 rather than the cp437 ``zipfile`` assumes."""
    name = info.filename
    if not info.flag_bits & 0x800:
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("utf-8")
    return name.replace("\\", "/").strip("/")


def _body_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except Exception:
        try:
            payload = part.get_payload(decode=True)
            content = decode_text(payload if isinstance(payload, bytes) else b"")
        except Exception:
            return ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = re.sub(r"(?is)<(script|style).*?</\1>", " ", content)
        content = re.sub(r"(?s)<[^>]+>", " ", content)
    return content[:MAX_TEXT]


def _small_image(data: bytes, declared: str) -> bool:
    """An image (by its declared type or its content, GIF included) small enough to be
    a logo rather than a page."""
    if not data or len(data) > SMALL_INLINE_IMAGE_BYTES:
        return False
    head = data[:2048]
    mime = sniff(head)
    if mime is not None:
        return mime.startswith("image/")
    return declared.startswith("image/") or head.startswith(b"GIF8")


def _n(note: str | None) -> tuple[str, ...]:
    return (note,) if note else ()


def _too_large(size: int, limits: SourceLimits) -> str:
    return (
        f"pièce jointe trop volumineuse ({human_size(size)} ; maximum "
        f"{human_size(limits.max_file_bytes)})"
    )


def _too_deep() -> str:
    return "trop de messages ou d'archives imbriqués les uns dans les autres : non ouvert"
