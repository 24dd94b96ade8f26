"""The dashboard (``/``): the figures of ``intake status --json``, overall and per
département, the days left, the needs committed and the cumulative chart."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dashboard import stats
from dashboard.deps import ReadDB, Viewer, get_ctx, today
from dashboard.templating import render
from flows.dossiers import status_table

router = APIRouter()


@router.get("/")
def home(request: Request, s: ReadDB, user: Viewer) -> Response:
    campaign = get_ctx(request).campaign
    rows = status_table(s, campaign)
    day = today(request)
    board = stats.dashboard(
        rows, today=day, deadline=campaign.deadline, opens=campaign.campaign.opens
    )
    chart = stats.chart_geometry(board.progress.points, campaign.deadline)
    changes = [
        p
        for i, p in enumerate(board.progress.points)
        if i == 0
        or p.day == campaign.deadline
        or (p.received, p.completed)
        != (board.progress.points[i - 1].received, board.progress.points[i - 1].completed)
    ]
    return render(
        request,
        "home.html",
        nav="home",
        board=board,
        chart=chart,
        chart_rows=changes,
        department_label=stats.department_label,
    )
