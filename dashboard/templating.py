"""Rendering pages: ``render(request, "page.html", **context)`` and flash messages.

Every template gets ``user`` (the logged-in ``User`` or None), ``csrf_token``,
``campaign``, ``now`` (aware, UTC), ``nav`` (the active menu entry: pass ``nav=...`` or
it is guessed from the path) and ``flashes()``; filters ``date_fr`` (15/01/2022),
``datetime_fr`` (15/01/2022 14:05, campaign time zone), ``status_fr`` (Complet...),
``piece_fr`` (short French name of a piece: "Convention"), ``piece_long_fr`` (its full
label), ``route_fr``, ``role_fr``, ``int_fr`` (1 234).
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from dashboard.deps import ROLE_FR, get_ctx, load_user, now
from dashboard.exports import as_date
from dashboard.security import csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATUS_FR = {"complete": "Complet", "incomplete": "Incomplet", "missing": "Manquant"}
ROUTE_FR = {"direct": "Envoi au rectorat", "ecollectivites": "e-collectivités"}
FLASH_KEY = "_flashes"
NAV = (
    ("home", "/", "Tableau de bord"),
    ("collectivities", "/collectivites", "Collectivités"),
    ("triage", "/triage", "Triage"),
    ("exports", "/exports", "Exports"),
)

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
env = templates.env
env.trim_blocks = True
env.lstrip_blocks = True


def date_fr(value: Any) -> str:
    """15/01/2022 (a date, a datetime or an ISO string); empty when unknown."""
    day = as_date(value)
    return day.strftime("%d/%m/%Y") if day else ""


@pass_context
def datetime_fr(context: Any, value: Any) -> str:
    """15/01/2022 14:05 in the campaign's time zone."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return date_fr(value)
    campaign = context.get("campaign")
    if value.tzinfo is not None and campaign is not None:
        value = value.astimezone(campaign.tz)
    return value.strftime("%d/%m/%Y %H:%M")


@pass_context
def piece_fr(context: Any, key: Any) -> str:
    """The short French name of a piece ("Convention"), from the campaign file."""
    campaign = context.get("campaign")
    spec = campaign.pieces.get(str(key)) if campaign is not None else None
    return spec.short if spec else str(key)


@pass_context
def piece_long_fr(context: Any, key: Any) -> str:
    """The full French label of a piece, as the campaign file words it."""
    campaign = context.get("campaign")
    spec = campaign.pieces.get(str(key)) if campaign is not None else None
    return spec.label if spec else str(key)


def route_fr(value: Any) -> str:
    return ROUTE_FR.get(str(value), str(value))


def status_fr(value: Any) -> str:
    return STATUS_FR.get(str(value), str(value))


def role_fr(value: Any) -> str:
    return ROLE_FR.get(str(value), str(value))


def int_fr(value: Any) -> str:
    """1 234 567 (narrow no-break space), empty for None."""
    if value is None or value == "":
        return ""
    try:
        return f"{int(value):,}".replace(",", "\u202f")
    except (TypeError, ValueError):
        return str(value)


env.filters.update(
    date_fr=date_fr,
    datetime_fr=datetime_fr,
    status_fr=status_fr,
    piece_fr=piece_fr,
    piece_long_fr=piece_long_fr,
    route_fr=route_fr,
    role_fr=role_fr,
    int_fr=int_fr,
)


# The request's CSRF token while its page renders: macros imported without context
# (``{% import "_macros.html" as m %}``) read it through the global ``current_csrf_token``.
_CSRF_TOKEN: ContextVar[str] = ContextVar("csrf_token", default="")
env.globals["current_csrf_token"] = _CSRF_TOKEN.get


def flash(request: Request, message: str, category: str = "success") -> None:
    """A message shown once on the next page (``category``: success or error)."""
    if category not in ("success", "error", "info"):
        category = "info"
    pending = list(request.session.get(FLASH_KEY, []))
    pending.append([category, message])
    request.session[FLASH_KEY] = pending[-10:]


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    pending = request.session.pop(FLASH_KEY, None) or []
    return [(str(c), str(m)) for c, m in pending]


def _nav_for(path: str) -> str | None:
    for key, href, _ in reversed(NAV):
        if href != "/" and (path == href or path.startswith(href + "/")):
            return key
    if path.startswith("/utilisateurs"):
        return "users"
    return "home" if path == "/" else None


def render(
    request: Request, template_name: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """The page ``template_name`` with the common context (see the module docstring)."""
    ctx = get_ctx(request)
    campaign = ctx.campaign
    context.setdefault("nav", _nav_for(request.url.path))
    base: dict[str, Any] = {
        "user": load_user(request),
        "csrf_token": csrf_token(request.session),
        "campaign": campaign,
        "now": now(request),
        "nav_items": NAV,
        "flashes": lambda: pop_flashes(request),
    }
    base.update(context)
    reset = _CSRF_TOKEN.set(base["csrf_token"])
    try:
        response = templates.TemplateResponse(request, template_name, base, status_code=status_code)
    finally:
        _CSRF_TOKEN.reset(reset)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
