"""The mail room's arrival stamp on a document's first page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from extractors.dates import DateMatch, find_dates, fold
from extractors.fields.common import (
    _result,
)
from extractors.model import Evidence, FieldResult
from extractors.pages import Page

# --------------------------------------------------------------------------- arrival stamp


# a stamp's year this far from every year of its document's dates is a misread one
_FAR_YEARS = 5


def _mended_year(dm: DateMatch, years: set[int]) -> DateMatch | None:
    """``dm`` with its year replaced by the only one of ``years`` one digit away."""
    from extractors.stamp import nearest_year

    year = nearest_year(f"{dm.date.year:04d}", years)
    if year is None:
        return None
    try:
        return replace(dm, date=dm.date.replace(year=year))
    except ValueError:  # 29 February
        return None


_STAMP_TEXT = re.compile(r"(arrive|courrier arrive|recu)\s+le\s*$")


def arrival_stamp(page: Page, document: Sequence[Page] = ()) -> FieldResult | None:
    """The mail room's arrival date on a document's first page (``document``: its other
    pages, whose dates tell the years a garbled stamp year may be)."""
    from extractors.stamp import mend_stamp_year, stamp_date

    best: tuple[float, FieldResult] | None = None
    years: set[int] | None = None

    def doc_years() -> set[int]:
        # the years around the document's own dates (every page: a convention's first
        # page may print none of 2021)
        nonlocal years
        if years is None:
            years = {
                d.date.year + k
                for p in (page, *document)
                for d in find_dates(p.text)
                for k in (-1, 0, 1)
            }
        return years

    for read in page.stamps:
        dm = stamp_date(read.text)
        mended = 1.0
        if dm is None:
            # a year OCR garbled ("2921"): mended against the document's years
            fixed = mend_stamp_year(read.text, doc_years())
            dm = stamp_date(fixed) if fixed else None
            mended = 0.6
        elif doc_years() and min(abs(dm.date.year - y) for y in doc_years()) > _FAR_YEARS:
            # a year that reads but is far from the document's ("2002" on a letter of
            # 2021): one digit is off; mended the same way, else the read is not trusted
            # (the file's time is the fallback). A page may print only an older date (a
            # decree of 2019 on a convention stamped in 2022): near years are kept.
            dm = _mended_year(dm, doc_years())
            mended = 0.6
        if dm is None:
            continue
        keyword = bool(re.search(r"arriv|recu|courrier|rectorat", fold(read.text)))
        conf = dm.confidence * max(read.conf, 0.3) * (1.0 if keyword else 0.7) * mended
        res = _result(dm.date, conf, page, read.box, read.text.replace("\n", " "))
        if best is None or conf > best[0]:
            best = (conf, res)
    if best is not None:
        return best[1]
    # a stamp in the text layer (vector stamp) or read by the page's OCR
    f = fold(page.text)
    for m in re.finditer(r"(arrive|recu)\s+(?:\1\s+)?le\b", f):
        if "prefecture" in f[max(0, m.start() - 20) : m.end() + 15]:
            continue
        after = page.text[m.end() :].lstrip(" \r\n").split("\n")[:2]
        window = re.sub(r"\b(\S+)(\s+\1\b)+", r"\1", "\n".join(after))
        dm = stamp_date("LE\n" + window)
        if dm is not None:
            raw = page.text[m.start() : m.end()] + " " + dm.raw
            return FieldResult(dm.date, 0.75 * dm.confidence, Evidence(page.number, None, raw))
    return None
