"""Staff accounts (``/utilisateurs``, administrators only): list, add, change a role,
disable or enable again. Every change is audited (actor ``user:<login>``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from dashboard.deps import CSRF, DB, ROLE_FR, Admin, actor
from dashboard.security import PasswordPolicyError, hash_password
from dashboard.templating import flash, render
from storage import crud
from storage.errors import StorageError
from storage.models import ROLES, User

router = APIRouter()


def _page(
    request: Request,
    s: DB,
    *,
    status: int = 200,
    error: str | None = None,
    login: str = "",
    role: str = "viewer",
) -> Response:
    return render(
        request,
        "users.html",
        status,
        nav="users",
        users=crud.list_users(s),
        roles=[(r, ROLE_FR[r]) for r in ROLES],
        error=error,
        new_login=login,
        new_role=role,
    )


def _target(s: DB, user_id: int) -> User:
    user = crud.get_user(s, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="Ce compte n'existe pas.")
    return user


@router.get("/utilisateurs")
def users_page(request: Request, s: DB, user: Admin) -> Response:
    return _page(request, s)


@router.post("/utilisateurs")
def add_user(
    request: Request,
    s: DB,
    user: Admin,
    _: CSRF,
    login: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=32)] = "viewer",
    password: Annotated[str, Form(max_length=2000)] = "",
    password2: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    login = login.strip()
    if role not in ROLES:
        return _page(request, s, status=400, error="Rôle inconnu.", login=login)
    if password != password2:
        return _page(
            request,
            s,
            status=400,
            error="Les deux mots de passe diffèrent.",
            login=login,
            role=role,
        )
    try:
        crud.check_login(login)
        if crud.get_user_by_login(s, login) is not None:
            raise StorageError(f"L'identifiant {login} existe déjà.")
        password_hash = hash_password(password)
        crud.create_user(s, login, password_hash, role, actor=actor(user))
    except (StorageError, PasswordPolicyError) as exc:
        message = str(exc)
        return _page(
            request, s, status=400, error=message[:1].upper() + message[1:], login=login, role=role
        )
    flash(request, f"Compte « {login} » créé (rôle {ROLE_FR[role]}).", "success")
    return RedirectResponse("/utilisateurs", status_code=303)


@router.post("/utilisateurs/{user_id}/role")
def change_role(
    request: Request,
    s: DB,
    user: Admin,
    _: CSRF,
    user_id: int,
    role: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    target = _target(s, user_id)
    if role not in ROLES:
        flash(request, "Rôle inconnu.", "error")
    elif target.id == user.id and role != "admin":
        flash(request, "Vous ne pouvez pas retirer votre propre rôle d'administrateur.", "error")
    elif crud.set_user_role(s, target, role, actor=actor(user)):
        flash(request, f"Rôle de « {target.login} » : {ROLE_FR[role]}.", "success")
    return RedirectResponse("/utilisateurs", status_code=303)


@router.post("/utilisateurs/{user_id}/desactiver")
def disable_user(request: Request, s: DB, user: Admin, _: CSRF, user_id: int) -> Response:
    target = _target(s, user_id)
    if target.id == user.id:
        flash(request, "Vous ne pouvez pas désactiver votre propre compte.", "error")
    elif crud.set_user_disabled(s, target, True, actor=actor(user)):
        flash(request, f"Compte « {target.login} » désactivé.", "success")
    return RedirectResponse("/utilisateurs", status_code=303)


@router.post("/utilisateurs/{user_id}/activer")
def enable_user(request: Request, s: DB, user: Admin, _: CSRF, user_id: int) -> Response:
    target = _target(s, user_id)
    if crud.set_user_disabled(s, target, False, actor=actor(user)):
        flash(request, f"Compte « {target.login} » réactivé.", "success")
    return RedirectResponse("/utilisateurs", status_code=303)
