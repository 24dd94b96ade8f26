"""Staff accounts: the admin page (list, add, role, disable; audited; roles enforced)
and ``intake user add`` as a real subprocess."""

from __future__ import annotations

import html
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner, Result

from cli.main import app as cli_app
from dashboard.security import verify_password
from storage import crud
from storage.db import session
from storage.models import AuditEntry
from tests.web.conftest import PASSWORDS, WebHome, csrf_token_of, do_login

INTAKE = Path(sys.executable).with_name("intake")


def _user(web_home: WebHome, login: str) -> object:
    engine = web_home.ctx.engine
    with session(engine, readonly=True) as s:
        user = crud.get_user_by_login(s, login)
        if user is not None:
            s.expunge(user)  # readable after the read-only session rolls back
    engine.dispose()
    return user


def _audit(web_home: WebHome) -> list[AuditEntry]:
    engine = web_home.ctx.engine
    with session(engine, readonly=True) as s:
        rows = list(s.exec(select(AuditEntry).where(AuditEntry.entity == "user")).all())
        s.expunge_all()
    engine.dispose()
    return rows


@pytest.fixture
def admin(app_client: TestClient, login_as: Callable[..., str]) -> TestClient:
    login_as(app_client, "admin")
    return app_client


def test_admin_sees_the_accounts(admin: TestClient) -> None:
    response = admin.get("/utilisateurs")
    assert response.status_code == 200
    for login in ("viewer", "triager", "admin"):
        assert f'data-login="{login}"' in response.text
    assert "Ajouter un compte" in response.text


@pytest.mark.parametrize("role", ["viewer", "triager"])
def test_users_page_is_for_admins_only(
    app_client: TestClient, login_as: Callable[..., str], role: str
) -> None:
    login_as(app_client, role)
    assert app_client.get("/utilisateurs").status_code == 403
    token = csrf_token_of(app_client, "/")
    response = app_client.post(
        "/utilisateurs",
        data={
            "csrf_token": token,
            "login": "intrus",
            "role": "admin",
            "password": "motdepasse-long",
            "password2": "motdepasse-long",
        },
    )
    assert response.status_code == 403
    assert "administration" in html.unescape(response.text)


def test_anonymous_post_goes_to_login(app_client: TestClient) -> None:
    response = app_client.post("/utilisateurs", data={"login": "x"})
    assert response.status_code in (303, 403)
    if response.status_code == 303:
        assert response.headers["location"].startswith("/login")


def test_add_user_then_log_in_with_it(admin: TestClient, web_home: WebHome) -> None:
    token = csrf_token_of(admin, "/utilisateurs")
    data = {
        "csrf_token": token,
        "login": "agent.dane",
        "role": "triager",
        "password": "un-mot-de-passe",
        "password2": "un-mot-de-passe",
    }
    assert admin.post("/utilisateurs", data={**data, "csrf_token": "faux"}).status_code == 403
    response = admin.post("/utilisateurs", data=data)
    assert response.status_code == 303
    page = admin.get("/utilisateurs").text
    assert "Compte « agent.dane » créé" in html.unescape(page)
    user = _user(web_home, "agent.dane")
    assert user is not None and user.role == "triager"  # type: ignore[attr-defined]
    assert verify_password(user.password_hash, "un-mot-de-passe")  # type: ignore[attr-defined]
    created = [e for e in _audit(web_home) if e.action == "create" and e.actor == "user:admin"]
    assert created and created[-1].after == {
        "login": "agent.dane",
        "role": "triager",
        "disabled": False,
    }
    assert "un-mot-de-passe" not in str([e.after for e in _audit(web_home)])
    admin.cookies.clear()
    assert do_login(admin, "agent.dane", "un-mot-de-passe").status_code == 303


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password2": "autre-chose-xx"}, "Les deux mots de passe diffèrent."),
        ({"password": "court", "password2": "court"}, "mot de passe trop court"),
        ({"login": "viewer"}, "existe déjà"),
        ({"login": "pas bon!"}, "Identifiant invalide"),
        ({"role": "dieu"}, "Rôle inconnu."),
    ],
)
def test_add_user_errors_are_french(
    admin: TestClient, changes: dict[str, str], message: str
) -> None:
    data = {
        "csrf_token": csrf_token_of(admin, "/utilisateurs"),
        "login": "nouveau",
        "role": "viewer",
        "password": "assez-long-pour-passer",
        "password2": "assez-long-pour-passer",
        **changes,
    }
    response = admin.post("/utilisateurs", data=data)
    assert response.status_code == 400
    assert message.lower() in html.unescape(response.text).lower()


def test_change_role_and_disable(admin: TestClient, web_home: WebHome) -> None:
    viewer = _user(web_home, "viewer")
    me = _user(web_home, "admin")
    token = csrf_token_of(admin, "/utilisateurs")
    vid, aid = viewer.id, me.id  # type: ignore[attr-defined]
    assert admin.post(f"/utilisateurs/{vid}/role", data={"role": "triager"}).status_code == 403
    response = admin.post(
        f"/utilisateurs/{vid}/role", data={"csrf_token": token, "role": "triager"}
    )
    assert response.status_code == 303
    assert _user(web_home, "viewer").role == "triager"  # type: ignore[attr-defined]
    admin.post(f"/utilisateurs/{vid}/desactiver", data={"csrf_token": token})
    assert _user(web_home, "viewer").disabled  # type: ignore[attr-defined]
    # the admin cannot lock themselves out
    admin.post(f"/utilisateurs/{aid}/desactiver", data={"csrf_token": token})
    admin.post(f"/utilisateurs/{aid}/role", data={"csrf_token": token, "role": "viewer"})
    me = _user(web_home, "admin")
    assert not me.disabled and me.role == "admin"  # type: ignore[attr-defined]
    page = html.unescape(admin.get("/utilisateurs").text)
    assert "Vous ne pouvez pas" in page
    actions = [(e.actor, e.action, e.after) for e in _audit(web_home)]
    assert ("user:admin", "update", {"role": "triager"}) in actions
    assert ("user:admin", "update", {"disabled": True}) in actions
    admin.post(f"/utilisateurs/{vid}/activer", data={"csrf_token": token})
    assert not _user(web_home, "viewer").disabled  # type: ignore[attr-defined]
    assert admin.post("/utilisateurs/99999/activer", data={"csrf_token": token}).status_code == 404


def test_a_disabled_user_is_logged_out(
    app_client: TestClient, login_as: Callable[..., str], web_home: WebHome
) -> None:
    login_as(app_client, "viewer")
    assert app_client.get("/").status_code == 200
    engine = web_home.ctx.engine
    with session(engine) as s:
        user = crud.get_user_by_login(s, "viewer")
        crud.set_user_disabled(s, user, True, actor="system:tests")  # type: ignore[arg-type]
    engine.dispose()
    assert app_client.get("/").status_code == 303


# --------------------------------------------------------------------- the CLI


def intake(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env["INTAKE_HOME"] = str(home)
    return subprocess.run(
        [str(INTAKE), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_user_add_creates_then_updates(web_home: WebHome) -> None:
    done = intake(web_home.path, "user", "add", "marie", "--role", "triager", stdin="secret-123\n")
    assert done.returncode == 0, done.stderr
    assert "created" in done.stderr
    user = _user(web_home, "marie")
    assert user.role == "triager" and verify_password(user.password_hash, "secret-123")  # type: ignore[attr-defined]
    again = intake(web_home.path, "user", "add", "marie", "--role", "admin", stdin="autre-secret\n")
    assert again.returncode == 0, again.stderr
    assert "existed" in again.stderr and "updated" in again.stderr
    user = _user(web_home, "marie")
    assert user.role == "admin" and verify_password(user.password_hash, "autre-secret")  # type: ignore[attr-defined]
    raw = b"".join(p.read_bytes() for p in web_home.path.glob("intake.sqlite3*"))
    assert b"secret-123" not in raw and b"autre-secret" not in raw  # hashes only
    assert PASSWORDS["admin"].encode() not in raw


def _cli(web_home: WebHome, *args: str, stdin: str) -> Result:
    """``intake`` in-process (quicker than a subprocess for the refusals)."""
    env = {"INTAKE_HOME": str(web_home.path), "INTAKE_DATABASE_URL": ""}
    return CliRunner().invoke(cli_app, list(args), input=stdin, env=env)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("paul", "--role", "viewer"), "court\n", "mot de passe trop court : 8 caractères"),
        (("paul", "--role", "chef"), "assez-long\n", "unknown role 'chef'"),
        (("pas bon!", "--role", "viewer"), "assez-long\n", "identifiant invalide"),
    ],
)
def test_cli_user_add_refusals_are_clear(
    web_home: WebHome, args: tuple[str, ...], stdin: str, message: str
) -> None:
    result = _cli(web_home, "user", "add", *args, stdin=stdin)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _user(web_home, "paul") is None


# ------------------------------------------------------ crud, SQLite and PostgreSQL


def test_user_crud_on_both_databases(db_url: str) -> None:
    import datetime as dt

    from storage.db import make_engine
    from storage.errors import AlreadyExistsError, StorageError

    engine = make_engine(db_url)
    try:
        with session(engine) as s:
            user = crud.create_user(s, "Marie.D", "argon2-hash", "viewer", actor="user:admin")
            with pytest.raises(AlreadyExistsError):
                crud.create_user(s, "marie.d", "h", "viewer", actor="user:admin")
            with pytest.raises(StorageError):
                crud.create_user(s, "x", "h", "chef", actor="user:admin")
            with pytest.raises(StorageError):
                crud.create_user(s, "a b", "h", "viewer", actor="user:admin")
        with session(engine) as s:
            found = crud.get_user_by_login(s, "MARIE.d")
            assert found is not None and found.id == user.id
            at = dt.datetime(2022, 1, 10, 9, tzinfo=dt.UTC)
            crud.record_login_failure(s, found, at)
            crud.record_login_failure(s, found, at)
            assert crud.set_user_role(s, found, "triager", actor="user:admin")
            assert not crud.set_user_role(s, found, "triager", actor="user:admin")
        with session(engine) as s:
            again = crud.get_user_by_login(s, "marie.d")
            assert again is not None
            assert (again.failed_logins, again.last_failed_at, again.role) == (2, at, "triager")
            crud.record_login_success(s, again)
            crud.set_user_password(s, again, "new-hash", actor="user:admin")
            assert [u.login for u in crud.list_users(s)] == ["Marie.D"]
        with session(engine, readonly=True) as s:
            done = crud.get_user_by_login(s, "marie.d")
            assert done is not None and done.failed_logins == 0 and done.password_hash == "new-hash"
            entries = list(s.exec(select(AuditEntry).where(AuditEntry.entity == "user")).all())
            assert [e.action for e in entries] == [
                "create",
                "login_failed",
                "login_failed",
                "update",
                "login",
                "set_password",
            ]
            assert "hash" not in str([(e.before, e.after) for e in entries])
    finally:
        engine.dispose()
