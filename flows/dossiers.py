"""Dossier evaluation: read a collectivity's pieces from storage, run the dossier rules,
store the verdict and keep the rules' flags in step. Used by the ingestion flow after
each run, by the CLI after a roster import, and by the web app after a staff change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session

from config.campaign import Campaign
from rules import evaluate
from rules.model import Evaluation
from storage import crud
from storage.models import Collectivity, DossierState


def reevaluate_one(
    session: Session, campaign: Campaign, collectivity: Collectivity, *, actor: str
) -> Evaluation:
    """Evaluate one dossier now and store the verdict and its flags."""
    assert collectivity.id is not None
    pieces = crud.pieces_for(session, collectivity.id, campaign.tz)
    evaluation = evaluate(campaign, collectivity.to_ref(), pieces)
    crud.save_evaluation(session, collectivity.id, evaluation, actor=actor)
    crud.sync_rule_flags(session, collectivity.id, evaluation.flags, actor=actor)
    return evaluation


def reevaluate(
    session: Session,
    campaign: Campaign,
    collectivity_ids: Iterable[int] | None = None,
    *,
    actor: str = "system:rules",
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Re-evaluate the given dossiers (the whole roster when None); returns how many
    verdicts were computed. Over the whole roster, a collectivity with no document and
    no open rules flag is evaluated in memory and written only when its verdict changed
    (most of a roster, most of a campaign). ``on_progress(done, total)`` follows along."""
    tick = on_progress or (lambda done, total: None)
    if collectivity_ids is not None:
        targets = [
            c for i in sorted(set(collectivity_ids)) if (c := crud.get_collectivity(session, i))
        ]
        for n, collectivity in enumerate(targets, 1):
            reevaluate_one(session, campaign, collectivity, actor=actor)
            tick(n, len(targets))
        return len(targets)
    with_documents = crud.collectivity_ids_with_documents(session)
    with_flags = crud.collectivity_ids_with_open_flags(session, origin="rules")
    states = crud.dossier_states_by_collectivity(session)
    collectivities = crud.list_collectivities(session)
    for n, collectivity in enumerate(collectivities, 1):
        assert collectivity.id is not None
        if collectivity.id in with_documents or collectivity.id in with_flags:
            reevaluate_one(session, campaign, collectivity, actor=actor)
        else:
            evaluation = evaluate(campaign, collectivity.to_ref(), [])
            if not crud.same_verdict(states.get(collectivity.id), evaluation):
                crud.save_evaluation(session, collectivity.id, evaluation, actor=actor)
        tick(n, len(collectivities))
    return len(collectivities)


def status_row(
    collectivity: Collectivity, state: DossierState | None, campaign: Campaign
) -> dict[str, Any]:
    """One line of the status table (``intake status --json``), dates as ``YYYY-MM-DD``.
    A collectivity never evaluated is missing everything its route requires."""
    first_received_on: dt.date | None = None
    if state is None:
        fresh = evaluate(campaign, collectivity.to_ref(), [])
        route, status, missing = fresh.route, fresh.status, list(fresh.missing)
        late, received_on, schools, accounts, flags = False, None, None, None, []
    else:
        route, status, missing = state.route, state.status, list(state.missing)
        late, received_on = state.late, state.received_on
        first_received_on = state.first_received_on
        schools, accounts, flags = state.schools, state.student_accounts, list(state.flag_codes)
    return {
        "code": collectivity.code,
        "name": collectivity.name,
        "department": collectivity.department,
        "route": route,
        "status": status,
        "missing": missing,
        "late": bool(late),
        "received_on": received_on.isoformat() if isinstance(received_on, dt.date) else None,
        "schools": schools,
        "student_accounts": accounts,
        "flags": flags,
        "first_received_on": (
            first_received_on.isoformat() if isinstance(first_received_on, dt.date) else None
        ),
    }


def _iso(day: Any) -> str | None:
    return day.isoformat() if isinstance(day, dt.date) else None


def status_table(session: Session, campaign: Campaign, **filters: Any) -> list[dict[str, Any]]:
    """The status of every roster collectivity, by code (filters as ``crud.list_dossiers``).
    Same rows as ``status_row`` gives, read as plain columns (``crud.list_dossier_rows``):
    the web pages build this table on every request."""
    rows: list[dict[str, Any]] = []
    for r in crud.list_dossier_rows(session, **filters):
        if r.state_id is None:
            collectivity = crud.get_collectivity(session, r.id)
            assert collectivity is not None
            rows.append(status_row(collectivity, None, campaign))
            continue
        rows.append(
            {
                "code": r.code,
                "name": r.name,
                "department": r.department,
                "route": r.route,
                "status": r.status,
                "missing": list(r.missing or []),
                "late": bool(r.late),
                "received_on": _iso(r.received_on),
                "schools": r.schools,
                "student_accounts": r.student_accounts,
                "flags": list(r.flag_codes or []),
                "first_received_on": _iso(r.first_received_on),
            }
        )
    return rows
