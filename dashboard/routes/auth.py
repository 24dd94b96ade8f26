"""Logging in and out.

A wrong password, an unknown login and a disabled account get the same answer. After
``FREE_FAILURES`` consecutive failures a login is refused, without checking the
password, until its waiting time is over (``dashboard.security.lockout_seconds``); so
is a client address after many failures.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dashboard.deps import CSRF, DB, SESSION_USER_KEY, get_ctx, load_user
from dashboard.security import (
    LoginThrottle,
    PasswordPolicyError,
    csrf_token,
    hash_password,
    needs_rehash,
    retry_at,
    verify_password,
)
from dashboard.templating import flash, render
from storage import crud

router = APIRouter()
log = logging.getLogger("intake.web.auth")
BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect."


def safe_next(value: str | None) -> str:
    """``value`` when it is a path of this site ("/..."), else "/": never another host."""
    if not value or not isinstance(value, str):
        return "/"
    value = value.strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in value):
        return "/"
    return value


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def retry_message(until: dt.datetime, now: dt.datetime, tz: dt.tzinfo) -> str:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    wait = f"{seconds} s" if seconds < 120 else f"{(seconds + 59) // 60} min"
    local = until.astimezone(tz).strftime("%H:%M:%S")
    return (
        f"Trop d'essais infructueux. Réessayez dans {wait} (à partir de {local}), "
        "même avec le bon mot de passe."
    )


def _login_page(
    request: Request, next_url: str, login: str = "", error: str | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "login.html",
        status,
        next_url=next_url,
        login=login,
        error=error,
        nav=None,
        title="Connexion",
    )


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    if load_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, safe_next(next))


@router.post("/login")
def login_submit(
    request: Request,
    s: DB,
    _: CSRF,
    login: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    ctx = get_ctx(request)
    throttle: LoginThrottle = request.app.state.throttle
    now = throttle.now()
    ip = client_ip(request)
    login = login.strip()
    target = safe_next(next)

    def refuse(message: str = BAD_CREDENTIALS) -> Response:
        return _login_page(request, target, login, message, status=401)

    user = crud.get_user_by_login(s, login) if login else None
    blocked = [throttle.blocked_until("ip", ip)]
    if user is not None:
        blocked.append(retry_at(user.failed_logins, user.last_failed_at))
        blocked[-1] = blocked[-1] if blocked[-1] and blocked[-1] > now else None
    else:
        blocked.append(throttle.blocked_until("login", login))
    until = max((b for b in blocked if b is not None), default=None)
    if until is not None:
        log.warning("login refused while throttled: %r from %s", login, ip)
        return _login_page(
            request, target, login, retry_message(until, now, ctx.campaign.tz), status=429
        )

    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        throttle.failure("ip", ip)
        if user is not None:
            crud.record_login_failure(s, user, now)
        else:
            throttle.failure("login", login)
        log.info("login failed: %r from %s", login, ip)
        return refuse()

    crud.record_login_success(s, user)
    if needs_rehash(user.password_hash):
        try:
            crud.set_user_password(s, user, hash_password(password), actor="system:web")
        except PasswordPolicyError:  # an old password the policy now refuses: keep it
            log.warning("password of %s not rehashed: below the current policy", user.login)
    throttle.success("ip", ip)
    request.session.clear()  # a new session for the new identity
    request.session[SESSION_USER_KEY] = user.id
    csrf_token(request.session)
    log.info("login: %s from %s", user.login, ip)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, _: CSRF) -> Response:
    request.session.clear()
    flash(request, "Vous êtes déconnecté.", "success")
    return RedirectResponse("/login", status_code=303)
