"""The collectivities list: search, filters, sort, pages, counts, links; and errors."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dashboard.routes.collectivities import PAGE_SIZE, ListQuery, sort_rows
from flows.dossiers import status_table
from storage.db import session
from tests.web.conftest import WebHome


def _codes(page: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', page)


def _rows(web_home: WebHome) -> list[dict[str, Any]]:
    ctx = web_home.ctx
    with session(ctx.engine, readonly=True) as s:
        rows = status_table(s, ctx.campaign)
    ctx.engine.dispose()
    return rows


@pytest.fixture
def viewer(app_client: TestClient, login_as: Callable[..., str]) -> TestClient:
    login_as(app_client, "viewer")
    return app_client


def test_first_page_lists_50_by_name_with_links(viewer: TestClient, web_home: WebHome) -> None:
    response = viewer.get("/collectivites")
    assert response.status_code == 200
    codes = _codes(response.text)
    assert len(codes) == PAGE_SIZE
    total = len(_rows(web_home))
    assert f"<strong>{total:,}</strong>".replace(",", "\u202f") in response.text
    assert f'href="/collectivites/{codes[0]}"' in response.text
    assert "Page 1 sur" in response.text and 'rel="next"' in response.text


def test_search_ignores_accents_and_case(viewer: TestClient) -> None:
    for q in ("saint-sebastien", "SAINT SÉBASTIEN", "Saint-Sébastien-sur-Loire"):
        text = viewer.get("/collectivites", params={"q": q}).text
        assert "44190" in _codes(text), q


def test_search_by_code(viewer: TestClient) -> None:
    assert _codes(viewer.get("/collectivites", params={"q": "44190"}).text) == ["44190"]


def test_filters_match_the_status_table(viewer: TestClient, web_home: WebHome) -> None:
    rows = _rows(web_home)
    complete_late = sorted(r["code"] for r in rows if r["status"] == "complete" and r["late"])
    assert complete_late, "the sample corpus has late complete dossiers"
    text = viewer.get(
        "/collectivites", params={"statut": "complete", "retard": "oui", "tri": "code"}
    ).text
    assert _codes(text) == complete_late
    incomplete_85 = [r for r in rows if r["status"] == "incomplete" and r["department"] == "85"]
    text = viewer.get("/collectivites", params={"statut": "incomplete", "departement": "85"}).text
    assert len(_codes(text)) == len(incomplete_85)
    ecoll = [r for r in rows if r["route"] == "ecollectivites"]
    text = viewer.get("/collectivites", params={"voie": "ecollectivites"}).text
    assert f"<strong>{len(ecoll)}</strong>" in text


def test_sort_by_receipt_date_both_ways_undated_last(viewer: TestClient, web_home: WebHome) -> None:
    rows = _rows(web_home)
    dated = sorted(
        (r for r in rows if r["received_on"] and r["status"] != "missing"),
        key=lambda r: r["received_on"],
    )
    asc = _codes(viewer.get("/collectivites", params={"tri": "reception"}).text)
    desc = _codes(viewer.get("/collectivites", params={"tri": "reception", "ordre": "desc"}).text)
    n = min(len(dated), PAGE_SIZE)
    days = {r["code"]: r["received_on"] for r in rows}
    assert [days[c] for c in asc[:n]] == sorted(days[c] for c in asc[:n])
    assert days[asc[0]] == dated[0]["received_on"]
    assert days[desc[0]] == dated[-1]["received_on"]


def test_sort_rows_pure() -> None:
    rows = [
        {"code": "2", "name": "Écully", "department": "44", "status": "missing", "late": False},
        {
            "code": "1",
            "name": "Angers",
            "department": "49",
            "status": "complete",
            "late": True,
            "received_on": "2022-01-20",
        },
        {
            "code": "3",
            "name": "brest",
            "department": "44",
            "status": "incomplete",
            "late": False,
            "received_on": "2022-01-02",
        },
    ]
    assert [r["code"] for r in sort_rows(rows, "nom", "asc")] == ["1", "3", "2"]
    assert [r["code"] for r in sort_rows(rows, "nom", "desc")] == ["2", "3", "1"]
    assert [r["code"] for r in sort_rows(rows, "reception", "desc")] == ["1", "3", "2"]
    assert [r["code"] for r in sort_rows(rows, "reception", "asc")] == ["3", "1", "2"]
    assert [r["code"] for r in sort_rows(rows, "statut", "asc")] == ["2", "3", "1"]


def test_pagination_and_filter_urls(viewer: TestClient) -> None:
    page2 = viewer.get("/collectivites", params={"page": "2", "statut": "missing"})
    assert "Page 2 sur" in page2.text
    first = _codes(viewer.get("/collectivites", params={"statut": "missing"}).text)
    assert set(first).isdisjoint(_codes(page2.text))
    links = html.unescape(page2.text)
    assert "/collectivites?statut=missing&page=3" in links or "Suivante" not in links
    huge = viewer.get("/collectivites", params={"page": "999"})
    assert huge.status_code == 200 and _codes(huge.text)  # clamped to the last page
    q = ListQuery(statut="missing", tri="reception")
    assert q.url(page=2) == "/collectivites?statut=missing&tri=reception&page=2"
    assert q.sort_url("reception") == "/collectivites?statut=missing&tri=reception&ordre=desc"


@pytest.mark.parametrize(
    "params",
    [
        {"statut": "perdu"},
        {"departement": "75"},
        {"tri": "population"},
        {"ordre": "haut"},
        {"page": "-1"},
        {"page": "abc"},
        {"retard": "peut-être"},
        {"voie": "pigeon"},
    ],
)
def test_bad_parameters_get_a_french_400(viewer: TestClient, params: dict[str, str]) -> None:
    response = viewer.get("/collectivites", params=params)
    assert response.status_code == 400
    assert "Requête invalide" in response.text


def test_hostile_search_is_escaped(viewer: TestClient) -> None:
    response = viewer.get("/collectivites", params={"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "Aucune collectivité ne correspond" in response.text


def test_anonymous_is_sent_to_login(app_client: TestClient) -> None:
    response = app_client.get("/collectivites?statut=missing")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/collectivites")
