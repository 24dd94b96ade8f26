"""The convention's fields: the collectivity, its signatory (name, role), the signature's date
and whether it is signed."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from extractors.dates import find_dates, run_together_date
from extractors.fields.common import (
    _locs,
    _ocr_conf,
    _result,
    _same_row,
    clean_name,
    label_value,
    mend_place,
    mend_role,
)
from extractors.model import FieldResult
from extractors.pages import Line, Page
from extractors.signature import DEFAULT_LABELS
from extractors.textmatch import find_label

# --------------------------------------------------------------------------- convention


def convention_fields(
    pages: Sequence[Page], labels: Mapping[str, str] | None = None
) -> dict[str, FieldResult]:
    lab = {**DEFAULT_LABELS, **(labels or {})}
    all_labels = [lab[k] for k in ("collectivity", "role", "name", "date")]
    out: dict[str, FieldResult] = {}
    for key, name in (
        ("collectivity", "collectivity"),
        ("role", "signatory_role"),
        ("name", "signatory_name"),
    ):
        found = label_value(pages, [lab[key]], all_labels)
        if found is None:
            continue
        if found.text and len(re.sub(r"\W", "", found.text)) >= 2:
            if found.page.ocr:
                found.text = clean_name(found.text)
                if key == "role":
                    found.text = mend_role(found.text)
                elif key == "collectivity":
                    found.text = mend_place(found.text)
            out[name] = _result(
                found.text, 0.9 * max(found.conf, 0.3) + 0.1, found.page, found.box, found.text
            )
        else:
            out[name] = _result(None, 0.8, found.page, found.box, "")
    date = _signature_date(pages, lab)
    if date is not None:
        out["signature_date"] = date
    sig = next((p for p in reversed(pages) if p.signature is not None), None)
    if sig is not None and sig.signature is not None:
        s = sig.signature
        out["signed"] = _result(s.signed, s.confidence, sig, s.area, s.raw)
    elif out:
        out["signed"] = FieldResult(value=None, confidence=0.0, evidence=None)
    return out


def _signature_date(pages: Sequence[Page], lab: Mapping[str, str]) -> FieldResult | None:
    for page in reversed(pages):
        lines = page.lines
        ex = not page.ocr
        anchors = find_label(lines, lab["name"], exact=ex)
        anchors = anchors or find_label(lines, lab["role"], exact=ex)
        if not anchors:
            continue
        a = anchors[-1]
        abox = lines[a.line_index].box
        dates = [
            h
            for h in find_label(lines, lab["date"], 0.8, exact=ex)
            if lines[h.line_index].box[1] >= abox[1]
        ]
        if not dates:
            return FieldResult(value=None, confidence=0.3, evidence=None)
        d = dates[0]
        dline = lines[d.line_index]
        dbox = dline.box
        # the date label's line, what is to its right, and two lines under it
        cands: list[Line] = [dline] + [
            ln
            for ln in lines
            if ln is not dline
            and (
                (_same_row(ln.box, dbox) and ln.box[0] > dbox[0])
                or (dbox[3] - 2 < ln.box[1] < dbox[3] + 40 and ln.box[0] < dbox[0] + 300)
            )
        ]
        for ln in cands:
            text = ln.text[d.end :] if ln is dline else ln.text
            offset = d.end if ln is dline else 0
            found = find_dates(text) or [dm for dm in [run_together_date(text)] if dm]
            if found:
                dm = found[0]
                conf = dm.confidence * max(_ocr_conf(ln, offset + dm.start, offset + dm.end), 0.4)
                box = ln.span_box(offset + dm.start, offset + dm.end)
                return _result(dm.date, conf, page, box, dm.raw)
        return _result(None, 0.7, page, dbox, "")
    # no block: "Fait à …, le …" anywhere
    for loc in reversed(_locs(pages)):
        m = re.search(r"fait a .{1,60}?\ble\b", loc.folded)
        if m:
            found = find_dates(loc.line.text[m.end() :])
            if found:
                dm = found[0]
                s = m.end() + dm.start
                return _result(
                    dm.date,
                    0.7 * dm.confidence,
                    loc.page,
                    loc.line.span_box(s, s + len(dm.raw)),
                    dm.raw,
                )
    return None
