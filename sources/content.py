"""What a received file is (by its first bytes, never by its name) and what to call it
(a display name that can never be used as a path).

Shared by ``sources.mail`` and ``sources.folders``. Pure functions, no I/O.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from email.header import decode_header, make_header

from extractors.parsers import ImageParser, PdfParser

# --------------------------------------------------------------------------- content

_IMAGE_TYPES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)

# What a file that is neither a PDF nor an image is, for the French problem texts.
_OTHER_CONTENT: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "un programme Windows"),
    (b"\x7fELF", "un programme"),
    (b"#!", "un script"),
    (b"\xd0\xcf\x11\xe0", "un document Word, Excel ou Outlook (ancien format)"),
    (b"{\\rtf", "un document RTF"),
    (b"GIF8", "une image GIF"),
    (b"Rar!", "une archive RAR"),
    (b"7z\xbc\xaf", "une archive 7z"),
    (b"\x1f\x8b", "une archive gzip"),
    (b"%!PS", "un fichier PostScript"),
    (b"BEGIN:VCARD", "une carte de visite (vCard)"),
    (b"BEGIN:VCALENDAR", "un rendez-vous (iCalendar)"),
)

PDF = "application/pdf"
ZIP = "application/zip"
MESSAGE = "message/rfc822"
EXTENSIONS = {
    PDF: "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/tiff": "tif",
    "image/bmp": "bmp",
    "image/webp": "webp",
    ZIP: "zip",
    MESSAGE: "eml",
}
DOCUMENT_EXTENSIONS = frozenset(
    {"pdf", "jpg", "jpeg", "jpe", "png", "tif", "tiff", "bmp", "webp", "zip", "eml"}
)
OFFICE_EXTENSIONS = frozenset(
    {"doc", "docx", "odt", "rtf", "xls", "xlsx", "ods", "ppt", "pptx", "odp", "pages", "msg"}
)


def sniff(head: bytes) -> str | None:
    """The MIME type of a PDF or an image that extraction can read, from the first bytes
    (2 kB are enough); None for anything else — a ZIP archive included, even one whose
    first member, stored uncompressed, shows a PDF header within its first bytes."""
    if is_zip(head):
        return None
    if PdfParser.sniff(head):
        return PDF
    if ImageParser.sniff(head):
        for magic, mime in _IMAGE_TYPES:
            if head.startswith(magic):
                return mime
        return "image/webp"
    return None


def is_zip(head: bytes) -> bool:
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def describe(head: bytes) -> str:
    """What these bytes are, in French, for a problem text (``"un programme Windows"``)."""
    if not head:
        return "un fichier vide"
    mime = sniff(head)
    if mime is not None:
        return "un PDF" if mime == PDF else "une image"
    if is_zip(head):
        if b"word/" in head or b"[Content_Types].xml" in head:
            return "un document Word ou Excel"
        if b"mimetypeapplication/vnd.oasis" in head:
            return "un document LibreOffice"
        return "une archive ZIP"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "une photo HEIC (iPhone)"
    for magic, label in _OTHER_CONTENT:
        if head.lstrip().startswith(magic):
            return label
    text = head.lstrip()[:512].lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text:
        return "une page HTML"
    if looks_like_text(head):
        return "un fichier texte"
    return "un contenu non reconnu"


def looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def extension(name: str) -> str:
    """The lower-case extension of a name, without the dot (``""`` when none)."""
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base.strip(".") else ""


# --------------------------------------------------------------------------- names

_SEPARATORS = re.compile(r"[\\/]+")
_DRIVE = re.compile(r"^[A-Za-z]:$")  # a whole component that is a drive
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
_SPACES = re.compile(r"\s+")
MAX_NAME = 150


def decode_text(raw: str | bytes | None) -> str:
    """Text of a header value or file name as received: bytes and stray 8-bit characters
    (surrogate escapes) read as UTF-8, else Windows-1252; RFC 2047 encoded words decoded
    (some clients put them, wrongly, inside quoted file names)."""
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        text = _decode_bytes(raw)
    else:
        text = raw
        if any("\udc80" <= c <= "\udcff" for c in text):
            text = _decode_bytes(text.encode("utf-8", "surrogateescape"))
    if "=?" in text and "?=" in text:
        with contextlib.suppress(Exception):  # a malformed encoded word: keep the text
            text = str(make_header(decode_header(text)))
    return text


def _decode_bytes(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def printable(text: str, limit: int = 200) -> str:
    """``text`` without control or invisible formatting characters (bidirectional
    overrides that disguise ``exe.pdf``…), whitespace collapsed, cut at ``limit``."""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(
        " " if c in "\t\r\n" else c
        for c in text
        if c in "\t\r\n" or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    kept = _SPACES.sub(" ", kept).strip()
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def shown(text: str, limit: int = 80) -> str:
    """A name exactly as received but harmless to display: control characters as
    ``\\xNN``, cut at ``limit``."""
    out = "".join(
        c if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn") else f"\\x{ord(c):02x}"
        for c in text
    )
    return out if len(out) <= limit else out[: limit - 1] + "…"


def safe_component(text: str) -> str:
    """One path-free name component: no separators, drive letters, control characters,
    leading dots (hidden files, ``..``) or characters Windows refuses; may be empty."""
    text = printable(text, limit=10_000)
    text = _SEPARATORS.sub("_", _DRIVE.sub("", text))
    text = _WINDOWS_RESERVED.sub("_", text)
    text = text.strip().lstrip(".").strip().rstrip(". ")
    if len(text) > MAX_NAME:
        ext = extension(text)
        keep = MAX_NAME - len(ext) - 2
        text = text[:keep].rstrip() + "…" + (f".{ext}" if ext and len(ext) <= 8 else "")
    return text


def safe_name(raw: str | bytes | None, fallback: str) -> tuple[str, str | None]:
    """A display name for a received name: its last path component (after ``/`` or
    ``\\``), cleaned by ``safe_component``; ``fallback`` when nothing is left. Returns the
    name and, when cleaning changed more than the encoding, a French note saying so."""
    text = decode_text(raw)
    last = next((p for p in reversed(_SEPARATORS.split(text)) if p.strip(" .")), "")
    name = safe_component(last) or fallback
    if not text.strip():
        return name, None
    if name != unicodedata.normalize("NFC", text).strip():
        return name, f"nom de fichier corrigé : « {shown(text)} » devient « {name} »"
    return name, None


def with_extension(name: str, mime: str | None) -> str:
    """``name`` ending with the extension of ``mime`` when it has none."""
    ext = EXTENSIONS.get(mime or "")
    if ext and not extension(name):
        return f"{name}.{ext}"
    return name


def unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``… (before the extension) when already taken; records it."""
    candidate, n = name, 1
    ext = extension(name)
    stem = name[: -len(ext) - 1] if ext else name
    while candidate in taken:
        n += 1
        candidate = f"{stem} ({n})" + (f".{ext}" if ext else "")
    taken.add(candidate)
    return candidate
