"""The triage queue ``/triage``: open flags and unmatched pieces, most urgent first, each
with its action inline (resolve with a comment, attach to a collectivity, open the
dossier). The forms post to the dossier routes (``dashboard.routes.dossier``) with
``next=/triage``, so a triager works the queue to zero without leaving it."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dashboard.deps import ReadDB, Viewer, get_ctx
from dashboard.routes.dossier import datalist, today_local
from dashboard.templating import render
from flows.triage import UNFILED, reason_fr, triage_queue

router = APIRouter()


@router.get("/triage")
def triage_page(request: Request, s: ReadDB, user: Viewer) -> Response:
    campaign = get_ctx(request).campaign
    today = today_local(request, campaign)
    rows = triage_queue(s, campaign, today)
    counts = Counter(r["reason"] for r in rows)
    can_edit = user.role in ("triager", "admin")
    needs_list = can_edit and any(r["document"] and not r["document"]["attached"] for r in rows)
    return render(
        request,
        "triage.html",
        title="Triage",
        nav="triage",
        rows=rows,
        counts=[(code, reason_fr(code), n) for code, n in counts.most_common()],
        unfiled=UNFILED,
        can_edit=can_edit,
        datalist=datalist(request, s) if needs_list else "",
        days_left=(campaign.deadline - today).days,
    )
