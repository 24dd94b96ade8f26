"""The dossier page, the page images and every change staff make from it, over HTTP
(TestClient on a real SQLite home filed from the sample corpus's ground truth)."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from extractors.model import Document as Extracted
from extractors.model import Evidence, FieldResult
from storage import audit, crud
from storage.db import connect, session
from storage.files import FileStore
from storage.models import AuditEntry
from tests.web.conftest import WebHome, csrf_token_of

Login = Callable[[TestClient, str], str]


# ------------------------------------------------------------------ helpers


def _code_of(home: WebHome, scenario: str) -> str:
    return next(c.code for c in home.manifest.collectivities.values() if c.scenario == scenario)


def _db(home: WebHome) -> Any:
    return connect(home.settings.db_url)


def _read(home: WebHome, fn: Callable[[Any], Any]) -> Any:
    engine = _db(home)
    try:
        with session(engine, readonly=True) as s:
            return fn(s)
    finally:
        engine.dispose()


def _state(home: WebHome, code: str) -> Any:
    def get(s: Any) -> Any:
        c = crud.get_collectivity_by_code(s, code)
        state = crud.get_dossier_state(s, c.id)
        return (state.status, list(state.missing), state.received_on) if state else None

    return _read(home, get)


def _documents(home: WebHome, code: str) -> list[Any]:
    def get(s: Any) -> list[Any]:
        c = crud.get_collectivity_by_code(s, code)
        docs = crud.list_documents(s, c.id)
        for d in docs:
            s.expunge(d)
        return docs

    return _read(home, get)


def _audit_count(home: WebHome) -> int:
    return int(_read(home, lambda s: len(audit.entries(s))))


def _flashes(text: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'class="flash flash-\w+"[^>]*>([^<]*)<', text)]


def _post(client: TestClient, url: str, data: dict[str, str], page: str = "/triage") -> Any:
    token = csrf_token_of(client, page)
    return client.post(url, data={"csrf_token": token, **data})


def _pdf_with_text() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.setFont("Helvetica", 14)
    c.drawString(72, A4[1] - 100, "Nom du signataire : Jeanne Martin")
    c.showPage()
    c.drawString(72, A4[1] - 100, "Page deux")
    c.showPage()
    c.save()
    return out.getvalue()


def _add_scanned_piece(home: WebHome, code: str) -> int:
    """A two-page scan of a convention for ``code`` with evidence boxes (as extraction
    stores them: PDF points, origin top-left)."""
    data = _pdf_with_text()
    engine = _db(home)
    try:
        store = FileStore(home.settings.files_dir)
        sha = store.put(data)
        with session(engine) as s:
            c = crud.get_collectivity_by_code(s, code)
            item = crud.add_source_item(
                s,
                sha256=sha,
                size=len(data),
                origin="scan",
                origin_ref=f"test-scan-{code}",
                channel="registered_mail",
                original_name="scan-0042.pdf",
                file_mtime=dt.datetime(2022, 1, 10, 9, 0, tzinfo=dt.UTC),
                actor="system:tests",
            )
            doc = crud.add_document(
                s,
                item,
                Extracted(
                    type="convention",
                    pages=[1, 2],
                    fields={
                        "signatory_name": FieldResult(
                            "Jeanne Martin",
                            0.55,
                            Evidence(1, (200.0, 88.0, 300.0, 104.0), "Jeanne Martin"),
                        ),
                        "signed": FieldResult(
                            True, 0.95, Evidence(2, (72.0, 700.0, 300.0, 760.0), "")
                        ),
                    },
                    ocr=True,
                ),
                actor="system:tests",
            )
            crud.attach_document(s, doc, c.id, method="name", score=0.9, actor="system:tests")
            assert doc.id is not None
            return doc.id
    finally:
        engine.dispose()


# ------------------------------------------------------------------ access


def test_dossier_routes_need_a_login(app_client: TestClient, web_home: WebHome) -> None:
    code = _code_of(web_home, "complete_on_time")
    doc_id = _documents(web_home, code)[0].id
    for url in (
        f"/collectivites/{code}",
        f"/documents/{doc_id}/pages/1.png",
        f"/documents/{doc_id}/pages/1/thumb.png",
    ):
        response = app_client.get(url, headers={"accept": "text/html"})
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login?next=")
    for url in (
        f"/documents/{doc_id}/champs",
        f"/documents/{doc_id}/rattacher",
        f"/documents/{doc_id}/date-reception",
        "/signalements/1/resoudre",
        f"/collectivites/{code}/pieces",
    ):
        response = app_client.post(url, data={"comment": "x"})
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login")


def test_viewer_reads_but_cannot_change(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    code = _code_of(web_home, "unsigned_convention")
    login_as(app_client, "viewer")
    page = app_client.get(f"/collectivites/{code}")
    assert page.status_code == 200
    assert "Enregistrer les corrections" not in page.text
    assert "/resoudre" not in page.text and "Enregistrer la pièce" not in page.text
    doc = _documents(web_home, code)[0]
    before = _audit_count(web_home)
    token = csrf_token_of(app_client, f"/collectivites/{code}")
    for url, data in (
        (f"/documents/{doc.id}/champs", {"f_signed": "oui"}),
        (f"/documents/{doc.id}/rattacher", {"collectivite": code}),
        (f"/documents/{doc.id}/date-reception", {"date": "14/01/2022"}),
        ("/signalements/1/resoudre", {"comment": "vu"}),
        (f"/collectivites/{code}/pieces", {"type": "convention", "date": "14/01/2022"}),
    ):
        response = app_client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 403, url
        assert "rôle" in response.text
    assert _audit_count(web_home) == before


def test_posts_without_csrf_are_refused(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    code = _code_of(web_home, "unsigned_convention")
    doc = _documents(web_home, code)[0]
    login_as(app_client, "triager")
    before = _audit_count(web_home)
    for url, data in (
        (f"/documents/{doc.id}/champs", {"f_signed": "oui"}),
        (f"/documents/{doc.id}/rattacher", {"collectivite": code}),
        (f"/documents/{doc.id}/date-reception", {"date": "14/01/2022"}),
        ("/signalements/1/resoudre", {"comment": "vu"}),
        (f"/collectivites/{code}/pieces", {"type": "convention", "date": "14/01/2022"}),
    ):
        for token in (None, "forged"):
            payload = dict(data) if token is None else {"csrf_token": token, **data}
            response = app_client.post(url, data=payload)
            assert response.status_code == 403, url
            assert "jeton de sécurité" in response.text
    assert _audit_count(web_home) == before


def test_unknown_ids_are_french_404s(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    login_as(app_client, "triager")
    response = app_client.get("/collectivites/99999")
    assert response.status_code == 404 and "Aucune collectivité" in response.text
    assert app_client.get("/documents/999999/pages/1.png").status_code == 404
    assert app_client.get("/documents/999999/pages/1/thumb.png").status_code == 404
    token = csrf_token_of(app_client, "/triage")
    for url in (
        "/documents/999999/champs",
        "/documents/999999/rattacher",
        "/documents/999999/date-reception",
        "/signalements/999999/resoudre",
        "/collectivites/99999/pieces",
    ):
        response = app_client.post(url, data={"csrf_token": token, "comment": "x"})
        assert response.status_code == 404, url
        assert "introuvable" in response.text or "Aucune collectivité" in response.text
    code = _code_of(web_home, "complete_on_time")
    doc_id = _documents(web_home, code)[0].id
    assert app_client.get(f"/documents/{doc_id}/pages/999.png").status_code == 404
    bad = app_client.get(f"/collectivites/{code}?doc=abc")
    assert bad.status_code == 400 and "Paramètres invalides" in bad.text


# ------------------------------------------------------------------ the page


def test_dossier_page_shows_verdict_pieces_sources_flags_audit(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    code = _code_of(web_home, "unsigned_convention")
    truth = web_home.manifest.collectivities[code]
    login_as(app_client, "viewer")
    page = app_client.get(f"/collectivites/{code}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert truth.name in text and truth.siren in text and truth.department in text
    assert "Incomplet" in text
    assert "l'annexe" in text or "la convention d'adhésion" in text  # missing, by French name
    assert "Courrier scanné" in text or "Courriel" in text
    assert "la signature de la collectivité est absente" in text  # the open flag
    assert "Dernières modifications" in text and "system:tests" in text
    assert "Pièces reçues" in text and "Signature" in text
    letter = f"/collectivites/{code}/relance.pdf"
    assert letter in text and app_client.get(letter).status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "https://" not in page.text and "http://" not in page.text


def test_page_images_thumbnails_and_evidence_boxes(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    code = _code_of(web_home, "missing_needs_form")
    doc_id = _add_scanned_piece(web_home, code)
    login_as(app_client, "viewer")
    image = app_client.get(f"/documents/{doc_id}/pages/1.png?w=600")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.headers["cache-control"].startswith("private")
    assert Image.open(io.BytesIO(image.content)).width == 600
    thumb = app_client.get(f"/documents/{doc_id}/pages/2/thumb.png")
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).width == 160
    assert thumb.headers["cache-control"].startswith("private")

    page = app_client.get(f"/collectivites/{code}")
    assert f"/documents/{doc_id}/pages/1/thumb.png" in page.text
    assert f"/documents/{doc_id}/pages/2/thumb.png" in page.text
    assert 'class="low-confidence' in page.text  # 0.55: to check
    link = f"?doc={doc_id}&amp;page=1&amp;field=signatory_name#visionneuse"
    assert link in page.text

    viewer = app_client.get(f"/collectivites/{code}?doc={doc_id}&page=1&field=signatory_name")
    assert viewer.status_code == 200
    assert f"/documents/{doc_id}/pages/1.png?w=1000" in viewer.text
    box = re.search(r'class="evidence-box active" style="([^"]+)"', viewer.text)
    assert box, viewer.text[:2000]
    style = dict(part.split(": ") for part in box.group(1).split("; "))
    # (200, 88, 300, 104) points on an A4 page (595.28 x 841.89)
    assert float(style["left"].rstrip("%")) == pytest.approx(200 / A4[0] * 100, abs=0.01)
    assert float(style["top"].rstrip("%")) == pytest.approx(88 / A4[1] * 100, abs=0.01)
    assert float(style["width"].rstrip("%")) == pytest.approx(100 / A4[0] * 100, abs=0.01)
    assert float(style["height"].rstrip("%")) == pytest.approx(16 / A4[1] * 100, abs=0.01)
    # the field's page is found from its evidence when no page is given
    other = app_client.get(f"/collectivites/{code}?doc={doc_id}&field=signed")
    assert "page 2 / 2" in other.text and 'class="evidence-box active"' in other.text
    beyond = app_client.get(f"/collectivites/{code}?doc={doc_id}&page=9")
    assert beyond.status_code == 200
    assert "Page 9 introuvable : le fichier compte 2 page(s)." in html.unescape(beyond.text)
    ecoll = _code_of(web_home, "ecollectivites_email")
    routed = html.unescape(app_client.get(f"/collectivites/{ecoll}").text)
    assert "indicateur « ecollectivites » de la liste des collectivités" in routed


def test_truth_pieces_without_a_stored_image_say_so(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    """A manual piece has no image: its page URL is a French 404, the viewer says why."""
    code = _code_of(web_home, "missing_deliberation")
    login_as(app_client, "triager")
    response = _post(
        app_client,
        f"/collectivites/{code}/pieces",
        {"type": "deliberation", "date": "10/01/2022"},
        page=f"/collectivites/{code}",
    )
    assert response.status_code == 303
    doc = [d for d in _documents(web_home, code) if d.doc_type == "deliberation"][-1]
    image = app_client.get(f"/documents/{doc.id}/pages/1.png")
    assert image.status_code == 404 and "saisie à la main" in html.unescape(image.text)


# ------------------------------------------------------------------ changes


def test_correcting_the_signature_completes_the_dossier(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    code = _code_of(web_home, "unsigned_convention")
    status, missing, _ = _state(web_home, code)
    assert status == "incomplete" and missing == ["convention"]
    convention = next(d for d in _documents(web_home, code) if d.doc_type == "convention")
    login_as(app_client, "triager")
    response = _post(
        app_client,
        f"/documents/{convention.id}/champs",
        {"f_signed": "oui", "comment": "Signature vue en page 3."},
        page=f"/collectivites/{code}",
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/collectivites/{code}#piece-{convention.id}"
    assert _state(web_home, code)[:2] == ("complete", [])
    page = app_client.get(f"/collectivites/{code}")
    flashes = _flashes(page.text)
    assert any("Signature : Non → Oui" in f and "Dossier : Complet" in f for f in flashes)
    assert "Complet" in page.text and "Aucune" in page.text

    def entries(s: Any) -> list[AuditEntry]:
        found = audit.entries(s, actor="user:triager")
        for e in found:
            s.expunge(e)
        return found

    log = _read(web_home, entries)
    fields = [e for e in log if e.action == "update_fields"]
    assert len(fields) == 1 and fields[0].entity_id == convention.id
    assert (
        fields[0].before["signed"]["value"] is False and fields[0].after["signed"]["value"] is True
    )
    assert fields[0].comment == "Signature vue en page 3."
    assert any(e.entity == "dossier_state" for e in log)  # the verdict, re-evaluated by the user
    # the rules flag is closed by the re-evaluation
    assert (
        "la signature de la collectivité est absente"
        not in page.text.split("Signalements")[1].split("résolus")[0]
    )


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"f_signature_date": "31/02/2022"}, "n'existe pas"),
        ({"f_signature_date": "demain"}, "JJ/MM/AAAA"),
        ({"f_signed": "peut-être"}, "oui ou non"),
        ({"f_signed": "oui", "f_signature_date": "2022-13-01"}, "n'existe pas"),
    ],
)
def test_bad_input_changes_nothing(
    app_client: TestClient, web_home: WebHome, login_as: Login, data: dict[str, str], words: str
) -> None:
    code = _code_of(web_home, "unsigned_convention")
    convention = next(d for d in _documents(web_home, code) if d.doc_type == "convention")
    login_as(app_client, "triager")
    before = _audit_count(web_home)
    response = _post(
        app_client, f"/documents/{convention.id}/champs", data, f"/collectivites/{code}"
    )
    assert response.status_code == 303
    flashes = _flashes(app_client.get(response.headers["location"]).text)
    assert any(f.startswith("Correction refusée") and words in f for f in flashes), flashes
    assert _audit_count(web_home) == before
    assert _state(web_home, code)[0] == "incomplete"
    again = next(d for d in _documents(web_home, code) if d.id == convention.id)
    assert again.fields == convention.fields


def test_integer_and_date_inputs(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    code = _code_of(web_home, "needs_form_blank")
    form = next(d for d in _documents(web_home, code) if d.doc_type == "needs_form")
    assert _state(web_home, code)[0] == "incomplete"
    login_as(app_client, "admin")
    bad = _post(app_client, f"/documents/{form.id}/champs", {"f_schools": "trois"})
    assert bad.status_code == 303 and _state(web_home, code)[0] == "incomplete"
    ok = _post(
        app_client,
        f"/documents/{form.id}/champs",
        {"f_schools": "3", "f_student_accounts": "1 250", "f_arrival_stamp_date": "2022-01-12"},
    )
    assert ok.status_code == 303
    again = next(d for d in _documents(web_home, code) if d.id == form.id)
    assert again.value("schools") == 3 and again.value("student_accounts") == 1250
    assert again.value("arrival_stamp_date") == dt.date(2022, 1, 12)
    assert again.confidence("schools") == 1.0
    assert _state(web_home, code)[0] == "complete"


def test_attach_and_move_a_document(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    source = _code_of(web_home, "complete_on_time")
    target = _code_of(web_home, "missing_needs_form")
    needs = next(d for d in _documents(web_home, source) if d.doc_type == "needs_form")
    assert _state(web_home, target)[0] == "incomplete"
    login_as(app_client, "triager")
    unknown = _post(app_client, f"/documents/{needs.id}/rattacher", {"collectivite": "Zzzzville"})
    assert unknown.status_code == 303
    assert any("Aucune collectivité" in f for f in _flashes(app_client.get("/triage").text))
    name = web_home.manifest.collectivities[target].name
    moved = _post(
        app_client,
        f"/documents/{needs.id}/rattacher",
        {"collectivite": f"{target} — {name}", "comment": "Mauvais dossier."},
    )
    assert moved.status_code == 303 and moved.headers["location"] == f"/collectivites/{target}"
    assert _state(web_home, target)[0] == "complete"
    assert _state(web_home, source)[:2] == ("incomplete", ["needs_form"])
    page = app_client.get(f"/collectivites/{target}")
    assert any("déplacée vers" in f for f in _flashes(page.text))

    def attach_log(s: Any) -> list[tuple[str, str | None, Any]]:
        found = audit.entries(s, entity="document", entity_id=needs.id)
        return [(e.actor, e.comment, e.after) for e in found if e.action == "attach"]

    actor, comment, after = _read(web_home, attach_log)[-1]
    assert actor == "user:triager" and comment == "Mauvais dossier."
    assert after["match_method"] == "manual"


def test_resolve_a_flag_needs_a_comment(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    code = _code_of(web_home, "deliberation_without_ack")

    def open_flags(s: Any) -> list[int]:
        c = crud.get_collectivity_by_code(s, code)
        return [f.id for f in crud.list_flags_of_dossier(s, c.id) if f.resolved_at is None]

    flag_id = _read(web_home, open_flags)[0]
    login_as(app_client, "triager")
    empty = _post(app_client, f"/signalements/{flag_id}/resoudre", {"comment": "  "})
    assert empty.status_code == 303
    assert flag_id in _read(web_home, open_flags)
    done = _post(
        app_client,
        f"/signalements/{flag_id}/resoudre",
        {
            "comment": "Accusé reçu par courriel séparé.",
            "next": f"/collectivites/{code}#signalements",
        },
    )
    assert done.headers["location"] == f"/collectivites/{code}#signalements"
    assert flag_id not in _read(web_home, open_flags)
    page = app_client.get(f"/collectivites/{code}")
    assert any(f.startswith("Signalement résolu") for f in _flashes(page.text))
    assert "Accusé reçu par courriel séparé." in html.unescape(page.text)
    again = _post(app_client, f"/signalements/{flag_id}/resoudre", {"comment": "encore"})
    assert again.status_code == 303
    assert any("déjà résolu" in f for f in _flashes(app_client.get("/triage").text))
    # a foreign "next" is never followed
    other = _read(web_home, open_flags)
    if other:
        out = _post(
            app_client,
            f"/signalements/{other[0]}/resoudre",
            {"comment": "ok", "next": "//evil.example/"},
        )
        assert out.headers["location"].startswith("/collectivites/")


def test_record_a_piece_received_on_paper(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    code = _code_of(web_home, "missing_needs_form")
    assert _state(web_home, code)[:2] == ("incomplete", ["needs_form"])
    login_as(app_client, "triager")
    count = len(_documents(web_home, code))
    bad = _post(
        app_client,
        f"/collectivites/{code}/pieces",
        {"type": "needs_form", "date": "32/01/2022", "f_needs_form_schools": "2"},
    )
    assert bad.status_code == 303 and len(_documents(web_home, code)) == count
    assert any("Enregistrement refusé" in f for f in _flashes(app_client.get("/triage").text))
    bad_number = _post(
        app_client,
        f"/collectivites/{code}/pieces",
        {"type": "needs_form", "date": "12/01/2022", "f_needs_form_schools": "-2"},
    )
    assert bad_number.status_code == 303 and len(_documents(web_home, code)) == count
    ok = _post(
        app_client,
        f"/collectivites/{code}/pieces",
        {
            "type": "needs_form",
            "date": "12/01/2022",
            "note": "remise en main propre",
            "f_needs_form_schools": "4",
            "f_needs_form_student_accounts": "180",
            "f_convention_signed": "oui",  # another type's field: ignored
        },
    )
    assert ok.status_code == 303
    docs = _documents(web_home, code)
    assert len(docs) == count + 1
    new = docs[-1]
    assert new.doc_type == "needs_form" and new.match_method == "manual"
    assert new.values() == {"schools": 4, "student_accounts": 180}
    assert _state(web_home, code)[0] == "complete"
    page = app_client.get(ok.headers["location"])
    text = html.unescape(page.text)
    assert "Saisie manuelle (reçue sur papier)" in text and "remise en main propre" in text
    assert "saisie manuelle" in text  # its receipt date's source
    assert any("reçue sur papier le 12/01/2022" in f for f in _flashes(page.text))


def test_set_the_receipt_date_by_hand(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    code = _code_of(web_home, "complete_late")
    status, _, received = _state(web_home, code)
    assert status == "complete" and received > dt.date(2022, 1, 15)
    login_as(app_client, "triager")
    for doc in _documents(web_home, code):
        response = _post(
            app_client,
            f"/documents/{doc.id}/date-reception",
            {"date": "14/01/2022", "comment": "Tampon illisible, registre du courrier."},
        )
        assert response.status_code == 303
    assert _state(web_home, code)[2] == dt.date(2022, 1, 14)
    page = app_client.get(f"/collectivites/{code}")
    assert "En retard" not in page.text.split("Pièces reçues")[0]
    assert "saisie manuelle" in html.unescape(page.text)
    bad = _post(app_client, f"/documents/{doc.id}/date-reception", {"date": "14-01"})
    assert bad.status_code == 303
    assert any("Date refusée" in f for f in _flashes(app_client.get("/triage").text))


# ------------------------------------------------------------------ pure helpers


def test_typed_inputs() -> None:
    from dashboard.views import InputError, parse_day, parse_field_input

    assert parse_day("14/01/2022") == dt.date(2022, 1, 14)
    assert parse_day(" 2022-01-14 ") == dt.date(2022, 1, 14)
    assert parse_day("4.1.2022") == dt.date(2022, 1, 4)
    for bad in ("", "14/01/22", "29/02/2022", "2022-01-14T10:00", "01/01/1800"):
        with pytest.raises(InputError):
            parse_day(bad)
    assert parse_field_input("signed", "Oui") is True
    assert parse_field_input("authorizes_signature", "non") is False
    assert parse_field_input("schools", "1 234") == 1234
    assert parse_field_input("signature_date", "") is None
    assert parse_field_input("signatory_name", "  Jeanne Martin ") == "Jeanne Martin"
    for name, bad, words in (
        ("schools", "-1", "entier positif"),
        ("schools", "3,5", "entier positif"),
        ("signed", "peut-être", "oui ou non"),
        ("signatory_name", "x" * 501, "trop long"),
        ("signatory_name", "a\x00b", "contrôle"),
    ):
        with pytest.raises(InputError, match=words):
            parse_field_input(name, bad)


def test_audit_text_deadline_text_and_safe_next(web_home: WebHome) -> None:
    from dashboard.views import audit_text, deadline_text, safe_next

    text = audit_text(
        {
            "signed": {"value": True, "confidence": 1.0, "evidence": {"page": 1}},
            "received_on": "2022-01-14",
            "sha256": "a" * 64,
        }
    )
    assert text == "Signature : oui ; date de réception : 14/01/2022"
    assert audit_text(None) == "" and audit_text({"x": "y" * 500}).endswith("…")
    campaign = web_home.ctx.campaign
    deadline = campaign.deadline
    assert deadline_text(campaign, deadline + dt.timedelta(days=2), True, deadline) == (
        "En retard de 2 jours"
    )
    assert deadline_text(campaign, deadline, False, deadline) == "Reçu le dernier jour"
    incomplete = deadline_text(campaign, deadline, False, deadline - dt.timedelta(days=4), False)
    assert incomplete == "4 jours avant la date limite"
    assert deadline_text(campaign, None, False, deadline - dt.timedelta(days=1)) == (
        "1 jour avant la date limite"
    )
    assert deadline_text(campaign, None, False, deadline + dt.timedelta(days=3)).startswith(
        "Date limite dépassée"
    )
    assert safe_next("/triage", "/") == "/triage"
    for bad in ("//evil.example", "https://evil.example", "/\\evil", None, "", "/a\nb"):
        assert safe_next(bad, "/x") == "/x"


def test_find_collectivity(web_home: WebHome) -> None:
    from dashboard.views import InputError, find_collectivity

    truth = next(iter(web_home.manifest.collectivities.values()))
    engine = _db(web_home)
    try:
        with session(engine, readonly=True) as s:
            assert find_collectivity(s, truth.code).code == truth.code
            assert find_collectivity(s, f"{truth.code} — {truth.name}").code == truth.code
            assert find_collectivity(s, truth.siren).code == truth.code
            with pytest.raises(InputError, match="Aucune collectivité"):
                find_collectivity(s, "Qwxzville-sur-Rien")
            with pytest.raises(InputError, match="plusieurs collectivités"):
                find_collectivity(s, "Saint")
            with pytest.raises(InputError, match="Indiquer"):
                find_collectivity(s, "  ")
    finally:
        engine.dispose()


def test_collectivity_datalist_is_cached_until_the_roster_changes(web_home: WebHome) -> None:
    from dashboard.views import collectivity_datalist

    cache: dict[str, Any] = {}
    engine = _db(web_home)
    try:
        with session(engine) as s:
            first = collectivity_datalist(s, cache)
            assert first.startswith('<datalist id="collectivites">')
            assert first.count("<option ") > 1000  # the académie's roster
            assert collectivity_datalist(s, cache) is first
            crud.upsert_collectivity(
                s,
                {
                    "code": "99999",
                    "name": 'Ville <script>alert("x")</script>',
                    "department": "44",
                    "kind": "commune",
                },
                actor="system:tests",
            )
            s.flush()
            second = collectivity_datalist(s, cache)
            assert second is not first and second.count("<option ") == first.count("<option ") + 1
            assert "<script>" not in second and "99999 — Ville &lt;script&gt;" in second
    finally:
        engine.dispose()


def test_page_image_of_a_hostile_file_is_a_french_error(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    data = b"MZ\x90\x00 this is a Windows program, not a scan"
    engine = _db(web_home)
    try:
        sha = FileStore(web_home.settings.files_dir).put(data)
        with session(engine) as s:
            item = crud.add_source_item(
                s,
                sha256=sha,
                size=len(data),
                origin="scan",
                origin_ref="test-hostile",
                channel="registered_mail",
                actor="system:tests",
            )
            doc = crud.add_document(
                s, item, Extracted(type="convention", pages=[1]), actor="system:tests"
            )
            doc_id = doc.id
    finally:
        engine.dispose()
    login_as(app_client, "viewer")
    for url in (f"/documents/{doc_id}/pages/1.png", f"/documents/{doc_id}/pages/1/thumb.png"):
        response = app_client.get(url)
        assert response.status_code == 415
        assert "ni un PDF ni une image" in html.unescape(response.text)
        assert "Traceback" not in response.text


def test_an_unsure_count_is_shown_with_its_box_and_confirmed_by_a_tick(
    app_client: TestClient, web_home: WebHome, login_as: Login
) -> None:
    from config.campaign import load_campaign
    from config.settings import DEFAULT_CAMPAIGN
    from flows.dossiers import reevaluate_one

    code = _code_of(web_home, "complete_on_time")
    form = next(d for d in _documents(web_home, code) if d.doc_type == "needs_form")
    schools = form.value("schools")
    engine = _db(web_home)
    try:
        with session(engine) as s:
            doc = crud.get_document(s, form.id)
            unsure = FieldResult(schools, 0.42, Evidence(1, (250.0, 255.0, 262.0, 267.0), "?"))
            crud.update_document_fields(s, doc, {"schools": unsure}, actor="system:tests")
            c = crud.get_collectivity_by_code(s, code)
            reevaluate_one(s, load_campaign(DEFAULT_CAMPAIGN), c, actor="system:tests")
    finally:
        engine.dispose()
    assert _state(web_home, code)[:2] == ("incomplete", ["needs_form"])
    login_as(app_client, "triager")
    page = html.unescape(app_client.get(f"/collectivites/{code}").text)
    assert "Nombre d'écoles illisible ou incertain" in page and "confiance 42 %" in page
    assert f"?doc={form.id}&field=schools#visionneuse" in page  # the box in the viewer
    assert 'name="ok_schools"' in page
    triage = html.unescape(app_client.get("/triage?page=1").text)
    if "Champ à vérifier : nombre d'écoles" in triage:  # the queue may page it further
        assert f"doc={form.id}&field=schools#visionneuse" in triage
    response = _post(
        app_client,
        f"/documents/{form.id}/champs",
        {"f_schools": str(schools), "ok_schools": "1"},
        page=f"/collectivites/{code}",
    )
    assert response.status_code == 303
    assert _state(web_home, code)[:2] == ("complete", [])
    after = next(d for d in _documents(web_home, code) if d.id == form.id)
    assert after.confidence("schools") == 1.0 and after.value("schools") == schools
    open_part = html.unescape(app_client.get(f"/collectivites/{code}").text)
    assert "Nombre d'écoles illisible" not in open_part.split("Signalements")[1].split("résolus")[0]
