"""Exports: the status table and the needs as CSV/XLSX, reminder letters as PDF.

Any logged-in role may download. Optional filters, as query parameters: ``statut``
(complete, incomplete, missing) and ``departement`` (a code of the roster). Files are
named after the campaign and the day (campaign time zone) and sent as attachments.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from config.campaign import Campaign
from dashboard import exports
from dashboard.deps import ReadDB, Viewer, get_ctx, today
from dashboard.letters import PDF_MEDIA_TYPE, LetterError, Reminder, reminder_from, reminders_pdf
from dashboard.stats import department_label
from dashboard.templating import render
from flows.dossiers import status_row, status_table
from storage import crud
from storage.models import DOSSIER_STATUSES, Collectivity

router = APIRouter()

Status = Annotated[str | None, Query(alias="statut", max_length=16)]
Department = Annotated[str | None, Query(alias="departement", max_length=32)]


def _filters(status: str | None, department: str | None) -> dict[str, str]:
    """Validated filters for ``crud.list_dossiers`` (empty values mean "all")."""
    chosen: dict[str, str] = {}
    if status:
        if status not in DOSSIER_STATUSES:
            raise HTTPException(
                400, f"Statut inconnu : « {status[:16]} » (complet, incomplet ou manquant)."
            )
        chosen["status"] = status
    if department:
        chosen["department"] = department.strip()
    return chosen


def _pairs(s: Session, filters: dict[str, str]) -> list[tuple[Collectivity, Any]]:
    return crud.list_dossiers(s, **filters)


def _rows(s: Session, campaign: Campaign, filters: dict[str, str]) -> list[dict[str, Any]]:
    return status_table(s, campaign, **filters)


def _reminders(s: Session, campaign: Campaign, filters: dict[str, str]) -> list[Reminder]:
    found = []
    for c, state in _pairs(s, filters):
        made = reminder_from(
            code=c.code,
            name=c.name,
            kind=c.kind,
            department=c.department,
            row=status_row(c, state, campaign),
            extra=c.extra,
        )
        if made is not None:
            found.append(made)
    return found


STATUS_FILE = {"complete": "complets", "incomplete": "incomplets", "missing": "manquants"}


def _suffix(filters: dict[str, str]) -> str:
    """What a file name says of the filters: "-incomplets-44"."""
    parts = []
    if "status" in filters:
        parts.append(STATUS_FILE[filters["status"]])
    if "department" in filters:
        parts.append(filters["department"])
    return "".join(f"-{p}" for p in parts)


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# --------------------------------------------------------------------------- page


@router.get("/exports")
def exports_page(
    request: Request,
    s: ReadDB,
    user: Viewer,
    status: Status = None,
    department: Department = None,
) -> Response:
    campaign = get_ctx(request).campaign
    filters = _filters(status, department)
    rows = _rows(s, campaign, filters)
    counts = Counter(str(r["status"]) for r in rows)
    totals = exports.needs_totals(rows)
    letters = sum(1 for r in rows if r["status"] != "complete" and r["missing"])
    query = "&".join(
        f"{key}={value}"
        for key, value in (("statut", filters.get("status")), ("departement", department))
        if value
    )
    return render(
        request,
        "exports.html",
        nav="exports",
        title="Exports",
        rows=len(rows),
        counts=counts,
        totals=totals,
        letters=letters,
        statut=filters.get("status", ""),
        departement=filters.get("department", ""),
        departments=[(d, department_label(d)) for d in crud.list_departments(s)],
        department_label=department_label,
        statuses=DOSSIER_STATUSES,
        query=("?" + query) if query else "",
        letters_enabled=campaign.letters is not None,
        deadline_passed=today(request) > campaign.deadline,
    )


# ---------------------------------------------------------------------- downloads


# What each table download is built with: (subject, extension) -> (builder, media type).
_TABLES: dict[tuple[str, str], tuple[Any, str]] = {
    ("statut", "csv"): (exports.status_csv, exports.CSV_MEDIA_TYPE),
    ("statut", "xlsx"): (exports.status_xlsx, exports.XLSX_MEDIA_TYPE),
    ("besoins", "csv"): (lambda rows, campaign: exports.needs_csv(rows), exports.CSV_MEDIA_TYPE),
    ("besoins", "xlsx"): (exports.needs_xlsx, exports.XLSX_MEDIA_TYPE),
}


def _table_download(
    request: Request, s: Session, subject: str, ext: str, status: str | None, department: str | None
) -> Response:
    """One table export, filtered, as an attachment named after the campaign and the day."""
    campaign = get_ctx(request).campaign
    filters = _filters(status, department)
    build, media_type = _TABLES[(subject, ext)]
    name = exports.export_filename(campaign, subject + _suffix(filters), ext, today(request))
    return _attachment(build(_rows(s, campaign, filters), campaign), media_type, name)


@router.get("/exports/statut.csv")
def status_csv(
    request: Request, s: ReadDB, user: Viewer, status: Status = None, department: Department = None
) -> Response:
    return _table_download(request, s, "statut", "csv", status, department)


@router.get("/exports/statut.xlsx")
def status_xlsx(
    request: Request, s: ReadDB, user: Viewer, status: Status = None, department: Department = None
) -> Response:
    return _table_download(request, s, "statut", "xlsx", status, department)


@router.get("/exports/besoins.csv")
def needs_csv(
    request: Request, s: ReadDB, user: Viewer, status: Status = None, department: Department = None
) -> Response:
    return _table_download(request, s, "besoins", "csv", status, department)


@router.get("/exports/besoins.xlsx")
def needs_xlsx(
    request: Request, s: ReadDB, user: Viewer, status: Status = None, department: Department = None
) -> Response:
    return _table_download(request, s, "besoins", "xlsx", status, department)


@router.get("/exports/relances.pdf")
def reminders(
    request: Request, s: ReadDB, user: Viewer, status: Status = None, department: Department = None
) -> Response:
    """Every missing or incomplete dossier's letter, one after the other."""
    campaign = get_ctx(request).campaign
    filters = _filters(status, department)
    day = today(request)
    try:
        content = reminders_pdf(campaign, _reminders(s, campaign, filters), today=day)
    except LetterError as exc:
        raise HTTPException(409, str(exc)) from exc
    name = exports.export_filename(campaign, "relances" + _suffix(filters), "pdf", day)
    return _attachment(content, PDF_MEDIA_TYPE, name)


@router.get("/collectivites/{code}/relance.pdf")
def one_reminder(request: Request, s: ReadDB, user: Viewer, code: str) -> Response:
    """The letter of one collectivity; 404 when its dossier is complete."""
    campaign = get_ctx(request).campaign
    collectivity = crud.get_collectivity_by_code(s, code[:32])
    if collectivity is None:
        raise HTTPException(404, f"Aucune collectivité de code « {code[:32]} ».")
    assert collectivity.id is not None
    row = status_row(collectivity, crud.get_dossier_state(s, collectivity.id), campaign)
    letter = reminder_from(
        code=collectivity.code,
        name=collectivity.name,
        kind=collectivity.kind,
        department=collectivity.department,
        row=row,
        extra=collectivity.extra,
    )
    if letter is None:
        raise HTTPException(
            404, f"Le dossier de {collectivity.name} est complet : aucune relance à envoyer."
        )
    day = today(request)
    try:
        content = reminders_pdf(
            campaign, [letter], today=day, title=f"Relance – {collectivity.name}"
        )
    except LetterError as exc:
        raise HTTPException(409, str(exc)) from exc
    name = exports.export_filename(campaign, f"relance-{collectivity.code}", "pdf", day)
    return _attachment(content, PDF_MEDIA_TYPE, name)
