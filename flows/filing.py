"""Filing what arrived: one source item (a scanned file, a mail message with its
attachments) becomes stored bytes, a ``SourceItem`` row, its documents matched to the
roster, and flags for staff — all in ONE database transaction, so that a run killed at any
point leaves either the whole item or nothing (the file store is content-addressed and
idempotent, so bytes written before a crash are simply found again).

Reading (extraction) happens before the transaction, outside of it: it is the slow part,
and it runs in parallel. Nothing here knows Prefect; ``flows.ingest`` orchestrates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from config.campaign import Campaign
from extractors import ExtractionError, Gazetteer, extract_file
from extractors.model import Document as ExtractedDocument
from matching.names import normalize_name
from matching.roster import DocumentInput, MatchResult, RosterIndex, match_file
from rules.flags import flag_message
from sources.folders import FolderFile
from sources.mail import ParsedMessage
from storage import crud
from storage.db import session
from storage.files import FileStore
from storage.models import Document, SourceItem

log = logging.getLogger("intake.filing")
ACTOR = "system:ingest"
CAMPAIGN_TYPES = ("convention", "deliberation", "needs_form")


# ------------------------------------------------------------------------------ reading


@dataclass
class Reading:
    """What extraction made of one file (bytes in, documents or a French problem out)."""

    name: str
    documents: list[ExtractedDocument] = field(default_factory=list)
    problem: str | None = None  # French, for staff
    problem_code: str | None = None


def read_file(
    data: bytes,
    name: str,
    campaign: Campaign,
    attachment: str | None = None,
    places: Gazetteer | None = None,
) -> Reading:
    """Extract one file with the campaign's keywords, signatory labels and field
    vocabularies (and the roster's place names, to spell OCR'd names as they are). Bad
    files give a ``Reading`` with a French problem, never an exception."""
    try:
        docs = extract_file(
            data,
            filename=name,
            attachment=attachment,
            places=places,
            **campaign.extraction_options(),
        )
    except ExtractionError as exc:
        return Reading(name, problem=exc.message_fr, problem_code=exc.code)
    return Reading(name, documents=docs)


# ------------------------------------------------------------------------------ context


@dataclass
class Filing:
    """What filing needs: the database, the file store, the campaign and the roster."""

    engine: Engine
    store: FileStore
    campaign: Campaign
    index: RosterIndex
    ids_by_code: dict[str, int]
    places: Gazetteer | None = None  # the roster's names, for OCR'd names' accents

    @classmethod
    def open(cls, engine: Engine, store: FileStore, campaign: Campaign) -> Filing:
        with session(engine, readonly=True) as s:
            roster = crud.list_collectivities(s)
            index = RosterIndex.build(roster)
            ids = {c.code: c.id for c in roster if c.id is not None}
            places = Gazetteer(c.name for c in roster)
        return cls(engine, store, campaign, index, ids, places)


@dataclass
class Filed:
    """The outcome of filing one source item."""

    item_id: int | None
    status: str  # "filed", "already", "duplicate", "failed"
    collectivity_ids: set[int] = field(default_factory=set)
    documents: int = 0
    flags: int = 0


# ------------------------------------------------------------------------------ helpers


def _flag(
    s: Session,
    f: Filing,
    code: str,
    *,
    item: int | None = None,
    doc: int | None = None,
    collectivity: int | None = None,
    **context: Any,
) -> None:
    crud.open_flag(
        s,
        code=code,
        message=flag_message(f.campaign, code, "dossier", **context),
        origin="ingest",
        actor=ACTOR,
        collectivity_id=collectivity,
        document_id=doc,
        source_item_id=item,
    )


_IDENTITY = {
    "convention": ("signatory_name", "signature_date", "signed"),
    "deliberation": ("act_id", "meeting_date", "authorizes_signature"),
    "needs_form": ("schools", "student_accounts"),
}


def _identity(doc_type: str, values: dict[str, Any]) -> tuple[Any, ...] | None:
    """What makes two copies the same piece: a re-sent or re-scanned paper reads the
    same on these fields. None when too little was read to tell."""
    names = _IDENTITY.get(doc_type)
    if not names:
        return None
    key = tuple(
        normalize_name(v) if isinstance(v, str) else v for v in (values.get(n) for n in names)
    )
    return key if any(v not in (None, "") for v in key) else None


def _earlier_copy(s: Session, collectivity_id: int, doc: Document) -> int | None:
    key = _identity(doc.doc_type, doc.values())
    if key is None:
        return None
    for other in crud.list_documents(s, collectivity_id):
        if other.id == doc.id or other.doc_type != doc.doc_type or other.duplicate_of_id:
            continue
        if _identity(other.doc_type, other.values()) == key:
            return other.id
    return None


def _file_documents(
    s: Session,
    f: Filing,
    parts: Sequence[tuple[SourceItem, Reading]],
    *,
    sender: str | None,
    outcome: Filed,
) -> None:
    """Store every document of one file or message, match them together (an envelope
    holds one collectivity's pieces), attach the confident ones, flag the rest."""
    stored: list[tuple[Document, SourceItem, Reading]] = []
    for item, reading in parts:
        assert item.id is not None
        if reading.problem:
            _flag(s, f, "unreadable_file", item=item.id, name=reading.name, problem=reading.problem)
            outcome.flags += 1
            continue
        for extracted in reading.documents:
            doc = crud.add_document(s, item.id, extracted, actor=ACTOR)
            stored.append((doc, item, reading))
    outcome.documents += len(stored)
    results: list[MatchResult] = match_file(
        f.index,
        [DocumentInput(d.doc_type, d.values()) for d, _, _ in stored],
        sender=sender,
    )
    recognised = False
    for (doc, item, reading), result in zip(stored, results, strict=True):
        assert doc.id is not None
        relevant = doc.doc_type in f.campaign.pieces
        recognised = recognised or relevant
        cid = f.ids_by_code.get(result.code or "") if result.confident else None
        if cid is None:
            if relevant:
                reason = result.reason_fr or "aucune collectivité du référentiel ne correspond."
                _flag(
                    s,
                    f,
                    "unmatched_document",
                    item=item.id,
                    doc=doc.id,
                    piece=doc.doc_type,
                    name=reading.name,
                    reason=reason,
                )
                outcome.flags += 1
            continue
        crud.attach_document(s, doc, cid, method=result.method, score=result.score, actor=ACTOR)
        outcome.collectivity_ids.add(cid)
        if result.conflict and relevant:
            _flag(
                s,
                f,
                "match_conflict",
                item=item.id,
                doc=doc.id,
                collectivity=cid,
                piece=doc.doc_type,
                name=reading.name,
                reason=result.reason_fr,
            )
            outcome.flags += 1
        earlier = _earlier_copy(s, cid, doc)
        if earlier is not None:
            crud.set_document_duplicate(
                s, doc, earlier, actor=ACTOR, comment="même pièce déjà reçue"
            )
    readable = [r for _, r in parts if not r.problem]
    if readable and not recognised:
        name = readable[0].name if len(parts) == 1 else (parts[0][0].original_name or "")
        _flag(s, f, "no_piece_recognized", item=parts[0][0].id, name=name)
        outcome.flags += 1


def _start_item(s: Session, origin: str, origin_ref: str, **values: Any) -> SourceItem | None:
    """The item to fill: a new one, or the one a failed run left (retried now). None when
    the item was already filed."""
    existing = crud.find_source_item(s, origin, origin_ref)
    if existing is None:
        return crud.add_source_item(s, origin=origin, origin_ref=origin_ref, actor=ACTOR, **values)
    if existing.status == "processed":
        return None
    for flag in crud.list_open_flags(s, source_item_id=existing.id):
        if flag.code == "processing_failed":
            crud.resolve_flag(s, flag, by=ACTOR, comment="Repris avec succès.")
    return existing


# ------------------------------------------------------------------------------ filing


def file_scan(
    f: Filing,
    *,
    origin_ref: str,
    data: bytes,
    name: str,
    mtime: dt.datetime,
    reading: Reading,
) -> Filed:
    """File a scanned file (registered mail): its receipt date will come from the arrival
    stamp read on its pages, else from ``mtime`` (flagged by the dossier rules)."""
    sha = f.store.put(data)
    with session(f.engine) as s:
        item = _start_item(
            s,
            "scan",
            origin_ref,
            sha256=sha,
            size=len(data),
            channel="registered_mail",
            original_name=name,
            file_mtime=mtime,
        )
        if item is None:
            return Filed(None, "already")
        assert item.id is not None
        outcome = Filed(item.id, "filed")
        if item.duplicate_of_id is not None:
            outcome.status = "duplicate"  # the same bytes were filed already
        else:
            _file_documents(s, f, [(item, reading)], sender=None, outcome=outcome)
        crud.mark_processed(s, item, actor=ACTOR)
    return outcome


def file_message(
    f: Filing,
    *,
    origin: str,
    origin_ref: str,
    raw: bytes,
    parsed: ParsedMessage,
    received_at: dt.datetime | None,
    readings: dict[str, Reading],
    name: str | None = None,
) -> Filed:
    """File a mail message (IMAP or .eml) with its attachments, each a child item."""
    sha = f.store.put(raw)
    label = name or parsed.subject or parsed.message_id or origin_ref
    with session(f.engine) as s:
        item = _start_item(
            s,
            origin,
            origin_ref,
            sha256=sha,
            size=len(raw),
            channel="email",
            original_name=label,
            sender=parsed.sender,
            subject=parsed.subject,
            received_at=received_at,
            received_at_source="mail" if received_at else None,
        )
        if item is None:
            return Filed(None, "already")
        assert item.id is not None
        outcome = Filed(item.id, "filed")
        if item.duplicate_of_id is not None:
            outcome.status = "duplicate"
            crud.mark_processed(s, item, actor=ACTOR)
            return outcome
        parts: list[tuple[SourceItem, Reading]] = []
        for n, attachment in enumerate(parsed.attachments, 1):
            child_ref = f"{origin_ref}#{n}"
            child = crud.find_source_item(s, "attachment", child_ref) or crud.add_source_item(
                s,
                sha256=f.store.put(attachment.data),
                size=len(attachment.data),
                origin="attachment",
                origin_ref=child_ref,
                channel="email",
                actor=ACTOR,
                parent_id=item.id,
                original_name=attachment.name,
                mime=attachment.content_type,
                sender=parsed.sender,
                subject=parsed.subject,
            )
            if attachment.problem:
                _flag(
                    s,
                    f,
                    "attachment_problem",
                    item=child.id,
                    name=attachment.name,
                    problem=attachment.problem,
                )
                outcome.flags += 1
            else:
                parts.append((child, readings.get(attachment.name) or Reading(attachment.name)))
            crud.mark_processed(s, child, actor=ACTOR)
        for problem in parsed.problems:
            _flag(
                s,
                f,
                "no_attachment",
                item=item.id,
                sender=parsed.sender or "expéditeur inconnu",
                subject=parsed.subject or "sans objet",
                problem=problem,
            )
            outcome.flags += 1
        if parts:
            _file_documents(s, f, parts, sender=parsed.sender, outcome=outcome)
        crud.mark_processed(s, item, actor=ACTOR)
    return outcome


def record_failure(
    f: Filing,
    *,
    origin: str,
    origin_ref: str,
    data: bytes,
    name: str,
    error: str,
    channel: str,
    mtime: dt.datetime | None = None,
    received_at: dt.datetime | None = None,
) -> Filed:
    """Keep the original and say it failed (status ``failed``, a French flag); the next run
    takes it again."""
    sha = f.store.put(data)
    with session(f.engine) as s:
        item = crud.find_source_item(s, origin, origin_ref)
        if item is None:
            item = crud.add_source_item(
                s,
                sha256=sha,
                size=len(data),
                origin=origin,
                origin_ref=origin_ref,
                channel=channel,
                actor=ACTOR,
                original_name=name,
                file_mtime=mtime,
                received_at=received_at,
                received_at_source="mail" if received_at else None,
            )
        crud.mark_failed(s, item, error, actor=ACTOR)
        _flag(s, f, "processing_failed", item=item.id, name=name, error=error)
        return Filed(item.id, "failed")


def known_refs(engine: Engine, origin: str) -> dict[str, str]:
    """origin_ref -> status of every item of an origin (one query, for a run's listing)."""
    with session(engine, readonly=True) as s:
        return {i.origin_ref: i.status for i in crud.list_source_items(s, origin=origin)}


def filed_before(engine: Engine, origin: str, data: bytes) -> bool:
    """Were these exact bytes filed already from ``origin`` (e.g. an IMAP message seen
    again under a new UIDVALIDITY)? One indexed look-up."""
    sha = sha256_of(data)
    with session(engine, readonly=True) as s:
        return any(
            i.origin == origin and i.status == "processed"
            for i in crud.find_source_items_by_sha256(s, sha)
        )


def processed_sha256(engine: Engine, origins: Iterable[str]) -> set[str]:
    with session(engine, readonly=True) as s:
        return {
            i.sha256
            for o in origins
            for i in crud.list_source_items(s, origin=o)
            if i.status == "processed"
        }


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_unusable(f: Filing, *, origin: str, ff: FolderFile) -> Filed:
    """A listed file that is no document (empty, not a PDF or image, too large…): the
    bytes are kept when they could be read, and staff get a French flag, once."""
    problem = ff.problem or "fichier inutilisable"
    if ff.sha256 is None:  # not read (too large): the original stays in its folder
        message = flag_message(
            f.campaign, "unreadable_file", "dossier", name=ff.name, problem=problem
        )
        with session(f.engine) as s:
            if not any(
                fl.message == message
                for fl in crud.list_open_flags(s, code="unreadable_file", origin="ingest")
            ):
                crud.open_flag(
                    s, code="unreadable_file", message=message, origin="ingest", actor=ACTOR
                )
                return Filed(None, "filed", flags=1)
        return Filed(None, "already")
    data = ff.read_bytes()
    sha = f.store.put(data)
    with session(f.engine) as s:
        item = _start_item(
            s,
            origin,
            f"sha256:{ff.sha256}",
            sha256=sha,
            size=len(data),
            channel="email" if origin == "eml" else "registered_mail",
            original_name=ff.name,
            file_mtime=ff.mtime,
        )
        if item is None:
            return Filed(None, "already")
        _flag(s, f, "unreadable_file", item=item.id, name=ff.name, problem=problem)
        crud.mark_processed(s, item, actor=ACTOR)
        return Filed(item.id, "filed", flags=1)
