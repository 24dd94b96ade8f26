"""In real headless Chromium: a triager works the triage queue to zero without leaving
it (attach the unmatched piece, resolve every flag with a comment)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.web.conftest import LiveServer
from tests.web.test_triage import _add_unfiled

pytestmark = pytest.mark.browser


def test_work_the_triage_queue_to_zero(
    page: Any, live_server: LiveServer, browser_login: Callable[..., str]
) -> None:
    _add_unfiled(live_server.home)
    code = next(
        c.code
        for c in live_server.home.manifest.collectivities.values()
        if c.scenario == "missing_needs_form"
    )
    browser_login(page, live_server, "triager")
    page.goto(f"{live_server.url}/triage")
    first = page.locator(".triage-row").count()
    assert first >= 3
    assert "Pièce non rattachée" in page.locator(".counts").inner_text()
    done = 0
    while page.locator(".triage-row").count():
        row = page.locator(".triage-row").first
        attach = row.locator('input[name="collectivite"]')
        if attach.count():
            attach.fill(code)
            row.get_by_role("button", name="Rattacher").click()
        else:
            row.locator('input[name="comment"]').fill("Vu, traité.")
            row.get_by_role("button", name="Résoudre").click()
        page.wait_for_load_state()
        assert page.url == f"{live_server.url}/triage"  # never leaves the queue
        assert page.locator(".flash-error").count() == 0, page.locator(".flash-error").inner_text()
        done += 1
        assert done <= first + 20, "the queue does not shrink"
    assert page.locator("#rien-a-traiter").inner_text() == "Rien à traiter."
