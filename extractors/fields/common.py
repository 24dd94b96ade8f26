"""What every piece's fields share: located lines, results with evidence, label: value
pairs, and the mending of OCR'd names and titles."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from extractors.dates import fold
from extractors.model import Evidence, FieldResult
from extractors.pages import Box, Line, Page, union_boxes
from extractors.textmatch import LabelHit, clean_label, find_label, fuzzy_find


@dataclass
class Loc:
    page: Page
    index: int  # line index within the page
    line: Line

    @property
    def folded(self) -> str:
        return fold(self.line.text)


def _locs(pages: Sequence[Page]) -> list[Loc]:
    return [Loc(p, i, ln) for p in pages for i, ln in enumerate(p.lines)]


def _result(value: object, conf: float, page: Page, box: Box | None, raw: str) -> FieldResult:
    return FieldResult(
        value=value,  # type: ignore[arg-type]
        confidence=max(0.0, min(1.0, conf)),
        evidence=Evidence(
            page=page.number, box=_round_box(page.file_box(box)), raw=raw.strip()[:300]
        ),
    )


def _round_box(box: Box | None) -> tuple[float, float, float, float] | None:
    if box is None:
        return None
    return (round(box[0], 1), round(box[1], 1), round(box[2], 1), round(box[3], 1))


_LEADERS = re.compile(r"^[\s:;.,_…\-–—=|]+|[\s:;.,_…\-–—=|]+$")


def clean_value(text: str) -> str:
    text = re.sub(r"[._…]{3,}", " ", text)
    text = _LEADERS.sub("", text)
    return " ".join(text.split())


def clean_name(text: str) -> str:
    """A name as written, without the specks OCR reads after it ("Coron Le", "Nozay ns")."""
    tokens = text.split()
    while len(tokens) >= 2 and len(tokens[-1]) <= 2 and not tokens[-1].isdigit():
        tokens.pop()
    return " ".join(tokens)


# words of a signatory's title ("Le Maire", "Maire-adjoint délégué", "La Présidente",
# "Vice-président"): a closed vocabulary, so an OCR slip in one of them can be mended
_ROLE_WORDS = (
    "maire",
    "adjoint",
    "adjointe",
    "president",
    "presidente",
    "vice",
    "delegue",
    "deleguee",
    "conseiller",
    "conseillere",
    "municipal",
    "municipale",
    "communautaire",
    "premier",
    "premiere",
    "directeur",
    "directrice",
    "general",
    "generale",
    "services",
    # words next to them that must not be taken for one
    "mairie",
    "secretaire",
    "commune",
    "communes",
    "communaute",
)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (rapidfuzz's)."""
    return int(Levenshtein.distance(a, b))


def _match_case(word: str, like: str) -> str:
    if like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


_ROLE_SPELLING = {
    "president": "président",
    "presidente": "présidente",
    "delegue": "délégué",
    "deleguee": "déléguée",
    "premiere": "première",
    "general": "général",
    "generale": "générale",
}


def mend_role(text: str) -> str:
    """A signatory's title read by OCR, its words mended against the titles' vocabulary
    ("Matre-adjoint" -> "Maire-adjoint", "La Marre" -> "La Maire"); words already right,
    short words and words far from any title word are left as read."""
    out: list[str] = []
    for part in re.split(r"([\s\-]+)", text):
        f = fold(part)
        if len(part) < 4 or not part.isalpha() or f in _ROLE_WORDS:
            out.append(part)
            continue
        best = min(_ROLE_WORDS, key=lambda w: _distance(f, w))
        d = _distance(f, best)
        allowed = 1 if len(part) <= 4 else 2
        if d <= allowed and f[0] == best[0] and abs(len(f) - len(best)) <= 1:
            out.append(_match_case(_ROLE_SPELLING.get(best, best), part))
        else:
            out.append(part)
    return "".join(out)


_SAINT = re.compile(r"\b(S)(?:ant|aimt|aint|alnt)(e?)-(?=[A-ZÉÈ])", re.IGNORECASE)


def mend_place(text: str) -> str:
    """A place name read by OCR: hyphens of compound names rejoined where OCR put a space
    on one side only ("SUR -MAINE", "sur- Evre"), "Sant-" read for "Saint-"."""
    text = re.sub(r"(?<=\w) -(?=\w)|(?<=\w)- (?=\w)", "-", text)
    return _SAINT.sub(
        lambda m: ("SAINT" if m.group(0)[:2].isupper() else "Saint") + m.group(2) + "-", text
    )


def _ocr_conf(line: Line, start: int, end: int) -> float:
    return line.span_conf(start, end) / 100.0


# --------------------------------------------------------------------------- label: value


@dataclass
class Found:
    text: str
    page: Page
    box: Box
    conf: float


def _same_row(a: Box, b: Box) -> bool:
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return overlap > 0.4 * min(a[3] - a[1], b[3] - b[1])


def label_values(
    pages: Sequence[Page],
    labels: Sequence[str],
    stop_labels: Sequence[str] = (),
    *,
    below: bool = True,
) -> Iterator[Found]:
    """What is written after a label: on the same line, else to its right on the same
    row, else on the line just below (not another label). Labels that open their line
    come first; a label with nothing after it gives an empty ``Found``."""
    stops = [clean_label(s) for s in stop_labels]
    hits: list[tuple[int, int, Page, str, LabelHit]] = []
    for page in pages:
        lines = page.lines
        for li, label in enumerate(labels):
            for hit in find_label(lines, label, exact=not page.ocr):
                opening = hit.start <= 2
                hits.append((0 if opening else 1, li, page, label, hit))
                del opening
    hits.sort(key=lambda h: (h[0], h[1]))
    for _, _, page, label, hit in hits:
        lines = page.lines
        line = lines[hit.line_index]
        rest = line.text[hit.end :]
        value = clean_value(rest)
        if _meaningful(value) and not _is_label(value, stops):
            start = len(line.text) - len(rest.lstrip(" :.…_"))
            box = line.span_box(start, len(line.text))
            yield Found(value, page, box, _ocr_conf(line, start, len(line.text)))
            continue
        lbox = line.span_box(hit.start, hit.end)
        right = [
            ln
            for ln in lines
            if ln is not line and _same_row(ln.box, lbox) and ln.box[0] > lbox[2] - 2
        ]
        if right:
            ln = min(right, key=lambda x: x.box[0])
            value = clean_value(ln.text)
            if _meaningful(value) and not _is_label(value, stops):
                yield Found(value, page, ln.box, ln.conf / 100.0)
                continue
        if below:
            h = lbox[3] - lbox[1]
            # a line on the row of another label of the same column is that label's value
            taken = [
                other.box
                for other in lines
                if other is not line
                and abs(other.box[0] - line.box[0]) < 30
                and _is_label(clean_value(other.text), stops)
            ]
            under = [
                ln
                for ln in lines
                if ln.box[1] > lbox[1] + 0.6 * h
                and ln.box[1] < lbox[3] + 1.6 * h
                and ln.box[2] > lbox[0]
                and ln.box[0] < lbox[2] + 100
                and not any(_same_row(ln.box, t) for t in taken)
            ]
            if under:
                ln = min(under, key=lambda x: x.box[1])
                value = clean_value(ln.text)
                if _meaningful(value) and not _is_label(value, [*stops, clean_label(label)]):
                    yield Found(value, page, ln.box, 0.8 * ln.conf / 100.0)
                    continue
        yield Found("", page, lbox, 0.0)  # label present, value blank


def label_value(
    pages: Sequence[Page],
    labels: Sequence[str],
    stop_labels: Sequence[str] = (),
    *,
    below: bool = True,
) -> Found | None:
    """The first value found after one of ``labels`` (see ``label_values``); a blank one
    only when no occurrence of the label has a value."""
    blank: Found | None = None
    for found in label_values(pages, labels, stop_labels, below=below):
        if found.text:
            return found
        blank = blank or found
    return blank


def _meaningful(value: str) -> bool:
    """At least two letters or digits: OCR specks ("e", "|", "-") are not a value."""
    core = re.sub(r"[\W_]", "", value)
    return len(core) >= 2 or core.isdigit()


def _is_label(value: str, stops: Sequence[str]) -> bool:
    v = fold(value)
    return any(s and fuzzy_find(v, s, 0.8) for s in stops)


# --------------------------------------------------------------------------- running text


@dataclass
class Flow:
    """The lines of some pages joined in reading order, as one running text (a line that
    ends with a hyphen runs on into the next), with where each character came from: for
    phrases that span lines ("représentée par son Maire, / Monsieur …")."""

    text: str
    starts: list[int]  # offset of each part's first character in ``text``
    parts: list[tuple[Page, Line]]

    @classmethod
    def of(cls, pages: Sequence[Page]) -> Flow:
        chunks: list[str] = []
        starts: list[int] = []
        parts: list[tuple[Page, Line]] = []
        pos = 0
        for page in pages:
            for line in page.lines:
                text = line.text
                if chunks and not chunks[-1].endswith("-"):
                    chunks.append(" ")
                    pos += 1
                starts.append(pos)
                parts.append((page, line))
                chunks.append(text)
                pos += len(text)
        return cls("".join(chunks), starts, parts)

    def locate(self, start: int, end: int) -> tuple[Page, Box] | None:
        """The page and box of characters ``[start, end)`` (on the page where they start)."""
        import bisect

        if not self.parts:
            return None
        i = max(0, bisect.bisect_right(self.starts, start) - 1)
        page = self.parts[i][0]
        boxes: list[Box] = []
        j = i
        while j < len(self.parts) and self.starts[j] < end and self.parts[j][0] is page:
            line = self.parts[j][1]
            s = max(0, start - self.starts[j])
            e = min(len(line.text), end - self.starts[j])
            if e > s:
                boxes.append(line.span_box(s, e))
            j += 1
        if not boxes:
            boxes.append(self.parts[i][1].box)
        return page, union_boxes(boxes)
