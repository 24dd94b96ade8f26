"""The dossier page ``/collectivites/{code}`` and the changes staff make from it (and
from the triage queue): correct a field, attach or move a piece, set a receipt date,
resolve a flag, record a piece received on paper.

Every change is a POST with the CSRF token, by a triager or an admin; crud audits it
(who, when, before, after) and the dossiers it touches are re-evaluated at once, in the
same transaction, so the page reloaded after the redirect shows the new verdict.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from dashboard.deps import CSRF, DB, ReadDB, Triager, Viewer, actor, get_ctx, today
from dashboard.routes.documents import page_renderer
from dashboard.templating import flash, render
from dashboard.views import (
    InputError,
    collectivity_datalist,
    display_value,
    dossier_view,
    field_changes,
    field_label_fr,
    find_collectivity,
    local_noon,
    parse_day,
    parse_field_input,
    safe_next,
)
from flows.dossiers import reevaluate_one
from storage import crud
from storage.errors import StorageError
from storage.models import Collectivity, Document, Flag, User

router = APIRouter()
STATUS_FR = {"complete": "Complet", "incomplete": "Incomplet", "missing": "Manquant"}
MAX_COMMENT = 2000


async def form_data(request: Request) -> dict[str, str]:
    """The posted form as plain strings (files ignored)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


Form = Annotated[dict[str, str], Depends(form_data)]


def datalist(request: Request, s: Session) -> Markup:
    """The attach forms' list of collectivities, cached in the app's state."""
    cache = getattr(request.app.state, "collectivity_datalist", None)
    if cache is None:
        cache = request.app.state.collectivity_datalist = {}
    return collectivity_datalist(s, cache)


def _collectivity(s: Session, code: str) -> Collectivity:
    found = crud.get_collectivity_by_code(s, code)
    if found is None:
        raise HTTPException(404, f"Aucune collectivité n'a le code « {code[:40]} ».")
    return found


def _document(s: Session, document_id: int) -> Document:
    found = crud.get_document(s, document_id)
    if found is None:
        raise HTTPException(404, f"Pièce introuvable : {document_id}.")
    return found


def _comment(form: dict[str, str]) -> str | None:
    text = (form.get("comment") or "").strip()
    if len(text) > MAX_COMMENT:
        raise InputError(f"Commentaire trop long ({MAX_COMMENT} caractères au plus).")
    return text or None


def _dossier_url(code: str, anchor: str = "") -> str:
    return f"/collectivites/{code}" + (f"#{anchor}" if anchor else "")


def _back(form: dict[str, str], default: str) -> RedirectResponse:
    return RedirectResponse(safe_next(form.get("next"), default), status_code=303)


def _reevaluate(
    request: Request, s: Session, user: User, collectivity_ids: set[int | None]
) -> dict[int, str]:
    """Re-evaluate the dossiers touched; their new status by collectivity id."""
    campaign = get_ctx(request).campaign
    out: dict[int, str] = {}
    for cid in sorted(c for c in collectivity_ids if c is not None):
        collectivity = crud.get_collectivity(s, cid)
        if collectivity is not None:
            out[cid] = reevaluate_one(s, campaign, collectivity, actor=actor(user)).status
    return out


def _verdict_fr(statuses: dict[int, str], cid: int | None) -> str:
    status = statuses.get(cid or -1)
    return f" Dossier : {STATUS_FR.get(status, status)}." if status else ""


# ------------------------------------------------------------------ the page


@router.get("/collectivites/{code}")
def dossier_page(
    request: Request,
    s: ReadDB,
    user: Viewer,
    code: str,
    doc: Annotated[int | None, Query(ge=1)] = None,
    page: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    field: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    ctx = get_ctx(request)
    collectivity = _collectivity(s, code)
    view = dossier_view(
        s,
        ctx.campaign,
        collectivity,
        page_renderer(request),
        today=today(request),
        doc=doc,
        page=page,
        field_name=field,
    )
    can_edit = user.role in ("triager", "admin")
    return render(
        request,
        "dossier.html",
        title=f"{collectivity.name} ({collectivity.code})",
        nav="collectivities",
        can_edit=can_edit,
        datalist=datalist(request, s) if can_edit else "",
        **view,
    )


# ------------------------------------------------------------------ changes


@router.post("/documents/{document_id}/champs")
def correct_fields(
    request: Request, s: DB, user: Triager, _: CSRF, form: Form, document_id: int
) -> Response:
    document = _document(s, document_id)
    owner = crud.get_collectivity(s, document.collectivity_id) if document.collectivity_id else None
    default = _dossier_url(owner.code, f"piece-{document_id}") if owner else "/triage"
    try:
        changes = field_changes(document, form)
        comment = _comment(form)
        if not changes:
            flash(request, "Aucun champ modifié.", "info")
            return _back(form, default)
        before = {name: display_value(document.value(name)) for name in changes}
        crud.update_document_fields(s, document, changes, actor=actor(user), comment=comment)
    except (InputError, StorageError) as exc:
        flash(request, f"Correction refusée : {exc}", "error")
        return _back(form, default)
    statuses = _reevaluate(request, s, user, {document.collectivity_id})
    described = ", ".join(
        f"{field_label_fr(n)} : {before[n]} → {display_value(v)}" for n, v in changes.items()
    )
    flash(
        request,
        f"Pièce n° {document_id} corrigée ({described})."
        + _verdict_fr(statuses, document.collectivity_id),
    )
    return _back(form, default)


@router.post("/documents/{document_id}/rattacher")
def attach(
    request: Request, s: DB, user: Triager, _: CSRF, form: Form, document_id: int
) -> Response:
    document = _document(s, document_id)
    previous = document.collectivity_id
    old = crud.get_collectivity(s, previous) if previous else None
    default = _dossier_url(old.code, f"piece-{document_id}") if old else "/triage"
    try:
        target = find_collectivity(s, form.get("collectivite", ""))
        comment = _comment(form)
        if target.id == previous:
            flash(request, f"La pièce n° {document_id} est déjà dans ce dossier.", "info")
            return _back(form, default)
        crud.attach_document(
            s, document, target.id, method="manual", score=1.0, actor=actor(user), comment=comment
        )
    except (InputError, StorageError) as exc:
        flash(request, f"Rattachement refusé : {exc}", "error")
        return _back(form, default)
    for flag in crud.list_open_flags(s):
        if flag.document_id == document_id and flag.code in (
            "unmatched_document",
            "match_conflict",
        ):
            crud.resolve_flag(
                s,
                flag,
                by=actor(user),
                comment=comment or f"Pièce rattachée à {target.name} ({target.code}).",
            )
    statuses = _reevaluate(request, s, user, {previous, target.id})
    verb = "déplacée" if previous else "rattachée"
    message = f"Pièce n° {document_id} {verb} vers {target.name} ({target.code})."
    if old is not None:
        message += f" Dossier {old.name} : {STATUS_FR.get(statuses.get(previous or -1, ''), '')}."
    message += _verdict_fr(statuses, target.id)
    flash(request, message)
    return _back(form, default if previous is None else _dossier_url(target.code))


@router.post("/documents/{document_id}/date-reception")
def set_receipt_date(
    request: Request, s: DB, user: Triager, _: CSRF, form: Form, document_id: int
) -> Response:
    document = _document(s, document_id)
    owner = crud.get_collectivity(s, document.collectivity_id) if document.collectivity_id else None
    default = _dossier_url(owner.code, f"piece-{document_id}") if owner else "/triage"
    campaign = get_ctx(request).campaign
    item = crud.get_source_item(s, document.source_item_id)
    if item is None:  # pragma: no cover - foreign key
        raise HTTPException(404, "Élément reçu introuvable.")
    try:
        day = parse_day(form.get("date", ""), "La date de réception")
        comment = _comment(form)
        crud.set_received_at(
            s, item, local_noon(day, campaign), "manual", actor=actor(user), comment=comment
        )
    except (InputError, StorageError) as exc:
        flash(request, f"Date refusée : {exc}", "error")
        return _back(form, default)
    touched = {d.collectivity_id for d in crud.list_documents_for_item(s, item.id or 0)}
    statuses = _reevaluate(request, s, user, touched)
    flash(
        request,
        f"Date de réception du {day.strftime('%d/%m/%Y')} enregistrée pour la pièce "
        f"n° {document_id}." + _verdict_fr(statuses, document.collectivity_id),
    )
    return _back(form, default)


@router.post("/signalements/{flag_id}/resoudre")
def resolve(request: Request, s: DB, user: Triager, _: CSRF, form: Form, flag_id: int) -> Response:
    flag: Flag | None = crud.get_flag(s, flag_id)
    if flag is None:
        raise HTTPException(404, f"Signalement introuvable : {flag_id}.")
    cid = flag.collectivity_id
    if cid is None and flag.document_id is not None:
        doc = crud.get_document(s, flag.document_id)
        cid = doc.collectivity_id if doc else None
    owner = crud.get_collectivity(s, cid) if cid else None
    default = _dossier_url(owner.code, "signalements") if owner else "/triage"
    try:
        comment = _comment(form)
        if not comment:
            raise InputError("Indiquer en commentaire pourquoi le signalement est résolu.")
        crud.resolve_flag(s, flag, by=actor(user), comment=comment)
    except (InputError, StorageError) as exc:
        flash(request, f"Résolution refusée : {exc}", "error")
        return _back(form, default)
    statuses = _reevaluate(request, s, user, {cid})
    flash(request, f"Signalement résolu : {flag.message}" + _verdict_fr(statuses, cid))
    return _back(form, default)


@router.post("/collectivites/{code}/pieces")
def record_paper(
    request: Request, s: DB, user: Triager, _: CSRF, form: Form, code: str
) -> Response:
    collectivity = _collectivity(s, code)
    assert collectivity.id is not None
    ctx = get_ctx(request)
    campaign = ctx.campaign
    default = _dossier_url(code, "pieces")
    doc_type = form.get("type", "")
    try:
        if doc_type not in campaign.pieces:
            raise InputError("Choisir le type de la pièce reçue.")
        day = parse_day(form.get("date", ""), "La date de réception")
        note = (form.get("note") or "").strip()[:500] or None
        values: dict[str, Any] = {}
        errors: list[str] = []
        for name in crud.allowed_fields(doc_type):
            key = f"f_{doc_type}_{name}"
            if key in form:
                try:
                    values[name] = parse_field_input(name, form[key])
                except InputError as exc:
                    errors.append(str(exc))
        if errors:
            raise InputError(" ".join(errors))
        record = {
            "kind": "paper_piece",
            "collectivity": collectivity.code,
            "type": doc_type,
            "received_on": day.isoformat(),
            "note": note,
            "fields": {
                k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()
            },
            "by": actor(user),
            "nonce": secrets.token_hex(8),
        }
        data = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
        sha = ctx.store.put(data)
        document = crud.record_paper_piece(
            s,
            collectivity.id,
            doc_type,
            local_noon(day, campaign),
            sha256=sha,
            size=len(data),
            origin_ref=f"web:{sha[:32]}",
            actor=actor(user),
            fields=values,
            note=note,
        )
    except (InputError, StorageError) as exc:
        flash(request, f"Enregistrement refusé : {exc}", "error")
        return _back(form, default)
    statuses = _reevaluate(request, s, user, {collectivity.id})
    flash(
        request,
        f"Pièce « {campaign.pieces[doc_type].short} » reçue sur papier le "
        f"{day.strftime('%d/%m/%Y')} enregistrée (n° {document.id})."
        + _verdict_fr(statuses, collectivity.id),
    )
    return _back(form, _dossier_url(code, f"piece-{document.id}"))
