"""What needs a human: open flags (about a file, a piece or a dossier), documents no
collectivity could be matched to, items whose processing failed. Most urgent first:
items and pieces that cannot be filed, then dossiers by their flags."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from config.campaign import Campaign
from rules.flags import FIELD_NOUNS, uncertain_field_of
from storage import crud
from storage.models import Collectivity, Document, DossierState, SourceItem

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


# ------------------------------------------------------------------ the web app's queue

REASON_FR: dict[str, str] = {
    "processing_failed": "Traitement en échec",
    "unmatched_document": "Pièce non rattachée",
    "unreadable_file": "Fichier illisible",
    "attachment_problem": "Pièce jointe inutilisable",
    "no_attachment": "Courriel sans pièce jointe",
    "no_piece_recognized": "Aucune pièce reconnue",
    "match_conflict": "Rattachement incertain",
    "convention_unsigned": "Convention non signée",
    "deliberation_without_acknowledgment": "Délibération sans accusé de la préfecture",
    "deliberation_not_authorizing": "Délibération n'autorisant pas la signature",
    "needs_form_without_numbers": "Fiche de besoins sans chiffres",
    "name_mismatch": "Nom de collectivité discordant",
    "siren_mismatch": "SIREN discordant",
    "deliberation_after_signature": "Délibération postérieure à la signature",
    "wrong_channel": "Mode d'envoi inattendu",
    "receipt_from_file_time": "Date de réception à confirmer",
    "stamp_after_file": "Tampon d'arrivée incohérent",
    "received_before_opening": "Reçue avant l'ouverture de la campagne",
    "receipt_date_unknown": "Date de réception inconnue",
    "act_id_unreadable": "Identifiant d'acte illisible",
}
# Reasons about a file or a piece that is not filed in any dossier yet: it may hold any
# dossier's missing piece.
UNFILED = frozenset(
    {
        "processing_failed",
        "unmatched_document",
        "unreadable_file",
        "attachment_problem",
        "no_attachment",
        "no_piece_recognized",
    }
)


def _first_page(session: Session, doc: Any) -> int | None:
    """The page a thumbnail of the document shows; None for a piece recorded by hand."""
    item = crud.get_source_item(session, doc.source_item_id)
    if item is None or item.origin == "manual":
        return None
    pages = sorted(p for p in (doc.pages or []) if isinstance(p, int) and p >= 1)
    return pages[0] if pages else 1


@dataclass
class _Preloaded:
    objects: list[Any]  # keeps the session's weakly held objects alive
    by_code: dict[str, Collectivity]
    states: dict[int, DossierState]


def _preload(session: Session) -> _Preloaded:
    """The documents, source items (and their parents), collectivities and verdicts the
    queue will read, loaded in bulk."""
    flags = crud.list_open_flags(session)
    unattached = crud.list_unattached_documents(session)
    documents = crud.preload(session, Document, (f.document_id for f in flags))
    pieces = [*documents, *unattached]
    items = crud.preload(
        session,
        SourceItem,
        [*(f.source_item_id for f in flags), *(d.source_item_id for d in pieces)],
    )
    parents = crud.preload(session, SourceItem, (i.parent_id for i in items))
    collectivities = crud.preload(
        session,
        Collectivity,
        [*(f.collectivity_id for f in flags), *(d.collectivity_id for d in pieces)],
    )
    states = crud.dossier_states_for(session, [c.id for c in collectivities])
    return _Preloaded(
        objects=[*flags, *pieces, *items, *parents, *collectivities],
        by_code={c.code: c for c in collectivities},
        states=states,
    )


def reason_fr(code: str) -> str:
    field = uncertain_field_of(code)
    if field is not None and code not in REASON_FR:
        noun = FIELD_NOUNS.get(field, (field, False))[0]
        return f"Champ à vérifier : {noun}"
    return REASON_FR.get(code, code)


def triage_queue(
    session: Session, campaign: Campaign, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """``triage_rows`` for the web app, plus campaign pieces attached to no collectivity
    that no flag speaks of, each row with its document (``document``: type, whether it
    can be attached), its dossier's verdict (``dossier``) and ``reason_fr``. Most urgent
    first: while the deadline has not passed, rows that can hold a missing piece (files
    and pieces not filed, dossiers still missing pieces) before the others; among them
    the unfiled files and pieces first (by ``URGENCY``: failed, unmatched, unreadable…),
    then the dossiers with the most pieces missing; then the oldest first."""
    keep = _preload(session)  # one query per table instead of one per row and table
    rows = triage_rows(session)
    flagged_docs = crud.document_ids_with_flags(session)
    for doc in crud.list_unattached_documents(session):
        if doc.id in flagged_docs or doc.doc_type not in campaign.pieces:
            continue
        rows.append(
            {
                "flag_id": None,
                "reason": "unmatched_document",
                "message": (
                    f"Pièce « {campaign.piece_label(doc.doc_type)} » non rattachée à une "
                    "collectivité."
                ),
                "origin": "ingest",
                "collectivity": None,
                "document_id": doc.id,
                "source": _source(session, doc.source_item_id),
                "created_at": doc.created_at.isoformat(),
            }
        )
    states: dict[str, Any] = {}
    before_deadline = today is None or today <= campaign.deadline
    for row in rows:
        row["reason_fr"] = reason_fr(row["reason"])
        row["field"] = uncertain_field_of(row["reason"])  # its evidence box is shown
        piece = crud.get_document(session, row["document_id"]) if row["document_id"] else None
        row["document"] = (
            {
                "id": piece.id,
                "doc_type": piece.doc_type,
                "attached": piece.collectivity_id is not None,
                "source_item_id": piece.source_item_id,
                "first_page": _first_page(session, piece),
            }
            if piece is not None
            else None
        )
        if row["collectivity"] is None and piece is not None and piece.collectivity_id is not None:
            found = crud.get_collectivity(session, piece.collectivity_id)
            if found is not None:
                row["collectivity"] = {"code": found.code, "name": found.name}
        dossier = None
        if row["collectivity"] is not None:
            code = row["collectivity"]["code"]
            if code not in states:
                c = keep.by_code.get(code) or crud.get_collectivity_by_code(session, code)
                state = (
                    (keep.states.get(c.id) or crud.get_dossier_state(session, c.id))
                    if c and c.id
                    else None
                )
                states[code] = (
                    {"status": state.status, "missing": list(state.missing), "late": state.late}
                    if state
                    else None
                )
            dossier = states[code]
        row["dossier"] = dossier
        holds_missing = row["reason"] in UNFILED or (
            dossier is not None and dossier["status"] != "complete"
        )
        missing = len(dossier["missing"]) if dossier else 0
        row["_key"] = (
            0 if holds_missing and before_deadline else 1,
            0 if row["reason"] in UNFILED else 1,
            -missing,
            URGENCY.get(row["reason"], 9),
            row["created_at"],
        )
    rows.sort(key=lambda r: r["_key"])
    for row in rows:
        del row["_key"]
    return rows
