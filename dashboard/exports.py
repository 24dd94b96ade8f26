"""Spreadsheet exports of a campaign: the status table and the needs per collectivity.

Pure: rows in (``flows.dossiers.status_table``'s dicts, dates as ``YYYY-MM-DD``), bytes
out. CSV files are what French Excel opens as they are: UTF-8 with a BOM, ``;``
separated, CRLF line ends, French headers, dates ``JJ/MM/AAAA``. XLSX files (openpyxl)
have a bold frozen header row with an auto-filter, column widths, real dates and real
numbers, and a totals row for the needs.

Guard against formula injection: in a CSV, a text cell that starts with ``=``, ``+``,
``-``, ``@`` (or a tab or carriage return) gets a leading ``'``; in an XLSX, text is
always written as a string cell, never as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from config.campaign import Campaign

__all__ = [
    "STATUS_LABELS",
    "Column",
    "csv_bytes",
    "export_filename",
    "needs_csv",
    "needs_rows",
    "needs_table",
    "needs_totals",
    "needs_xlsx",
    "safe_text",
    "status_csv",
    "status_table_cells",
    "status_xlsx",
    "xlsx_bytes",
]

STATUS_LABELS = {"complete": "Complet", "incomplete": "Incomplet", "missing": "Manquant"}
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FILE_PART = re.compile(r"[^A-Za-z0-9._-]+")

Kind = Literal["text", "int", "date", "bool"]
CellValue = str | int | dt.date | bool | None


@dataclass(frozen=True)
class Column:
    header: str  # French
    kind: Kind
    width: int  # XLSX column width, in characters


STATUS_COLUMNS = (
    Column("Code", "text", 11),
    Column("Collectivité", "text", 38),
    Column("Département", "text", 13),
    Column("Voie d'adhésion", "text", 40),
    Column("Statut", "text", 11),
    Column("Pièces manquantes", "text", 44),
    Column("Reçu le", "date", 12),
    Column("En retard", "bool", 10),
    Column("Écoles", "int", 9),
    Column("Comptes élèves", "int", 15),
    Column("Alertes", "text", 40),
)

NEEDS_COLUMNS = (
    Column("Code", "text", 11),
    Column("Collectivité", "text", 38),
    Column("Département", "text", 13),
    Column("Statut", "text", 11),
    Column("Reçu le", "date", 12),
    Column("Écoles", "int", 9),
    Column("Comptes élèves", "int", 15),
)

DEPARTMENT_COLUMNS = (
    Column("Département", "text", 13),
    Column("Collectivités", "int", 14),
    Column("Écoles", "int", 9),
    Column("Comptes élèves", "int", 15),
)


# ------------------------------------------------------------------------------ cells


def safe_text(value: str) -> str:
    """Text fit for a CSV cell: control characters dropped, and a leading ``'`` when a
    spreadsheet would read the cell as a formula."""
    text = _CONTROL.sub("", value)
    return "'" + text if text.startswith(_DANGEROUS_START) else text


def as_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or an ISO string (None when it is none of them)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _clean(value: str) -> str:
    return _CONTROL.sub("", value)


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _piece_short(campaign: Campaign, key: str) -> str:
    spec = campaign.pieces.get(key)
    return spec.short if spec else key


def _route_label(campaign: Campaign, key: Any) -> str:
    route = campaign.routes.get(str(key))
    return route.label if route else str(key or "")


def status_table_cells(rows: Iterable[Mapping[str, Any]], campaign: Campaign) -> list[list[Any]]:
    """The status rows as typed cells, in ``STATUS_COLUMNS`` order."""
    cells: list[list[Any]] = []
    for r in rows:
        cells.append(
            [
                str(r.get("code") or ""),
                str(r.get("name") or ""),
                str(r.get("department") or ""),
                _route_label(campaign, r.get("route")),
                STATUS_LABELS.get(str(r.get("status")), str(r.get("status") or "")),
                ", ".join(_piece_short(campaign, str(m)) for m in r.get("missing") or []),
                as_date(r.get("received_on")),
                bool(r.get("late")),
                _int(r.get("schools")),
                _int(r.get("student_accounts")),
                ", ".join(str(f) for f in r.get("flags") or []),
            ]
        )
    return cells


def needs_rows(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The status rows of the dossiers that sent a valid needs form (a number of schools
    or of pupil accounts), by code."""
    kept = [
        r
        for r in rows
        if _int(r.get("schools")) is not None or _int(r.get("student_accounts")) is not None
    ]
    return sorted(kept, key=lambda r: str(r.get("code") or ""))


def needs_table(rows: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """The needs rows as typed cells, in ``NEEDS_COLUMNS`` order."""
    return [
        [
            str(r.get("code") or ""),
            str(r.get("name") or ""),
            str(r.get("department") or ""),
            STATUS_LABELS.get(str(r.get("status")), str(r.get("status") or "")),
            as_date(r.get("received_on")),
            _int(r.get("schools")),
            _int(r.get("student_accounts")),
        ]
        for r in needs_rows(rows)
    ]


@dataclass(frozen=True)
class NeedsTotals:
    collectivities: int
    schools: int
    student_accounts: int
    by_department: dict[str, tuple[int, int, int]]  # dept -> (collectivities, schools, accounts)


def needs_totals(rows: Iterable[Mapping[str, Any]]) -> NeedsTotals:
    """Totals over the needs rows, overall and per département."""
    by_dept: dict[str, list[int]] = {}
    count = schools = accounts = 0
    for r in needs_rows(rows):
        s, a = _int(r.get("schools")) or 0, _int(r.get("student_accounts")) or 0
        count, schools, accounts = count + 1, schools + s, accounts + a
        entry = by_dept.setdefault(str(r.get("department") or ""), [0, 0, 0])
        entry[0], entry[1], entry[2] = entry[0] + 1, entry[1] + s, entry[2] + a
    return NeedsTotals(
        collectivities=count,
        schools=schools,
        student_accounts=accounts,
        by_department={k: (v[0], v[1], v[2]) for k, v in sorted(by_dept.items())},
    )


# -------------------------------------------------------------------------------- CSV


def _csv_cell(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if kind == "date" and isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if kind == "bool":
        return "oui" if value else "non"
    if kind == "int":
        return str(value)
    return safe_text(str(value))


def csv_bytes(columns: Sequence[Column], cells: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file for French Excel: UTF-8 with BOM, ``;``, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    for row in cells:
        writer.writerow([_csv_cell(v, c.kind) for v, c in zip(row, columns, strict=True)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def status_csv(rows: Iterable[Mapping[str, Any]], campaign: Campaign) -> bytes:
    return csv_bytes(STATUS_COLUMNS, status_table_cells(rows, campaign))


def needs_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    rows = list(rows)
    totals = needs_totals(rows)
    cells = needs_table(rows)
    cells.append(
        [
            "Total",
            f"{totals.collectivities} collectivités",
            "",
            "",
            None,
            totals.schools,
            totals.student_accounts,
        ]
    )
    return csv_bytes(NEEDS_COLUMNS, cells)


# ------------------------------------------------------------------------------- XLSX

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_DATE_FORMAT = "DD/MM/YYYY"
_INT_FORMAT = "#,##0"


def _set(cell: Cell, value: Any, kind: Kind) -> None:
    if value is None:
        return
    if kind == "date":
        cell.value = value
        cell.number_format = _DATE_FORMAT
    elif kind == "int":
        cell.value = value
        cell.number_format = _INT_FORMAT
    elif kind == "bool":
        cell.value = "oui" if value else "non"
    else:
        cell.value = _clean(str(value))
        cell.data_type = "s"  # text is never a formula, even when it starts with "="


def _sheet(
    workbook: Workbook,
    title: str,
    columns: Sequence[Column],
    cells: Iterable[Sequence[Any]],
    *,
    first: bool,
    totals: Sequence[Any] | None = None,
) -> None:
    sheet = workbook.active if first else workbook.create_sheet()
    assert sheet is not None
    sheet.title = title
    for j, column in enumerate(columns, 1):
        head = sheet.cell(row=1, column=j, value=column.header)
        head.font, head.fill = _BOLD, _HEADER_FILL
        head.alignment = Alignment(vertical="center")
        sheet.column_dimensions[get_column_letter(j)].width = column.width
    n = 1
    for n, row in enumerate(cells, 2):
        for j, (value, column) in enumerate(zip(row, columns, strict=True), 1):
            _set(sheet.cell(row=n, column=j), value, column.kind)
    last_data = n
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(last_data, 1)}"
    if totals is not None:
        total_row = last_data + 1
        for j, (value, column) in enumerate(zip(totals, columns, strict=True), 1):
            cell = sheet.cell(row=total_row, column=j)
            _set(cell, value, column.kind)
            cell.font = _BOLD


def xlsx_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _workbook(campaign: Campaign, subject: str) -> Workbook:
    workbook = Workbook()
    workbook.properties.title = f"{campaign.campaign.title} – {subject}"
    workbook.properties.creator = "convention-intake"
    return workbook


def status_xlsx(rows: Iterable[Mapping[str, Any]], campaign: Campaign) -> bytes:
    workbook = _workbook(campaign, "statut des dossiers")
    _sheet(workbook, "Statut", STATUS_COLUMNS, status_table_cells(rows, campaign), first=True)
    return xlsx_bytes(workbook)


def needs_xlsx(rows: Iterable[Mapping[str, Any]], campaign: Campaign) -> bytes:
    rows = list(rows)
    totals = needs_totals(rows)
    workbook = _workbook(campaign, "besoins exprimés")
    _sheet(
        workbook,
        "Besoins",
        NEEDS_COLUMNS,
        needs_table(rows),
        first=True,
        totals=[
            "Total",
            f"{totals.collectivities} collectivités",
            None,
            None,
            None,
            totals.schools,
            totals.student_accounts,
        ],
    )
    _sheet(
        workbook,
        "Par département",
        DEPARTMENT_COLUMNS,
        [[d, *v] for d, v in totals.by_department.items()],
        first=False,
        totals=["Total", totals.collectivities, totals.schools, totals.student_accounts],
    )
    return xlsx_bytes(workbook)


# -------------------------------------------------------------------------- file names


def export_filename(campaign: Campaign, subject: str, extension: str, day: dt.date) -> str:
    """``e-primo-2022_statut_2021-12-03.csv``: the campaign id, the subject, the day."""
    campaign_part = _FILE_PART.sub("-", campaign.id).strip("-") or "campagne"
    subject_part = _FILE_PART.sub("-", subject).strip("-") or "export"
    return f"{campaign_part}_{subject_part}_{day.isoformat()}.{extension.lstrip('.')}"
