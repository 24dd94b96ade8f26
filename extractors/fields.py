"""Fields of each kind of document, read by meaning (labels, phrases, structure) rather
than by one template's coordinates. Every value comes with a confidence and evidence."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from extractors.actid import find_act_ids
from extractors.dates import DateMatch, find_dates, fold, run_together_date
from extractors.model import Evidence, FieldResult
from extractors.pages import Box, Line, Page, union_boxes
from extractors.signature import DEFAULT_LABELS
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
    """Levenshtein distance (short words only)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


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


# --------------------------------------------------------------------------- deliberation

_NOT_NAME = re.compile(
    r"^(republique|departement|dept|extrait|registre|seance|liberte|egalite|fraternite"
    r"|accuse|date|id\b|envoye|recu|affiche|deliberation|dcm|objet|arrondissement|canton"
    r"|conseil (municipal|communautaire|syndical)$|nombre|membres|prefecture|page)"
)
_NAME_PREFIX = re.compile(
    r"^(commune|ville|mairie|communaute|syndicat|metropole|sivu|sivom|smictom|cc\b|c\.c\."
    r"|agglomeration|pays\b|nantes metropole)"
)


_ACK_START = re.compile(
    r"\s(accuse|date de|envoye|recu|affiche|id\s*:|\d{3}\s?-\s?\d{9}|teletransmission"
    r"|[a-z]{2,8} en prefecture)"
)


def _words_before(line: Line, pos: int) -> int:
    """How many of ``line``'s words end before character ``pos`` of its text."""
    n, at = 0, 0
    for w in line.words:
        at += len(w.text)
        if at > pos:
            break
        n += 1
        at += 1
    return max(n, 1)


def _collectivity_heading(page: Page) -> FieldResult | None:
    limit = page.height * 0.3
    head = [ln for ln in page.lines if ln.box[1] < limit]
    best: tuple[int, Line] | None = None
    for ln in head:
        f = fold(ln.text).strip(" :-–")
        if len(re.sub(r"[^a-z]", "", f)) < 3 or _NOT_NAME.match(f):
            continue
        if _NAME_PREFIX.match(f):
            # an acknowledgment block printed on the same row: cut it off
            cut = _ACK_START.search(f)
            if cut and cut.start() > 8:
                ln = Line(ln.words[: _words_before(ln, cut.start())])
                f = fold(ln.text)
        if find_act_ids(ln.text) or find_dates(ln.text):
            continue
        rank = 0 if _NAME_PREFIX.match(f) else 1
        if best is None or rank < best[0]:
            best = (rank, ln)
            if rank == 0:
                break
    if best is None:
        return None
    ln = best[1]
    value = clean_value(ln.text)
    conf = (0.9 if best[0] == 0 else 0.6) * max(ln.conf / 100.0, 0.3)
    return _result(value, conf, page, ln.box, ln.text)


_MEETING_BEFORE = re.compile(
    r"(seance (publique )?(ordinaire )?du|reuni[e]?s?( en seance)?( publique)?( le)?|"
    r"(conseil municipal|conseil communautaire|conseil syndical|comite syndical) du|"
    r"session du|en date du|l'an)\s*[:,]?\s*"
    r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)?\s*$"
)
_NOT_MEETING = re.compile(
    r"(convocation|affich|transmis|reception|recu|envoye|teletransmission|publi|executoire"
    r"|courrier|conforme|signe|fait a|notifi)"
)


def _meeting_date(pages: Sequence[Page]) -> FieldResult | None:
    best: tuple[float, DateMatch, Loc] | None = None
    for loc in _locs(pages[:2]):
        text = loc.line.text
        f = loc.folded
        for dm in find_dates(text):
            before = f[max(0, dm.start - 50) : dm.start]
            if dm.raw and fold(dm.raw).startswith("l'an"):
                score = 0.9
            elif _MEETING_BEFORE.search(before):
                score = 0.95
            else:
                continue
            if _NOT_MEETING.search(before[-25:]):
                continue
            if best is None or score > best[0]:
                best = (score, dm, loc)
        if best and best[0] >= 0.95:
            break
    if best is None:
        return None
    score, dm, loc = best
    conf = score * dm.confidence * max(_ocr_conf(loc.line, dm.start, dm.end), 0.4)
    return _result(dm.date, conf, loc.page, loc.line.span_box(dm.start, dm.end), dm.raw)


_REFUSE = re.compile(
    r"(n'autorise pas|ne donne pas (l')?autorisation|ne pas (adherer|signer|autoriser|approuver)"
    r"|\brefus|\brejet|\bajourn|\breport(e|er|ee)?\b|sursis a statuer"
    r"|surseoir|avis defavorable|retire de l'ordre du jour|report(e|er) (sa|la) decision)"
)
_AUTHORIZE = re.compile(
    r"(autorise .{0,80}?(a|pour) signer|donne (tout )?(pouvoir|pouvoirs|delegation|autorisation)"
    r" .{0,60}?sign|approuve .{0,120}?(convention|adhesion|groupement)"
    r"|decide d'adherer|habilite .{0,60}?signer|autorise .{0,60}?signature)"
)


def _authorizes(pages: Sequence[Page]) -> FieldResult | None:
    locs = _locs(pages)
    flat_parts: list[tuple[int, Loc]] = []
    text = ""
    for loc in locs:
        flat_parts.append((len(text), loc))
        text += loc.folded + " "
    if not text.strip():
        return None

    def where(pos: int) -> Loc:
        chosen = flat_parts[0][1]
        for start, loc in flat_parts:
            if start > pos:
                break
            chosen = loc
        return chosen

    neg = _REFUSE.search(text)
    if neg:
        loc = where(neg.start())
        return _result(False, 0.85, loc.page, loc.line.box, loc.line.text)
    pos = _AUTHORIZE.search(text)
    if pos:
        loc = where(pos.start())
        return _result(
            True, 0.9 * max(loc.line.conf / 100.0, 0.5), loc.page, loc.line.box, loc.line.text
        )
    return _result(False, 0.4, pages[0], None, "")


def _act_id(pages: Sequence[Page]) -> FieldResult | None:
    for loc in _locs(pages):
        ids = find_act_ids(loc.line.text)
        if ids:
            a = ids[0]
            conf = a.confidence * max(_ocr_conf(loc.line, a.start, a.end), 0.5)
            return _result(a.value, conf, loc.page, loc.line.span_box(a.start, a.end), a.raw)
    for page in pages:  # an identifier broken over two lines
        joined = " ".join(ln.text for ln in page.lines)
        ids = find_act_ids(joined)
        if ids:
            return _result(ids[0].value, 0.7 * ids[0].confidence, page, None, ids[0].raw)
    return None


# "réception" with its first letter misread ("Téception") still names the receipt
_RECEIPT = re.compile(
    r"(recu (en|a la) prefecture( le)?|date de \w?eception (en |a la )?prefecture"
    r"|\w?eception (en |a la )?prefecture( le)?|recu par le prefet( le)?|accuse de reception"
    r" (en prefecture )?(du|le))\s*:?\s*$"
)


# "Reçu en préfecture le" whose first word OCR garbled ("tie en préfecture le", a heading
# ran into it): a short word that is not the block's other labels ("Envoyé", "Affiché",
# "Transmis")
_RECEIPT_GARBLED = re.compile(r"(?:^|\s)(?!env|nvo|aff|tra)[a-z]{2,5} en prefecture le\s*:?\s*$")


def _receipt_on_line(text: str, folded: str) -> DateMatch | None:
    """The date on one line that its label names as the prefecture's receipt; with less
    confidence when the label's first word is garbled."""
    for dm in find_dates(text):
        before = folded[max(0, dm.start - 45) : dm.start]
        if _RECEIPT.search(before):
            return dm
        if _RECEIPT_GARBLED.search(before):
            return replace(dm, confidence=0.6 * dm.confidence)
    return None


def _prefecture_receipt(pages: Sequence[Page]) -> FieldResult | None:
    for loc in _locs(pages):
        dm = _receipt_on_line(loc.line.text, loc.folded)
        if dm is not None:
            conf = dm.confidence * max(_ocr_conf(loc.line, dm.start, dm.end), 0.4)
            return _result(dm.date, conf, loc.page, loc.line.span_box(dm.start, dm.end), dm.raw)
    return None


def acknowledgment_missing(text: str) -> set[str]:
    """What of the prefecture's acknowledgment a page's (or a line's) text lacks:
    ``act_id``, ``prefecture_receipt_date``."""
    missing = set()
    if not find_act_ids(text):
        missing.add("act_id")
    if not any(_receipt_on_line(line, fold(line)) for line in text.split("\n")):
        missing.add("prefecture_receipt_date")
    return missing


def deliberation_fields(pages: Sequence[Page]) -> dict[str, FieldResult]:
    out: dict[str, FieldResult] = {}
    name = _collectivity_heading(pages[0])
    if name:
        out["collectivity"] = name
    act = _act_id(pages)
    meeting = _meeting_date(pages)
    if meeting is None and act is not None:
        acts = find_act_ids(str(act.value))
        if acts:
            ev = act.evidence
            meeting = FieldResult(acts[0].decision_date, 0.5, ev)
    if meeting:
        out["meeting_date"] = meeting
    auth = _authorizes(pages)
    if auth:
        out["authorizes_signature"] = auth
    out["act_id"] = act if act else FieldResult(None, 0.8, None)
    receipt = _prefecture_receipt(pages)
    out["prefecture_receipt_date"] = receipt if receipt else FieldResult(None, 0.7, None)
    return out


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
