"""In real headless Chromium: open a dossier, look at a page with its evidence box, then
correct a field and see the verdict change."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from storage import crud
from storage.db import connect, session
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


def _convention_id(server: LiveServer, code: str) -> int:
    engine = connect(server.home.settings.db_url)
    try:
        with session(engine, readonly=True) as s:
            c = crud.get_collectivity_by_code(s, code)
            assert c is not None and c.id is not None
            doc = next(d for d in crud.list_documents(s, c.id) if d.doc_type == "convention")
            assert doc.id is not None
            return doc.id
    finally:
        engine.dispose()


def test_correct_a_field_and_see_the_verdict_change(
    page: Any, live_server: LiveServer, browser_login: Callable[..., str]
) -> None:
    manifest = live_server.home.manifest
    code = next(
        c.code for c in manifest.collectivities.values() if c.scenario == "unsigned_convention"
    )
    doc_id = _convention_id(live_server, code)
    browser_login(page, live_server, "triager")
    page.goto(f"{live_server.url}/collectivites/{code}")
    verdict = page.locator("#verdict")
    assert "Incomplet" in verdict.inner_text()
    assert "convention" in verdict.locator(".missing-list").inner_text()

    # the thumbnails are real images served by the app
    thumb = page.locator(f"#piece-{doc_id} .thumbs img").first
    thumb.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    assert page.evaluate("img => img.naturalWidth", thumb.element_handle()) == 160
    # a thumbnail opens the page viewer, without JavaScript needed
    thumb.click()
    page.wait_for_url(re.compile(rf"doc={doc_id}&page=\d+#visionneuse"))
    image = page.locator("#visionneuse img.page-image")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )

    piece = page.locator(f"#piece-{doc_id}")
    piece.locator('select[name="f_signed"]').select_option("oui")
    piece.locator(f"#c-{doc_id}").fill("Signature vue sur l'original.")
    piece.get_by_role("button", name="Enregistrer les corrections").click()
    page.wait_for_load_state()
    flash = page.locator(".flash-success")
    assert "Signature : Non → Oui" in flash.inner_text()
    assert "Dossier : Complet" in flash.inner_text()
    assert "Complet" in page.locator("#verdict").inner_text()
    assert "Aucune" in page.locator("#verdict .missing-list").inner_text()
    journal = page.locator("#journal").inner_text()
    assert "user:triager" in journal and "correction de champs" in journal


def test_evidence_box_drawn_over_the_page(
    page: Any, live_server: LiveServer, browser_login: Callable[..., str]
) -> None:
    from reportlab.lib.pagesizes import A4

    from tests.web.test_dossier import _add_scanned_piece

    manifest = live_server.home.manifest
    code = next(
        c.code for c in manifest.collectivities.values() if c.scenario == "missing_needs_form"
    )
    doc_id = _add_scanned_piece(live_server.home, code)
    browser_login(page, live_server, "viewer")
    page.goto(f"{live_server.url}/collectivites/{code}")
    # thumbnails that load late move the table: the click waits for them (a click on a
    # link that moved under it lands beside it, and nothing navigates)
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
    # clicking a field in the table shows its page with its box highlighted
    link = page.locator(f'#piece-{doc_id} tr[data-field="signatory_name"] th a')
    with page.expect_navigation(url=re.compile(r"field=signatory_name#visionneuse")):
        link.click()
    image = page.locator("#visionneuse img.page-image")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    # Both rectangles read in one go: a scroll between two reads (the #visionneuse
    # anchor) would shift one and not the other.
    img, box = page.evaluate(
        """() => [document.querySelector('#visionneuse img.page-image'),
                  document.querySelector('#visionneuse .evidence-box.active')]
                 .map(e => { const r = e.getBoundingClientRect();
                             return {x: r.x, y: r.y, width: r.width, height: r.height}; })"""
    )
    scale = img["width"] / A4[0]
    # the box (200, 88, 300, 104) in points, drawn where the words are (within 3 px)
    assert abs(box["x"] - img["x"] - 200 * scale) < 3
    assert abs(box["y"] - img["y"] - 88 * scale) < 3
    assert abs(box["width"] - 100 * scale) < 3
    assert abs(box["height"] - 16 * scale) < 3
