"""Reading and changing the tables. Plain functions taking a ``Session`` and returning
model objects; every change is written to the audit log in the same transaction.

Functions never commit: the caller's ``storage.db.session()`` block does. Errors the
staff may see (bad input) are ``StorageError`` with a French message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from extractors.model import COMMON_FIELDS, DOC_TYPES, FIELD_NAMES, FieldResult, FieldValue
from extractors.model import Document as ExtractedDocument
from rules.model import DossierFlag, Evaluation, Piece
from storage import audit
from storage.errors import AlreadyExistsError, AmbiguousError, NotFoundError, StorageError
from storage.files import check_sha256
from storage.models import (
    CHANNELS,
    DOSSIER_STATUSES,
    FLAG_ORIGINS,
    ITEM_STATUSES,
    KINDS,
    ORIGINS,
    RECEIVED_AT_SOURCES,
    ROLES,
    Collectivity,
    Document,
    DossierState,
    Flag,
    SourceItem,
    User,
)
from storage.types import utcnow

__all__ = ["AlreadyExistsError", "AmbiguousError", "NotFoundError", "StorageError"]


def _require(value: Any, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise StorageError(f"{what} invalide : {value!r} (attendu : {', '.join(allowed)})")
    return str(value)


def _aware(value: dt.datetime | None, what: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        raise StorageError(f"{what} : date et heure attendues, reçu {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise StorageError(f"{what} : date et heure sans fuseau horaire, refusée")
    return value


def _text(value: str | None, length: int | None = None) -> str | None:
    """Text safe to store: NUL characters (refused by PostgreSQL) replaced, clipped."""
    if value is None:
        return None
    text = str(value).replace("\x00", "\ufffd")
    return text[:length] if length is not None else text


def _touch(obj: Any) -> None:
    obj.updated_at = utcnow()


def _save(session: Session, obj: Any, *, entity: str, **record: Any) -> None:
    """Write ``obj`` now (so it has its id) and log the change in the audit log."""
    session.add(obj)
    session.flush()
    audit.record(session, entity=entity, entity_id=obj.id, **record)


# --------------------------------------------------------------------------------------
# Collectivities

COLLECTIVITY_FIELDS = (
    "code",
    "name",
    "department",
    "kind",
    "siren",
    "ecollectivites",
    "email",
    "population",
    "extra",
)
_SIREN = re.compile(r"\d{9}")


def get_collectivity(session: Session, collectivity_id: int) -> Collectivity | None:
    return session.get(Collectivity, collectivity_id)


def get_collectivity_by_code(session: Session, code: str) -> Collectivity | None:
    return session.exec(select(Collectivity).where(Collectivity.code == code)).first()


def get_collectivity_by_siren(session: Session, siren: str) -> Collectivity | None:
    """The collectivity with this SIREN; ``AmbiguousError`` if the roster has several."""
    found = session.exec(
        select(Collectivity).where(Collectivity.siren == siren).order_by(col(Collectivity.id))
    ).all()
    if len(found) > 1:
        codes = ", ".join(c.code for c in found)
        raise AmbiguousError(f"SIREN {siren} partagé par plusieurs collectivités : {codes}")
    return found[0] if found else None


def list_collectivities(
    session: Session,
    *,
    kind: str | None = None,
    department: str | None = None,
    ecollectivites: bool | None = None,
) -> list[Collectivity]:
    """Collectivities ordered by code, optionally filtered."""
    query = select(Collectivity)
    if kind is not None:
        query = query.where(Collectivity.kind == kind)
    if department is not None:
        query = query.where(Collectivity.department == department)
    if ecollectivites is not None:
        query = query.where(Collectivity.ecollectivites == ecollectivites)
    return list(session.exec(query.order_by(col(Collectivity.code))).all())


def _check_collectivity_values(values: Mapping[str, Any]) -> None:
    unknown = sorted(set(values) - set(COLLECTIVITY_FIELDS))
    if unknown:
        raise StorageError(f"champs inconnus pour une collectivité : {', '.join(unknown)}")
    if "kind" in values:
        _require(values["kind"], KINDS, "type de collectivité")
    for name in ("code", "name", "department"):
        if name in values and (not isinstance(values[name], str) or not values[name].strip()):
            raise StorageError(f"collectivité : le champ {name} est vide")
    siren = values.get("siren")
    if siren is not None and not (isinstance(siren, str) and _SIREN.fullmatch(siren)):
        raise StorageError(f"SIREN invalide : {siren!r} (9 chiffres attendus)")
    population = values.get("population")
    if population is not None and (
        isinstance(population, bool) or not isinstance(population, int) or population < 0
    ):
        raise StorageError(f"population invalide : {population!r}")
    if "extra" in values and not isinstance(values["extra"], dict):
        raise StorageError("collectivité : extra doit être un dictionnaire")
    if "ecollectivites" in values and not isinstance(values["ecollectivites"], bool):
        raise StorageError("collectivité : ecollectivites doit être vrai ou faux")


def create_collectivity(
    session: Session, values: Mapping[str, Any], *, actor: str, comment: str | None = None
) -> Collectivity:
    audit.check_actor(actor)
    _check_collectivity_values(values)
    missing = [n for n in ("code", "name", "department", "kind") if not values.get(n)]
    if missing:
        raise StorageError(f"collectivité : champs obligatoires manquants : {', '.join(missing)}")
    row = Collectivity(**{k: v for k, v in values.items()})
    _save(
        session,
        row,
        actor=actor,
        action="create",
        entity="collectivity",
        after=audit.snapshot(row, COLLECTIVITY_FIELDS),
        comment=comment,
    )
    return row


def update_collectivity(
    session: Session,
    row: Collectivity,
    values: Mapping[str, Any],
    *,
    actor: str,
    comment: str | None = None,
) -> bool:
    """Apply ``values`` to ``row``; returns True (and audits) when something changed."""
    audit.check_actor(actor)
    _check_collectivity_values(values)
    if "code" in values and values["code"] != row.code:
        raise StorageError("le code d'une collectivité ne change pas")
    current = {k: getattr(row, k) for k in values}
    before, after = audit.diff(current, values)
    if not after:
        return False
    for key in after:
        setattr(row, key, values[key])
    _touch(row)
    _save(
        session,
        row,
        actor=actor,
        action="update",
        entity="collectivity",
        before=before,
        after=after,
        comment=comment,
    )
    return True


def upsert_collectivity(
    session: Session, values: Mapping[str, Any], *, actor: str, comment: str | None = None
) -> tuple[Collectivity, str]:
    """Create or update by ``code``; returns (row, "created" | "updated" | "unchanged")."""
    code = values.get("code")
    if not isinstance(code, str) or not code.strip():
        raise StorageError("collectivité : code manquant")
    existing = get_collectivity_by_code(session, code)
    if existing is None:
        return create_collectivity(session, values, actor=actor, comment=comment), "created"
    changed = update_collectivity(session, existing, values, actor=actor, comment=comment)
    return existing, "updated" if changed else "unchanged"


# --------------------------------------------------------------------------------------
# Source items


def get_source_item(session: Session, item_id: int) -> SourceItem | None:
    return session.get(SourceItem, item_id)


def find_source_item(session: Session, origin: str, origin_ref: str) -> SourceItem | None:
    return session.exec(
        select(SourceItem).where(SourceItem.origin == origin, SourceItem.origin_ref == origin_ref)
    ).first()


def find_source_items_by_sha256(session: Session, sha256: str) -> list[SourceItem]:
    """Every item with these bytes, oldest first."""
    return list(
        session.exec(
            select(SourceItem).where(SourceItem.sha256 == sha256).order_by(col(SourceItem.id))
        ).all()
    )


def list_source_items(
    session: Session,
    *,
    status: str | None = None,
    origin: str | None = None,
    parent_id: int | None = None,
) -> list[SourceItem]:
    query = select(SourceItem)
    if status is not None:
        query = query.where(SourceItem.status == _require(status, ITEM_STATUSES, "statut"))
    if origin is not None:
        query = query.where(SourceItem.origin == origin)
    if parent_id is not None:
        query = query.where(SourceItem.parent_id == parent_id)
    return list(session.exec(query.order_by(col(SourceItem.id))).all())


_UNSET: Any = object()


def add_source_item(
    session: Session,
    *,
    sha256: str,
    size: int,
    origin: str,
    origin_ref: str,
    channel: str,
    actor: str,
    parent_id: int | None = None,
    original_name: str | None = None,
    mime: str | None = None,
    sender: str | None = None,
    subject: str | None = None,
    received_at: dt.datetime | None = None,
    received_at_source: str | None = None,
    file_mtime: dt.datetime | None = None,
    duplicate_of_id: int | None = _UNSET,
) -> SourceItem:
    """Record something that arrived (status ``pending``).

    ``(origin, origin_ref)`` identifies it: a second add raises ``AlreadyExistsError``
    (carrying ``existing_id``); look first with ``find_source_item``. Unless given,
    ``duplicate_of_id`` is set to the oldest earlier item with the same bytes that is not
    itself a duplicate. Text metadata is clipped to the column sizes.
    """
    audit.check_actor(actor)
    try:
        check_sha256(sha256)
    except ValueError as exc:
        raise StorageError(f"empreinte SHA-256 invalide : {sha256!r}"[:120]) from exc
    _require(origin, ORIGINS, "origine")
    _require(channel, CHANNELS, "canal")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise StorageError(f"taille invalide : {size!r}")
    if not isinstance(origin_ref, str) or not origin_ref or len(origin_ref) > 512:
        raise StorageError("référence d'origine vide ou trop longue (512 caractères au plus)")
    if origin == "attachment" and parent_id is None:
        raise StorageError("une pièce jointe doit avoir un élément parent")
    if parent_id is not None and get_source_item(session, parent_id) is None:
        raise NotFoundError(f"élément parent introuvable : {parent_id}")
    _aware(received_at, "date de réception")
    _aware(file_mtime, "date du fichier")
    if received_at_source is not None:
        _require(received_at_source, RECEIVED_AT_SOURCES, "source de la date de réception")
    if (received_at is None) != (received_at_source is None):
        raise StorageError("date de réception et sa source vont ensemble")
    existing = find_source_item(session, origin, origin_ref)
    if existing is not None:
        raise AlreadyExistsError(
            f"élément déjà enregistré : {origin} {origin_ref}", existing_id=existing.id
        )
    if duplicate_of_id is _UNSET:
        first = session.exec(
            select(SourceItem)
            .where(SourceItem.sha256 == sha256, col(SourceItem.duplicate_of_id).is_(None))
            .order_by(col(SourceItem.id))
        ).first()
        duplicate_of_id = first.id if first else None
    item = SourceItem(
        sha256=sha256,
        size=size,
        origin=origin,
        origin_ref=origin_ref,
        parent_id=parent_id,
        channel=channel,
        original_name=_text(original_name, 1024),
        mime=_text(mime, 255),
        sender=_text(sender),
        subject=_text(subject),
        received_at=received_at,
        received_at_source=received_at_source,
        file_mtime=file_mtime,
        status="pending",
        duplicate_of_id=duplicate_of_id,
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError as exc:  # a concurrent ingest recorded it first
        raise AlreadyExistsError(f"élément déjà enregistré : {origin} {origin_ref}") from exc
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="source_item",
        entity_id=item.id,
        after=audit.snapshot(
            item,
            (
                "sha256",
                "size",
                "origin",
                "origin_ref",
                "parent_id",
                "channel",
                "original_name",
                "received_at",
                "received_at_source",
                "duplicate_of_id",
            ),
        ),
    )
    return item


def _set_item_status(
    session: Session, item: SourceItem, status: str, error: str | None, *, actor: str
) -> SourceItem:
    audit.check_actor(actor)
    before = {"status": item.status, "error": item.error}
    after = {"status": status, "error": error}
    if before == after:
        return item
    item.status, item.error = status, error
    _touch(item)
    _save(
        session,
        item,
        actor=actor,
        action=f"mark_{status}",
        entity="source_item",
        before=before,
        after=after,
    )
    return item


def mark_processed(session: Session, item: SourceItem, *, actor: str) -> SourceItem:
    return _set_item_status(session, item, "processed", None, actor=actor)


def mark_failed(session: Session, item: SourceItem, error: str, *, actor: str) -> SourceItem:
    """Record why an item could not be processed (kept whole in ``error``)."""
    return _set_item_status(
        session, item, "failed", _text(str(error)) or "erreur inconnue", actor=actor
    )


def mark_pending(session: Session, item: SourceItem, *, actor: str) -> SourceItem:
    """Queue an item again (e.g. staff asks for a retry of a failed one)."""
    return _set_item_status(session, item, "pending", None, actor=actor)


def set_received_at(
    session: Session,
    item: SourceItem,
    received_at: dt.datetime,
    source: str,
    *,
    actor: str,
    comment: str | None = None,
) -> SourceItem:
    """Set an item's receipt time (e.g. ``manual``: recorded by staff), audited."""
    audit.check_actor(actor)
    _aware(received_at, "date de réception")
    _require(source, RECEIVED_AT_SOURCES, "source de la date de réception")
    before = {"received_at": item.received_at, "received_at_source": item.received_at_source}
    after = {"received_at": received_at, "received_at_source": source}
    old, new = audit.diff(before, after)
    if not new:
        return item
    item.received_at, item.received_at_source = received_at, source
    _touch(item)
    _save(
        session,
        item,
        actor=actor,
        action="set_received_at",
        entity="source_item",
        before=old,
        after=new,
        comment=comment,
    )
    return item


# --------------------------------------------------------------------------------------
# Documents

BOOL_FIELDS = frozenset({"signed", "authorizes_signature"})
INT_FIELDS = frozenset({"schools", "student_accounts"})


def allowed_fields(doc_type: str) -> tuple[str, ...]:
    return FIELD_NAMES.get(doc_type, ()) + COMMON_FIELDS


def _check_value(name: str, value: Any) -> FieldValue:
    """A field value of the right type for its name (ISO strings accepted for dates)."""
    if value is None:
        return None
    if name.endswith("_date"):
        if isinstance(value, dt.datetime):
            raise StorageError(f"{name} : une date est attendue, pas une date et heure")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError as exc:
                raise StorageError(f"{name} : date invalide {value!r}"[:120]) from exc
        raise StorageError(f"{name} : une date est attendue")
    if name in BOOL_FIELDS:
        if not isinstance(value, bool):
            raise StorageError(f"{name} : oui ou non attendu")
        return value
    if name in INT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise StorageError(f"{name} : un nombre entier positif est attendu")
        return value
    if not isinstance(value, str):
        raise StorageError(f"{name} : un texte est attendu")
    return value


def _check_fields(doc_type: str, fields: Mapping[str, FieldResult]) -> None:
    allowed = allowed_fields(doc_type)
    for name, result in fields.items():
        if name not in allowed:
            raise StorageError(f"champ {name!r} inconnu pour une pièce de type {doc_type}")
        if not isinstance(result, FieldResult):
            raise StorageError(f"champ {name!r} : FieldResult attendu")
        _check_value(name, result.value)


def get_document(session: Session, document_id: int) -> Document | None:
    return session.get(Document, document_id)


def add_document(
    session: Session,
    source_item: SourceItem | int,
    extracted: ExtractedDocument,
    *,
    actor: str,
    duplicate_of_id: int | None = None,
) -> Document:
    """Record a piece found in a source item, from the extraction contract's Document."""
    audit.check_actor(actor)
    item_id = source_item if isinstance(source_item, int) else source_item.id
    if item_id is None or get_source_item(session, item_id) is None:
        raise NotFoundError(f"élément source introuvable : {item_id}")
    _require(extracted.type, DOC_TYPES, "type de pièce")
    pages = list(extracted.pages)
    if any(isinstance(p, bool) or not isinstance(p, int) or p < 1 for p in pages):
        raise StorageError(f"numéros de page invalides : {pages!r}"[:120])
    _check_fields(extracted.type, extracted.fields)
    doc = Document(
        source_item_id=item_id,
        doc_type=extracted.type,
        pages=pages,
        attachment=_text(extracted.attachment, 1024),
        ocr=bool(extracted.ocr),
        fields=extracted.fields_json(),
        duplicate_of_id=duplicate_of_id,
    )
    _save(
        session,
        doc,
        actor=actor,
        action="create",
        entity="document",
        after=audit.snapshot(
            doc, ("source_item_id", "doc_type", "pages", "attachment", "ocr", "fields")
        ),
    )
    return doc


def list_documents(session: Session, collectivity_id: int) -> list[Document]:
    """The documents attached to a collectivity, oldest first."""
    return list(
        session.exec(
            select(Document)
            .where(Document.collectivity_id == collectivity_id)
            .order_by(col(Document.id))
        ).all()
    )


def list_documents_for_item(session: Session, source_item_id: int) -> list[Document]:
    return list(
        session.exec(
            select(Document)
            .where(Document.source_item_id == source_item_id)
            .order_by(col(Document.id))
        ).all()
    )


def list_unattached_documents(session: Session) -> list[Document]:
    """Documents no collectivity was found for (staff must attach them)."""
    return list(
        session.exec(
            select(Document)
            .where(col(Document.collectivity_id).is_(None))
            .order_by(col(Document.id))
        ).all()
    )


def update_document_fields(
    session: Session,
    document: Document,
    changes: Mapping[str, FieldValue | FieldResult],
    *,
    actor: str,
    comment: str | None = None,
) -> Document:
    """Correct field values. A plain value is taken as certain (confidence 1.0) and keeps
    the evidence of where the old value was read; a ``FieldResult`` replaces the field."""
    audit.check_actor(actor)
    allowed = allowed_fields(document.doc_type)
    fields = dict(document.fields or {})
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, change in changes.items():
        if name not in allowed:
            raise StorageError(f"champ {name!r} inconnu pour une pièce de type {document.doc_type}")
        if isinstance(change, FieldResult):
            _check_value(name, change.value)
            new = change.to_json()
        else:
            value = _check_value(name, change)
            old = document.field_result(name)
            new = FieldResult(value, 1.0, old.evidence if old else None).to_json()
        if fields.get(name) != new:
            before[name] = fields.get(name)
            after[name] = new
            fields[name] = new
    if not after:
        return document
    document.fields = fields  # a new dict: JSON columns do not track in-place changes
    _touch(document)
    _save(
        session,
        document,
        actor=actor,
        action="update_fields",
        entity="document",
        before=before,
        after=after,
        comment=comment,
    )
    return document


def attach_document(
    session: Session,
    document: Document,
    collectivity_id: int | None,
    *,
    method: str | None,
    actor: str,
    score: float | None = None,
    comment: str | None = None,
) -> Document:
    """Attach a document to a collectivity (``None`` detaches it), with how it was
    matched (e.g. ``siren``, ``name``, ``manual``) and a score."""
    audit.check_actor(actor)
    if collectivity_id is not None and get_collectivity(session, collectivity_id) is None:
        raise NotFoundError(f"collectivité introuvable : {collectivity_id}")
    if method is not None and len(method) > 32:
        raise StorageError("méthode de rapprochement trop longue (32 caractères au plus)")
    if score is not None and not (isinstance(score, int | float) and 0.0 <= score <= 1.0):
        raise StorageError(f"score de rapprochement invalide : {score!r}")
    before = {
        "collectivity_id": document.collectivity_id,
        "match_method": document.match_method,
        "match_score": document.match_score,
    }
    after = {"collectivity_id": collectivity_id, "match_method": method, "match_score": score}
    old, new = audit.diff(before, after)
    if not new:
        return document
    document.collectivity_id = collectivity_id
    document.match_method = method
    document.match_score = float(score) if score is not None else None
    _touch(document)
    _save(
        session,
        document,
        actor=actor,
        action="attach" if collectivity_id is not None else "detach",
        entity="document",
        before=old,
        after=new,
        comment=comment,
    )
    return document


def set_document_duplicate(
    session: Session,
    document: Document,
    duplicate_of_id: int | None,
    *,
    actor: str,
    comment: str | None = None,
) -> Document:
    """Mark a document as a duplicate of another (``None`` clears it), audited."""
    audit.check_actor(actor)
    if duplicate_of_id is not None:
        if duplicate_of_id == document.id:
            raise StorageError("une pièce ne peut pas être le doublon d'elle-même")
        if get_document(session, duplicate_of_id) is None:
            raise NotFoundError(f"pièce introuvable : {duplicate_of_id}")
    if document.duplicate_of_id == duplicate_of_id:
        return document
    before = {"duplicate_of_id": document.duplicate_of_id}
    document.duplicate_of_id = duplicate_of_id
    _touch(document)
    _save(
        session,
        document,
        actor=actor,
        action="set_duplicate",
        entity="document",
        before=before,
        after={"duplicate_of_id": duplicate_of_id},
        comment=comment,
    )
    return document


def pieces_for(session: Session, collectivity_id: int, tz: dt.tzinfo) -> list[Piece]:
    """The documents attached to a collectivity as the dossier rules see them.

    Receipt evidence comes from the document's source item, or its parent (the mail an
    attachment came in) when the item has none: ``received_at_source`` ``mail`` gives
    ``delivered_at``, ``manual`` gives ``manual_received_on`` (the day in ``tz``, the
    campaign's zone), ``file_time`` and ``file_mtime`` give ``file_mtime``. A document or
    a source item marked as a duplicate gives ``duplicate=True``.
    """
    pieces: list[Piece] = []
    items: dict[int, SourceItem | None] = {}

    def item(item_id: int | None) -> SourceItem | None:
        if item_id is None:
            return None
        if item_id not in items:
            items[item_id] = get_source_item(session, item_id)
        return items[item_id]

    documents = list_documents(session, collectivity_id)
    # An envelope scanned at once is stamped once: the earliest stamp read on any piece
    # of a file dates the other pieces of that file.
    file_stamps: dict[int, dt.date] = {}
    for doc in documents:
        stamp = doc.value("arrival_stamp_date")
        if isinstance(stamp, dt.date):
            known = file_stamps.get(doc.source_item_id)
            file_stamps[doc.source_item_id] = min(stamp, known) if known else stamp
    for doc in documents:
        own = item(doc.source_item_id)
        if own is None:  # pragma: no cover - the foreign key forbids it
            continue
        parent = item(own.parent_id)
        dated = own if own.received_at is not None or parent is None else parent
        delivered = manual = mtime = None
        if dated.received_at is not None:
            if dated.received_at_source == "mail":
                delivered = dated.received_at
            elif dated.received_at_source == "manual":
                manual = dated.received_at.astimezone(tz).date()
            elif dated.received_at_source == "file_time":
                mtime = dated.received_at
        mtime = own.file_mtime or (parent.file_mtime if parent else None) or mtime
        pieces.append(
            Piece(
                doc_type=doc.doc_type,
                fields=doc.values(),
                channel=own.channel,
                delivered_at=delivered,
                file_mtime=mtime,
                manual_received_on=manual,
                file_stamp_date=file_stamps.get(doc.source_item_id),
                duplicate=doc.duplicate_of_id is not None or own.duplicate_of_id is not None,
                document_id=doc.id,
                confidences={
                    n: c for n in (doc.fields or {}) if (c := doc.confidence(n)) is not None
                },
                evidence={
                    n: d["evidence"]
                    for n, d in (doc.fields or {}).items()
                    if isinstance(d, dict) and isinstance(d.get("evidence"), dict)
                },
            )
        )
    return pieces


# --------------------------------------------------------------------------------------
# Flags


def _same_flag(
    query: Any, collectivity_id: int | None, document_id: int | None, source_item_id: int | None
) -> Any:
    for column, value in (
        (Flag.collectivity_id, collectivity_id),
        (Flag.document_id, document_id),
        (Flag.source_item_id, source_item_id),
    ):
        query = query.where(col(column).is_(None) if value is None else column == value)
    return query


def open_flag(
    session: Session,
    *,
    code: str,
    message: str,
    origin: str,
    actor: str,
    collectivity_id: int | None = None,
    document_id: int | None = None,
    source_item_id: int | None = None,
) -> Flag:
    """Open a flag, unless the same one (code and targets) is already open: then that one
    is returned unchanged."""
    audit.check_actor(actor)
    _require(origin, FLAG_ORIGINS, "origine du signalement")
    if not code or len(code) > 64:
        raise StorageError("code de signalement vide ou trop long (64 caractères au plus)")
    if not message:
        raise StorageError("un signalement a besoin d'un message")
    query = select(Flag).where(Flag.code == code, col(Flag.resolved_at).is_(None))
    existing = session.exec(_same_flag(query, collectivity_id, document_id, source_item_id)).first()
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    flag = Flag(
        code=code,
        message=_text(message) or "",
        origin=origin,
        collectivity_id=collectivity_id,
        document_id=document_id,
        source_item_id=source_item_id,
    )
    _save(
        session,
        flag,
        actor=actor,
        action="open",
        entity="flag",
        after=audit.snapshot(
            flag,
            ("code", "message", "origin", "collectivity_id", "document_id", "source_item_id"),
        ),
    )
    return flag


def resolve_flag(session: Session, flag: Flag, *, by: str, comment: str | None = None) -> Flag:
    """Close a flag: who (staff login or ``system:...``) and why. Already resolved flags
    raise ``StorageError``."""
    audit.check_actor(by)
    if flag.resolved_at is not None:
        raise StorageError(f"signalement déjà résolu par {flag.resolved_by}")
    flag.resolved_at = utcnow()
    flag.resolved_by = by
    flag.comment = _text(comment)
    _save(
        session,
        flag,
        actor=by,
        action="resolve",
        entity="flag",
        before={"resolved_at": None},
        after={"resolved_at": flag.resolved_at, "resolved_by": by},
        comment=comment,
    )
    return flag


def get_flag(session: Session, flag_id: int) -> Flag | None:
    return session.get(Flag, flag_id)


def list_open_flags(
    session: Session,
    *,
    collectivity_id: int | None = None,
    origin: str | None = None,
    code: str | None = None,
    source_item_id: int | None = None,
) -> list[Flag]:
    query = select(Flag).where(col(Flag.resolved_at).is_(None))
    if collectivity_id is not None:
        query = query.where(Flag.collectivity_id == collectivity_id)
    if source_item_id is not None:
        query = query.where(Flag.source_item_id == source_item_id)
    if origin is not None:
        query = query.where(Flag.origin == origin)
    if code is not None:
        query = query.where(Flag.code == code)
    return list(session.exec(query.order_by(col(Flag.id))).all())


def sync_rule_flags(
    session: Session,
    collectivity_id: int,
    flags: Sequence[DossierFlag],
    *,
    actor: str = "system:rules",
) -> tuple[list[Flag], list[Flag]]:
    """Make the open ``rules`` flags of a collectivity match the rules' latest verdict.

    Opens the new ones, resolves (as ``actor``) those no longer raised. A flag that staff
    resolved by hand is not opened again for the same code and document: staff have seen
    it. Returns (opened, resolved).
    """
    audit.check_actor(actor)
    wanted = {(f.code, f.document_id): f for f in flags}
    current = list_open_flags(session, collectivity_id=collectivity_id, origin="rules")
    resolved: list[Flag] = []
    for flag in current:
        if (flag.code, flag.document_id) not in wanted:
            resolved.append(
                resolve_flag(
                    session, flag, by=actor, comment="Résolu automatiquement : plus signalé."
                )
            )
    open_keys = {(f.code, f.document_id) for f in current}
    opened: list[Flag] = []
    for key, dossier_flag in wanted.items():
        if key in open_keys:
            continue
        staff_closed = _same_flag(
            select(Flag).where(
                Flag.code == key[0],
                Flag.origin == "rules",
                col(Flag.resolved_at).is_not(None),
                col(Flag.resolved_by).not_like("system:%"),
            ),
            collectivity_id,
            key[1],
            None,
        )
        if session.exec(staff_closed).first() is not None:
            continue
        opened.append(
            open_flag(
                session,
                code=dossier_flag.code,
                message=dossier_flag.message,
                origin="rules",
                actor=actor,
                collectivity_id=collectivity_id,
                document_id=dossier_flag.document_id,
            )
        )
    return opened, resolved


# --------------------------------------------------------------------------------------
# Dossier states

_STATE_FIELDS = (
    "route",
    "status",
    "missing",
    "received_on",
    "first_received_on",
    "late",
    "schools",
    "student_accounts",
    "flag_codes",
)


def get_dossier_state(session: Session, collectivity_id: int) -> DossierState | None:
    return session.exec(
        select(DossierState).where(DossierState.collectivity_id == collectivity_id)
    ).first()


def save_evaluation(
    session: Session,
    collectivity_id: int,
    evaluation: Evaluation,
    *,
    actor: str = "system:rules",
) -> DossierState:
    """Store the rules' verdict for a collectivity. ``evaluated_at`` is always renewed;
    the audit log gets an entry only when the verdict changed."""
    audit.check_actor(actor)
    if get_collectivity(session, collectivity_id) is None:
        raise NotFoundError(f"collectivité introuvable : {collectivity_id}")
    _require(evaluation.status, DOSSIER_STATUSES, "statut de dossier")
    values: dict[str, Any] = {
        "route": evaluation.route,
        "status": evaluation.status,
        "missing": list(evaluation.missing),
        "received_on": evaluation.received_on,
        "first_received_on": evaluation.first_received_on,
        "late": bool(evaluation.late),
        "schools": evaluation.schools,
        "student_accounts": evaluation.student_accounts,
        "flag_codes": list(evaluation.flag_codes),
    }
    state = get_dossier_state(session, collectivity_id)
    if state is None:
        state = DossierState(collectivity_id=collectivity_id, evaluated_at=utcnow(), **values)
        _save(
            session,
            state,
            actor=actor,
            action="create",
            entity="dossier_state",
            after={"collectivity_id": collectivity_id, **audit.jsonable(values)},
        )
        return state
    before, after = audit.diff({k: getattr(state, k) for k in _STATE_FIELDS}, values)
    for key in _STATE_FIELDS:
        setattr(state, key, values[key])
    state.evaluated_at = utcnow()
    session.add(state)
    session.flush()
    if after:
        audit.record(
            session,
            actor=actor,
            action="update",
            entity="dossier_state",
            entity_id=state.id,
            before=before,
            after=after,
        )
    return state


def list_dossiers(
    session: Session,
    *,
    status: str | None = None,
    department: str | None = None,
    kind: str | None = None,
) -> list[tuple[Collectivity, DossierState | None]]:
    """Every collectivity with its last verdict (None if never evaluated), by code.
    ``status="missing"`` also lists collectivities never evaluated."""
    query = select(Collectivity, DossierState).join(
        DossierState, col(DossierState.collectivity_id) == col(Collectivity.id), isouter=True
    )
    query = _dossier_filters(query, status=status, department=department, kind=kind)
    rows = session.exec(query.order_by(col(Collectivity.code))).all()
    return [(c, s) for c, s in rows]


def _dossier_filters(
    query: Any, *, status: str | None, department: str | None, kind: str | None
) -> Any:
    if status is not None:
        _require(status, DOSSIER_STATUSES, "statut de dossier")
        cond = col(DossierState.status) == status
        if status == "missing":
            cond = or_(cond, col(DossierState.id).is_(None))
        query = query.where(cond)
    if department is not None:
        query = query.where(Collectivity.department == department)
    if kind is not None:
        query = query.where(Collectivity.kind == kind)
    return query


def list_dossier_rows(
    session: Session,
    *,
    status: str | None = None,
    department: str | None = None,
    kind: str | None = None,
) -> list[Any]:
    """What ``list_dossiers`` gives, as plain rows of columns rather than ORM objects
    (about 8 times faster over a whole roster: the status table of every page). Each row
    has ``id``, ``code``, ``name``, ``department`` of the collectivity, and ``state_id``
    (None if never evaluated), ``route``, ``status``, ``missing``, ``late``,
    ``received_on``, ``first_received_on``, ``schools``, ``student_accounts``,
    ``flag_codes`` of its verdict; by code, same filters."""
    query = select(  # type: ignore[call-overload]
        col(Collectivity.id),
        col(Collectivity.code),
        col(Collectivity.name),
        col(Collectivity.department),
        col(DossierState.id).label("state_id"),
        col(DossierState.route),
        col(DossierState.status),
        col(DossierState.missing),
        col(DossierState.late),
        col(DossierState.received_on),
        col(DossierState.first_received_on),
        col(DossierState.schools),
        col(DossierState.student_accounts),
        col(DossierState.flag_codes),
    ).join(DossierState, col(DossierState.collectivity_id) == col(Collectivity.id), isouter=True)
    query = _dossier_filters(query, status=status, department=department, kind=kind)
    return list(session.execute(query.order_by(col(Collectivity.code))).all())


# --------------------------------------------------------------------------------------
# Bulk reads for re-evaluating a whole roster


def collectivity_ids_with_documents(session: Session) -> set[int]:
    """Ids of the collectivities that have at least one document attached."""
    rows = session.exec(
        select(Document.collectivity_id)
        .where(col(Document.collectivity_id).is_not(None))
        .distinct()
    ).all()
    return {int(r) for r in rows if r is not None}


def collectivity_ids_with_open_flags(session: Session, *, origin: str | None = None) -> set[int]:
    """Ids of the collectivities that have an open flag (of that origin)."""
    query = select(Flag.collectivity_id).where(
        col(Flag.resolved_at).is_(None), col(Flag.collectivity_id).is_not(None)
    )
    if origin is not None:
        query = query.where(Flag.origin == origin)
    return {int(r) for r in session.exec(query.distinct()).all() if r is not None}


def preload(session: Session, model: Any, ids: Iterable[int | None]) -> list[Any]:
    """Load the rows of ``model`` with these ids in a few queries (500 ids each), so that
    the ``session.get`` of ``get_document``, ``get_source_item``... that follow find them
    in the session without a query each. The session holds its objects weakly: keep the
    returned list alive while they are used."""
    wanted = sorted({int(i) for i in ids if i is not None})
    loaded: list[Any] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        loaded.extend(session.exec(select(model).where(col(model.id).in_(chunk))).all())
    return loaded


def dossier_states_for(
    session: Session, collectivity_ids: Iterable[int | None]
) -> dict[int, DossierState]:
    """The verdicts of these collectivities, by collectivity id (few queries)."""
    wanted = sorted({int(i) for i in collectivity_ids if i is not None})
    found: dict[int, DossierState] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(DossierState).where(col(DossierState.collectivity_id).in_(chunk))
        found.update({s.collectivity_id: s for s in session.exec(query).all()})
    return found


def dossier_states_by_collectivity(session: Session) -> dict[int, DossierState]:
    return {s.collectivity_id: s for s in session.exec(select(DossierState)).all()}


def same_verdict(state: DossierState | None, evaluation: Evaluation) -> bool:
    """True when a stored verdict already says what ``evaluation`` says."""
    if state is None:
        return False
    return (
        state.route == evaluation.route
        and state.status == evaluation.status
        and list(state.missing) == list(evaluation.missing)
        and state.received_on == evaluation.received_on
        and state.first_received_on == evaluation.first_received_on
        and bool(state.late) == bool(evaluation.late)
        and state.schools == evaluation.schools
        and state.student_accounts == evaluation.student_accounts
        and list(state.flag_codes) == list(evaluation.flag_codes)
    )


def stale_dossier_ids(session: Session) -> set[int]:
    """Collectivities whose documents changed since their dossier was last evaluated (or
    that were never evaluated): a run that died after filing leaves these behind, and
    the next one re-evaluates them."""
    query = (
        select(Document.collectivity_id)
        .join(
            DossierState,
            col(DossierState.collectivity_id) == col(Document.collectivity_id),
            isouter=True,
        )
        .where(
            col(Document.collectivity_id).is_not(None),
            or_(
                col(DossierState.id).is_(None),
                col(Document.updated_at) > col(DossierState.evaluated_at),
            ),
        )
        .distinct()
    )
    return {int(r) for r in session.exec(query).all() if r is not None}


# --------------------------------------------------------------------------------------
# Staff accounts (the web app). Password hashes are made by the caller
# (``dashboard.security.hash_password``) and never written to the audit log.

_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
USER_FIELDS = ("login", "role", "disabled")


def check_login(login: object) -> str:
    """``login`` if acceptable as an account name (letters, digits, ``. _ @ -``)."""
    if not isinstance(login, str) or not _LOGIN.fullmatch(login):
        raise StorageError(
            "identifiant invalide : 1 à 64 caractères, lettres sans accent, chiffres, "
            "point, tiret, tiret bas ou @, commençant par une lettre ou un chiffre"
        )
    return login


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_login(session: Session, login: str) -> User | None:
    """The account with this login (logins compare case-insensitively)."""
    if not isinstance(login, str):
        return None
    return session.exec(
        select(User).where(func.lower(col(User.login)) == login.strip().lower())
    ).first()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.login))).all())


def create_user(session: Session, login: str, password_hash: str, role: str, *, actor: str) -> User:
    audit.check_actor(actor)
    check_login(login)
    _require(role, ROLES, "rôle")
    if not password_hash:
        raise StorageError("mot de passe manquant")
    if get_user_by_login(session, login) is not None:
        raise AlreadyExistsError(f"l'identifiant {login} existe déjà")
    user = User(login=login, password_hash=password_hash, role=role)
    _save(
        session,
        user,
        actor=actor,
        action="create",
        entity="user",
        after=audit.snapshot(user, USER_FIELDS),
    )
    return user


def _update_user(session: Session, user: User, values: dict[str, Any], *, actor: str) -> bool:
    audit.check_actor(actor)
    before, after = audit.diff({k: getattr(user, k) for k in values}, values)
    if not after:
        return False
    for key, value in values.items():
        setattr(user, key, value)
    _touch(user)
    _save(session, user, actor=actor, action="update", entity="user", before=before, after=after)
    return True


def set_user_password(session: Session, user: User, password_hash: str, *, actor: str) -> None:
    """A new password (hash); also clears the failed-login count. Audited without it."""
    audit.check_actor(actor)
    if not password_hash:
        raise StorageError("mot de passe manquant")
    user.password_hash = password_hash
    user.failed_logins = 0
    user.last_failed_at = None
    _touch(user)
    _save(
        session,
        user,
        actor=actor,
        action="set_password",
        entity="user",
        after={"login": user.login, "password": "changed"},
    )


def set_user_role(session: Session, user: User, role: str, *, actor: str) -> bool:
    _require(role, ROLES, "rôle")
    return _update_user(session, user, {"role": role}, actor=actor)


def set_user_disabled(session: Session, user: User, disabled: bool, *, actor: str) -> bool:
    return _update_user(session, user, {"disabled": bool(disabled)}, actor=actor)


def record_login_failure(
    session: Session, user: User, at: dt.datetime | None = None, *, actor: str = "system:web"
) -> User:
    """One more consecutive wrong password for ``user`` (at ``at``, default now)."""
    at = _aware(at, "date de l'échec") or utcnow()
    before = {"failed_logins": user.failed_logins}
    user.failed_logins = (user.failed_logins or 0) + 1
    user.last_failed_at = at
    _save(
        session,
        user,
        actor=actor,
        action="login_failed",
        entity="user",
        before=before,
        after={"failed_logins": user.failed_logins},
    )
    return user


def record_login_success(session: Session, user: User, *, actor: str = "system:web") -> User:
    """A successful login: the failure count starts again from zero."""
    before = {"failed_logins": user.failed_logins}
    user.failed_logins = 0
    user.last_failed_at = None
    _save(session, user, actor=actor, action="login", entity="user", before=before)
    return user


# --------------------------------------------------------------------------------------
# Web app: dossier page, staff corrections, triage queue


def list_flags_of_dossier(session: Session, collectivity_id: int) -> list[Flag]:
    """Every flag about a collectivity or one of its documents: open ones first, newest
    first within each group."""
    doc_ids = select(Document.id).where(Document.collectivity_id == collectivity_id)
    query = select(Flag).where(
        or_(col(Flag.collectivity_id) == collectivity_id, col(Flag.document_id).in_(doc_ids))
    )
    rows = list(session.exec(query.order_by(col(Flag.id).desc())).all())
    return sorted(rows, key=lambda f: f.resolved_at is not None)


def dossier_audit(session: Session, collectivity_id: int, *, limit: int = 25) -> list[Any]:
    """The latest audit entries (newest first) about a dossier: the collectivity, its
    verdict, its documents, their source items (and the mails they came in), its flags."""
    entry = audit.AuditEntry
    documents = list_documents(session, collectivity_id)
    items = {d.source_item_id for d in documents}
    parents = {
        i.parent_id for i in (get_source_item(session, x) for x in items) if i and i.parent_id
    }
    flags = [f.id for f in list_flags_of_dossier(session, collectivity_id)]
    state = get_dossier_state(session, collectivity_id)
    targets: list[tuple[str, list[int]]] = [
        ("collectivity", [collectivity_id]),
        ("dossier_state", [state.id] if state and state.id else []),
        ("document", [d.id for d in documents if d.id is not None]),
        ("source_item", sorted(items | parents)),
        ("flag", [f for f in flags if f is not None]),
    ]
    conditions = [
        (col(entry.entity) == name) & col(entry.entity_id).in_(ids) for name, ids in targets if ids
    ]
    session.flush()
    query = select(entry).where(or_(*conditions)).order_by(col(entry.id).desc()).limit(limit)
    return list(session.exec(query).all())


def record_paper_piece(
    session: Session,
    collectivity_id: int,
    doc_type: str,
    received_at: dt.datetime,
    *,
    sha256: str,
    size: int,
    origin_ref: str,
    actor: str,
    fields: Mapping[str, FieldValue] | None = None,
    note: str | None = None,
) -> Document:
    """A piece staff received on paper and record by hand: a ``manual`` source item (its
    bytes, at ``sha256``, are the record itself), received at ``received_at``
    (``received_at_source = "manual"``), holding one document of ``doc_type`` with the
    ``fields`` staff read on it (certain), attached to the collectivity. All audited."""
    audit.check_actor(actor)
    if get_collectivity(session, collectivity_id) is None:
        raise NotFoundError(f"collectivité introuvable : {collectivity_id}")
    _require(doc_type, DOC_TYPES, "type de pièce")
    values = {k: v for k, v in (fields or {}).items() if v is not None}
    extracted = ExtractedDocument(
        type=doc_type,
        pages=[],
        fields={k: FieldResult(_check_value(k, v), 1.0) for k, v in values.items()},
    )
    _check_fields(doc_type, extracted.fields)
    label = "Pièce reçue sur papier, saisie à la main"
    item = add_source_item(
        session,
        sha256=sha256,
        size=size,
        origin="manual",
        origin_ref=origin_ref,
        channel="registered_mail",
        actor=actor,
        original_name=f"{label} : {note}" if note else label,
        received_at=received_at,
        received_at_source="manual",
        duplicate_of_id=None,
    )
    document = add_document(session, item, extracted, actor=actor)
    attach_document(
        session, document, collectivity_id, method="manual", score=1.0, actor=actor, comment=note
    )
    mark_processed(session, item, actor=actor)
    return document


def document_ids_with_flags(session: Session) -> set[int]:
    """Ids of the documents any flag (open or resolved) speaks of."""
    rows = session.exec(
        select(Flag.document_id).where(col(Flag.document_id).is_not(None)).distinct()
    ).all()
    return {int(r) for r in rows if r is not None}


def list_departments(session: Session) -> list[str]:
    """The départements of the roster, sorted."""
    rows = session.exec(select(Collectivity.department).distinct()).all()
    return sorted({str(d) for d in rows if d})


def roster_stamp(session: Session) -> tuple[int, str]:
    """What changes whenever the roster does (its size, its last update): a cache key."""
    count, last = session.exec(
        select(func.count(col(Collectivity.id)), func.max(col(Collectivity.updated_at)))
    ).one()
    return int(count or 0), str(last)


def collectivity_codes_and_names(session: Session) -> list[tuple[str, str]]:
    """Every collectivity's (code, name), by code: two columns, no ORM objects."""
    rows = session.exec(
        select(Collectivity.code, Collectivity.name).order_by(col(Collectivity.code))
    ).all()
    return [(str(code), str(name)) for code, name in rows]


def search_collectivities(session: Session, text: str, *, limit: int = 20) -> list[Collectivity]:
    """Collectivities whose code or SIREN starts with ``text`` or whose name contains it
    (case-insensitive), by code."""
    text = (text or "").strip()
    if not text:
        return []
    literal = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = select(Collectivity).where(
        or_(
            col(Collectivity.code).startswith(text, autoescape=True),
            col(Collectivity.siren).startswith(text, autoescape=True),
            col(Collectivity.name).ilike(f"%{literal}%", escape="\\"),
        )
    )
    return list(session.exec(query.order_by(col(Collectivity.code)).limit(limit)).all())
