"""E-mails (``.eml``): the documents of their PDF and image attachments, each naming its
``attachment``; forwarded messages and ZIP archives are opened (``outer/inner`` names).

The message is walked by ``sources.mail.parse_message``, the intake's own walker, so that
``intake extract`` and the nightly intake see the same pieces under the same names:
ZIP members as ``archive.zip/member.pdf``, attached messages as ``fwd.eml/inner.pdf``,
small images shown in the body (logos, signatures) ignored, anything that should have
been a piece but cannot be read reported with its French reason.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

from extractors.errors import ExtractionError
from extractors.limits import DEFAULT_LIMITS, Limits
from extractors.model import Document
from extractors.names import Gazetteer
from extractors.parsers import PARSERS

log = logging.getLogger(__name__)

_HEADER = re.compile(
    rb"^(Received|From|To|Subject|Date|Message-ID|MIME-Version|Return-Path|Delivered-To"
    rb"|X-[A-Za-z-]+|Content-Type):",
    re.I | re.M,
)


def looks_like_message(data: bytes) -> bool:
    """Whether these bytes are an RFC 5322 message (headers first), not a document."""
    head = data[:4096]
    if any(p.sniff(head[:2048]) for p in PARSERS):
        return False
    first = head.lstrip().split(b"\n", 1)[0]
    return bool(_HEADER.match(first)) and len(_HEADER.findall(head)) >= 2


def extract_message(
    data: bytes,
    *,
    keywords: dict[str, list[str]] | None = None,
    signatory_labels: dict[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    places: Gazetteer | None = None,
    vocabulary: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> list[Document]:
    """Documents of every PDF/image attachment of an e-mail. An attachment that cannot be
    read gives one ``other`` document carrying the French reason in ``error``; so does a
    problem of the message itself (too many attachments, partly unreadable), without
    ``attachment``. A message that cannot be read at all raises ``ExtractionError``."""
    # Imported here: sources.mail itself uses extractors (parsers, looks_like_message).
    from extractors.pipeline import extract_file
    from sources.limits import SourceLimits
    from sources.mail import NO_ATTACHMENT, parse_message

    if not data or not data.strip():
        raise ExtractionError("Le message est vide.", "empty")
    if len(data) > limits.max_bytes:
        raise ExtractionError("Le message dépasse la taille maximale permise.", "too_large")
    parsed = parse_message(
        data,
        limits=SourceLimits(
            max_file_bytes=limits.max_bytes,
            max_message_bytes=limits.max_bytes,
            max_attachments=limits.max_message_attachments,
        ),
    )
    if not parsed.readable:
        reason = parsed.problems[0] if parsed.problems else "message illisible"
        raise ExtractionError(f"Le fichier n'est pas lisible : {reason}.", "bad_message")
    docs: list[Document] = []
    for att in parsed.attachments:
        if att.problem is not None:
            docs.append(_failed(att.name, _sentence(att.problem)))
            continue
        try:
            docs.extend(
                extract_file(
                    att.data,
                    filename=att.name,
                    keywords=keywords,
                    signatory_labels=signatory_labels,
                    limits=limits,
                    attachment=att.name,
                    places=places,
                    vocabulary=vocabulary,
                )
            )
        except ExtractionError as exc:
            docs.append(_failed(att.name, exc.message_fr))
    for problem in parsed.problems:
        if problem != NO_ATTACHMENT:
            docs.append(Document(type="other", pages=[], attachment=None, error=_sentence(problem)))
    if parsed.ignored:
        log.info("not pieces, ignored: %s", ", ".join(parsed.ignored))
    return docs


def _sentence(text: str) -> str:
    """``pièce jointe vide`` -> ``Pièce jointe vide.`` (``Document.error`` is a sentence)."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "…", "!", "?")) else text + "."


def _failed(name: str, message_fr: str) -> Document:
    return Document(type="other", pages=[], attachment=name, error=message_fr)


__all__ = ["extract_message", "looks_like_message"]
