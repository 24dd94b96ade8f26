"""Login, logout, sessions, CSRF and login throttling over HTTP (TestClient, real
SQLite home)."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from dashboard.app import SESSION_COOKIE
from dashboard.routes.auth import safe_next
from dashboard.security import lockout_seconds
from storage import crud
from storage.db import session
from storage.models import AuditEntry
from tests.web.conftest import (
    PASSWORDS,
    MutableClock,
    WebHome,
    csrf_token_of,
    do_login,
    ensure_user,
)


def test_healthz_needs_no_login(app_client: TestClient) -> None:
    response = app_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_security_headers(app_client: TestClient) -> None:
    headers = app_client.get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


def test_anonymous_html_page_redirects_to_login_with_next(app_client: TestClient) -> None:
    response = app_client.get("/?departement=44&x=1", headers={"accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/%3Fdepartement%3D44%26x%3D1"


def test_anonymous_json_client_gets_401(app_client: TestClient) -> None:
    response = app_client.get("/", headers={"accept": "application/json"})
    assert response.status_code == 401


def test_login_page_is_french_with_csrf(app_client: TestClient) -> None:
    response = app_client.get("/login")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert "Identifiant" in response.text and "Mot de passe" in response.text
    assert 'name="csrf_token"' in response.text
    assert "https://" not in response.text and "http://" not in response.text  # no CDN


def test_login_then_logout(app_client: TestClient, web_home: WebHome) -> None:
    ensure_user(web_home.settings, "viewer")
    response = do_login(app_client, "viewer", PASSWORDS["viewer"], next_url="/collectivites")
    assert response.status_code == 303
    assert response.headers["location"] == "/collectivites"
    home = app_client.get("/")
    assert home.status_code == 200
    assert "viewer" in home.text and "Déconnexion" in home.text
    token = csrf_token_of(app_client, "/")
    response = app_client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert app_client.get("/").status_code == 303


def test_login_is_case_insensitive_on_the_login(app_client: TestClient, web_home: WebHome) -> None:
    ensure_user(web_home.settings, "viewer")
    assert do_login(app_client, "VIEWER", PASSWORDS["viewer"]).status_code == 303


def test_logout_needs_csrf(app_client: TestClient, login_as: Callable[..., str]) -> None:
    login_as(app_client, "viewer")
    assert app_client.post("/logout").status_code == 403
    bad = app_client.post("/logout", data={"csrf_token": "x" * 43})
    assert bad.status_code == 403
    assert "jeton de sécurité" in bad.text
    assert app_client.get("/").status_code == 200  # still logged in


def test_login_post_needs_csrf(app_client: TestClient, web_home: WebHome) -> None:
    ensure_user(web_home.settings, "viewer")
    response = app_client.post("/login", data={"login": "viewer", "password": PASSWORDS["viewer"]})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/collectivites?status=missing", "/collectivites?status=missing"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
        ("/a\nb", "/"),
    ],
)
def test_next_is_restricted_to_local_paths(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_login_redirect_never_leaves_the_site(app_client: TestClient, web_home: WebHome) -> None:
    ensure_user(web_home.settings, "viewer")
    response = do_login(app_client, "viewer", PASSWORDS["viewer"], next_url="//evil.example/")
    assert response.headers["location"] == "/"


def test_wrong_password_and_unknown_login_get_the_same_answer(
    app_client: TestClient, web_home: WebHome
) -> None:
    ensure_user(web_home.settings, "viewer")
    wrong = do_login(app_client, "viewer", "pas-le-bon")
    unknown = do_login(app_client, "personne", "pas-le-bon")
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert "Identifiant ou mot de passe incorrect." in response.text


def test_disabled_account_cannot_log_in(app_client: TestClient, web_home: WebHome) -> None:
    ensure_user(web_home.settings, "viewer")
    with session(web_home.ctx.engine) as s:
        user = crud.get_user_by_login(s, "viewer")
        assert user is not None
        crud.set_user_disabled(s, user, True, actor="system:tests")
    response = do_login(app_client, "viewer", PASSWORDS["viewer"])
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in response.text


def test_session_cookie_flags(app_client: TestClient, web_home: WebHome) -> None:
    ensure_user(web_home.settings, "viewer")
    response = do_login(app_client, "viewer", PASSWORDS["viewer"])
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
    ).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie.replace("samesite", "")  # cookie_secure is off here


def test_secure_cookie_setting(web_home: WebHome) -> None:
    from dashboard.app import create_app

    settings = web_home.settings.model_copy(update={"cookie_secure": True})
    with TestClient(create_app(settings), follow_redirects=False) as client:
        response = client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "; secure" in cookie and "httponly" in cookie


def test_session_secret_is_created_once_private(tmp_path: object) -> None:
    from pathlib import Path

    from dashboard.security import session_secret

    home = Path(str(tmp_path)) / "h"
    first = session_secret(None, home)
    assert session_secret(None, home) == first
    assert (home / "secret_key").stat().st_mode & 0o777 == 0o600
    assert session_secret("given-key", home) == "given-key"


def test_lockout_delays() -> None:
    assert [lockout_seconds(n) for n in range(4)] == [0, 0, 0, 0]
    assert [lockout_seconds(n) for n in (5, 6, 7, 10)] == [1, 2, 4, 32]
    assert lockout_seconds(40) == 15 * 60


def test_five_failures_slow_the_login_even_with_the_right_password(
    app_client: TestClient, web_home: WebHome, clock: MutableClock
) -> None:
    ensure_user(web_home.settings, "admin")
    for _ in range(5):
        assert do_login(app_client, "admin", "mauvais-mot").status_code == 401
    # 5th failure done: 1 s to wait; the right password is refused, unchecked.
    refused = do_login(app_client, "admin", PASSWORDS["admin"])
    assert refused.status_code == 429
    text = html.unescape(refused.text)
    assert "Trop d'essais infructueux" in text and "Réessayez dans 1 s" in text
    clock.advance(seconds=1.5)
    assert do_login(app_client, "admin", "mauvais-mot").status_code == 401  # 6th: 2 s
    clock.advance(seconds=1)
    assert do_login(app_client, "admin", PASSWORDS["admin"]).status_code == 429
    clock.advance(seconds=1.1)
    assert do_login(app_client, "admin", PASSWORDS["admin"]).status_code == 303
    with session(web_home.ctx.engine, readonly=True) as s:
        user = crud.get_user_by_login(s, "admin")
        assert user is not None and user.failed_logins == 0  # success resets
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.entity == "user"))]
    assert actions.count("login_failed") == 6 and "login" in actions


def test_unknown_logins_are_slowed_like_real_ones(
    app_client: TestClient, clock: MutableClock
) -> None:
    for _ in range(5):
        assert do_login(app_client, "inconnu", "x").status_code == 401
    assert do_login(app_client, "inconnu", "x").status_code == 429


def test_many_logins_from_one_address_are_slowed(
    app_client: TestClient, web_home: WebHome, clock: MutableClock
) -> None:
    ensure_user(web_home.settings, "viewer")
    throttle = app_client.app.state.throttle  # type: ignore[attr-defined]
    assert throttle.ip_free_failures == 20
    throttle.ip_free_failures = 6  # fewer round trips; the rule is the same
    for n in range(6):
        assert do_login(app_client, f"essai{n}", "x").status_code == 401
    # the address is now slowed, whatever the login
    assert do_login(app_client, "viewer", PASSWORDS["viewer"]).status_code == 429
    clock.advance(seconds=2)
    assert do_login(app_client, "viewer", PASSWORDS["viewer"]).status_code == 303


def test_unknown_page_is_a_french_404(app_client: TestClient, login_as: Callable[..., str]) -> None:
    login_as(app_client, "viewer")
    response = app_client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.text
