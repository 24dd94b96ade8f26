"""The délibération's fields: the collectivity, the meeting's date, whether it authorizes the
signature, the ACTES act id and the prefecture's receipt date."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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
from extractors.names import find_collectivity, parse_collectivity, place_end
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


# kinds of the collectivity that deliberates, before the others a heading names
# ("Département de la Loire-Atlantique / Arrondissement de Nantes / Commune de Vallet")
_ACK_LINE = re.compile(r"accuse de reception|\d{3}-\d{9}-\d{8}|teletransmission|en prefecture le")
# what is left of a name OCR cut into pieces: short fragments, hyphens among them
_SPLIT_WORDS = re.compile(r"(?=.*-)(?:\s+[\w'’-]{1,7}){1,4}\s*")
_OUTER_KIND = re.compile(r"^(departement|region|conseil departemental|conseil regional)")
_COUNCIL_OF = re.compile(
    r"(?:le |du )?(?:conseil|comite|bureau) (?:municipal|communautaire|syndical|"
    r"departemental|regional)\s+(?:de la commune |de la ville )?(de la |de l'|du |des |de |d')"
)


# spaces OCR put inside a compound name: around its hyphens ("LA- -PRESQU"), after an
# elided article's apostrophe ("PRESQU' ÎLE"); French spelling has none there
_NAME_GAPS = re.compile(r"(?<=\w)-(?: +-?)(?=\w)|(?<=\w) +-(?=\w)|(?<=\w['’]) +(?=\w)")


def _join_name_gaps(text: str) -> tuple[str, list[int]]:
    """``text`` with ``_NAME_GAPS`` closed, and where each kept character came from."""
    keep: list[int] = []
    last = 0
    out: list[str] = []
    for m in _NAME_GAPS.finditer(text):
        a, b = m.span()
        piece = m.group(0)
        kept = "-" if "-" in piece else ""
        keep.extend(range(last, a))
        out.append(text[last:a])
        if kept:
            keep.append(a + piece.index("-"))
            out.append(kept)
        last = b
    keep.extend(range(last, len(text)))
    out.append(text[last:])
    return "".join(out), keep


def _collectivity_heading(pages: Sequence[Page]) -> FieldResult | None:
    """The collectivity that deliberates, as the act names it: "<kind> de <Place>" in the
    heading (the first header line is often the commune's, run together with "EXTRAIT DU
    REGISTRE…"), else "le Conseil municipal de <Place>" in the first page's text, else a
    heading line that is a bare place name. Never a raw line of text."""
    page = pages[0]
    limit = page.height * 0.35
    head = [ln for ln in page.lines if ln.box[1] < limit]
    found: list[tuple[int, float, Line, int, int, str]] = []  # rank, conf, line, span, name
    # lines of the prefecture's acknowledgment block (its copy of the name is often
    # garbled by its small print): used when the heading has no other
    ack = [i for i, ln in enumerate(head) if _ACK_LINE.search(fold(ln.text))]
    for idx, ln in enumerate(head):
        text, where = _join_name_gaps(ln.text) if page.ocr else (ln.text, None)
        f = fold(text)
        if _NOT_NAME.match(f) and not _NAME_PREFIX.search(f):
            continue
        span = find_collectivity(text)
        if span is None:
            continue
        end = span[1]
        if _SPLIT_WORDS.fullmatch(text[end:]):
            end = len(text)  # "Commune de Martig ne-su r-Mayen ne": OCR cut the name
        value = parse_collectivity(text[span[0] : span[1]])
        if value is None:
            continue
        rank = 2 if _OUTER_KIND.match(fold(value)) else 0
        if any(abs(idx - a) <= 2 for a in ack):
            rank += 1
        start, stop = (span[0], end) if where is None else (where[span[0]], where[end - 1] + 1)
        found.append((rank, 0.92, ln, start, stop, text[span[0] : end]))
    if not found or min(x[0] for x in found) > 0:
        for loc in _locs(pages[:1]):
            m = _COUNCIL_OF.search(loc.folded)
            if not m:
                continue
            text = loc.line.text
            start = m.end()
            rest = text[start:]
            end = start + len(rest) - len(rest.lstrip())
            stop = place_end(text, end)
            if stop > end:
                found.append((1, 0.8, loc.line, end, stop, text[end:stop]))
                break
    if not found:
        for ln in head:  # a heading line that is a bare place name ("REZÉ")
            f = fold(ln.text).strip(" :-–")
            if _NOT_NAME.match(f) or find_act_ids(ln.text) or find_dates(ln.text):
                continue
            value = parse_collectivity(ln.text)
            if value is not None and len(value.split()) <= 5:
                found.append((3, 0.55, ln, 0, len(ln.text), ln.text))
                break
    if not found:
        return None
    rank, conf, ln, start, end, name = min(found, key=lambda x: x[0])
    value = parse_collectivity(name) or clean_value(name)
    conf *= max(_ocr_conf(ln, start, end) if ln.words else 1.0, 0.3)
    return _result(value, conf, page, ln.span_box(start, end), ln.text)


_MEETING_BEFORE = re.compile(
    r"(seance (publique )?(ordinaire )?du|reuni[e]?s?( en seance)?( publique)?( le)?|"
    r"(conseil municipal|conseil communautaire|conseil syndical|comite syndical) du|"
    r"session du|en date du|l'an|l'an [^.;\d]{4,60}?,? le)\s*[:,]?\s*"
    r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)?\s*$"
)
_NOT_MEETING = re.compile(
    r"(convocation|affich|transmis|reception|recu|envoye|teletransmission|publi|executoire"
    r"|courrier|conforme|signe|fait a|notifi)"
)


# a date of something the act cites: "le courrier du recteur en date du 18 octobre 2021"
_CITED_DOC = re.compile(
    r"(courrier|lettre|circulaire|decret|arrete|loi|ordonnance|convention|mail|courriel)\b"
    r"[^.;]{0,60}$"
)


def _meeting_date(pages: Sequence[Page], phrases: Sequence[str] = ()) -> FieldResult | None:
    best: tuple[float, DateMatch, Loc] | None = None
    for loc in _locs(pages[:2]):
        text = loc.line.text
        f = loc.folded
        for dm in find_dates(text):
            before = f[max(0, dm.start - 70) : dm.start]
            if dm.raw and fold(dm.raw).startswith("l'an"):
                score = 0.9
            elif (m := _MEETING_BEFORE.search(before)) or _labelled(before, phrases):
                # "en date du" also dates letters and acts the délibération cites
                score = 0.8 if m is not None and m.group(0).startswith("en date") else 0.95
            else:
                continue
            if _NOT_MEETING.search(before[-25:]) or _CITED_DOC.search(before):
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
    r"(recu (en|a la) (sous-)?prefecture( le)?|date de \w?eception (en |a la )?prefecture"
    r"|\w?eception (en |a la )?prefecture( le)?|recu par (le |la )?(sous-)?prefe(t|cture)( le)?"
    r"|accuse de reception (en prefecture )?(du|le)"
    r"|recu par (le representant|les services) de l'etat( le)?"
    r"|date de reception (par le representant de l'etat|par la prefecture|prefecture)"
    r"|rendu executoire apres (depot|reception) en (sous-)?prefecture le"
    r"|date de depot (de l'acte|en prefecture)|date de reception de l'accuse de reception)"
    r"\s*:?\s*$"
)


# "Reçu en préfecture le" whose first word OCR garbled ("tie en préfecture le", a heading
# ran into it): a short word that is not the block's other labels ("Envoyé", "Affiché",
# "Transmis")
_RECEIPT_GARBLED = re.compile(r"(?:^|\s)(?!env|nvo|aff|tra)[a-z]{2,5} en prefecture le\s*:?\s*$")


def _receipt_on_line(
    text: str, folded: str, previous: str = "", phrases: Sequence[str] = ()
) -> DateMatch | None:
    """The date on one line that its label names as the prefecture's receipt (the label
    may begin at the end of the ``previous`` line, folded); with less confidence when the
    label's first word is garbled."""
    for dm in find_dates(text):
        before = (previous + " " + folded[: dm.start])[-60:]
        if _RECEIPT.search(before) or _labelled(before, phrases):
            return dm
        if _RECEIPT_GARBLED.search(before):
            return replace(dm, confidence=0.6 * dm.confidence)
    return None


def _prefecture_receipt(pages: Sequence[Page], phrases: Sequence[str] = ()) -> FieldResult | None:
    previous = ""
    for loc in _locs(pages):
        dm = _receipt_on_line(loc.line.text, loc.folded, previous, phrases)
        previous = loc.folded
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


def _phrases(vocabulary: Mapping[str, Sequence[str]] | None, name: str) -> tuple[str, ...]:
    """A field's label wordings, folded, without their closing colon or leaders."""
    return tuple(
        p
        for p in (
            " ".join(fold(w).replace("’", "'").strip(" :.…_").split())
            for w in (vocabulary or {}).get(name, ())
        )
        if p
    )


def _labelled(before: str, phrases: Sequence[str]) -> bool:
    """Whether the text before a value ends with one of the label ``phrases``."""
    tail = " ".join(before.strip(" :.…_").split())
    return any(tail.endswith(p) for p in phrases)


def deliberation_fields(
    pages: Sequence[Page], vocabulary: Mapping[str, Sequence[str]] | None = None
) -> dict[str, FieldResult]:
    """``vocabulary``: more label wordings per field (``meeting_date``,
    ``prefecture_receipt_date``), as the campaign's forms word them."""
    out: dict[str, FieldResult] = {}
    name = _collectivity_heading(pages)
    if name:
        out["collectivity"] = name
    act = _act_id(pages)
    meeting = _meeting_date(pages, _phrases(vocabulary, "meeting_date"))
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
    receipt = _prefecture_receipt(pages, _phrases(vocabulary, "prefecture_receipt_date"))
    out["prefecture_receipt_date"] = receipt if receipt else FieldResult(None, 0.7, None)
    return out
