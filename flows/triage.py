"""What needs a human: open flags (about a file, a piece or a dossier), documents no
collectivity could be matched to, items whose processing failed. Most urgent first:
items and pieces that cannot be filed, then dossiers by their flags."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from storage import crud
from storage.models import Collectivity, SourceItem

# Reason codes that stop a piece from being counted come first.
URGENCY = {
    "processing_failed": 0,
    "unmatched_document": 1,
    "unreadable_file": 2,
    "attachment_problem": 2,
    "no_attachment": 3,
    "no_piece_recognized": 3,
    "match_conflict": 4,
}


def _source(session: Session, item_id: int | None) -> dict[str, Any] | None:
    item = crud.get_source_item(session, item_id) if item_id else None
    if item is None:
        return None
    parent: SourceItem | None = (
        crud.get_source_item(session, item.parent_id) if item.parent_id else None
    )
    message = parent or item
    return {
        "origin": message.origin,
        "file": message.original_name if message.origin in ("scan", "manual") else None,
        "sender": message.sender,
        "subject": message.subject,
        "attachment": item.original_name if parent else None,
        "received_at": message.received_at.isoformat() if message.received_at else None,
        "status": item.status,
    }


def triage_rows(session: Session) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    names: dict[int, Collectivity] = {}

    def collectivity(cid: int | None) -> dict[str, str] | None:
        if cid is None:
            return None
        if cid not in names:
            found = crud.get_collectivity(session, cid)
            if found is None:
                return None
            names[cid] = found
        return {"code": names[cid].code, "name": names[cid].name}

    for flag in crud.list_open_flags(session):
        item_id = flag.source_item_id
        if item_id is None and flag.document_id is not None:
            doc = crud.get_document(session, flag.document_id)
            item_id = doc.source_item_id if doc else None
        rows.append(
            {
                "flag_id": flag.id,
                "reason": flag.code,
                "message": flag.message,
                "origin": flag.origin,
                "collectivity": collectivity(flag.collectivity_id),
                "document_id": flag.document_id,
                "source": _source(session, item_id),
                "created_at": flag.created_at.isoformat(),
            }
        )
    rows.sort(key=lambda r: (URGENCY.get(r["reason"], 9), r["created_at"]))
    return rows
