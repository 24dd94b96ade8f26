"""Inputs and outputs of the dossier rules. Plain data: no database, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["complete", "incomplete", "missing"]
ReceiptSource = Literal["manual", "stamp", "mail", "file_time"]


@dataclass(frozen=True)
class CollectivityRef:
    code: str
    name: str
    siren: str | None = None
    kind: str = "commune"
    # Boolean roster columns a route can select on (e.g. {"ecollectivites": True}).
    roster_flags: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Piece:
    """One document filed in a dossier, as the rules see it.

    ``fields`` holds extracted (or corrected) values by name, dates as ``datetime.date``.
    ``channel``: how it reached us, ``registered_mail`` (paper, scanned) or ``email``.
    Receipt evidence, best first: ``manual_received_on`` (recorded by staff), the field
    ``arrival_stamp_date``, ``file_stamp_date`` (the stamp on another piece of the same
    scanned file: an envelope is stamped once, on its first page), ``delivered_at`` (the
    mail's delivery time), ``file_mtime``.

    ``confidences``: how sure the reading of each field was (0..1); a field not named
    there (recorded by hand, or a test's plain value) counts as certain. ``evidence``:
    where each field was read (``{"page", "box", "raw"}``, the extraction's evidence), for
    the messages that send an uncertain field to a person.
    """

    doc_type: str
    fields: Mapping[str, Any]
    channel: str
    delivered_at: dt.datetime | None = None
    file_mtime: dt.datetime | None = None
    manual_received_on: dt.date | None = None
    file_stamp_date: dt.date | None = None
    duplicate: bool = False
    document_id: int | None = None
    confidences: Mapping[str, float] = field(default_factory=dict)
    evidence: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class DossierFlag:
    code: str
    message: str  # French, for staff
    document_id: int | None = None
    field: str | None = None  # the field in question, when one is (its evidence shows it)


@dataclass
class Evaluation:
    route: str
    status: Status
    missing: list[str]
    received_on: dt.date | None
    late: bool
    schools: int | None = None
    student_accounts: int | None = None
    flags: list[DossierFlag] = field(default_factory=list)
    # The earliest known receipt day among the required-type pieces (None: nothing came,
    # or no date known): when the dossier was first "received".
    first_received_on: dt.date | None = None

    @property
    def flag_codes(self) -> list[str]:
        return sorted({f.code for f in self.flags})
