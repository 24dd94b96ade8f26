"""The needs form's fields: the collectivity, the number of schools and of pupil accounts."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.dates import fold
from extractors.fields.common import (
    _result,
    _same_row,
    clean_name,
    label_value,
    label_values,
)
from extractors.model import FieldResult
from extractors.pages import Box, Page, union_boxes

# --------------------------------------------------------------------------- needs form

_INT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|\d{1,6})(?![\d,])")
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1", "S": "5"})


def _first_int(text: str) -> tuple[int, int, int] | None:
    fixed = re.sub(
        r"(?<=\d)[OolI|S]|[OolI|S](?=\d)", lambda m: m.group(0).translate(_OCR_DIGITS), text
    )
    m = _INT.search(fixed)
    if not m:
        return None
    return int(re.sub(r"\D", "", m.group(1))), m.start(), m.end()


# the needs form's counts, by their labels (the scan re-reads a count OCR garbled)
SCHOOLS_LABELS = ("Nombre d'écoles", "Nombre d'école", "Nb d'écoles")
ACCOUNTS_LABELS = (
    "Nombre de comptes élèves",
    "Nombre total de comptes élèves",
    "Total comptes élèves",
    "Nombre de comptes",
)
COUNT_LABELS = (*SCHOOLS_LABELS, *ACCOUNTS_LABELS)


def needs_fields(pages: Sequence[Page]) -> dict[str, FieldResult]:
    out: dict[str, FieldResult] = {}
    coll = label_value(
        pages,
        ["Nom de la collectivité", "Collectivité", "Commune", "Collectivité adhérente"],
        ["Département", "Nombre d'écoles"],
    )
    if coll is not None and coll.text:
        if coll.page.ocr:
            coll.text = clean_name(coll.text)
        out["collectivity"] = _result(
            coll.text, 0.9 * max(coll.conf, 0.3), coll.page, coll.box, coll.text
        )
    elif coll is not None:
        out["collectivity"] = _result(None, 0.6, coll.page, coll.box, "")

    schools = _labelled_int(pages, SCHOOLS_LABELS)
    accounts = _labelled_int(pages, ACCOUNTS_LABELS)
    table = _school_table(pages)
    if (accounts is None or accounts.value is None) and table is not None:
        total, n_rows, tconf, page, box, raw = table
        if total is not None:
            accounts = _result(total, tconf, page, box, raw)
        if schools is None and n_rows:
            schools = _result(n_rows, 0.8 * tconf, page, box, f"{n_rows} lignes d'écoles")
    if schools is not None:
        out["schools"] = schools
    if accounts is not None:
        out["student_accounts"] = accounts
    for name in ("schools", "student_accounts"):
        out.setdefault(name, FieldResult(None, 0.5, None))
    return out


def _labelled_int(pages: Sequence[Page], labels: Sequence[str]) -> FieldResult | None:
    stops = ["Référent", "Courriel", "Nom de l'école", "Commune"]
    blank: FieldResult | None = None
    for found in label_values(pages, labels, stops, below=False):
        text = found.text.strip()
        if not text:
            blank = blank or _result(None, 0.7, found.page, found.box, "")
            continue
        n = _first_int(text)
        if n is None or (text[:1].isalpha() and text[:1] not in "OolIS"):
            continue
        return _result(n[0], 0.95 * max(found.conf, 0.4), found.page, found.box, text)
    return blank


def _school_table(
    pages: Sequence[Page],
) -> tuple[int | None, int, float, Page, Box, str] | None:
    for page in pages:
        lines = page.lines
        header = None
        for ln in lines:
            f = fold(ln.text)
            if "comptes eleves" in f or "nombre de comptes" in f or "effectif" in f:
                if "nombre de comptes eleves correspond" in f:
                    continue
                header = ln
                break
        if header is None:
            continue
        hx0, hx1 = header.box[0] - 15, header.box[2] + 15
        # the counts' column: under the header's "comptes élèves" words when the header
        # line holds the other columns' titles too ("Nom de l'école  Commune  Nombre de
        # comptes élèves"), and a school's row is one line ending with its count
        col = re.search(r"(nombre (total )?de )?comptes eleves|effectif", fold(header.text))
        cx0, cx1 = hx0, hx1
        if col is not None:
            cbox = header.span_box(col.start(), col.end())
            cx0, cx1 = cbox[0] - 15, cbox[2] + 15
        rows: list[int] = []
        boxes: list[Box] = []
        confs: list[float] = []
        total: int | None = None
        total_box: Box | None = None
        below = sorted(
            (ln for ln in lines if ln.box[1] > header.box[3] - 1), key=lambda x: x.box[1]
        )
        for ln in below:
            cx = (ln.box[0] + ln.box[2]) / 2
            n: tuple[int, int, int] | None = None
            if hx0 <= cx <= hx1 and re.fullmatch(r"[\s\dOolI|S.\u00a0\u202f]+", ln.text):
                n = _first_int(ln.text)
            elif col is not None and not re.search(r"\btotal\b", fold(ln.text)):
                # a row's cells run together on one line: its last word, when it is a
                # number under the counts' column ("Saint-Vincent-Sterlanges 134")
                last = re.search(r"(?<![\w.,/])(\d{1,3}(?:[ \u00a0\u202f]\d{3})*)\s*$", ln.text)
                if last is not None:
                    lbox = ln.span_box(last.start(1), last.end(1))
                    if cx0 <= (lbox[0] + lbox[2]) / 2 <= cx1:
                        n = (int(re.sub(r"\D", "", last.group(1))), last.start(1), last.end(1))
            if n is None:
                continue
            row_words = [o for o in lines if _same_row(o.box, ln.box) and o is not ln]
            is_total = any("total" in fold(o.text) for o in row_words)
            if is_total:
                total, total_box = n[0], ln.box
                confs.append(ln.conf / 100.0)
                break
            if any(re.search(r"[a-z]{3}", fold(o.text)) for o in row_words) or row_words:
                rows.append(n[0])
                boxes.append(ln.box)
                confs.append(ln.conf / 100.0)
        if not rows and total is None:
            continue
        conf = max(min(confs) if confs else 0.5, 0.3)
        if total is not None:
            return total, len(rows), 0.95 * conf, page, total_box or header.box, str(total)
        return sum(rows), len(rows), 0.85 * conf, page, union_boxes(boxes), "+".join(map(str, rows))
    return None
