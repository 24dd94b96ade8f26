"""Exports: CSV for French Excel and XLSX, from status rows (pure), then over HTTP."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pypdf
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from config.campaign import Campaign, load_campaign
from config.settings import DEFAULT_CAMPAIGN
from dashboard.exports import (
    STATUS_LABELS,
    export_filename,
    needs_csv,
    needs_totals,
    needs_xlsx,
    safe_text,
    status_csv,
    status_xlsx,
)
from tests.web.conftest import intake_status


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return load_campaign(DEFAULT_CAMPAIGN)


def row(code: str, **values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": code,
        "name": f"Commune {code}",
        "department": code[:2],
        "route": "direct",
        "status": "missing",
        "missing": ["convention", "deliberation", "needs_form"],
        "late": False,
        "received_on": None,
        "schools": None,
        "student_accounts": None,
        "flags": [],
    }
    base.update(values)
    return base


ROWS = [
    row(
        "44109",
        name="Nantes",
        status="complete",
        missing=[],
        received_on="2022-01-14",
        schools=12,
        student_accounts=3400,
    ),
    row(
        "49007",
        name='=HYPERLINK("http://x";"clic")',
        status="incomplete",
        missing=["deliberation"],
        received_on="2022-01-17",
        late=True,
        schools=3,
        student_accounts=250,
        flags=["deliberation_without_acknowledgment", "name_mismatch"],
    ),
    row("53130", name='Saint-Cœur; "la Vallée"', department="53"),
    row(
        "85001",
        name="+33 Commune",
        route="ecollectivites",
        status="incomplete",
        missing=["needs_form"],
        received_on="2021-12-01",
    ),
]


def parse_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_status_csv_for_french_excel(campaign: Campaign) -> None:
    table = parse_csv(status_csv(ROWS, campaign))
    assert table[0] == [
        "Code",
        "Collectivité",
        "Département",
        "Voie d'adhésion",
        "Statut",
        "Pièces manquantes",
        "Reçu le",
        "En retard",
        "Écoles",
        "Comptes élèves",
        "Alertes",
    ]
    assert len(table) == len(ROWS) + 1
    nantes, hostile, vallee, member = table[1:]
    assert nantes[:2] == ["44109", "Nantes"]
    assert nantes[4:10] == ["Complet", "", "14/01/2022", "non", "12", "3400"]
    assert nantes[3] == campaign.routes["direct"].label
    assert hostile[1] == '\'=HYPERLINK("http://x";"clic")'  # formula defused
    assert hostile[4:8] == ["Incomplet", "Délibération (annexe 1)", "17/01/2022", "oui"]
    assert hostile[10] == "deliberation_without_acknowledgment, name_mismatch"
    assert vallee[1] == 'Saint-Cœur; "la Vallée"'  # quoted, parses back whole
    assert vallee[4:10] == [
        "Manquant",
        "Convention, Délibération (annexe 1), Fiche de besoins (annexe 2)",
        "",
        "non",
        "",
        "",
    ]
    assert member[1] == "'+33 Commune"
    assert member[3] == campaign.routes["ecollectivites"].label


def test_safe_text() -> None:
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_text(dangerous).startswith("'")
    assert safe_text("Nantes") == "Nantes"
    assert safe_text("a=b") == "a=b"
    assert safe_text("x\x00y") == "xy"


def test_status_xlsx(campaign: Campaign) -> None:
    book = load_workbook(io.BytesIO(status_xlsx(ROWS, campaign)))
    sheet = book["Statut"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]][:3] == ["Code", "Collectivité", "Département"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.column_dimensions["B"].width >= 30
    assert sheet.max_row == len(ROWS) + 1
    nantes = [c.value for c in sheet[2]]
    assert nantes[6] == dt.datetime(2022, 1, 14)  # a real date
    assert sheet.cell(row=2, column=7).number_format == "DD/MM/YYYY"
    assert nantes[8] == 12 and nantes[9] == 3400  # real numbers
    hostile = sheet.cell(row=3, column=2)
    assert hostile.data_type == "s" and hostile.value == '=HYPERLINK("http://x";"clic")'
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)
    assert sheet.cell(row=4, column=9).value is None  # no figure: an empty cell, not 0


def test_needs_exports_with_totals(campaign: Campaign) -> None:
    table = parse_csv(needs_csv(ROWS))
    assert table[0] == [
        "Code",
        "Collectivité",
        "Département",
        "Statut",
        "Reçu le",
        "Écoles",
        "Comptes élèves",
    ]
    assert [r[0] for r in table[1:-1]] == ["44109", "49007"]  # only dossiers with figures
    assert table[-1] == ["Total", "2 collectivités", "", "", "", "15", "3650"]
    totals = needs_totals(ROWS)
    assert totals.by_department == {"44": (1, 12, 3400), "49": (1, 3, 250)}

    book = load_workbook(io.BytesIO(needs_xlsx(ROWS, campaign)))
    sheet = book["Besoins"]
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[0] == "Total" and last[5:] == [15, 3650]
    assert sheet.cell(row=sheet.max_row, column=1).font.bold
    by_dept = book["Par département"]
    assert [[c.value for c in r] for r in by_dept.iter_rows(min_row=2)] == [
        ["44", 1, 12, 3400],
        ["49", 1, 3, 250],
        ["Total", 2, 15, 3650],
    ]


def test_empty_exports_still_open(campaign: Campaign) -> None:
    assert parse_csv(status_csv([], campaign)) == [parse_csv(status_csv(ROWS, campaign))[0]]
    assert parse_csv(needs_csv([]))[-1] == ["Total", "0 collectivités", "", "", "", "0", "0"]
    assert load_workbook(io.BytesIO(needs_xlsx([], campaign)))["Besoins"].max_row == 2


def test_export_filename(campaign: Campaign) -> None:
    day = dt.date(2022, 1, 3)
    assert export_filename(campaign, "statut", "csv", day) == "e-primo-2022_statut_2022-01-03.csv"
    assert export_filename(campaign, "besoins", ".xlsx", day).endswith("_besoins_2022-01-03.xlsx")


# ------------------------------------------------------------------------- over HTTP

DOWNLOADS = {
    "/exports/statut.csv": "text/csv; charset=utf-8",
    "/exports/statut.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "/exports/besoins.csv": "text/csv; charset=utf-8",
    "/exports/besoins.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "/exports/relances.pdf?statut=incomplete": "application/pdf",
}


@pytest.mark.parametrize(
    "path", ["/exports", *DOWNLOADS, "/exports/relances.pdf", "/collectivites/44109/relance.pdf"]
)
def test_anonymous_is_sent_to_login(app_client: TestClient, path: str) -> None:
    response = app_client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/exports") or response.headers[
        "location"
    ].startswith("/login?next=/collectivites/44109")
    assert "content-disposition" not in response.headers


def test_exports_page_for_a_viewer(app_client: TestClient, login_as: Any, clock: Any) -> None:
    clock.set(dt.datetime(2022, 1, 3, 9, 0, tzinfo=dt.UTC))
    login_as(app_client, "viewer")
    response = app_client.get("/exports")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    for href in ("/exports/statut.xlsx", "/exports/besoins.csv", "/exports/relances.pdf"):
        assert f'href="{href}"' in response.text
    assert "Lettres de relance" in response.text
    assert "La date limite du 15/01/2022 est passée" not in response.text  # today: test clock
    filtered = app_client.get("/exports?statut=incomplete&departement=44")
    assert 'href="/exports/statut.csv?statut=incomplete&amp;departement=44"' in filtered.text
    # nothing here changes state: no POST route
    assert app_client.post("/exports").status_code == 405
    clock.set(dt.datetime(2022, 1, 16, 9, 0, tzinfo=dt.UTC))
    assert "La date limite du 15/01/2022 est passée" in app_client.get("/exports").text


@pytest.mark.parametrize("path", list(DOWNLOADS))
def test_downloads_are_attachments_named_after_campaign_and_day(
    app_client: TestClient, login_as: Any, clock: Any, path: str
) -> None:
    clock.set(dt.datetime(2022, 1, 10, 23, 30, tzinfo=dt.UTC))  # 11 January in Paris
    login_as(app_client, "viewer")
    response = app_client.get(path)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == DOWNLOADS[path]
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="e-primo-2022_')
    assert "_2022-01-11." in disposition
    assert response.headers["cache-control"] == "no-store"


def test_status_csv_matches_intake_status_row_for_row(
    app_client: TestClient, login_as: Any, web_home: Any
) -> None:
    campaign = web_home.ctx.campaign
    expected = intake_status(web_home.path)
    login_as(app_client, "viewer")
    table = parse_csv(app_client.get("/exports/statut.csv").content)
    body = table[1:]
    assert len(body) == len(expected) > 1000
    short = {k: v.short for k, v in campaign.pieces.items()}
    for line, want in zip(body, expected, strict=True):
        day = want["received_on"]
        assert line == [
            want["code"],
            want["name"],
            want["department"],
            campaign.routes[want["route"]].label,
            STATUS_LABELS[want["status"]],
            ", ".join(short[m] for m in want["missing"]),
            dt.date.fromisoformat(day).strftime("%d/%m/%Y") if day else "",
            "oui" if want["late"] else "non",
            "" if want["schools"] is None else str(want["schools"]),
            "" if want["student_accounts"] is None else str(want["student_accounts"]),
            ", ".join(want["flags"]),
        ]
    assert {r[4] for r in body} >= {"Complet", "Incomplet", "Manquant"}

    book = load_workbook(io.BytesIO(app_client.get("/exports/statut.xlsx").content))
    sheet = book["Statut"]
    assert sheet.max_row == len(expected) + 1
    assert [sheet.cell(row=n + 2, column=1).value for n in range(len(expected))] == [
        r["code"] for r in expected
    ]

    needs = parse_csv(app_client.get("/exports/besoins.csv").content)
    with_figures = [r for r in expected if r["schools"] is not None]
    assert [r[0] for r in needs[1:-1]] == [r["code"] for r in with_figures]
    assert needs[-1][5] == str(sum(r["schools"] for r in with_figures))


def test_filters(app_client: TestClient, login_as: Any, web_home: Any) -> None:
    login_as(app_client, "viewer")
    rows = parse_csv(app_client.get("/exports/statut.csv?statut=incomplete").content)[1:]
    assert rows and {r[4] for r in rows} == {"Incomplet"}
    rows = parse_csv(app_client.get("/exports/statut.csv?departement=53").content)[1:]
    assert rows and {r[2] for r in rows} == {"53"}
    named = app_client.get("/exports/statut.xlsx?statut=missing&departement=85")
    assert "statut-manquants-85_" in named.headers["content-disposition"]
    bad = app_client.get("/exports/statut.csv?statut=perdu")
    assert bad.status_code == 400
    assert "Statut inconnu" in bad.text and "Traceback" not in bad.text
    for hostile in (
        "/exports/besoins.csv?departement=" + "x" * 40,
        "/exports/relances.pdf?statut=%00",
        "/collectivites/%3Cscript%3E/relance.pdf",
        "/collectivites/" + "9" * 300 + "/relance.pdf",
    ):
        answer = app_client.get(hostile)
        assert answer.status_code in (400, 404), hostile
        assert "Traceback" not in answer.text and "<script>" not in answer.text
    empty = app_client.get("/exports/statut.csv?departement=ZZ")  # no such département
    assert empty.status_code == 200 and len(parse_csv(empty.content)) == 1


def test_reminder_letters_over_http(app_client: TestClient, login_as: Any, web_home: Any) -> None:
    campaign = web_home.ctx.campaign
    expected = {r["code"]: r for r in intake_status(web_home.path)}
    login_as(app_client, "viewer")
    response = app_client.get("/exports/relances.pdf?statut=incomplete")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    incomplete = {c for c, r in expected.items() if r["status"] == "incomplete"}
    assert len(reader.pages) >= len(incomplete) > 0
    assert set(re.findall(r"collectivité (\S+) –", text)) == incomplete
    assert "15 janvier 2022" in text

    incomplete = next(r for r in expected.values() if r["status"] == "incomplete")
    one = app_client.get(f"/collectivites/{incomplete['code']}/relance.pdf")
    assert one.status_code == 200 and one.headers["content-type"] == "application/pdf"
    assert f"relance-{incomplete['code']}" in one.headers["content-disposition"]
    page_text = " ".join(
        " ".join((p.extract_text() or "").split())
        for p in pypdf.PdfReader(io.BytesIO(one.content)).pages
    ).lower()
    named = {
        k for k, v in campaign.pieces.items() if " ".join(v.label.split()).lower() in page_text
    }
    assert named == set(incomplete["missing"])
    assert "15 janvier 2022" in page_text

    missing = next(r for r in expected.values() if r["status"] == "missing")
    letter = app_client.get(f"/collectivites/{missing['code']}/relance.pdf")
    assert letter.status_code == 200
    letter_text = " ".join(
        " ".join((p.extract_text() or "").split())
        for p in pypdf.PdfReader(io.BytesIO(letter.content)).pages
    )
    assert "aucune pièce" in letter_text and missing["name"] in letter_text
    assert len(missing["missing"]) >= 1

    complete = [r for r in expected.values() if r["status"] == "complete"]
    assert complete, "the sample corpus has complete dossiers"
    done = app_client.get(f"/collectivites/{complete[0]['code']}/relance.pdf")
    assert done.status_code == 404 and "complet" in done.text
    assert app_client.get("/collectivites/00000/relance.pdf").status_code == 404


def test_fast_status_table_equals_the_orm_one(web_home: Any) -> None:
    """``status_table`` reads plain columns (``crud.list_dossier_rows``, for the pages'
    speed): it gives exactly what ``status_row`` gives over ``crud.list_dossiers``,
    never-evaluated collectivities and filters included."""
    from flows.dossiers import status_row, status_table
    from storage import crud
    from storage.db import session

    ctx = web_home.ctx
    with session(ctx.engine) as s:
        crud.create_collectivity(
            s,
            {
                "code": "99999",
                "name": "Commune jamais évaluée",
                "department": "44",
                "kind": "commune",
            },
            actor="system:tests",
        )
    with session(ctx.engine, readonly=True) as s:
        for filters in ({}, {"status": "missing"}, {"status": "complete", "department": "44"}):
            fast = status_table(s, ctx.campaign, **filters)
            slow = [status_row(c, st, ctx.campaign) for c, st in crud.list_dossiers(s, **filters)]
            assert fast == slow and fast
        never = [r for r in status_table(s, ctx.campaign) if r["code"] == "99999"]
        assert never and never[0]["status"] == "missing" and never[0]["missing"]
    ctx.engine.dispose()


def test_bulk_loads_for_the_triage_queue(web_home: Any) -> None:
    """``crud.preload`` and ``crud.dossier_states_for`` (the triage queue's bulk reads)
    give the same objects as one ``get`` each."""
    from storage import crud
    from storage.db import session
    from storage.models import Collectivity, SourceItem

    ctx = web_home.ctx
    with session(ctx.engine, readonly=True) as s:
        ids = [c.id for c in crud.list_collectivities(s)][:1200]
        loaded = crud.preload(s, Collectivity, [*ids, None, ids[0]])
        assert sorted(c.id for c in loaded) == sorted(ids)
        assert all(crud.get_collectivity(s, i) is c for i, c in ((c.id, c) for c in loaded))
        states = crud.dossier_states_for(s, ids)
        assert states and all(states[i].collectivity_id == i for i in states)
        assert states == {i: st for i in ids if (st := crud.get_dossier_state(s, i))}
        assert crud.preload(s, SourceItem, []) == []
    ctx.engine.dispose()
