"""The délibération's fields: the collectivity, the meeting's date, whether it authorizes the
signature, the ACTES act id and the prefecture's receipt date."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from extractors.actid import find_act_ids
from extractors.dates import DateMatch, find_dates, fold
from extractors.fields.common import (
    Loc,
    _locs,
    _ocr_conf,
    _result,
    clean_value,
)
from extractors.model import FieldResult
from extractors.pages import Line, Page

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
