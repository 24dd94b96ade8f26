"""FastAPI dependencies of the web app: context, database session, logged-in user, roles,
CSRF.

Use the ``Annotated`` aliases in route signatures::

    @router.post("/x")
    def change(request: Request, s: DB, user: Triager, _: CSRF) -> Response: ...

``DB`` commits when the route returns, *before* the response is sent (a redirect that
follows sees the change), and rolls back when it raises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from sqlmodel import Session

from cli.context import AppContext
from dashboard.security import CSRF_FIELD, CSRF_HEADER, csrf_valid
from storage import crud
from storage.db import session as db_session
from storage.models import ROLES, User

SESSION_USER_KEY = "user_id"
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}  # viewer < triager < admin
ROLE_FR = {"viewer": "lecture", "triager": "traitement", "admin": "administration"}


class LoginRequired(Exception):
    """No logged-in user: HTML pages redirect to the login page (303)."""

    def __init__(self, next_url: str = "/") -> None:
        super().__init__(next_url)
        self.next_url = next_url


class Forbidden(Exception):
    """A 403 with a French message for the error page."""

    def __init__(self, message: str = "Accès refusé.") -> None:
        super().__init__(message)
        self.message = message


def get_ctx(request: Request) -> AppContext:
    ctx = request.app.state.ctx
    assert isinstance(ctx, AppContext)
    return ctx


def now(request: Request) -> dt.datetime:
    """The app's clock (``create_app(clock=...)``; the real time by default)."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock else dt.datetime.now(dt.UTC)


def today(request: Request) -> dt.date:
    """Today in the campaign's timezone, by the app's clock."""
    return get_ctx(request).campaign.local_date(now(request))


def db(request: Request) -> Iterator[Session]:
    """A read-write session for the request: commits at the end, rolls back on error.
    Depend on it through ``DB`` (scope ``function``: the commit happens before the
    response is sent)."""
    with db_session(get_ctx(request).engine) as s:
        yield s


def db_readonly(request: Request) -> Iterator[Session]:
    """A read-only session (never takes SQLite's write lock): for pages that only read."""
    with db_session(get_ctx(request).engine, readonly=True) as s:
        yield s


DB = Annotated[Session, Depends(db, scope="function")]
ReadDB = Annotated[Session, Depends(db_readonly, scope="function")]


def _next_url(request: Request) -> str:
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return path


def load_user(request: Request) -> User | None:
    """The logged-in user (a detached copy), or None. Disabled accounts are logged out."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    user_id = request.session.get(SESSION_USER_KEY)
    if not isinstance(user_id, int):
        return None
    with db_session(get_ctx(request).engine, readonly=True) as s:
        user = crud.get_user(s, user_id)
        if user is not None:
            s.expunge(user)
    if user is None or user.disabled:
        request.session.pop(SESSION_USER_KEY, None)
        return None
    request.state.user = user
    return user


def current_user(request: Request) -> User:
    """The logged-in ``User``; raises ``LoginRequired`` (-> 303 to /login?next=...)."""
    user = load_user(request)
    if user is None:
        raise LoginRequired(_next_url(request))
    return user


def require_role(role: str) -> Any:
    """A dependency returning the logged-in user when their role is at least ``role``;
    a French 403 page otherwise."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if ROLE_RANK.get(user.role, -1) < ROLE_RANK[role]:
            raise Forbidden(
                f"Cette action demande le rôle « {ROLE_FR[role]} » ; "
                f"votre compte a le rôle « {ROLE_FR.get(user.role, user.role)} »."
            )
        return user

    return dependency


async def csrf_protect(request: Request) -> None:
    """Every POST carries the session's CSRF token (form field ``csrf_token`` or header
    ``X-CSRF-Token``); a French 403 page otherwise."""
    submitted: object = request.headers.get(CSRF_HEADER)
    if not submitted:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            submitted = form.get(CSRF_FIELD)
    if not csrf_valid(request.session, submitted):
        raise Forbidden(
            "Le formulaire a expiré ou ne vient pas de cette application (jeton de sécurité "
            "absent ou invalide). Rechargez la page et recommencez."
        )


CurrentUser = Annotated[User, Depends(current_user)]
Viewer = Annotated[User, Depends(require_role("viewer"))]
Triager = Annotated[User, Depends(require_role("triager"))]
Admin = Annotated[User, Depends(require_role("admin"))]
CSRF = Annotated[None, Depends(csrf_protect)]


def login_url(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="/")


def actor(user: User) -> str:
    """The audit actor of a web change."""
    return f"user:{user.login}"
