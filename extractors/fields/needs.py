"""The needs form's fields: the collectivity, the number of schools and of pupil accounts.

Counts are found by meaning, not by one template's wording: a label is a short phrase
whose head noun is the field's ("écoles", "établissements scolaires" / "comptes élèves",
"élèves", "effectif") with a count word ("nombre", "nb", "nbre", "total", "combien",
"(nombre)") before or after it, qualifiers allowed ("Nombre d'écoles publiques
concernées", "Nombre de comptes élèves à créer"), OCR slips forgiven; "Nombre de
classes" or "Nombre de comptes enseignants" are no count of ours. The wordings are data
(``VOCABULARY``; a campaign may add its own). The value is a count after the label on its
line (colon, leader dots, wide gap), in the cell to its right, or on the line under it,
checked by type (a whole number in the field's range, not a year, a date, a phone number,
a postal or UAI code). A school-by-school table (``extractors.tables``: any column order,
with or without a total row, over several pages) gives the schools (its rows) and the
accounts (its total, else the sum of its rows; a total that is not the sum is kept but
flagged).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from extractors import tables as T
from extractors.dates import NUMBER_WORDS, fold
from extractors.fields.common import (
    _result,
    _same_row,
    clean_name,
    label_value,
    label_values,
)
from extractors.fields.convention import collectivity_field
from extractors.model import FieldResult
from extractors.names import find_collectivity, parse_collectivity
from extractors.pages import Box, Line, Page, Word, union_boxes

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- vocabulary

# wordings of each count's label; what they mean is read from their words (count words,
# then the head noun and what qualifies it), so "Nombre d'écoles concernées" also teaches
# "Total écoles concernées" and "Écoles concernées (nombre)"
VOCABULARY: dict[str, list[str]] = {
    "schools": [
        "Nombre d'écoles",
        "Nombre d'écoles concernées",
        "Nombre d'écoles publiques",
        "Nb écoles",
        "Nbre d'écoles",
        "Total écoles",
        "Écoles (nombre)",
        "Combien d'écoles",
        "Nombre d'établissements scolaires",
        "Nombre d'établissements",
        "Nombre de groupes scolaires",
        "Nombre de sites scolaires",
    ],
    "student_accounts": [
        "Nombre de comptes élèves",
        "Nombre total de comptes élèves",
        "Total comptes élèves",
        "Nombre de comptes",
        "Nombre de comptes à créer",
        "Nombre d'élèves",
        "Nombre total d'élèves",
        "Total élèves",
        "Effectif",
        "Effectif total",
        "Effectif élèves",
        "Effectifs",
        "Comptes élèves (nombre)",
        "Nombre de licences élèves",
        "Nombre d'identifiants élèves",
    ],
}
# heads that are no count of ours, though they share a word with one ("comptes")
DECOYS: tuple[str, ...] = (
    "comptes enseignants",
    "comptes adultes",
    "comptes parents",
    "comptes personnels",
    "comptes agents",
    "comptes professeurs",
    "comptes directeurs",
    "eleves par classe",
)
COUNT_WORDS = ("nombre", "nb", "nbre", "nbr", "total", "totale", "combien", "effectif")
_STOP = {"de", "d", "des", "du", "la", "le", "les", "l", "en", "total", "totale", "global"}
_ARTICLES = {"le", "la", "les", "l", "un", "une"}
# words of a sentence, not of a label ("Le nombre de comptes élèves correspond à …")
_PROSE = {
    "correspond",
    "correspondent",
    "est",
    "sont",
    "sera",
    "seront",
    "doit",
    "doivent",
    "indiquer",
    "preciser",
    "merci",
    "veuillez",
    "renseigner",
    "peut",
    "peuvent",
    "comprend",
    "inclut",
    "calcule",
    "determine",
    "figure",
    "figurant",
}

# the scan re-reads a count OCR garbled after these labels (exact wordings, count word
# first: a bare noun would send a table's header to the re-read)
SCHOOLS_LABELS: tuple[str, ...] = (
    "Nombre d'écoles",
    "Nombre d'école",
    "Nb d'écoles",
    "Nb écoles",
    "Nbre d'écoles",
    "Total écoles",
)
ACCOUNTS_LABELS: tuple[str, ...] = (
    "Nombre de comptes élèves",
    "Nombre total de comptes élèves",
    "Total comptes élèves",
    "Nombre de comptes",
    "Nombre d'élèves",
)
COUNT_LABELS = (*SCHOOLS_LABELS, *ACCOUNTS_LABELS)

RANGES = {"schools": (1, 200), "student_accounts": (1, 50000)}

_TOKEN = re.compile(r"[a-z0-9]+|[()\[\]:]")


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(fold(text))]


def _stem(word: str) -> str:
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def _same_word(token: str, word: str) -> bool:
    """One word of a label, OCR slips forgiven on longer words."""
    a, b = _stem(token), _stem(word)
    if a == b:
        return True
    if len(b) <= 4 or abs(len(a) - len(b)) > 2 or not a.isalpha():
        return False
    return fuzz.ratio(a, b) >= 80


@dataclass(frozen=True)
class Wording:
    field: str | None  # None: a decoy
    count_first: bool  # the count word opens it ("Nombre d'écoles"), else after ("Écoles (nombre)")
    needs_count: bool  # a bare noun ("Effectif") is a label alone
    head: tuple[str, ...]  # head noun and its complements ("comptes", "eleves")


def _wording(text: str, field: str | None) -> Wording | None:
    toks = [t for t, _, _ in _tokens(text) if t not in "()[]:"]
    counts = [i for i, t in enumerate(toks) if t in COUNT_WORDS and t != "effectif"]
    if counts and counts[0] == 0:
        rest = [t for t in toks[1:] if t not in _STOP and t not in COUNT_WORDS]
        return Wording(field, True, True, tuple(rest)) if rest else None
    if counts:
        head = tuple(t for t in toks[: counts[0]] if t not in _STOP)
        return Wording(field, False, True, head) if head else None
    head = tuple(t for t in toks if t not in _STOP)
    return Wording(field, True, False, head) if head else None


def _wordings(vocabulary: Mapping[str, Sequence[str]] | None) -> list[Wording]:
    out: list[Wording] = []
    for name, texts in VOCABULARY.items():
        extra = list((vocabulary or {}).get(name, ()))
        for text in [*texts, *extra]:
            w = _wording(text, name)
            if w is not None:
                out.append(w)
    for text in DECOYS:
        w = _wording(text, None)
        if w is not None:
            out.append(w)
    # longest heads first: "comptes enseignants" before "comptes"
    out.sort(key=lambda w: -len(w.head))
    return out


@functools.cache
def _default_wordings() -> list[Wording]:
    return _wordings(None)


@dataclass
class LabelMatch:
    field: str
    page: Page
    line: Line
    start: int  # span of the label in the line's text
    end: int
    exact: bool  # every word as in the vocabulary (no OCR slip)
    bare: bool = False  # the noun alone, no count word ("Écoles concernées : 2")

    @property
    def box(self) -> Box:
        return self.line.span_box(self.start, self.end)


def _head_at(
    toks: Sequence[tuple[str, int, int]], i: int, wordings: Sequence[Wording], count_first: bool
) -> tuple[Wording, int, bool] | None:
    """The wording whose head noun starts at token ``i`` (longest first)."""
    for w in wordings:
        if w.count_first != count_first and w.needs_count:
            continue
        n = len(w.head)
        if i + n > len(toks):
            continue
        ok = all(_same_word(toks[i + k][0], w.head[k]) for k in range(n))
        if ok:
            exact = all(_stem(toks[i + k][0]) == _stem(w.head[k]) for k in range(n))
            return w, i + n, exact
    return None


def _noun_first(
    words: Sequence[tuple[str, int, int]],
    i: int,
    wordings: Sequence[Wording],
    allow_bare: bool = False,
) -> tuple[Wording, int, bool, bool] | None:
    """A label that opens with its noun: a bare one ("Effectif", a decoy) or with the
    count word after the noun ("Écoles (nombre)", "Élèves : total"); with
    ``allow_bare``, the plural noun alone ("Écoles concernées", "Élèves"), whose value
    must then be a bare number (``bare``)."""
    for w in wordings:
        if w.count_first and w.needs_count:
            continue
        n = len(w.head)
        if i + n > len(words) or not all(_same_word(words[i + k][0], w.head[k]) for k in range(n)):
            continue
        exact = all(_stem(words[i + k][0]) == _stem(w.head[k]) for k in range(n))
        j = i + n
        if not w.needs_count:
            return w, j, exact, False
        for k in range(j, min(len(words), j + 3)):
            if _is_count_word(words[k][0]):
                return w, k + 1, exact, False
        if allow_bare and words[i][0][-1:] in "sx":
            return w, j, exact, True
    return None


def _is_count_word(tok: str) -> bool:
    return tok in COUNT_WORDS or (
        len(tok) >= 5 and any(fuzz.ratio(tok, c) >= 80 for c in ("nombre", "total", "combien"))
    )


def find_count_labels(
    pages: Sequence[Page], vocabulary: Mapping[str, Sequence[str]] | None = None
) -> list[LabelMatch]:
    """Every count label of the pages, in reading order."""
    wordings = _wordings(vocabulary)
    out: list[LabelMatch] = []
    for page in pages:
        for line in page.lines:
            # a line may hold two fields ("Nombre d'écoles : 3   Nombre de comptes : 250"):
            # a label may also open after a number
            for part in _parts(line):
                m = _match_label(part, wordings, allow_bare=True)
                if m is not None:
                    field, start, end, exact, bare = m
                    out.append(LabelMatch(field, page, part, start, end, exact, bare))
    return out


def _parts(line: Line) -> list[Line]:
    """The line, and what follows a number or a gap wider than a word space in it (a
    line may hold several labels: "Nombre d'écoles : 3   Nombre de comptes : 250")."""
    parts = [line]
    words = line.words
    starts = _cell_starts(line)
    for k in range(1, len(words)):
        if words[k].text[:1].isalpha() and (re.search(r"\d\W*$", words[k - 1].text) or k in starts):
            parts.append(Line(words[k:]))
    return parts


def _cell_offsets(line: Line) -> list[int]:
    """Where in the line's text each cell after the first starts."""
    starts = _cell_starts(line)
    out: list[int] = []
    pos = 0
    for i, w in enumerate(line.words):
        if i in starts:
            out.append(pos)
        pos += len(w.text) + 1
    return out


def _cell_starts(line: Line) -> set[int]:
    """Indexes of the words that open a cell of the line (after a gap wider than a word
    space), the first aside."""
    out: set[int] = set()
    k = 0
    for c in T.chunks(line.words):
        if k:
            out.add(k)
        k += len(c)
    return out


def match_label(
    line: Line, wordings: Sequence[Wording] | None = None
) -> tuple[str, int, int, bool] | None:
    """(field, start, end, exact) of the count label a line opens, if it opens one."""
    m = _match_label(line, wordings)
    return None if m is None else m[:4]


def _match_label(
    line: Line, wordings: Sequence[Wording] | None = None, *, allow_bare: bool = False
) -> tuple[str, int, int, bool, bool] | None:
    """``match_label``, and whether the label is the bare noun (``allow_bare``: only at
    the line's start, qualifiers in lower case: "Écoles concernées", not "Élèves de CP")."""
    wordings = wordings if wordings is not None else _default_wordings()
    toks = _tokens(line.text)
    words = [t for t in toks if t[0] not in "()[]:"]
    if not words:
        return None
    for i, (tok, start, _) in enumerate(words[:4]):
        # what comes before the label: bullets, numbering, an article ("1.", "a)", "Le")
        before = words[:i]
        if any(t.isalpha() and t not in _ARTICLES and len(t) > 2 for t, _, _ in before):
            break
        found: tuple[Wording, int, bool, bool] | None = None
        if _is_count_word(tok) and tok != "effectif":
            j = i + 1
            while j < len(words) and (words[j][0] in _STOP or _is_count_word(words[j][0])):
                j += 1
            head = _head_at(words, j, wordings, True)
            found = None if head is None else (*head, False)
            if found is not None and found[0].field is None:
                return None
            exact = tok in COUNT_WORDS
        else:
            found = _noun_first(words, i, wordings, allow_bare=allow_bare and not before)
            if found is not None and found[0].field is None:
                return None
            exact = True
        if found is None:
            continue
        w, j, ex, bare = found
        end = words[j - 1][2]
        # qualifiers after the head, up to the value: a few words, no verb, in its cell
        offsets = _cell_offsets(line)
        cell_end = min((o for o in offsets if o >= end), default=len(line.text) + 1)
        k = j
        while k < len(words) and words[k][0].isalpha() and words[k][1] < cell_end:
            k += 1
        qualifiers = [t for t, _, _ in words[j:k]]
        if len(qualifiers) > 6 or any(q in _PROSE for q in qualifiers):
            return None
        if bare and (
            len(qualifiers) > 3
            or any(not line.text[a:b].islower() for _, a, b in words[j:k] if a < len(line.text))
        ):
            return None  # "Élèves de CP", "Écoles Jean Macé": a row, not a label
        if qualifiers:
            end = words[k - 1][2]
        # a closing parenthesis right after ("Écoles (nombre)")
        tail = re.match(r"\s*\)", line.text[end:])
        if tail:
            end += tail.end()
        return w.field or "", start, end, exact and ex, bare
    return None


# --------------------------------------------------------------------------- values


_INT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|\d{1,6})(?![\d,])")
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1", "S": "5"})
_BLANK = re.compile(r"^\W*(neant|aucune?s?|nul|sans objet|n/?a|non concerne)?\W*$")
_DATE = re.compile(r"\b\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}\b")
_YEARS = re.compile(r"\b(19|20)\d{2}\s*[-/–]\s*(19|20)?\d{2}\b")
_PHONE = re.compile(r"(?<!\d)0\d(?:[\s.\-]?\d{2}){4}(?!\d)")
_UAI = re.compile(r"\b\d{7}\s?[a-zA-Z]\b")
_POSTAL = re.compile(r"^\s*\d{5}\s+[A-ZÉÈ]")


def _first_int(text: str) -> tuple[int, int, int] | None:
    fixed = re.sub(
        r"(?<=\d)[OolI|S]|[OolI|S](?=\d)", lambda m: m.group(0).translate(_OCR_DIGITS), text
    )
    m = _INT.search(fixed)
    if not m:
        return None
    return int(re.sub(r"\D", "", m.group(1))), m.start(), m.end()


@dataclass
class Count:
    value: int | None
    status: str  # "ok", "blank", "bad"
    note: str = ""  # why, for the evidence (French)
    extra: bool = False  # other numbers beside it


def parse_count(text: str, field: str) -> Count:
    """A count as written in a cell: a whole number in the field's range; blank or
    "néant" is no count; a year, a date, a phone number, a UAI or a postal code is none."""
    t = re.sub(r"(?:[._…]\s*){3,}", " ", text).strip(" :;-–—=|\t")
    f = fold(t)
    if _BLANK.match(f):
        return Count(None, "blank")
    if _DATE.search(t):
        return Count(None, "bad", "une date, pas un nombre")
    if _YEARS.search(t):
        return Count(None, "bad", "une année, pas un nombre")
    if _PHONE.search(t):
        return Count(None, "bad", "un numéro de téléphone")
    if _UAI.search(t):
        return Count(None, "bad", "un code UAI")
    if _POSTAL.match(t):
        return Count(None, "bad", "un code postal")
    t = re.sub(r"^(?i:environ|env\.|soit|total|≈|~)\s*:?\s*", "", t)
    if t[:1].isalpha() and t[:1] not in "OolIS":
        return Count(None, "bad", "pas un nombre")
    n = _first_int(t)
    if n is None:
        return Count(None, "bad", "pas un nombre")
    value, _, end = n
    digits = re.sub(r"\D", "", t[: end + 2])
    if len(digits) == 5 and digits.startswith("0"):
        return Count(None, "bad", "un code postal")
    if field == "student_accounts" and 2019 <= value <= 2030 and len(digits) == 4:
        return Count(None, "bad", "une année, pas un nombre")
    lo, hi = RANGES[field]
    if not lo <= value <= hi:
        if value == 0:
            # a zero written alone is the answer given ("0"); "00", "0 0" are no count
            return Count(0, "ok") if t.strip() == "0" else Count(None, "blank")
        return Count(None, "bad", f"{value} hors des limites ({lo}–{hi})")
    extra = bool(re.search(r"\d", t[end:]))
    return Count(value, "ok", extra=extra)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\s\dOolI|S.\u00a0\u202f]*\d[\s\dOolI|S.\u00a0\u202f]*", text))


# --------------------------------------------------------------------------- labelled counts


@dataclass
class Read:
    field: str
    value: int | None
    status: str  # "ok", "blank", "bad"
    conf: float
    page: Page
    box: Box
    raw: str
    under: bool = False  # read on the line under its label (not in a row of titles)
    label: str = ""  # the label's words, as on the page


def _value_of(label: LabelMatch, labels_on_page: Sequence[LabelMatch]) -> Read | None:
    """The value of a count label; a bare noun's ("Écoles concernées") only when it is a
    number on its line or in the cell to its right (anything else is no label of ours)."""
    read = _labelled_value(label, labels_on_page)
    read.label = label.line.text[label.start : label.end]
    if not label.bare:
        return read
    if read.status != "ok" or not _numeric(read.raw.strip(" :;.-_")):
        return None
    if read.under and _under_title(label.page, label.box) is None:
        return None  # a number under a lone noun: a table's cell, not this label's value
    read.conf *= 0.95
    return read


def _labelled_value(label: LabelMatch, labels_on_page: Sequence[LabelMatch]) -> Read:
    page, line = label.page, label.line
    ocr = 1.0 if not page.ocr else None
    field = label.field
    penalty = 1.0 if label.exact else 0.95
    stop = len(line.text)
    # the value stops where the next label of its line starts
    for o in labels_on_page:
        if o.line is not line and o.line.words[0] in line.words:
            at = line.text.rfind(o.line.text)
            if label.end <= at < stop:
                stop = at
    rest = line.text[label.end : stop]
    # after a colon or leader dots when there is one (qualifiers before it: "2021-2022")
    sep = re.search(r":|(?:[.…_]\s*){3,}", rest)
    # nothing after it: the colon was read after the value ("1:")
    after = rest[sep.end() :] if sep and rest[sep.end() :].strip() else rest
    text = re.sub(r"^[\s:;.…_\-–—=|]+", "", after)
    start = stop - len(text)
    text = text.rstrip()
    if text.strip():
        c = parse_count(text, field)
        conf = ocr if ocr is not None else line.span_conf(start, stop) / 100.0
        box = line.span_box(start, stop)
        return _read(field, c, conf * penalty, page, box, text, same_line=True)
    lbox = label.box
    # the cell to its right
    right = [
        ln
        for ln in page.lines
        if ln is not line
        and _same_row(ln.box, lbox)
        and ln.box[0] > lbox[2] - 2
        and re.search(r"\w", ln.text)  # not the leader dots alone
    ]
    if right:
        ln = min(right, key=lambda x: x.box[0])
        if not any(o.line is ln for o in labels_on_page):
            c = parse_count(ln.text, field)
            if c.status != "bad" or _numeric(ln.text) or ln.box[0] - lbox[2] < 150:
                conf = ocr if ocr is not None else ln.conf / 100.0
                return _read(field, c, conf * penalty, page, ln.box, ln.text)
    # the line under it, in its column (not a column of numbers: that is a table)
    h = lbox[3] - lbox[1]
    under = [
        ln
        for ln in page.lines
        if ln is not line
        and ln.box[1] > lbox[1] + 0.6 * h
        and ln.box[1] < lbox[3] + 2.2 * h
        and _x_overlap(ln.box, lbox) > 0
    ]
    if under:
        ln = min(under, key=lambda x: x.box[1])
        if not any(o.line is ln for o in labels_on_page) and (
            _numeric(ln.text) or parse_count(ln.text, field).status == "ok"
        ):
            below = [
                o
                for o in page.lines
                if o is not ln
                and ln.box[3] - 1 < o.box[1] < ln.box[3] + 2.2 * (ln.box[3] - ln.box[1])
                and _x_overlap(o.box, ln.box) > 0
                and _numeric(o.text)
            ]
            if not below:
                c = parse_count(ln.text, field)
                conf = ocr if ocr is not None else ln.conf / 100.0
                read = _read(field, c, 0.97 * conf * penalty, page, ln.box, ln.text)
                read.under = True
                return read
    cell = _under_title(page, lbox)
    if cell is not None and not any(o.line is cell for o in labels_on_page):
        c = parse_count(cell.text, field)
        conf = ocr if ocr is not None else cell.conf / 100.0
        return _read(field, c, 0.95 * conf * penalty, page, cell.box, cell.text)
    return Read(field, None, "blank", 0.7 if not page.ocr else 0.4, page, lbox, "")


def _under_title(page: Page, title: Box) -> Line | None:
    """The number under a column title in a row of titles (``column_cell``)."""
    cell = column_cell(page, title)
    return cell if cell is not None and _numeric(cell.text) else None


def _cells(page: Page, box: Box) -> list[Line]:
    """The cells of the row at ``box``: its lines cut at gaps wider than a word space."""
    return [Line(c) for ln in page.lines if _same_row(ln.box, box) for c in T.chunks(ln.words) if c]


def column_cell(page: Page, title: Box) -> Line | None:
    """The cell under a column title in a row of titles (a form laid out as a table, ruled
    or not): its column runs halfway to the neighbouring titles, since cells align their
    text left, centred or right; the words of the first row below that fall in it."""
    row = sorted(_cells(page, title), key=lambda c: c.box[0])
    if any(_numeric(c.text) for c in row):
        return None  # a row holding numbers is values, not titles
    row = [c for c in row if re.search(r"[^\W\d_]{3}", c.text)]
    mid = (title[0] + title[2]) / 2
    i = next((k for k, c in enumerate(row) if c.box[0] - 1 <= mid <= c.box[2] + 1), None)
    if i is None or len(row) < 2:
        return None
    cell = row[i].box
    left = (row[i - 1].box[2] + cell[0]) / 2 if i > 0 else 0.0
    right = (cell[2] + row[i + 1].box[0]) / 2 if i + 1 < len(row) else page.width
    h = cell[3] - cell[1]
    below = [
        w
        for w in page.words
        if cell[3] - 1 < w.box[1] < cell[3] + 6 * h and left <= (w.box[0] + w.box[2]) / 2 <= right
    ]
    if not below:
        return None
    top = min(below, key=lambda w: w.box[1])
    words = sorted((w for w in below if _same_row(w.box, top.box)), key=lambda w: w.box[0])
    cell_line = Line(words)
    if _numeric(cell_line.text):
        # more numbers under it in the column: a table's rows (the table reader's), not
        # one value
        nh = top.box[3] - top.box[1]
        if any(
            top.box[3] < w.box[1] < top.box[3] + 2.5 * nh
            and left <= (w.box[0] + w.box[2]) / 2 <= right
            and _numeric(w.text)
            for w in page.words
        ):
            return None
    return cell_line


def _x_overlap(a: Box, b: Box) -> float:
    """How far (points) two boxes overlap across: their shared width."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0]))


def _read(
    field: str, c: Count, conf: float, page: Page, box: Box, raw: str, *, same_line: bool = False
) -> Read:
    if c.status == "ok":
        # a clean count: 0.9 and more; an unsure OCR read less
        score = 0.9 + 0.08 * conf if conf >= 0.6 else 0.55 + 0.5 * conf
        if c.extra:
            score = min(score, 0.75)
        return Read(field, c.value, "ok", score, page, box, raw.strip())
    if c.status == "blank":
        return Read(field, None, "blank", 0.7 if not page.ocr else 0.4, page, box, raw.strip())
    note = f"{raw.strip()} ({c.note})" if c.note else raw.strip()
    return Read(field, None, "bad", 0.3, page, box, note)


def labelled_counts(
    pages: Sequence[Page], vocabulary: Mapping[str, Sequence[str]] | None = None
) -> dict[str, list[Read]]:
    labels = find_count_labels(pages, vocabulary)
    out: dict[str, list[Read]] = {"schools": [], "student_accounts": []}
    for lab in labels:
        if lab.field not in out:
            continue
        same_page = [o for o in labels if o.page is lab.page and o is not lab]
        if _is_table_header(lab, same_page):
            continue
        read = _value_of(lab, same_page)
        if read is not None:
            out[lab.field].append(read)
    return out


def _is_table_header(label: LabelMatch, others: Sequence[LabelMatch]) -> bool:
    """A column title of a school table (other titles on its row), not a form's label."""
    row = [
        ln for ln in label.page.lines if ln is not label.line and _same_row(ln.box, label.line.box)
    ]
    kinds = {_column_kind(ln.text) for ln in row}
    return (
        bool(kinds & {"school", "uai"})
        and _column_kind(label.line.text[: label.end]) is not None
        and not any(_numeric(ln.text) for ln in row)
    )


# --------------------------------------------------------------------------- tables


def _column_kind(text: str) -> str | None:
    """What a school table's column holds, from its title."""
    f = fold(text)
    toks = [t for t, _, _ in _tokens(f) if t not in "()[]:"]
    if not toks or len(toks) > 8 or len(re.findall(r"\d", f)) >= 2:
        return None
    stems = [_stem(t) for t in toks]

    def has(*words: str) -> bool:
        return any(_same_word(s, w) for s in stems for w in words)

    if has("compte", "identifiant", "licence"):
        if has("enseignant", "adulte", "parent", "personnel", "professeur"):
            return "teachers"
        return "accounts"
    if has("enseignant", "professeur"):
        return "teachers"
    if has("eleve", "effectif"):
        return "pupils"
    if has("uai", "rne") or (has("code") and has("etablissement")):
        return "uai"
    if has("classe"):
        return "classes"
    if has("ecole", "etablissement") or (has("groupe", "site") and has("scolaire")):
        # "Écoles (nombre)" is the count of schools, not a column of their names
        m = match_label(_line_of(text))
        return "school_count" if m is not None and m[0] == "schools" else "school"
    if has("commune", "ville", "localite", "collectivite"):
        return "commune"
    if has("adresse"):
        return "address"
    if has("niveau", "type", "cycle"):
        return "type"
    return None


def _ends_table(text: str) -> bool:
    """A row under a school table that is the form's next field, not a school."""
    if match_label(_line_of(text)) is not None:
        return True
    return bool(re.match(r"\W*(fait a|fait le|date|signature|cachet|le maire)\b", fold(text)))


def _line_of(text: str) -> Line:
    return Line([Word(t, (0.0, 0.0, 1.0, 1.0)) for t in text.split()])


@dataclass
class TableRead:
    schools: int | None  # None: the table names no school (no name or UAI column)
    accounts: int | None
    accounts_conf: float
    schools_conf: float
    page: Page
    box: Box
    raw: str
    total_box: Box | None = None
    schools_raw: str = ""


def _table_counts(tables: Sequence[T.Table]) -> TableRead | None:
    best: TableRead | None = None
    for table in tables:
        kinds = table.kinds()
        key = "accounts" if "accounts" in kinds else "pupils" if "pupils" in kinds else None
        if (
            key == "accounts"
            and "pupils" in kinds
            and not any("accounts" in r.cells for r in [*table.rows, *filter(None, [table.total])])
        ):
            key = "pupils"  # the accounts' column left blank, the pupils' filled in
        counted = "school_count" if "school_count" in kinds else None
        if "school" in kinds and all(
            _numeric(r.cells["school"].text) for r in table.rows if "school" in r.cells
        ):
            # "Écoles concernées" over numbers: a count of schools, not their list
            kinds = kinds - {"school"}
            counted = counted or "school"
        if not ({"school", "uai"} & kinds) and key is None and counted is None:
            continue
        school_rows = [
            r
            for r in table.rows
            if any(
                k in r.cells and k in kinds and re.search(r"[^\W\d_]{2}|\d{7}", r.cells[k].text)
                for k in ("school", "uai")
            )
            or (key is not None and key in r.cells and _numeric(r.cells[key].text))
            or (counted is not None and counted in r.cells and _numeric(r.cells[counted].text))
        ]
        if not school_rows:
            continue
        values: list[int] = []
        bad: list[str] = []
        confs: list[float] = []
        if key is not None:
            for r in school_rows:
                cell = r.cells.get(key)
                if cell is None:
                    continue
                c = parse_count(cell.text, "student_accounts")
                if c.value is not None:
                    values.append(c.value)
                    confs.append(cell.conf if r.page.ocr else 1.0)
                elif c.status == "bad":
                    bad.append(cell.text)
        total: int | None = None
        if table.total is not None and key is not None and key in table.total.cells:
            tc = parse_count(table.total.cells[key].text, "student_accounts")
            total = tc.value
        box = union_boxes([table.header_box, *(r.box for r in school_rows if r.page is table.page)])
        n = len(school_rows)
        ocr_conf = min(confs) if confs else (0.9 if table.page.ocr else 1.0)
        base = 0.95 if not table.page.ocr else 0.85 + 0.1 * min(1.0, max(0.0, ocr_conf))
        accounts: int | None = None
        aconf = 0.0
        raw = f"{n} lignes d'écoles"
        total_box = table.total.box if table.total is not None else None
        if total is not None:
            accounts = total
            s = sum(values)
            if values and s != total:
                aconf = 0.45
                raw = f"total imprimé {total} ≠ somme des lignes {s} ({n} lignes d'écoles)"
            elif len(values) < n:
                aconf = 0.8 * base
                raw = f"total {total}, des lignes sans nombre ({n} lignes d'écoles)"
            else:
                aconf = base
                raw = f"total {total} = {' + '.join(map(str, values))}"
        elif values:
            accounts = sum(values)
            aconf = 0.92 * base if len(values) == n and not bad else 0.5
            raw = " + ".join(map(str, values)) + f" = {accounts}"
            if bad or len(values) < n:
                raw += f" ({n - len(values)} ligne(s) sans nombre lisible)"
        sconf = base * (0.97 if total is not None or table.source == "pdf" else 0.92)
        names = [r.cells[k].text for r in school_rows for k in ("school", "uai") if k in r.cells][
            :3
        ]
        rows_raw = f"{n} lignes d'écoles ({', '.join(names)}{'…' if n > 3 else ''})"
        named = bool({"school", "uai"} & kinds)
        schools: int | None = n if named else None
        if counted is not None and not named:
            # a table by commune (an EPCI's): its column of school counts, and its total
            schools, sconf, rows_raw = _counted_schools(table, school_rows, counted, base)
        read = TableRead(schools, accounts, aconf, sconf, table.page, box, raw, total_box, rows_raw)
        if best is None or (read.schools or 0) > (best.schools or 0):
            best = read
    return best


def _counted_schools(
    table: T.Table, rows: Sequence[T.Row], column: str, base: float
) -> tuple[int | None, float, str]:
    """Schools from a table's column of counts: its total row when it adds up, else the
    sum of its rows (less sure when a row is unreadable or the total disagrees)."""
    values = []
    unreadable = 0
    for r in rows:
        cell = r.cells.get(column)
        c = parse_count(cell.text, "schools") if cell is not None else None
        if c is not None and c.value is not None:
            values.append(c.value)
        else:
            unreadable += 1
    total = None
    if table.total is not None and column in table.total.cells:
        total = parse_count(table.total.cells[column].text, "schools").value
    if not values and total is None:
        return None, 0.0, "colonne du nombre d'écoles vide"
    s = sum(values)
    if total is not None and values and s != total:
        return total, 0.45, f"total imprimé {total} ≠ somme des lignes {s}"
    if total is not None:
        conf = base if not unreadable else 0.8 * base
        return total, conf, f"total {total} = {' + '.join(map(str, values))}"
    conf = 0.92 * base if not unreadable else 0.5
    return s, conf, " + ".join(map(str, values)) + f" = {s} écoles"


def _digital_tables(
    pages: Sequence[Page], pdf: bytes | None, word_tables: Sequence[T.Table]
) -> list[T.Table]:
    """pdfplumber's ruled tables of the digital pages where a school table was seen."""
    if pdf is None or not word_tables:
        return []
    numbers = sorted({n for t in word_tables for n in t.pages if not t.page.ocr})
    digital = [p for p in pages if not p.ocr]
    if not numbers or not digital:
        return []
    # a table going on after its page: read the following pages too
    more = {n + 1 for n in numbers} & {p.number for p in digital}
    return T.pdf_tables(pdf, sorted(set(numbers) | more), _column_kind, digital)


# --------------------------------------------------------------------------- the form


def needs_fields(
    pages: Sequence[Page],
    vocabulary: Mapping[str, Sequence[str]] | None = None,
    *,
    pdf: bytes | None = None,
) -> dict[str, FieldResult]:
    """The needs form's collectivity, schools and pupil accounts. ``vocabulary``: extra
    label wordings per field (``{"schools": [...], "student_accounts": [...]}``), beside
    ``VOCABULARY``; ``pdf``: the file's bytes when it is a PDF (its ruled tables)."""
    out: dict[str, FieldResult] = {}
    named = collectivity_field(pages, (vocabulary or {}).get("collectivity", ()))
    coll = label_value(
        pages,
        ["Nom de la collectivité", "Collectivité", "Commune", "Collectivité adhérente"],
        ["Département", "Nombre d'écoles"],
    )
    if named is not None and (named.value is not None or coll is None or not coll.text):
        out["collectivity"] = named
        if isinstance(named.value, str) and _TRAILING_NUMBER.search(named.value):
            # a number OCR joined from the next cell is no part of a name ("Commune de X 2")
            bare = _TRAILING_NUMBER.sub("", named.value)
            out["collectivity"] = FieldResult(bare or None, named.confidence, named.evidence)
    elif coll is not None and coll.text:
        if coll.page.ocr:
            coll.text = clean_name(coll.text)
        coll.text = _TRAILING_NUMBER.sub("", coll.text)
        # a value that is no name ("Écoles concernées", the next column's label) is unknown
        typed = parse_collectivity(coll.text)
        out["collectivity"] = _result(
            typed,
            (0.9 * max(coll.conf, 0.3)) if typed else 0.3,
            coll.page,
            coll.box,
            coll.text,
        )
    elif coll is not None:
        out["collectivity"] = _result(None, 0.6, coll.page, coll.box, "")
    heading = _heading_collectivity(pages)
    current = out.get("collectivity")
    if current is None or current.value is None:
        titled = heading or _titled_collectivity(pages)
        if titled is not None:
            out["collectivity"] = titled
    elif (
        heading is not None
        and isinstance(current.value, str)
        and find_collectivity(current.value) is None
        and _place_key(str(heading.value)) != _place_key(current.value)
    ):
        # a bare name under a label ("Commune : Blain", a member's row) against the
        # heading's collectivity: the heading's, for staff to confirm
        out["collectivity"] = _result(
            heading.value,
            0.55,
            pages[0],
            heading.evidence.box if heading.evidence else None,
            f"{heading.value} (en-tête) ; {current.value} (sous un libellé)",
        )

    reads = labelled_counts(pages, vocabulary)
    word_tables = T.read_tables(pages, _column_kind, numeric=_numeric, stop=_ends_table)
    table = _table_counts(word_tables)
    labelled_sure = all(
        (r := _best(reads[k])) is not None and r.status == "ok" and r.conf >= 0.9
        for k in ("schools", "student_accounts")
    )
    if (table is None or table.accounts_conf < 0.9) and not labelled_sure:
        # the words' reading is not confirmed by its total, nor both counts by their
        # labels: a digital PDF's ruled cells, by pdfplumber (slower: only then)
        try:
            plumbed = _table_counts(_digital_tables(pages, pdf, word_tables))
        except Exception:  # pdfplumber's failure must not lose the word tables
            log.debug("pdf tables failed", exc_info=True)
            plumbed = None
        if plumbed is not None and (
            table is None
            or plumbed.accounts_conf > table.accounts_conf
            or (
                plumbed.accounts_conf == table.accounts_conf
                and (plumbed.schools or 0) >= (table.schools or 0)
            )
        ):
            table = plumbed
    prose = _prose_counts(pages, vocabulary)

    for name in ("schools", "student_accounts"):
        labelled = _best(reads[name])
        result: FieldResult | None = None
        if labelled is not None and labelled.status == "ok":
            conf, raw = labelled.conf, labelled.raw
            if table is not None:
                other = table.schools if name == "schools" else table.accounts
                if other is not None and other != labelled.value:
                    conf = min(conf, 0.7)
                    raw = f"{raw} (le tableau donne {other} : {table.raw})"
            said = prose.get(name)
            if (
                name == "student_accounts"
                and said is not None
                and said.value is not None
                and said.value != labelled.value
                and _ACCOUNT_NOUN.search(fold(said.evidence.raw if said.evidence else ""))
                and not _ACCOUNT_NOUN.search(fold(labelled.label))
            ):
                # "264 comptes élèves (effectif : 292 élèves)": the accounts asked for are
                # the sentence's, not the pupils enrolled; two numbers, for staff to confirm
                ev = said.evidence
                result = _result(
                    said.value,
                    min(said.confidence, 0.7),
                    labelled.page,
                    ev.box if ev is not None else labelled.box,
                    f"{ev.raw if ev else said.value} ; {labelled.label} : {labelled.raw}",
                )
            else:
                result = _result(labelled.value, conf, labelled.page, labelled.box, raw)
        elif (
            table is not None
            and (table.schools if name == "schools" else table.accounts) is not None
        ):
            if name == "schools":
                result = _result(
                    table.schools, table.schools_conf, table.page, table.box, table.schools_raw
                )
            else:
                result = _result(
                    table.accounts,
                    table.accounts_conf,
                    table.page,
                    table.total_box or table.box,
                    table.raw,
                )
        if result is None and (labelled is None or labelled.page.ocr):
            result = _legacy(pages, name)
        if result is None and name in prose and (labelled is None or labelled.status == "blank"):
            # a sentence's count; beside a label left blank, a suggestion for staff to check
            result = prose[name]
            if labelled is not None and prose[name].value is not None:
                result = FieldResult(result.value, min(result.confidence, 0.7), result.evidence)
        if result is None and labelled is not None:
            result = _result(None, labelled.conf, labelled.page, labelled.box, labelled.raw)
        out[name] = result or FieldResult(None, 0.5, None)
    return out


_TRAILING_NUMBER = re.compile(r"(\s+\d{1,4})+\W*$")
# a column title naming the collectivity, alone on its line
_COLLECTIVITY_TITLE = re.compile(
    r"^\W*(nom (de la |du |de l )?)?(la )?(collectivite|commune|organisme|structure|"
    r"adherent|membre)( adherente?| membre| signataire| beneficiaire)?\W*$"
)


_COMMUNE_OF = re.compile(r"^(la )?(commune|mairie|ville) (de la |de l'|du |des |de |d')")


def _place_key(name: str) -> str:
    """A commune's name without its kind and article, folded ("Commune du Pouliguen" and
    "Le Pouliguen" give "pouliguen")."""
    key = _COMMUNE_OF.sub("", fold(name).replace("’", "'")).strip()
    return re.sub(r"^(le |la |les |l')", "", key)


def _heading_collectivity(pages: Sequence[Page]) -> FieldResult | None:
    """A heading line that is a collectivity with its kind ("Communauté de communes du
    Pays de Blain", "COMMUNE DE REZÉ"), among the first page's first lines."""
    page = pages[0]
    for ln in page.lines[:8]:
        span = find_collectivity(ln.text)
        if span is None or span[0] > 1:
            continue
        value = parse_collectivity(ln.text[span[0] : span[1]])
        if value is None or not re.match(r"\W*[A-Za-zÀ-ÿ]", value):
            continue
        conf = 0.8 if not page.ocr else 0.8 * max(0.3, min(1.0, ln.span_conf(*span) / 100.0))
        return _result(value, conf, page, ln.span_box(*span), ln.text)
    return None


def _titled_collectivity(pages: Sequence[Page]) -> FieldResult | None:
    """The collectivity under its column title ("Collectivité" over "Val d'Erdre-Auxence"),
    when the form is laid out as a row of titles over a row of values."""
    for page in pages:
        for ln in (Line(c) for line in page.lines for c in T.chunks(line.words) if c):
            if not _COLLECTIVITY_TITLE.match(fold(ln.text).replace("'", " ")):
                continue
            cell = column_cell(page, ln.box)
            if cell is None or not cell.words or _numeric(cell.text):
                continue
            h = cell.box[3] - cell.box[1]
            if any(
                cell.box[3] < w.box[1] < cell.box[3] + 2.5 * h
                and w.box[0] < cell.box[2] + 5
                and w.box[2] > cell.box[0] - 5
                for w in page.words
            ):
                continue  # a column of names (an EPCI's communes), not one collectivity
            text = clean_name(cell.text) if page.ocr else cell.text
            typed = parse_collectivity(text)
            if typed:
                conf = 0.85 if not page.ocr else 0.85 * max(0.3, min(1.0, cell.conf / 100.0))
                return _result(typed, conf, page, cell.box, cell.text)
    return None


def _best(reads: Sequence[Read]) -> Read | None:
    """A labelled count's value: the first clean one, else what was seen (blank first)."""
    for r in reads:
        if r.status == "ok":
            return r
    for status in ("bad", "blank"):
        for r in reads:
            if r.status == status:
                return r
    return None


# --------------------------------------------------------------------------- prose


# small counts written out in a sentence ("nos deux écoles"): the date reader's words
_NUMBER_WORDS = {w: n for w, n in NUMBER_WORDS.items() if 1 <= n <= 16 and w != "premier"}
# the accounts' own noun, beside pupils enrolled ("effectif", "élèves" alone)
_ACCOUNT_NOUN = re.compile(r"\bcomptes?\b")


def _prose_counts(
    pages: Sequence[Page], vocabulary: Mapping[str, Sequence[str]] | None
) -> dict[str, FieldResult]:
    """Counts written in sentences, the number before the noun ("nos 4 écoles publiques",
    "la création de 312 comptes élèves"): one value per field, else none (two different
    numbers of schools in the text are not a count staff can trust)."""
    wordings = [w for w in _wordings(vocabulary) if w.head]
    out: dict[str, FieldResult] = {}
    seen: dict[str, list[tuple[int, Page, Box, str, int]]] = {}
    for page in pages:
        for line in page.lines:
            words = [t for t in _tokens(line.text) if t[0] not in "()[]:"]
            for i, (tok, start, _) in enumerate(words[:-1]):
                if fold(tok) in _NUMBER_WORDS and i + 1 < len(words):
                    tok = str(_NUMBER_WORDS[fold(tok)])  # "deux écoles publiques"
                if not tok.isdigit() or (i > 0 and words[i - 1][0].isdigit()):
                    continue
                # "1 020 élèves": a thousands group after the number
                j = i + 1
                number = tok
                while j < len(words) and re.fullmatch(r"\d{3}", words[j][0]) and len(number) <= 3:
                    number += words[j][0]
                    j += 1
                head = _noun_first(words, j, [w for w in wordings if not w.needs_count])
                if head is None:
                    head = next(
                        (
                            (w, j + len(w.head), True, False)
                            for w in wordings
                            if j + len(w.head) <= len(words)
                            and all(
                                _same_word(words[j + k][0], w.head[k]) for k in range(len(w.head))
                            )
                        ),
                        None,
                    )
                if head is None or head[0].field is None:
                    continue
                after = [t for t, _, _ in words[head[1] : head[1] + 2]]
                if after[:1] == ["par"]:
                    continue  # "25 élèves par classe"
                field = head[0].field
                value = int(number)
                lo, hi = RANGES[field]
                if not (lo <= value <= hi or number == "0") or (
                    len(number) == 4 and 2019 <= value <= 2030
                ):
                    continue
                end = words[head[1] - 1][2]
                box = line.span_box(start, end)
                seen.setdefault(field, []).append(
                    (value, page, box, line.text[start:end], len(head[0].head))
                )
    for field, found in seen.items():
        # the most specific noun speaks ("87 comptes élèves" over "92 élèves" beside it)
        longest = max(n for *_, n in found)
        found = [f for f in found if f[4] == longest]
        values = {v for v, *_ in found}
        v, page, box, raw, _ = found[0]
        if len(values) == 1:
            out[field] = _result(v, 0.8 if not page.ocr else 0.7, page, box, raw)
        else:
            listed = ", ".join(f[3] for f in found[:4])
            out[field] = _result(
                None, 0.3, page, box, f"plusieurs nombres dans le texte : {listed}"
            )
    return out


# --------------------------------------------------------------------------- fallbacks

_LEGACY_LABELS = {"schools": SCHOOLS_LABELS[:3], "student_accounts": ACCOUNTS_LABELS[:4]}


def _legacy(pages: Sequence[Page], name: str) -> FieldResult | None:
    """The former readers (fixed wordings, fuzzy; the last rows' table), when the
    vocabulary found no value: a handwritten count OCR joined to its label."""
    found = _labelled_int(pages, _LEGACY_LABELS[name])
    if (
        found is not None
        and found.evidence is not None
        and found.value is not None
        and parse_count(found.evidence.raw, name).value == found.value
    ):
        return found
    table = _school_table(pages)
    if table is not None:
        total, n_rows, tconf, page, box, raw = table
        if name == "student_accounts" and total is not None:
            return _result(total, tconf, page, box, raw)
        if name == "schools" and n_rows:
            return _result(n_rows, 0.8 * tconf, page, box, f"{n_rows} lignes d'écoles")
    return None


def _labelled_int(pages: Sequence[Page], labels: Sequence[str]) -> FieldResult | None:
    stops = ["Référent", "Courriel", "Nom de l'école", "Commune"]
    for found in label_values(pages, labels, stops, below=False):
        text = found.text.strip()
        if not text:
            continue
        n = _first_int(text)
        if n is None or (text[:1].isalpha() and text[:1] not in "OolIS"):
            continue
        return _result(n[0], 0.9 * max(found.conf, 0.4), found.page, found.box, text)
    return None


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
            return total, len(rows), 0.9 * conf, page, total_box or header.box, str(total)
        return sum(rows), len(rows), 0.8 * conf, page, union_boxes(boxes), "+".join(map(str, rows))
    return None
