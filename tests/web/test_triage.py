"""The triage queue ``/triage`` over HTTP: order, counts, inline actions, worked to zero."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from extractors.model import Document as Extracted
from extractors.model import FieldResult
from flows.triage import triage_queue
from rules.flags import flag_message
from storage import audit, crud
from storage.db import connect, session
from tests.web.conftest import MutableClock, WebHome, csrf_token_of

Login = Callable[[TestClient, str], str]
SHA = "c" * 64


def _with_session(home: WebHome, fn: Callable[[Any], Any], readonly: bool = False) -> Any:
    engine = connect(home.settings.db_url)
    try:
        with session(engine, readonly=readonly) as s:
            return fn(s)
    finally:
        engine.dispose()


def _add_unfiled(home: WebHome) -> tuple[int, int]:
    """An unmatched needs form (flagged as ingestion does) and an unreadable file."""
    campaign = home.ctx.campaign

    def add(s: Any) -> tuple[int, int]:
        mail = crud.add_source_item(
            s,
            sha256=SHA,
            size=10,
            origin="eml",
            origin_ref="test-unmatched.eml",
            channel="email",
            sender="secretariat@mairie-inconnue.fr",
            subject="Fiche de besoins",
            received_at=dt.datetime(2022, 1, 5, 10, 0, tzinfo=dt.UTC),
            received_at_source="mail",
            actor="system:ingest",
        )
        doc = crud.add_document(
            s,
            mail,
            Extracted(
                type="needs_form",
                pages=[1],
                fields={"schools": FieldResult(2, 0.9), "student_accounts": FieldResult(60, 0.9)},
            ),
            actor="system:ingest",
        )
        crud.open_flag(
            s,
            code="unmatched_document",
            message=flag_message(
                campaign,
                "unmatched_document",
                piece="needs_form",
                name="fiche.pdf",
                reason="aucune collectivité du référentiel ne correspond.",
            ),
            origin="ingest",
            actor="system:ingest",
            document_id=doc.id,
            source_item_id=mail.id,
        )
        scan = crud.add_source_item(
            s,
            sha256="d" * 64,
            size=10,
            origin="scan",
            origin_ref="test-unreadable.pdf",
            channel="registered_mail",
            original_name="scan-illisible.pdf",
            actor="system:ingest",
        )
        flag = crud.open_flag(
            s,
            code="unreadable_file",
            message=flag_message(
                campaign, "unreadable_file", name="scan-illisible.pdf", problem="PDF endommagé."
            ),
            origin="ingest",
            actor="system:ingest",
            source_item_id=scan.id,
        )
        assert doc.id is not None and flag.id is not None
        return doc.id, flag.id

    return _with_session(home, add)  # type: ignore[no-any-return]


def _reasons(text: str) -> list[str]:
    return re.findall(r'<li class="card triage-row[^"]*" id="[^"]+" data-reason="([^"]+)"', text)


def test_triage_needs_a_login(app_client: TestClient) -> None:
    response = app_client.get("/triage", headers={"accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/triage"


def test_queue_order_counts_and_sources(
    app_client: TestClient, web_home: WebHome, login_as: Login, clock: MutableClock
) -> None:
    doc_id, flag_id = _add_unfiled(web_home)
    clock.set(dt.datetime(2022, 1, 10, 9, 0, tzinfo=dt.UTC))  # before the deadline
    login_as(app_client, "viewer")
    page = app_client.get("/triage")
    assert page.status_code == 200
    text = html.unescape(page.text)
    reasons = _reasons(page.text)
    assert reasons[:2] == ["unmatched_document", "unreadable_file"]  # unfiled first
    assert len(reasons) >= 5
    assert "5 jour(s) avant la date limite" in text
    # counts by reason at the top
    assert f"Pièce non rattachée : <strong>{reasons.count('unmatched_document')}</strong>" in text
    assert f"Fichier illisible : <strong>{reasons.count('unreadable_file')}</strong>" in text
    # sources and French reasons
    assert (
        "Courriel de secretariat@mairie-inconnue.fr, « Fiche de besoins », remis le 05/01/2022"
        in text
    )
    assert f"/documents/{doc_id}/pages/1/thumb.png" in text
    assert "Courrier scanné « scan-illisible.pdf »" in text
    assert "Fichier « scan-illisible.pdf » illisible : PDF endommagé." in text
    # a viewer gets no forms
    assert "/resoudre" not in page.text and "/rattacher" not in page.text
    assert "Ouvrir le dossier" in text
    assert f"pièce n° {doc_id} (Fiche de besoins (annexe 2))" in text
    assert f'id="t-{flag_id}"' in page.text

    def rows(s: Any) -> list[dict[str, Any]]:
        return triage_queue(s, web_home.ctx.campaign, dt.date(2022, 1, 10))

    queue = _with_session(web_home, rows, readonly=True)
    assert [r["reason"] for r in queue] == reasons
    dossiers = [r for r in queue if r["dossier"] is not None]
    incomplete = [r["dossier"]["status"] != "complete" for r in dossiers]
    assert incomplete == sorted(incomplete, reverse=True)  # dossiers missing pieces first
    missing = [
        len(r["dossier"]["missing"]) for r in dossiers if r["dossier"]["status"] != "complete"
    ]
    assert missing == sorted(missing, reverse=True)


def test_triager_forms_return_to_the_queue(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    doc_id, flag_id = _add_unfiled(web_home)
    login_as(app_client, "triager")
    page = app_client.get("/triage")
    assert f'action="/documents/{doc_id}/rattacher"' in page.text
    assert f'action="/signalements/{flag_id}/resoudre"' in page.text
    assert '<datalist id="collectivites">' in page.text
    token = csrf_token_of(app_client, "/triage")
    code = next(
        c.code
        for c in web_home.manifest.collectivities.values()
        if c.scenario == "missing_needs_form"
    )
    attached = app_client.post(
        f"/documents/{doc_id}/rattacher",
        data={"csrf_token": token, "collectivite": code, "next": "/triage"},
    )
    assert attached.status_code == 303 and attached.headers["location"] == "/triage"
    after = app_client.get("/triage")
    assert f'action="/documents/{doc_id}/rattacher"' not in after.text  # gone from the queue
    assert any("rattachée vers" in m for m in re.findall(r'class="flash[^>]*>([^<]*)<', after.text))

    def check(s: Any) -> tuple[str | None, list[str]]:
        c = crud.get_collectivity_by_code(s, code)
        state = crud.get_dossier_state(s, c.id)
        flag = [f for f in crud.list_flags_of_dossier(s, c.id) if f.document_id == doc_id]
        return state.status, [f.resolved_by or "" for f in flag if f.code == "unmatched_document"]

    status, resolved_by = _with_session(web_home, check, readonly=True)
    assert status == "complete" and resolved_by == ["user:triager"]


def test_work_the_queue_to_zero(app_client: TestClient, web_home: WebHome, login_as: Login) -> None:
    _add_unfiled(web_home)
    login_as(app_client, "triager")
    code = next(iter(web_home.manifest.collectivities))
    for _ in range(200):
        page = app_client.get("/triage")
        if "Rien à traiter" in page.text:
            break
        token = csrf_token_of(app_client, "/triage")
        attach = re.search(r'action="(/documents/\d+/rattacher)"', page.text)
        resolve = re.search(r'action="(/signalements/\d+/resoudre)"', page.text)
        if attach:
            url, data = attach.group(1), {"collectivite": code}
        else:
            assert resolve, page.text[:3000]
            url, data = resolve.group(1), {"comment": "Traité."}
        response = app_client.post(url, data={"csrf_token": token, "next": "/triage", **data})
        assert response.status_code == 303 and response.headers["location"] == "/triage"
    else:
        raise AssertionError("the queue never emptied")
    assert "Rien à traiter" in page.text and _reasons(page.text) == []

    def queue(s: Any) -> tuple[int, int]:
        return len(triage_queue(s, web_home.ctx.campaign)), len(
            [e for e in audit.entries(s, actor="user:triager") if e.action == "resolve"]
        )

    remaining, resolutions = _with_session(web_home, queue, readonly=True)
    assert remaining == 0 and resolutions > 0


def test_unflagged_unattached_pieces_are_queued(web_home: WebHome) -> None:
    campaign = web_home.ctx.campaign

    def add(s: Any) -> list[dict[str, Any]]:
        item = crud.add_source_item(
            s,
            sha256="e" * 64,
            size=5,
            origin="scan",
            origin_ref="test-orphan.pdf",
            channel="registered_mail",
            original_name="orphan.pdf",
            actor="system:tests",
        )
        crud.add_document(s, item, Extracted(type="convention", pages=[1]), actor="system:tests")
        crud.add_document(s, item, Extracted(type="other", pages=[2]), actor="system:tests")
        return triage_queue(s, campaign, dt.date(2022, 1, 3))

    rows = _with_session(web_home, add)
    orphan = [r for r in rows if r["flag_id"] is None]
    assert len(orphan) == 1 and orphan[0]["reason"] == "unmatched_document"
    assert (
        orphan[0]["document"]["doc_type"] == "convention" and not orphan[0]["document"]["attached"]
    )
    assert rows[0] is orphan[0]  # unfiled first
    assert orphan[0]["source"]["file"] == "orphan.pdf"


def test_a_long_queue_is_paged_most_urgent_first(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    """Past a page of rows, the queue shows the most urgent page first, the total, and
    links to the next pages; forms on page 2 come back to page 2."""
    from dashboard.routes.triage import PAGE_SIZE

    def add_flags(s: Any) -> None:
        for n in range(PAGE_SIZE + 5):
            item = crud.add_source_item(
                s,
                sha256=f"{n:064x}",
                size=10,
                origin="scan",
                origin_ref=f"page-test-{n}.pdf",
                channel="registered_mail",
                original_name=f"page-test-{n}.pdf",
                actor="system:ingest",
            )
            crud.open_flag(
                s,
                code="unreadable_file",
                message=f"Fichier « page-test-{n}.pdf » illisible.",
                origin="ingest",
                actor="system:ingest",
                source_item_id=item.id,
            )

    _with_session(web_home, add_flags)
    total = len(_with_session(web_home, lambda s: triage_queue(s, web_home.ctx.campaign), True))
    assert total > PAGE_SIZE
    login_as(app_client, "triager")
    first = app_client.get("/triage")
    assert len(_reasons(first.text)) == PAGE_SIZE
    pages = -(-total // PAGE_SIZE)
    assert f"({total} à traiter, page 1 sur {pages})" in html.unescape(first.text)
    assert 'href="/triage?page=2" rel="next"' in first.text
    second = app_client.get("/triage?page=2")
    assert len(_reasons(second.text)) == min(PAGE_SIZE, total - PAGE_SIZE)
    assert 'name="next" value="/triage?page=2"' in second.text
    # hostile or out-of-range page numbers fall back to a valid page
    assert app_client.get("/triage?page=abc").status_code == 200
    assert f"page {pages} sur {pages}" in html.unescape(app_client.get("/triage?page=999").text)
