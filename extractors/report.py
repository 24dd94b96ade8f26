"""The JSON shape of ``intake extract``: one object per input file, every field of a
document's type present (``null`` when not read), dates ``YYYY-MM-DD``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from extractors.model import COMMON_FIELDS, FIELD_NAMES, Document


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def document_json(doc: Document) -> dict[str, Any]:
    names = (*FIELD_NAMES.get(doc.type, ()), *COMMON_FIELDS)
    data: dict[str, Any] = {
        "type": doc.type,
        "pages": list(doc.pages),
        "fields": {n: _plain(doc.value(n)) for n in names},
        "confidence": {
            n: (round(doc.fields[n].confidence, 3) if n in doc.fields else None) for n in names
        },
        "ocr": doc.ocr,
    }
    if doc.attachment is not None:
        data["attachment"] = doc.attachment
    if doc.error:
        data["error"] = doc.error
    return data


def file_json(file: str, documents: list[Document], error: str | None) -> dict[str, Any]:
    return {"file": file, "documents": [document_json(d) for d in documents], "error": error}
