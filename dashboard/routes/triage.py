"""The triage queue ``/triage``: open flags and unmatched pieces, most urgent first, each
with its action inline (resolve with a comment, attach to a collectivity, open the
dossier). The forms post to the dossier routes (``dashboard.routes.dossier``) with
``next=/triage``, so a triager works the queue to zero without leaving it."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dashboard.deps import ReadDB, Viewer, get_ctx, today
from dashboard.routes.dossier import datalist
from dashboard.templating import render
from flows.triage import UNFILED, reason_fr, triage_queue

router = APIRouter()

# Rows shown a page: the queue is worked from the top, and a page of 1,500 rows costs
# seconds to render (measured by benchmarks/bench_web.py).
PAGE_SIZE = 50


@router.get("/triage")
def triage_page(request: Request, s: ReadDB, user: Viewer, page: str = "1") -> Response:
    campaign = get_ctx(request).campaign
    day = today(request)
    rows = triage_queue(s, campaign, day)
    counts = Counter(r["reason"] for r in rows)
    pages = max(1, (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE)
    current = min(max(1, int(page)), pages) if page.isdigit() and len(page) < 7 else 1
    shown = rows[(current - 1) * PAGE_SIZE : current * PAGE_SIZE]
    can_edit = user.role in ("triager", "admin")
    needs_list = can_edit and any(r["document"] and not r["document"]["attached"] for r in shown)
    return render(
        request,
        "triage.html",
        title="Triage",
        nav="triage",
        rows=shown,
        total=len(rows),
        page=current,
        pages=pages,
        here=f"/triage?page={current}" if current > 1 else "/triage",
        counts=[(code, reason_fr(code), n) for code, n in counts.most_common()],
        unfiled=UNFILED,
        can_edit=can_edit,
        datalist=datalist(request, s) if needs_list else "",
        days_left=(campaign.deadline - day).days,
    )
