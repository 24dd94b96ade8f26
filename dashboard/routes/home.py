"""The dashboard (``/``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dashboard.deps import Viewer
from dashboard.templating import render

router = APIRouter()


@router.get("/")
def home(request: Request, user: Viewer) -> Response:
    return render(request, "home.html", nav="home")
