"""French dates in the forms found on administrative paper, OCR noise included:
10/12/2021, 10.12.21, 10-12-2021, 2021-12-10, 10 décembre 2021, 1er déc. 2021,
lundi 13 décembre 2021, 12 JAN. 2022, "le treize décembre deux mille vingt et un" and
"L'an deux mille vingt et un, le treize décembre".

``find_dates`` returns every date in a text with its character span, so that callers can
pick the one after a label and point at it as evidence.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

MIN_YEAR = 1990
MAX_YEAR = 2099


@dataclass(frozen=True)
class DateMatch:
    date: dt.date
    start: int
    end: int
    raw: str
    confidence: float


class _FoldTable(dict[int, str]):
    """Code point -> one folded character (lower case, no accent), computed once."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        if c in "’‘`´ʼ":
            out = "'"
        else:
            d = unicodedata.normalize("NFKD", c)
            base = "".join(x for x in d if not unicodedata.combining(x)).lower()
            out = base[0] if base else c
        self[code] = out
        return out


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower case without accents, same length as ``text`` (for span-preserving search)."""
    return text.translate(_FOLD)


_MONTHS: dict[str, int] = {}
for _num, _forms in enumerate(
    (
        ("janvier", "janv", "jan", "janvie"),
        ("fevrier", "fevr", "fev", "fevrie", "fevier"),
        ("mars", "mar"),
        ("avril", "avr", "avri"),
        ("mai",),
        ("juin",),
        ("juillet", "juil", "juill", "juilet"),
        ("aout", "aou"),
        ("septembre", "sept", "sep", "septembr"),
        ("octobre", "oct", "octobr"),
        ("novembre", "nov", "novembr", "noy", "n0v"),
        ("decembre", "dec", "decembr", "decemhre", "deccmbre"),
    ),
    start=1,
):
    for _f in _forms:
        _MONTHS[_f] = _num

_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

# digits as OCR reads them: O for 0, l/I/| for 1
_D = r"[0-9oOlI|]"
_NUMERIC = re.compile(
    rf"(?<![0-9A-Za-z])({_D}{{1,2}})\s?([/.\-])\s?({_D}{{1,2}})\s?[/.\-]\s?({_D}{{4}}|{_D}{{2}})(?![0-9])"
)
_ISO = re.compile(r"(?<![0-9])(\d{4})-(\d{2})-(\d{2})(?![0-9])")
_TEXTUAL = re.compile(
    rf"(?<![0-9a-z])(1\s?er|premier|{_D}{{1,2}})\s*(?:er)?[\s.,]*({_MONTH_RE})\b\.?[\s,]*"
    # the year: 2021, "202 1" (OCR split it), '21, 21
    rf"({_D}{{4}}|{_D}{{3}} {_D}|'?{_D}{{2}})(?![0-9])"
)

_UNITS = {
    "zero": 0,
    "un": 1,
    "une": 1,
    "premier": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "vingt": 20,
    "vingts": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
    "cent": 100,
    "cents": 100,
    "mille": 1000,
    "mil": 1000,
}
# French number words, for counts written out elsewhere ("deux écoles")
NUMBER_WORDS = _UNITS
_NUMWORD = "|".join(sorted(_UNITS, key=len, reverse=True))
_NUMBER_RUN = rf"(?:(?:{_NUMWORD})(?:[\s\-]+(?:et[\s\-]+)?(?:{_NUMWORD}))*)"
_WORDS_DMY = re.compile(
    rf"(?<![a-z])({_NUMBER_RUN}|1\s?er|\d{{1,2}})[\s,]+({_MONTH_RE})\b[\s,]+(?:de\s+l'an\s+)?({_NUMBER_RUN})(?![a-z])"
)
_WORDS_YDM = re.compile(
    rf"l'an\s+({_NUMBER_RUN})[\s,]+(?:le\s+)?({_NUMBER_RUN}|1\s?er|\d{{1,2}})[\s,]+(?:du\s+mois\s+de\s+)?({_MONTH_RE})\b"
)


def words_to_int(text: str) -> int | None:
    tokens = [t for t in re.split(r"[\s\-]+", text.strip()) if t and t != "et"]
    if not tokens:
        return None
    total = 0
    current = 0
    for t in tokens:
        if t not in _UNITS:
            return None
        v = _UNITS[t]
        if v == 1000:
            total += (current or 1) * 1000
            current = 0
        elif v == 100:
            current = (current or 1) * 100
        elif t in ("vingt", "vingts") and current and current % 100 == 4:
            current = current - 4 + 80  # quatre-vingt
        elif v == 10 and current % 100 == 60:
            current += 10  # soixante-dix
        elif v < 10 and current % 10 == 0 and current % 100 in (70, 90):
            current += v
        elif 10 < v < 20 and current % 100 in (60, 80):
            current += v  # soixante-treize, quatre-vingt-douze
        else:
            current += v
    return total + current


_DIGITS = str.maketrans("oOlI|", "00111")


def _digits(s: str) -> str:
    return s.translate(_DIGITS)


def _year(s: str) -> int | None:
    s = _digits(s.strip("'").replace(" ", ""))  # "202 1": OCR split the year
    if not s.isdigit():
        return None
    y = int(s)
    if len(s) == 2:
        y += 2000 if y < 70 else 1900
    return y if MIN_YEAR <= y <= MAX_YEAR else None


def _make(y: int | None, m: int | None, d: int | None) -> dt.date | None:
    if y is None or m is None or d is None:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _day(s: str) -> int | None:
    s = s.replace(" ", "")
    if s in ("1er", "premier"):
        return 1
    s2 = _digits(s)
    if s2.isdigit():
        return int(s2)
    return words_to_int(s)


def find_dates(text: str) -> list[DateMatch]:
    """Every date in ``text``, in order of position, overlapping matches removed."""
    f = fold(text)
    found: list[DateMatch] = []

    for m in _ISO.finditer(f):
        d = _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            found.append(DateMatch(d, m.start(), m.end(), text[m.start() : m.end()], 0.95))
    for m in _NUMERIC.finditer(f):
        dd, mm, yy = _digits(m.group(1)), _digits(m.group(3)), m.group(4)
        if not (dd.isdigit() and mm.isdigit()):
            continue
        d = _make(_year(yy), int(mm), int(dd))
        if d:
            clean = all(c.isdigit() for c in m.group(1) + m.group(3) + yy)
            conf = 0.95 if clean else 0.75
            found.append(DateMatch(d, m.start(), m.end(), text[m.start() : m.end()], conf))
    for m in _TEXTUAL.finditer(f):
        d = _make(_year(m.group(3)), _MONTHS.get(m.group(2)), _day(m.group(1)))
        if d:
            full = len(m.group(2)) >= 4 or m.group(2) in ("mai", "mars", "juin", "aout")
            found.append(
                DateMatch(d, m.start(), m.end(), text[m.start() : m.end()], 0.95 if full else 0.9)
            )
    for m in _WORDS_DMY.finditer(f):
        d = _make(words_to_int(m.group(3)), _MONTHS.get(m.group(2)), _day(m.group(1)))
        if d:
            found.append(DateMatch(d, m.start(), m.end(), text[m.start() : m.end()], 0.85))
    for m in _WORDS_YDM.finditer(f):
        d = _make(words_to_int(m.group(1)), _MONTHS.get(m.group(3)), _day(m.group(2)))
        if d:
            found.append(DateMatch(d, m.start(), m.end(), text[m.start() : m.end()], 0.85))

    found.sort(key=lambda x: (x.start, -(x.end - x.start)))
    out: list[DateMatch] = []
    for dm in found:
        if out and dm.start < out[-1].end:
            if dm.end - dm.start > out[-1].end - out[-1].start and dm.start == out[-1].start:
                out[-1] = dm
            continue
        out.append(dm)
    return out


def parse_date(text: str) -> dt.date | None:
    """The first date in ``text``, if any."""
    found = find_dates(text)
    return found[0].date if found else None


# a handwritten date whose slashes OCR lost: "221121", "10 1221", "22 11 2021"
_RUN_TOGETHER = re.compile(r"(?<!\d)(\d{2})\s?(\d{2})\s?(\d{2}|\d{4})(?!\d)")


def run_together_date(text: str) -> DateMatch | None:
    """A date written in a form's date field whose separators OCR lost, read day, month,
    year (``221121`` for 22/11/21). Only where a date is expected: six digits in prose are
    not a date. The year is kept between ``MIN_YEAR`` and ``MAX_YEAR``."""
    for m in _RUN_TOGETHER.finditer(text):
        d = _make(_year(m.group(3)), int(m.group(2)), int(m.group(1)))
        if d:
            return DateMatch(d, m.start(), m.end(), m.group(0), 0.6)
    return None
