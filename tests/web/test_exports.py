"""Exports: CSV for French Excel and XLSX, from status rows (pure), then over HTTP."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from config.campaign import Campaign, load_campaign
from config.settings import DEFAULT_CAMPAIGN
from dashboard.exports import (
    export_filename,
    needs_csv,
    needs_totals,
    needs_xlsx,
    safe_text,
    status_csv,
    status_xlsx,
)


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
