"""E-mails (``.eml``): the documents of their PDF and image attachments, each naming its
``attachment``; forwarded messages and ZIP archives are opened (``outer/inner`` names)."""

from __future__ import annotations

import email
import email.policy
import io
import logging
import re
import zipfile
from email.message import Message

from extractors.errors import ExtractionError
from extractors.limits import DEFAULT_LIMITS, Limits
from extractors.model import Document
from extractors.parsers import PARSERS

log = logging.getLogger(__name__)

_HEADER = re.compile(
    rb"^(Received|From|To|Subject|Date|Message-ID|MIME-Version|Return-Path|Delivered-To"
    rb"|X-[A-Za-z-]+|Content-Type):",
    re.I | re.M,
)
MAX_DEPTH = 3


def looks_like_message(data: bytes) -> bool:
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
) -> list[Document]:
    """Documents of every PDF/image attachment of an e-mail. An attachment that cannot be
    read gives one ``other`` document carrying the French reason in ``error``."""
    if not data or not data.strip():
        raise ExtractionError("Le message est vide.", "empty")
    if len(data) > limits.max_bytes:
        raise ExtractionError("Le message dépasse la taille maximale permise.", "too_large")
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the email package raises many kinds on garbage
        raise ExtractionError("Le message électronique est illisible.", "bad_message") from exc
    if not msg.keys():
        raise ExtractionError(
            "Le fichier n'est pas un message électronique lisible (aucun en-tête).",
            "bad_message",
        )
    docs: list[Document] = []
    count = [0]
    _walk(msg, "", docs, count, 0, keywords, signatory_labels, limits)
    return docs


def _name_of(part: Message, index: int) -> str:
    name = part.get_filename()
    if name:
        return name.replace("/", "_").strip() or f"piece-{index}"
    ctype = part.get_content_type()
    ext = {
        "application/pdf": "pdf",
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/tiff": "tif",
        "message/rfc822": "eml",
        "application/zip": "zip",
    }.get(ctype, "bin")
    return f"piece-{index}.{ext}"


def _leaves(msg: Message) -> list[Message]:
    """Non-multipart parts, in order, without descending into attached messages (they
    are walked on their own, with their name as prefix)."""
    out: list[Message] = []
    stack = [msg]
    while stack:
        part = stack.pop(0)
        if part.get_content_type() == "message/rfc822" and part is not msg:
            out.append(part)
        elif part.is_multipart():
            payload = part.get_payload()
            stack[0:0] = [p for p in payload if isinstance(p, Message)]
        elif part is not msg or not msg.is_multipart():
            out.append(part)
    return out


def _walk(
    msg: Message,
    prefix: str,
    docs: list[Document],
    count: list[int],
    depth: int,
    keywords: dict[str, list[str]] | None,
    labels: dict[str, str] | None,
    limits: Limits,
) -> None:
    index = 0
    for part in _leaves(msg):
        ctype = part.get_content_type()
        disp = part.get_content_disposition()
        if ctype == "message/rfc822":
            index += 1
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(inner_msg, Message) and depth < MAX_DEPTH:
                name = _name_of(part, index)
                if not name.endswith(".eml"):
                    name += ".eml"
                _walk(
                    inner_msg, f"{prefix}{name}/", docs, count, depth + 1, keywords, labels, limits
                )
            continue
        if ctype.startswith("text/") and disp != "attachment":
            continue  # the body
        if ctype.startswith("multipart/"):
            continue
        index += 1
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = None
        name = prefix + _name_of(part, index)
        if not payload:
            if disp == "attachment":
                docs.append(_failed(name, "La pièce jointe est vide ou illisible."))
            continue
        count[0] += 1
        if count[0] > limits.max_message_attachments:
            raise ExtractionError("Le message contient trop de pièces jointes.", "too_large")
        _payload(bytes(payload), name, docs, count, depth, keywords, labels, limits)


def _payload(
    payload: bytes,
    name: str,
    docs: list[Document],
    count: list[int],
    depth: int,
    keywords: dict[str, list[str]] | None,
    labels: dict[str, str] | None,
    limits: Limits,
) -> None:
    from extractors.pipeline import extract_file

    if payload[:4] == b"PK\x03\x04" and depth < MAX_DEPTH:
        _zip(payload, name, docs, count, depth, keywords, labels, limits)
        return
    if looks_like_message(payload) and depth < MAX_DEPTH:
        try:
            inner = email.message_from_bytes(payload, policy=email.policy.default)
        except Exception:
            docs.append(_failed(name, "Le message joint est illisible."))
            return
        _walk(inner, name + "/", docs, count, depth + 1, keywords, labels, limits)
        return
    try:
        docs.extend(
            extract_file(
                payload,
                filename=name,
                keywords=keywords,
                signatory_labels=labels,
                limits=limits,
                attachment=name,
            )
        )
    except ExtractionError as exc:
        if exc.code == "not_supported" and not _looks_like_document(name):
            log.info("attachment %s ignored: %s", name, exc.message_fr)
            return  # a signature logo, a vCard…: not a piece
        docs.append(_failed(name, exc.message_fr))


def _looks_like_document(name: str) -> bool:
    return bool(re.search(r"\.(pdf|jpe?g|png|tiff?|zip|eml)$", name, re.I))


def _zip(
    payload: bytes,
    name: str,
    docs: list[Document],
    count: list[int],
    depth: int,
    keywords: dict[str, list[str]] | None,
    labels: dict[str, str] | None,
    limits: Limits,
) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as zf:
            members = [i for i in zf.infolist() if not i.is_dir()]
            total = 0
            for info in members:
                base = info.filename.rsplit("/", 1)[-1]
                if not base or base.startswith(".") or info.filename.startswith("__MACOSX"):
                    continue
                count[0] += 1
                if count[0] > limits.max_message_attachments:
                    raise ExtractionError("L'archive contient trop de fichiers.", "too_large")
                total += info.file_size
                if info.file_size > limits.max_bytes or total > 2 * limits.max_bytes:
                    docs.append(
                        _failed(f"{name}/{base}", "Le fichier de l'archive est trop volumineux.")
                    )
                    continue
                try:
                    data = zf.read(info)
                except (RuntimeError, zipfile.BadZipFile, OSError, NotImplementedError):
                    docs.append(
                        _failed(
                            f"{name}/{base}", "Le fichier de l'archive est chiffré ou endommagé."
                        )
                    )
                    continue
                _payload(data, f"{name}/{base}", docs, count, depth + 1, keywords, labels, limits)
    except zipfile.BadZipFile:
        docs.append(_failed(name, "L'archive ZIP jointe est endommagée."))


def _failed(name: str, message_fr: str) -> Document:
    return Document(type="other", pages=[], attachment=name, error=message_fr)


__all__ = ["extract_message", "looks_like_message"]
