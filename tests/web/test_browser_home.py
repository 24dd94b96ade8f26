"""In a real browser (Debian Chromium through Playwright): logging in through the form,
the dashboard's numbers against ``intake status --json`` run as a subprocess on the same
home, and the French error for a wrong password."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import PASSWORDS, LiveServer, intake_status

pytestmark = pytest.mark.browser


def test_login_form_then_dashboard_numbers_equal_intake_status(
    page: Any, live_server: LiveServer, browser_login: Any
) -> None:
    page.goto(live_server.url + "/")
    assert page.url.startswith(live_server.url + "/login")
    browser_login(page, live_server, "viewer")
    assert page.locator("h1").inner_text() == "Tableau de bord"
    shown = {
        kind: int(re.sub(r"\D", "", page.locator(f'[data-figure="{kind}"]').inner_text()))
        for kind in ("expected", "complete", "incomplete", "missing", "late")
    }
    rows = intake_status(live_server.home.path)
    assert shown == {
        "expected": len(rows),
        "complete": sum(r["status"] == "complete" for r in rows),
        "incomplete": sum(r["status"] == "incomplete" for r in rows),
        "missing": sum(r["status"] == "missing" for r in rows),
        "late": sum(bool(r["late"]) for r in rows),
    }
    assert shown["complete"] > 0 and shown["late"] > 0
    # the chart is there and its data table opens
    assert page.locator("svg[role=img] title").count() == 1
    page.locator("details summary").click()
    assert page.locator("#chart-data").is_visible()
    # logging out through the menu
    page.get_by_role("button", name="Déconnexion").click()
    page.wait_for_url(re.compile(r".*/login$"))
    assert "Vous êtes déconnecté." in page.content()


def test_wrong_password_shows_the_french_error(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/login")
    page.fill("#login", "admin")
    page.fill("#password", PASSWORDS["admin"] + "-faux")
    page.click("button[type=submit]")
    error = page.locator("#login-error")
    error.wait_for()
    assert error.inner_text() == "Identifiant ou mot de passe incorrect."
    assert page.url.endswith("/login")
