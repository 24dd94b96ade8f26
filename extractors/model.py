"""What extraction produces: documents made of fields, each with a confidence and evidence.

These types are the contract between ``extractors`` (which fills them), the sample
generator (whose ground truth uses the same shape), ``storage`` (which keeps them as JSON)
and the dossier ``rules`` (which read field values).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

DocType = Literal["convention", "deliberation", "needs_form", "other"]
DOC_TYPES: tuple[str, ...] = ("convention", "deliberation", "needs_form", "other")

# Field names per document type (issue 3); ``arrival_stamp_date`` applies to any document.
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "convention": (
        "collectivity",
        "signatory_name",
        "signatory_role",
        "signature_date",
        "signed",
    ),
    "deliberation": (
        "collectivity",
        "meeting_date",
        "authorizes_signature",
        "act_id",
        "prefecture_receipt_date",
    ),
    "needs_form": ("collectivity", "schools", "student_accounts"),
    "other": (),
}
COMMON_FIELDS: tuple[str, ...] = ("arrival_stamp_date",)

FieldValue = str | int | bool | dt.date | None


@dataclass(frozen=True)
class Evidence:
    """Where a value was read: 1-based page within the document's file, a box in PDF
    points (x0, top, x1, bottom; origin top-left) and the raw text it was read from."""

    page: int
    box: tuple[float, float, float, float] | None = None
    raw: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"page": self.page, "box": list(self.box) if self.box else None, "raw": self.raw}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evidence:
        box = data.get("box")
        return cls(page=int(data["page"]), box=tuple(box) if box else None, raw=data.get("raw", ""))


@dataclass(frozen=True)
class FieldResult:
    value: FieldValue
    confidence: float = 1.0
    evidence: Evidence | None = None

    def to_json(self) -> dict[str, Any]:
        value: Any = self.value.isoformat() if isinstance(self.value, dt.date) else self.value
        return {
            "value": value,
            "confidence": round(self.confidence, 4),
            "evidence": self.evidence.to_json() if self.evidence else None,
        }


@dataclass
class Document:
    """One piece found in a file: its type, its pages (1-based, within the file) and fields."""

    type: str
    pages: list[int]
    fields: dict[str, FieldResult] = field(default_factory=dict)
    ocr: bool = False
    attachment: str | None = None
    # French reason when the piece could not be read (e.g. a damaged e-mail attachment)
    error: str | None = None

    def value(self, name: str) -> FieldValue:
        f = self.fields.get(name)
        return f.value if f else None

    def values(self) -> dict[str, FieldValue]:
        return {name: f.value for name, f in self.fields.items()}

    def fields_json(self) -> dict[str, Any]:
        return {name: f.to_json() for name, f in self.fields.items()}


def parse_field_value(name: str, raw: Any) -> FieldValue:
    """Inverse of ``FieldResult.to_json`` for values: ISO strings of date fields become dates."""
    if raw is None:
        return None
    if name.endswith("_date") and isinstance(raw, str):
        return dt.date.fromisoformat(raw)
    return raw  # type: ignore[no-any-return]
