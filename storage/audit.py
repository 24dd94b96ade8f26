"""The audit log: one append-only row per change, by a machine or a person.

Actors are ``system:<component>`` (``system:ingest``, ``system:rules``...) or a staff
login. ``before``/``after`` hold the changed values only (JSON-safe), or a whole row for
a creation.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from storage.errors import StorageError
from storage.models import AuditEntry
from storage.types import utcnow

MAX_ACTOR = 255


class AuditError(StorageError):
    pass


def check_actor(actor: object) -> str:
    """``actor`` if usable in the log (a non-blank name of at most 255 characters)."""
    if not isinstance(actor, str) or not actor.strip():
        raise AuditError("toute modification doit indiquer son auteur")
    if len(actor) > MAX_ACTOR:
        raise AuditError(f"nom d'auteur trop long ({MAX_ACTOR} caractères au plus)")
    return actor.strip()


def jsonable(value: Any) -> Any:
    """``value`` with dates, datetimes, sets, tuples and enums made JSON-safe."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, SQLModel):
        return snapshot(value)
    return str(value)


def snapshot(obj: SQLModel, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """A JSON-safe copy of a row's columns (all, or ``fields``)."""
    names = list(fields) if fields is not None else list(type(obj).model_fields)
    return {name: jsonable(getattr(obj, name)) for name in names}


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The keys whose JSON-safe values differ, as (before, after) dicts."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        b, a = jsonable(before.get(key)), jsonable(after.get(key))
        if b != a:
            old[key], new[key] = b, a
    return old, new


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    comment: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit log (in the caller's transaction)."""
    actor = check_actor(actor)
    if not action or not entity:
        raise AuditError("action and entity are required")
    entry = AuditEntry(
        at=utcnow(),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        comment=comment.replace("\x00", "\ufffd") if comment is not None else None,
    )
    session.add(entry)
    return entry


def entries(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: int | None = None,
    actor: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Audit entries, oldest first, optionally for one entity / row / actor."""
    session.flush()
    query = select(AuditEntry)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    query = query.order_by(col(AuditEntry.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())
