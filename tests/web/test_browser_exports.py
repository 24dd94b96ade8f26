"""In real Chromium: a viewer downloads the exports from the Exports page."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pypdf
import pytest
from openpyxl import load_workbook

from flows.dossiers import status_table
from storage.db import session

pytestmark = pytest.mark.browser


def _status_rows(home: Any) -> list[dict[str, Any]]:
    ctx = home.ctx
    try:
        with session(ctx.engine, readonly=True) as s:
            return status_table(s, ctx.campaign)
    finally:
        ctx.engine.dispose()


def test_viewer_downloads_exports_through_the_page(
    page: Any, live_server: Any, browser_login: Any, tmp_path: Path
) -> None:
    browser_login(page, live_server, "viewer")
    page.click("nav >> text=Exports")
    page.wait_for_url(live_server.url + "/exports")
    assert page.locator("h1").inner_text() == "Exports"
    expected = _status_rows(live_server.home)

    with page.expect_download() as info:
        page.click("text=Télécharger le tableau (Excel, .xlsx)")
    download = info.value
    assert download.suggested_filename.startswith("e-primo-2022_statut_")
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = load_workbook(target)["Statut"]
    codes = [sheet.cell(row=n, column=1).value for n in range(2, sheet.max_row + 1)]
    assert codes == [r["code"] for r in expected]

    # filter the page, then the CSV of the needs follows the filter
    page.select_option("#departement", "44")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/exports?*departement=44*")
    with page.expect_download() as info:
        page.click("#export-besoins ~ p.downloads >> text=Télécharger en CSV")
    path = tmp_path / "besoins.csv"
    info.value.save_as(path)
    text = path.read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert table[0][:3] == ["Code", "Collectivité", "Département"]
    body = table[1:-1]
    assert table[-1][0] == "Total"
    want = [r["code"] for r in expected if r["department"] == "44" and r["schools"] is not None]
    assert [r[0] for r in body] == want

    # the letters of the incomplete dossiers of the selection
    page.select_option("#statut", "incomplete")
    page.select_option("#departement", "")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/exports?statut=incomplete*")
    with page.expect_download() as info:
        page.click("text=Télécharger les lettres de relance (PDF)")
    pdf = tmp_path / info.value.suggested_filename
    info.value.save_as(pdf)
    assert pdf.name.startswith("e-primo-2022_relances-incomplets_")
    pages = pypdf.PdfReader(pdf).pages
    incomplete = [r for r in expected if r["status"] == "incomplete"]
    assert len(pages) >= len(incomplete) > 0
