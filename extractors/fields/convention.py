"""The convention's fields: the collectivity, its signatory (name, role), the signature's date
and whether it is signed.

Read by meaning, in whatever layout and wording the collectivity used:

- **labels by vocabulary**: a label is a short run of label words ("Nom", "prénom",
  "signataire", "Qualité", "Collectivité", "Commune de", "Représentée par", "Date",
  "Fait à"…) ending at a colon, leader dots or the end of its line, in any order and
  with OCR slips and abbreviations ("Nom du sign.", "Signataire (nom)"); its field follows
  from its words (``label_kinds``: the head noun decides, "Collectivité signataire" is the
  collectivity). Its value is after it on the line (leader dots, "…" or "____" around it),
  in the cell to its right, written on or above its dotted line a few points off (a
  hand's fill-in), under it in its column (a header row, a box) or above it (a caption
  under its value): the nearest text of the field's type that no other label owns.
  A "Nom" and a "Prénom" filled in apart make one person;
- **prose**: "la Commune de Saint-Herblain, représentée par son Maire, Monsieur Bertrand
  AFFILÉ", "Je soussignée …, Maire de …";
- **signature blocks**: "Pour la commune, Le Maire, Jean DUPONT", a title line with the
  name under it, "Fait à …, le …".

Values are checked by type (``extractors.names``: a person, a title, a collectivity; a
French date). The rectorat's side (recteur, académie, ministère, coordonnateur) is never
the collectivity's: a value whose nearest heading in its column is the rector's is left
out. When nothing typed is found, the field is None with a low confidence and the label's
box as evidence.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType

from extractors.dates import DateMatch, find_dates, fold, run_together_date
from extractors.fields.common import (
    Flow,
    _distance,
    _ocr_conf,
    _result,
    _same_row,
    clean_name,
    clean_value,
    mend_place,
    mend_role,
)
from extractors.model import FieldResult
from extractors.names import find_collectivity, find_role, parse_collectivity, parse_person
from extractors.names import parse_role as _parse_role
from extractors.pages import Box, Line, Page, union_boxes
from extractors.signature import DEFAULT_LABELS

# --------------------------------------------------------------------------- vocabulary

# Words that make a label, by the field they point to (folded). A label is a run of these
# and of ``GLUE`` words holding at least one of them.
LABEL_WORDS: dict[str, frozenset[str]] = {
    "collectivity": frozenset(
        {
            "collectivite",
            "collectivites",
            "commune",
            "organisme",
            "adherent",
            "adherente",
            "adherant",
            "adherante",
            "membre",
            "denomination",
            "ville",
            "mairie",
            "structure",
            "entite",
            "beneficiaire",
            "etablissement",
            "raison",
            "sociale",
            "intitule",
            "libelle",
            "epci",
        }
    ),
    "role": frozenset({"fonction", "fonctions", "qualite", "titre", "mandat"}),
    "name": frozenset({"nom", "noms", "prenom", "prenoms", "identite", "soussigne", "soussignee"}),
    "signer": frozenset({"signataire", "signataires", "signe", "signee"}),
    "represented": frozenset(
        {"represente", "representee", "representes", "representant", "representante"}
    ),
    "date": frozenset({"date", "fait", "signature", "cachet", "visa", "lieu"}),
    # an address's label is no field's ("Adresse de la mairie :"), but ends the value
    # before it and may follow a field's ("Collectivité (nom, adresse) :")
    "address": frozenset({"adresse", "coordonnees", "siege", "postale", "courriel", "telephone"}),
}
GLUE = frozenset(
    {
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "l",
        "d",
        "et",
        "en",
        "par",
        "a",
        "au",
        "aux",
        "sa",
        "son",
        "ou",
        "pour",
        "groupement",
        "commandes",
        "personne",
        "habilitee",
        "habilite",
        "legal",
        "legale",
        "responsable",
        "elu",
        "elue",
        "autorite",
        "territoriale",
        "complet",
        "officiel",
        "officielle",
        "public",
        "publique",
        "cooperation",
        "intercommunale",
        "intercommunal",
    }
)
# abbreviations ("Nom du sign.", "Coll. adhérente", "Fonct.") are prefixes of these
_ABBREVIABLE = {
    w: k for k, ws in LABEL_WORDS.items() for w in ws if len(w) >= 6 and k != "represented"
} | {"representee": "represented", "representant": "represented"}

# Wordings of each field's label seen on conventions (documentation and tests; any other
# run of label words is read the same way).
WORDINGS: dict[str, tuple[str, ...]] = {
    "collectivity": (
        "Nom de la collectivité adhérente :",
        "Collectivité :",
        "Nom de la commune",
        "Commune de :",
        "Dénomination de la collectivité",
        "Organisme adhérent",
        "Membre du groupement",
        "Coll. adhérente :",
    ),
    "signatory_name": (
        "Nom du signataire :",
        "Représentée par",
        "Nom et prénom du signataire",
        "Signataire",
        "Nom, prénom",
        "Nom du sign. :",
        "Signataire (nom)",
    ),
    "signatory_role": (
        "Fonction du signataire :",
        "Qualité du signataire",
        "Qualité",
        "Fonction",
        "En qualité de",
        "Titre",
    ),
    "signature_date": (
        "Date et signature",
        "Date de signature",
        "Signature et cachet",
        "Date :",
        "Fait à … le …",
    ),
}


# words close to a label word that are values, not labels ("Maire" is not "Mairie")
_NOT_LABEL = frozenset(
    {
        "maire",
        "maires",
        "adjoint",
        "adjointe",
        "president",
        "presidente",
        "delegue",
        "deleguee",
        "conseiller",
        "conseillere",
        "municipal",
        "municipale",
        "premier",
        "premiere",
        "directeur",
        "directrice",
        "recteur",
        "rectrice",
        "nomme",
        "nommee",
        "communes",
        "communaute",
        "datee",
        "villes",
        "faite",
        "marie",  # a first name, not "mairie"
    }
)


@functools.lru_cache(maxsize=4096)
def _word_kind(token: str, abbreviated: bool) -> str | None:
    """The kind of one folded word: a field's label word, "glue" or None (another word).
    OCR slips of long words are forgiven (one letter in 5-7, two in 8 and more)."""
    if token in GLUE:
        return "glue"
    for kind, words in LABEL_WORDS.items():
        if token in words:
            return kind
    if token in _NOT_LABEL:
        return None
    if abbreviated and len(token) >= 3:
        for word, kind in _ABBREVIABLE.items():
            if word.startswith(token):
                return kind
    if len(token) >= 5 and token.isalpha():
        allowed = 1 if len(token) <= 7 else 2
        best: tuple[int, str] | None = None
        for kind, words in LABEL_WORDS.items():
            for w in words:
                if w[0] != token[0] or abs(len(w) - len(token)) > allowed or len(w) < 5:
                    continue
                d = _distance(token, w)
                if d <= allowed and (best is None or d < best[0]):
                    best = (d, kind)
        if best is not None:
            return best[1]
    return None


# the campaign's own label words (its vocabulary, its signature block's labels), for the
# call that reads one convention: word -> kind
_NO_WORDS: Mapping[str, str] = MappingProxyType({})
_EXTRA_WORDS: ContextVar[Mapping[str, str]] = ContextVar(
    "convention_label_words", default=_NO_WORDS
)
_KIND_OF_FIELD = {
    "collectivity": "collectivity",
    "signatory_name": "name",
    "signatory_role": "role",
    "signature_date": "date",
    "name": "name",
    "role": "role",
    "date": "date",
}


def extra_label_words(vocabulary: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Words of a campaign's label wordings that the reader does not know yet, with the
    kind of the field they label ("Nom de l'organisme signataire" adds "organisme")."""
    out: dict[str, str] = {}
    for name, wordings in vocabulary.items():
        kind = _KIND_OF_FIELD.get(name)
        if kind is None:
            continue
        for wording in wordings:
            for m in _TOKEN.finditer(wording):
                core = fold(m.group(0)).strip(".-")
                if len(core) >= 3 and core.isalpha() and _word_kind(core, False) is None:
                    out.setdefault(core, kind)
    return out


def _kind_of(token: str, abbreviated: bool) -> str | None:
    return _EXTRA_WORDS.get().get(token) or _word_kind(token, abbreviated)


def label_kinds(words: Sequence[str]) -> frozenset[str]:
    """The fields a label made of these kinds of words points to."""
    has = set(words) - {"address"}
    out: set[str] = set()
    order = [w for w in words if w != "address"]
    if words and words[0] == "address":
        return frozenset()
    # "Qualité du représentant" is the title; "Représentant, qualité" both
    person = "name" in has or (
        "represented" in has
        and ("role" not in has or order.index("represented") < order.index("role"))
    )
    # the label's head noun decides: "Nom de la collectivité signataire", "Collectivité
    # signataire" name the collectivity; "Nom du signataire de la collectivité" a person
    signer_after = "signer" not in has or (
        "collectivity" in has and order.index("collectivity") < order.index("signer")
    )
    if "collectivity" in has and signer_after and not (has & {"represented", "role"}):
        return frozenset({"collectivity"})
    if "role" in has:
        out.add("signatory_role")
    if person or ("signer" in has and "role" not in has and "date" not in has):
        out.add("signatory_name")
    if "date" in has and not out:
        out.add("signature_date")
    return frozenset(out)


# a word: leader dots, ellipses and underscores glued to it are not part of it
# ("..........Commune", "…Maire…", "____Rezé"); one dot is ("M.", "Coll.", "C.C.")
_TOKEN = re.compile(r"(?:[^\s:;'’()\[\]/,…_.]|(?<![.…])\.(?![.…]))+")
_SEP = re.compile(r"[\s)\]]*(?:[:;]|\.{3,}|_{3,}|…+|(?:\.\s){3,}|-{3,}|(?:-\s){3,})[\s:;._…\-]*")
# leaders closing a value written on its dotted line ("M. Jean Dupont ........ agissant")
_LEADERS_AFTER = re.compile(r"\s*(?:\.{3,}|…+|_{3,}|(?:\s?\.){3,}|(?:\s-){3,})")


_QUALITY_OF = re.compile(r"(?<![a-z])(?:agissant\s+)?en\s+(?:sa\s+|son\s+)?qualite\s+d[e']\s*")


@dataclass(frozen=True)
class LabelRun:
    start: int  # span of the label in its line's text
    end: int
    kinds: frozenset[str]
    value_start: int  # where its value starts (after a colon or leaders)
    separated: bool  # a colon or leaders follow it


def find_labels(text: str) -> list[LabelRun]:
    """Labels in one line's text, left to right, each ending at a separator (colon, leader
    dots), at the end of the line, or (at the line's start) before a word that is not a
    label word ("Représentée par Monsieur …")."""
    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    kinds: list[str | None] = []
    for _, _, tok in tokens:
        core = fold(tok).strip(".-")
        kinds.append(_kind_of(core, tok.endswith(".")) if core else None)
    runs: list[LabelRun] = []
    i = 0
    while i < len(tokens):
        if kinds[i] is None:
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and kinds[j + 1] is not None and j + 1 - i < 9:
            gap = text[tokens[j][1] : tokens[j + 1][0]]
            if _SEP.fullmatch(gap) and gap.strip():
                break
            j += 1
        for k in range(i + 1, j + 1):
            # "Nom de la collectivité adhérente Mairie de Vertou": the value opens with
            # its kind, which is a label word too
            if _named_kind(text[tokens[k][0] :]):
                j = k - 1
                break
        while j > i and tokens[j][2] in ("Le", "La", "Les", "L'") and j + 1 < len(tokens):
            j -= 1  # "… adhérente Le May-sur-Èvre": a capitalised article opens the value
        words = [k for k in kinds[i : j + 1] if k and k != "glue"]
        # trailing glue words belong to the label ("Commune de :"), leading ones too
        lk = label_kinds([k for k in words if k])
        opening = i == 0 or text[: tokens[i][0]].strip(" -–•*") == ""
        heading = fold(tokens[i][2]) == "pour"  # "Pour la collectivité adhérente,"
        # "… membres du groupement." ends a sentence; "Nom du sign." is an abbreviation
        last = fold(tokens[j][2])
        sentence_end = last.endswith(".") and _word_kind(last.strip(".-"), False) is not None
        if words and (lk or words[0] == "address"):
            end = tokens[j][1]
            sep = _SEP.match(text, end)
            if sep and sep.group(0).strip():
                runs.append(LabelRun(tokens[i][0], end, lk, sep.end(), True))
            elif j == len(tokens) - 1 and opening and not heading and not sentence_end:
                # a line that is all label ("Nom du signataire"): its value is beside it
                # or under it ("… membres du groupement." ending a sentence is not one)
                runs.append(LabelRun(tokens[i][0], end, lk, len(text), False))
            elif opening and not heading and not _named_kind(text[tokens[i][0] :]):
                # "Représentée par Monsieur …", "Nom de la collectivité adhérente Coron"
                # (OCR lost the colon); not "Commune de Rezé", a name opening with its kind
                runs.append(LabelRun(tokens[i][0], end, lk, end, False))
        i = j + 1
    # "… M. Hervé Neau agissant en qualité de Maire": a title's label inside a line, its
    # leaders lost (a PDF's dots are glyphs of their own, often a line of their own)
    f = fold(text.replace("’", "'"))
    for m in _QUALITY_OF.finditer(f):
        if _RECTOR.search(f[: m.start()]):
            continue  # "le Recteur, en sa qualité de président du groupement"
        if m.start() > 0 and not any(r.start <= m.start() < r.end for r in runs):
            sep = _SEP.match(text, m.end())
            value_start = sep.end() if sep and sep.group(0).strip() else m.end()
            runs.append(
                LabelRun(m.start(), m.end(), frozenset({"signatory_role"}), value_start, True)
            )
    runs.sort(key=lambda r: r.start)
    return runs


def _named_kind(text: str) -> bool:
    """Whether ``text`` opens with a collectivity's name ("Commune de Rezé", "Ville d'X",
    "Cornmune de Rezé" as OCR reads it)."""
    span = find_collectivity(mend_kind(text))
    return span is not None and span[0] <= 1


# the kinds of collectivity OCR misreads at the head of a name ("Cornmune", "Vilie")
_KIND_WORDS = ("commune", "mairie", "ville", "communaute", "departement", "syndicat")
_KIND_HEAD = re.compile(r"^(\W*)([^\W\d_]{5,12})(?=\s+(?:de|du|des|d'|d’)(?:\s|\b))", re.I)


def mend_kind(text: str) -> str:
    """``text`` with the kind opening it spelt right when OCR slipped on it ("Cornmune de
    Rezé" -> "Commune de Rezé", "VlLLE D'ANCENIS" -> "VILLE D'ANCENIS"): one slip in a
    word of 5-6 letters, two in a longer one, the first letter right. Words that are
    another word ("Maire de Rezé", "Communes de") are left as they are."""
    m = _KIND_HEAD.match(text)
    if m is None:
        return text
    word = m.group(2)
    f = fold(word)
    if f in _KIND_WORDS or f in _NOT_LABEL or f in LABEL_WORDS["collectivity"]:
        return text
    allowed = 1 if len(f) <= 6 else 2
    for kind in _KIND_WORDS:
        if kind[0] == f[0] and abs(len(kind) - len(f)) <= allowed and _distance(f, kind) <= allowed:
            spelt = {"communaute": "communauté", "departement": "département"}.get(kind, kind)
            capitals = sum(c.isupper() for c in word) > len(word) / 2
            spelt = (
                spelt.upper() if capitals else (spelt.capitalize() if word[:1].isupper() else spelt)
            )
            return m.group(1) + spelt + text[m.end(2) :]
    return text


# --------------------------------------------------------------------------- sides

# the rectorat's party: never the collectivity, nor its signatory
_RECTOR = re.compile(
    r"\b(?:recteur|rectrice|rectorat|academie|academique|ministere|ministre|education\s+"
    r"nationale|chancelier|chanceliere|dasen|coordonnat(?:eur|rice)|prefet|prefete"
    r"|pour\s+l'etat)\b"
)
# the collectivity's
_ADHERENT = re.compile(
    r"\b(?:collectivite|commune|ville|mairie|adherente?|membre|maire|president(?:e)?|"
    r"communaute|syndicat|departement|organisme|municipal(?:e)?)\b"
)


def _rector_side(page: Page, box: Box) -> bool:
    """Whether a value at ``box`` is on the rector's side: the nearest heading in its column
    (above it, or just below it: "Fait à …, le …" tops a signature column) is the rector's.
    A line over both columns ("Fait en deux exemplaires à Nantes, le …" centred above
    them), as near to the collectivity's heading as to the rector's, is not his."""
    best: tuple[float, bool] | None = None
    nearest_adherent: float | None = None
    for ln in page.lines:
        b = ln.box
        if min(b[2], box[2]) - max(b[0], box[0]) <= 0 and abs(b[0] - box[0]) > 30:
            continue  # another column
        dy = box[1] - b[1]
        if dy < -60 or dy > 260:
            continue
        f = fold(ln.text)
        rector = bool(_RECTOR.search(f))
        adherent = bool(_ADHERENT.search(f))
        if rector == adherent:
            continue
        dist = dy if dy >= 0 else 2 * -dy
        if adherent and (nearest_adherent is None or dist < nearest_adherent):
            nearest_adherent = dist
        if best is None or dist < best[0]:
            best = (dist, rector)
    if best is None or not best[1]:
        return False
    return nearest_adherent is None or best[0] < nearest_adherent - 3.0


# --------------------------------------------------------------------------- candidates


@dataclass
class Cand:
    value: object
    conf: float
    page: Page
    box: Box
    raw: str
    rank: int  # 3: a labelled value, 2: a signature block, 1: prose

    @property
    def order(self) -> tuple[int, float]:
        return (self.page.number, self.box[1])


def _ocr_factor(conf: float, page: Page) -> float:
    return 1.0 if not page.ocr else 0.9 * max(conf, 0.3) + 0.1


# what may follow a collectivity's name in its cell (an address, its SIREN, its party)
_AFTER_NAME = re.compile(
    r"\s*(?:,|;|\(|\s[-–—]\s|\s(?:représentée?|representee?|sise?|SIRE[NT])\b)"
)
# a civility's dot OCR set apart ("M . DUPONT", "M .Jean")
_CIVILITY_DOT = re.compile(r"^(M|Mr|Mme|Mlle)\s*\.\s*(?=[A-ZÀ-Þ])")


def _typed(kind: str, text: str, ocr: bool) -> str | None:
    text = clean_value(text)
    if kind == "signatory_name":
        text = _CIVILITY_DOT.sub(r"\1. ", text)
        return parse_person(clean_name(text) if ocr else text)
    if kind == "signatory_role":
        return parse_role(mend_role(clean_name(text)) if ocr else text)
    if kind == "collectivity":
        text = mend_place(mend_kind(clean_name(text))) if ocr else text
        value = parse_collectivity(text)
        if value is None:
            # "Commune de Rezé, place Daviais, 44400 Rezé", "Commune de Rezé – SIREN …":
            # the name, then its address or numbers
            head = _AFTER_NAME.split(text, maxsplit=1)[0]
            value = parse_collectivity(head) if head != text else None
        return value
    return None


def parse_role(text: str) -> str | None:
    """A title, or a title after the person ("Jean DUPONT, Maire"): the title as written."""
    role = _parse_role(text)
    if role is None and "," in text:
        for part in text.split(","):
            role = _parse_role(part)
            if role:
                break
    return role


def _typed_date(text: str, ocr: bool) -> DateMatch | None:
    found = find_dates(text)
    if found:
        return found[0]
    return run_together_date(text) if ocr else None


@dataclass
class _Label:
    page: Page
    line: Line
    run: LabelRun
    box: Box  # the label's own box


@dataclass(frozen=True)
class _Value:
    """A text that may be a label's value, and where it was found."""

    text: str
    box: Box
    conf: float  # OCR confidence, 0-1
    where: str  # "line", "right", "fill", "under", "above"
    line: Line  # the line it is on
    offset: int  # where it starts in the line's text


# trust in a value by where it sits from its label
_WHERE_FACTOR = {"line": 1.0, "right": 1.0, "fill": 0.9, "under": 0.85, "above": 0.8}


def _has_text(text: str, letters: int = 2) -> bool:
    """Whether ``text`` holds ``letters`` letters or digits in a row (not only leaders)."""
    return re.search(r"[^\W_]" * letters, text) is not None


def _line_value(text: str, start: int, stop: int) -> tuple[int, int] | None:
    """The value written after a label in ``text[start:stop]``: leaders before it skipped,
    and cut at the leaders after it ("........ M. Jean Dupont ........ agissant")."""
    value = text[start:stop]
    s = start + len(value) - len(value.lstrip(" .:;_…-–"))
    m = re.search(r"[^\W_]", text[s:stop])
    if m is None:
        return None
    cut = _LEADERS_AFTER.search(text, s + m.end(), stop)
    e = cut.start() if cut else stop
    if not _has_text(text[s:e]):
        return None
    return s, e


def _joined_lines(lines: Sequence[Line]) -> list[Line]:
    """The page's lines, with the pieces of one printed line that a larger hand's words
    beside them split apart joined again ("Représentée" | "par :", when the fill-in
    above drew "Représentée" into its own row): side by side, overlapping vertically,
    a word's space apart."""
    out = list(lines)
    boxes = [ln.box for ln in out]
    i = 0
    while i < len(out):
        a = boxes[i]
        ha = a[3] - a[1]
        for j in range(len(out)):
            b = boxes[j]
            if j == i or b[0] < a[2] or b[0] - a[2] > 1.2 * min(ha, b[3] - b[1]):
                continue
            if min(a[3], b[3]) - max(a[1], b[1]) > 0.5 * min(ha, b[3] - b[1]):
                out[i] = Line(out[i].words + out[j].words)
                boxes[i] = union_boxes((a, b))
                del out[j], boxes[j]
                if j < i:
                    i -= 1
                break
        else:
            i += 1
    return out


def _cell_of(o: Line, own_x0: float, prev_x0: float | None, next_x0: float | None) -> Line | None:
    """The part of ``o`` in the cell of a header label starting at ``own_x0`` (the
    header row's labels before and after it start at ``prev_x0`` and ``next_x0``): a
    line OCR ran across cells ("Commune de Basse-Goulaine | GUILLOT Christelle") is cut
    at its widest gap between them; rulings read as text ("|") are dropped."""
    ws = [w for w in o.words if w.text.strip("|[]!")]
    if prev_x0 is not None and ws and ws[0].box[0] < own_x0 - 10:
        gaps = [
            (ws[k].box[0] - ws[k - 1].box[2], k)
            for k in range(1, len(ws))
            if prev_x0 + 10 <= ws[k].box[0] <= own_x0 + 10
        ]
        ws = ws[max(gaps)[1] :] if gaps else []
    if next_x0 is not None and ws and ws[-1].box[0] >= next_x0 - 5:
        gaps = [
            (ws[k].box[0] - ws[k - 1].box[2], k)
            for k in range(1, len(ws))
            if own_x0 + 10 <= ws[k].box[0] <= next_x0 + 10
        ]
        ws = ws[: max(gaps)[1]] if gaps else []
    if not ws:
        return None
    return o if len(ws) == len(o.words) else Line(ws)


def _page_labels(page: Page) -> list[tuple[_Label, list[_Value]]]:
    """Each label of the page with the texts that may be its value, nearest first: after
    it on its line, in the cell to its right, written on or above its dotted line (a
    fill-in a few points off the label's line), under it in its column (a header row, a
    box), or above it (a caption under its value). A text another label owns (beside that
    label, or nearer to it) is not offered. Empty where nothing is near."""
    out: list[tuple[_Label, list[_Value]]] = []
    lines = _joined_lines(page.lines)
    boxes = {id(o): o.box for o in lines}  # (Line.box is computed at each call)

    def bx(o: Line) -> Box:
        return boxes[id(o)]

    runs_of = {id(ln): find_labels(ln.text) for ln in lines}
    label_lines = [ln for ln in lines if runs_of[id(ln)] and runs_of[id(ln)][0].start <= 2]
    label_ids = {id(ln) for ln in label_lines}

    def beside_a_label(o: Line) -> bool:
        """``o`` sits right of another label of its row (that label's value)."""
        return any(
            x is not o and _same_row(bx(x), bx(o)) and bx(x)[2] <= bx(o)[0] + 2 for x in label_lines
        )

    label_end = {
        id(x): x.span_box(runs_of[id(x)][0].start, runs_of[id(x)][0].end)[2] for x in label_lines
    }

    def fill_owner(o: Line) -> Line | None:
        """The label line a text written off its line belongs to: of the labels left of
        it within reach, the one whose line its bottom is nearest (written on its dots)."""
        mid = (bx(o)[1] + bx(o)[3]) / 2
        near = [
            x
            for x in label_lines
            if label_end[id(x)] - 2 < bx(o)[0]
            and bx(x)[1] - 1.3 * (bx(x)[3] - bx(x)[1])
            <= mid
            <= bx(x)[3] + 0.9 * (bx(x)[3] - bx(x)[1])
        ]
        return min(near, key=lambda x: abs(bx(o)[3] - bx(x)[3]), default=None)

    def column(o: Line, lbox: Box) -> bool:
        return min(bx(o)[2], lbox[2] + 150) - max(bx(o)[0], lbox[0] - 10) > 0

    def gap(upper: Box, lower: Box) -> float:
        return lower[1] - upper[3]

    for ln in lines:
        runs = runs_of[id(ln)]
        for k, run in enumerate(runs):
            lbox = ln.span_box(run.start, run.end)
            lab = _Label(page, ln, run, lbox)
            nxt = runs[k + 1] if k + 1 < len(runs) else None
            stop = nxt.start if nxt is not None and nxt.separated else len(ln.text)
            span = _line_value(ln.text, run.value_start, stop)
            if span is not None:
                s, e = span
                value = _Value(ln.text[s:e], ln.span_box(s, e), _ocr_conf(ln, s, e), "line", ln, s)
                out.append((lab, [value]))
                continue
            alts: list[_Value] = []
            h = max(lbox[3] - lbox[1], 4.0)
            x_limit = ln.span_box(nxt.start, nxt.end)[0] if nxt is not None else 1e9
            # the cell to the right, or a value written on (or above) the dotted line
            # beside the label; a label there heads its own column
            right: list[tuple[float, Line]] = []
            for o in lines:
                if o is ln or not _has_text(o.text):
                    continue
                if not (lbox[2] - 2 < bx(o)[0] < x_limit):
                    continue
                mid = (bx(o)[1] + bx(o)[3]) / 2
                owner = fill_owner(o)
                if (
                    _same_row(bx(o), bx(ln))
                    and bx(o)[1] < bx(ln)[3]
                    and (owner is None or owner is ln)
                ):
                    right.append((0.0, o))
                elif (
                    bx(ln)[1] - 1.3 * h <= mid <= bx(ln)[3] + 0.9 * h
                    and id(o) not in label_ids
                    and not beside_a_label(o)
                    and owner is ln
                ):
                    # a hand writes on its dotted line: its bottom is near the label's
                    right.append((abs(bx(o)[3] - bx(ln)[3]) + 0.01, o))
            # (a grid of parties, one column each: the rector's cell is passed for the
            # next one of the row)
            for dist, o in sorted(right, key=lambda t: (t[0] > 0, t[0], bx(t[1])[0])):
                if id(o) in label_ids:
                    break
                where = "right" if dist == 0.0 else "fill"
                alts.append(_Value(o.text, bx(o), o.conf / 100.0, where, o, 0))
                if where == "fill" or not _rector_side(page, bx(o)):
                    break
            # a header row: the labels beside this one bound its column, and a line
            # under (or over) the row that OCR ran across two cells is cut between them
            mates = [x for x in label_lines if x is not ln and _same_row(bx(x), bx(ln))]
            hi = min((bx(x)[0] for x in mates if bx(x)[0] > lbox[2]), default=None)
            lo = max((bx(x)[2] for x in mates if bx(x)[2] < lbox[0]), default=None)
            prev_x0 = max((bx(x)[0] for x in mates if bx(x)[2] < lbox[0]), default=None)
            in_cell = functools.partial(_cell_of, own_x0=lbox[0], prev_x0=prev_x0, next_x0=hi)
            left = lo if lo is not None else lbox[0] - 10
            right = hi if hi is not None else lbox[2] + 150

            def in_column(o: Line, left: float = left, right: float = right) -> bool:
                return min(bx(o)[2], right) - max(bx(o)[0], left) > 0

            # under it in its column (not a text nearer to a label below it)
            under = [
                o
                for o in lines
                if lbox[1] + 0.6 * h < bx(o)[1] < bx(ln)[3] + 3.5 * h
                and in_column(o)
                and _has_text(o.text, 1)
                and not beside_a_label(o)
            ]
            if under and nxt is None:
                # the first row under it; of that row's cells, the one under the label
                # (a school's name starts further left, in the column before)
                top = min(bx(x)[1] for x in under)
                row = [x for x in under if bx(x)[1] < top + 0.6 * h]
                o = max(
                    row,
                    key=lambda x: (
                        min(bx(x)[2], lbox[2]) - max(bx(x)[0], lbox[0]),
                        -abs(bx(x)[0] - lbox[0]),
                    ),
                )
                owned = any(
                    x is not ln and 0 <= gap(bx(o), bx(x)) < gap(lbox, bx(o)) and column(x, bx(o))
                    for x in label_lines
                )
                cell = in_cell(o)
                if id(o) not in label_ids and not owned and cell is not None:
                    alts.append(_Value(cell.text, cell.box, cell.conf / 100.0, "under", cell, 0))
            # above it: a caption under its value
            above = [
                o
                for o in lines
                if bx(o)[3] <= lbox[1] + 0.4 * h
                and bx(o)[3] > lbox[1] - 3.0 * h
                and bx(o)[1] < lbox[1] - 0.6 * h
                and (
                    in_column(o)
                    if mates
                    else min(bx(o)[2], lbox[2] + 60) - max(bx(o)[0], lbox[0] - 20) > 0
                )
                and _has_text(o.text)
                and not beside_a_label(o)
            ]
            if above and nxt is None:
                o = max(above, key=lambda x: (bx(x)[3], -abs(bx(x)[0] - lbox[0])))
                owned = any(
                    x is not ln and 0 <= gap(bx(x), bx(o)) < gap(bx(o), lbox) and column(o, bx(x))
                    for x in label_lines
                )
                cell = in_cell(o)
                if id(o) not in label_ids and not owned and cell is not None:
                    alts.append(_Value(cell.text, cell.box, cell.conf / 100.0, "above", cell, 0))
            out.append((lab, alts))
    return out


# the parts of "Jean DUPONT, Maire", "Jean DUPONT (Maire)", "Jean DUPONT - Maire"
_PARTS = re.compile(r",|\(|\)|\s[-–—/]\s")
_NAME_WORD = re.compile(r"^[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿ'’\-]+$")


def _name_part(lab: _Label, alts: Sequence[_Value]) -> tuple[str, str, _Value] | None:
    """A label of the surname alone ("Nom :", "Nom du signataire") or of the first name
    alone ("Prénom :") with its one-word value: ("nom" or "prenom", the word, its value)."""
    words = {
        fold(m.group(0)).strip(".")
        for m in _TOKEN.finditer(lab.line.text[lab.run.start : lab.run.end])
    }
    words -= GLUE | LABEL_WORDS["signer"] | LABEL_WORDS["represented"]
    part = {frozenset({"nom"}): "nom", frozenset({"prenom"}): "prenom"}.get(frozenset(words))
    if part is None:
        return None
    for alt in alts:
        word = clean_name(clean_value(alt.text)) if lab.page.ocr else clean_value(alt.text)
        if _NAME_WORD.match(word):
            return part, word, alt
        break
    return None


def _split_name(page: Page, parts: Sequence[tuple[_Label, tuple[str, str, _Value]]]) -> list[Cand]:
    """A person from a "Nom" and a "Prénom" filled in apart, on one row or two rows of one
    column: "Prénom NOM"."""
    out: list[Cand] = []
    for lab_n, (part_n, surname, v_n) in parts:
        if part_n != "nom":
            continue
        near = [
            (abs(lab_p.box[1] - lab_n.box[1]), first, v_p)
            for lab_p, (part_p, first, v_p) in parts
            if part_p == "prenom"
            and abs(lab_p.box[1] - lab_n.box[1]) <= 40
            and (abs(lab_p.box[0] - lab_n.box[0]) <= 40 or _same_row(lab_p.box, lab_n.box))
        ]
        if not near:
            continue
        _, first, v_p = min(near, key=lambda t: t[0])
        person = parse_person(f"{first} {surname}")
        if person is not None:
            conf = 0.9 * _ocr_factor(min(v_n.conf, v_p.conf), page)
            box = union_boxes((v_n.box, v_p.box))
            out.append(Cand(person, conf, page, box, f"{v_n.text} {v_p.text}", 3))
    return out


def _label_cands(
    pages: Sequence[Page], cands: dict[str, list[Cand]], weak: dict[str, Cand]
) -> None:
    for page in pages:
        parts: list[tuple[_Label, tuple[str, str, _Value]]] = []
        for lab, alts in _page_labels(page):
            if _rector_side(page, lab.box):
                continue
            part = _name_part(lab, alts) if "signatory_name" in lab.run.kinds else None
            if part is not None:
                parts.append((lab, part))
            for kind in lab.run.kinds:
                if kind == "signature_date":
                    continue  # dates: see _date_cands
                found = False
                for alt in alts:
                    value = _typed(kind, alt.text, page.ocr)
                    if (
                        value is None
                        and kind in ("signatory_name", "signatory_role")
                        and _PARTS.search(alt.text)
                    ):
                        # "Jean DUPONT, Maire" after "Nom et qualité du signataire"
                        for piece in _PARTS.split(alt.text):
                            value = _typed(kind, piece, page.ocr)
                            if value:
                                break
                    if value is None:
                        continue
                    if alt.where != "line" and _rector_side(page, alt.box):
                        continue
                    f = 1.0 if lab.run.separated or len(lab.run.kinds) == 1 else 0.9
                    f *= _WHERE_FACTOR[alt.where]
                    conf = f * _ocr_factor(alt.conf, page)
                    cands[kind].append(Cand(value, conf, page, alt.box, alt.text, 3))
                    found = True
                    if kind == "signatory_name" and "signatory_role" not in lab.run.kinds:
                        # "Représentant : M. Jean DUPONT, Maire": the title beside the name
                        for piece in _PARTS.split(alt.text)[1:]:
                            role = _typed("signatory_role", piece, page.ocr)
                            if role is not None:
                                rc = 0.8 * conf
                                cands["signatory_role"].append(
                                    Cand(role, rc, page, alt.box, alt.text, 2)
                                )
                                break
                    break
                if not found and (lab.run.separated or lab.run.end >= len(lab.line.text) - 1):
                    # a label with a blank (or unreadable) value: evidence of where to look
                    text = alts[0].text if alts else ""
                    blank = not re.search(r"\w\w", text)
                    c = 0.7 if blank and not page.ocr else (0.4 if blank else 0.25)
                    prev = weak.get(kind)
                    if prev is None or (prev.conf < c):
                        weak[kind] = Cand(None, c, page, lab.box, text, 0)
        cands["signatory_name"] += _split_name(page, parts)


# a signature block's title line: "Pour la commune de Rezé, Le Maire, Jean DUPONT",
# "Le Maire,", "La Présidente", "Monsieur le Maire"
_BLOCK_ROLE = re.compile(
    r"^[^\w]*(?:pour\s+(?P<pour>[^,]{3,80}?)\s*,\s*)?"
    r"(?P<role>(?:(?:monsieur|madame)\s+)?(?:le|la|l')\s*(?=[a-z]))"
)
_FAIT = re.compile(r"\b(?:fait|signe)\b[^.;:]{0,70}?(?:\ble\b|$)|^\s*a\s+\S[^,]{0,40},\s*le\b")
_OF_PLACE = re.compile(r"^(?:de\s+la\s+|de\s+l'\s*|du\s+|des\s+|de\s+|d'\s*)(?=\S)")
_POUR = re.compile(r"\bpour\s+(?:le|la|les|l')(?![a-z])")
_LEADER_RUN = re.compile(r"\.{2,}|…+|_{2,}")
_BARE_LE = re.compile(r"^\s*le\s*[:,]?\s*(?=\S)")


def _column_below(
    page: Page, ln: Line, limit: float = 2.6, points: float | None = None
) -> list[Line]:
    """Lines under ``ln`` in its column, within ``limit`` line heights (or ``points``)."""
    h = max(ln.box[3] - ln.box[1], 4.0)
    reach = points if points is not None else limit * h
    return sorted(
        (
            o
            for o in page.lines
            if o is not ln
            and re.search(r"\w", o.text)
            and ln.box[1] + 0.6 * h < o.box[1] < ln.box[3] + reach
            and min(o.box[2], ln.box[2] + 60) - max(o.box[0], ln.box[0] - 20) > 0
        ),
        key=lambda o: o.box[1],
    )


def _block_cands(pages: Sequence[Page], cands: dict[str, list[Cand]]) -> None:
    for page in pages:
        lines = page.lines
        for idx, ln in enumerate(lines):
            text = mend_role(ln.text) if page.ocr else ln.text
            f = fold(text)
            m = _BLOCK_ROLE.match(f)
            start = m.end("role") - len(m.group("role")) if m else 0
            span = find_role(text[start:]) if m else None
            if m and span and span[0] == m.end("role") - start:
                role_end = start + span[1]
                role_text = text[start:role_end]
                rest = text[role_end:].strip(" ,:;")
            else:
                whole = _parse_role(text) if len(text.split()) <= 8 else None
                if whole is None:
                    continue
                role_text, role_end, rest = whole, len(text), ""
            if _rector_side(page, ln.box):
                continue
            place = _OF_PLACE.match(fold(rest))
            if place is not None:
                # "Le Maire de Geneston, Jean-Pierre LE NAIN": the place the title is held
                # in, then the name (here or under it)
                comma = rest.find(",")
                where_text = rest[place.end() : comma if comma >= 0 else len(rest)]
                value = parse_collectivity(mend_place(where_text) if page.ocr else where_text)
                if value is not None:
                    s = text.find(where_text, role_end)
                    bx = ln.span_box(s, s + len(where_text))
                    conf = 0.7 * _ocr_factor(_ocr_conf(ln, s, s + len(where_text)), page)
                    cands["collectivity"].append(Cand(value, conf, page, bx, ln.text, 2))
                    rest = rest[comma + 1 :].strip(" ,:;") if comma >= 0 else ""
            person: tuple[str, Box, float] | None = None
            if rest:
                p = parse_person(clean_name(rest) if page.ocr else rest)
                if p is None:
                    continue  # "Le Maire est autorisé à …": a sentence, not a block
                s = len(text) - len(text[role_end:].lstrip(" ,:;"))
                person = (p, ln.span_box(s, len(text)), _ocr_conf(ln, s, len(text)))
            else:
                # the name under the title, often after the room left for the signature
                for o in _column_below(page, ln, points=140)[:3]:
                    p = parse_person(clean_name(o.text) if page.ocr else o.text)
                    if p is not None:
                        person = (p, o.box, o.conf / 100.0)
                        break
                    fields = {k for r in find_labels(o.text) for k in r.kinds}
                    if fields - {"signature_date"} or find_role(o.text):
                        # another label or title ("(signature et cachet)" is passed)
                        break
            near_sign = any(
                _FAIT.search(fold(o.text)) or "signature" in fold(o.text)
                for o in lines[max(0, idx - 4) : idx + 4]
            )
            if person is None and not near_sign:
                continue
            rconf = _ocr_factor(_ocr_conf(ln, start, role_end), page)
            cands["signatory_role"].append(
                Cand(
                    role_text.strip(" ,"),
                    0.85 * rconf,
                    page,
                    ln.span_box(start, role_end),
                    ln.text,
                    2,
                )
            )
            if person is not None:
                cands["signatory_name"].append(
                    Cand(
                        person[0],
                        0.85 * _ocr_factor(person[2], page),
                        page,
                        person[1],
                        person[0],
                        2,
                    )
                )
            if m and m.group("pour"):
                pour = ln.text[m.start("pour") : m.end("pour")]
                span_c = find_collectivity(pour)
                if span_c:
                    cands["collectivity"].append(
                        Cand(pour[span_c[0] : span_c[1]], 0.8, page, ln.box, ln.text, 2)
                    )
        # "Pour la Commune de Rezé," alone on its line, above a title
        # (two columns' headings OCR ran into one line: "Pour la Commune de Rezé, Pour le
        # Recteur de l'académie" is read as its two headings)
        for ln in lines:
            whole = fold(ln.text)
            cuts = [0] + [m.start() for m in _POUR.finditer(whole) if m.start() > 0] + [len(whole)]
            for a, b in itertools.pairwise(cuts):
                f = whole[a:b]
                if not f.startswith("pour ") or len(f) >= 90 or _RECTOR.search(f):
                    continue
                span_c = find_collectivity(ln.text[a:b])
                box = ln.span_box(a, b)
                if span_c and not _rector_side(page, box):
                    value = ln.text[a + span_c[0] : a + span_c[1]]
                    if page.ocr:
                        value = mend_place(value)
                    conf = 0.75 * _ocr_factor(ln.span_conf(a, b) / 100.0, page)
                    cands["collectivity"].append(Cand(value, conf, page, box, ln.text[a:b], 2))


# prose: "… la Commune de X, représentée par son Maire, Monsieur Y, dûment habilité …"
_REPRESENTED = re.compile(
    r"\b(?:represente(?:e|s|es)?\s+(?:par|en\s+la\s+personne\s+de)|en\s+la\s+personne\s+de"
    r"|agissant\s+par)\b"
)
_SOUSSIGNE = re.compile(r"\bje\s+soussigne(?:e|\(e\))?\b")
_PARTY_CUT = re.compile(
    r"ci-\s?apres\s+\w+(?:\s*[«\"“][^»\"”]{0,40}[»\"”])?|d'une\s+part|d'autre\s+part|\bentre\b"
    r"|(?:^|[,;.»\"]\s*|\s)et\s*:?\s*(?=(?:la|le|l'|les)\s?)"
)
_SEGMENT_END = re.compile(
    r"\b(?:dument|agissant|habilite|en\s+vertu|autorise|ci-\s?apres|d'une\s+part|"
    r"d'autre\s+part|dont\s+le\s+siege|conformement|domicilie|sis|sise|demeurant)\b|;|\.\s|\(|$"
)


def _prose_cands(pages: Sequence[Page], cands: dict[str, list[Cand]]) -> None:
    flow = Flow.of(pages)
    text = flow.text.replace("’", "'")
    f = fold(text)

    def add(field: str, value: str, s: int, e: int, conf: float) -> None:
        where = flow.locate(s, e)
        if where is not None:
            page, box = where
            if page.ocr:
                value = mend_place(value) if field == "collectivity" else value
            cands[field].append(
                Cand(value, conf * (0.85 if page.ocr else 1.0), page, box, value, 1)
            )

    for m in list(_REPRESENTED.finditer(f)) + list(_SOUSSIGNE.finditer(f)):
        soussigne = m.re is _SOUSSIGNE
        seg_end = _SEGMENT_END.search(f, m.end()).start()  # type: ignore[union-attr]
        seg_end = min(seg_end, m.end() + 220)
        seg = text[m.end() : seg_end]
        if _RECTOR.search(fold(seg)):
            continue  # "… par Monsieur X, Recteur de l'académie": the rector's party
        person: tuple[str, int, int] | None = None
        role: tuple[str, int, int] | None = None
        pos = m.end()
        for part in re.split(r"(,)", seg):
            p_start = pos
            pos += len(part)
            if part == ",":
                continue
            core = re.sub(r"^\s*(?:(?:son|sa|ses)\s+|en\s+sa\s+qualite\s+de\s+)", "", fold(part))
            off = len(fold(part)) - len(core)
            piece = part[off:]
            if role is None:
                span = find_role(piece)
                r = _parse_role(piece[: span[1]]) if span else None
                if span and r is not None:
                    role = (
                        piece[span[0] : span[1]],
                        p_start + off + span[0],
                        p_start + off + span[1],
                    )
                    rest = piece[span[1] :]
                    pp = parse_person(rest)
                    if person is None and pp:
                        person = (pp, p_start + off + span[1], p_start + len(part))
                    continue
            if person is None:
                pp = parse_person(piece)
                if pp:
                    person = (pp, p_start + off, p_start + len(part))
        if person is None and role is None:
            continue
        if soussigne:
            party_span = find_collectivity(seg)
            party = (m.end() + party_span[0], m.end() + party_span[1]) if party_span else None
        else:
            window_start = max(0, m.start() - 320)
            window = f[window_start : m.start()]
            cuts = [c.end() for c in _PARTY_CUT.finditer(window)]
            cut = cuts[-1] if cuts else 0
            party_text = text[window_start + cut : m.start()]
            party_span = find_collectivity(party_text)
            if party_span is None and _RECTOR.search(fold(party_text)):
                continue
            if party_span is not None and _RECTOR.search(fold(party_text[: party_span[0]])):
                continue
            party = (
                (window_start + cut + party_span[0], window_start + cut + party_span[1])
                if party_span
                else None
            )
        if party is not None:
            add("collectivity", text[party[0] : party[1]], party[0], party[1], 0.8)
        if person is not None:
            add("signatory_name", person[0], person[1], person[2], 0.8)
        if role is not None:
            add("signatory_role", role[0], role[1], role[2], 0.8)


def _date_cands(pages: Sequence[Page]) -> list[Cand]:
    out: list[Cand] = []
    for page in pages:
        for lab, alts in _page_labels(page):
            if "signature_date" not in lab.run.kinds or _rector_side(page, lab.box):
                continue
            ln = lab.line
            # its value beside it, then a date written under "Date et signature" /
            # "Signature et cachet"
            texts = [
                (a.text, a.line, a.offset)
                for a in alts
                if a.where != "above" and (a.where == "line" or not _rector_side(page, a.box))
            ]
            texts += [(o.text, o, 0) for o in _column_below(page, ln, 4.0)[:3]]
            found = False
            for t, where, offset in texts:
                dm = _typed_date(t, page.ocr)
                if dm is None:
                    continue
                if where is ln and not lab.run.separated and dm.start > 4:
                    # "La date limite d'adhésion est fixée au 15 janvier 2022": a sentence
                    # about a date, not a date's label
                    continue
                s = offset + dm.start
                bx = where.span_box(s, s + len(dm.raw))
                oc = _ocr_conf(where, s, s + len(dm.raw))
                out.append(
                    Cand(
                        dm.date,
                        dm.confidence * max(oc, 0.4) if page.ocr else dm.confidence,
                        page,
                        bx,
                        dm.raw,
                        3,
                    )
                )
                found = True
                break
            if not found:
                c = 0.7 if not page.ocr else 0.35
                out.append(Cand(None, c, page, lab.box, "", 0))
        for ln in page.lines:
            # "Fait à ......Rezé...... le ....12/01/2022....": the leaders as blanks
            plain = _LEADER_RUN.sub(lambda m: " " * len(m.group(0)), ln.text)
            f = fold(plain)
            if f.strip(" :") in ("le", "date"):
                # "LE" in a form's cell, its date in the next cell of the row, or written
                # on (or just above) the dotted line after it
                b = ln.box
                h = max(b[3] - b[1], 4.0)
                right = [
                    o
                    for o in page.lines
                    if o.box[0] > b[2]
                    and _has_text(o.text)
                    and (
                        _same_row(o.box, b)
                        or b[1] - 1.3 * h <= (o.box[1] + o.box[3]) / 2 <= b[3] + 0.9 * h
                    )
                ]
                o = min(right, key=lambda o: o.box[0], default=None)
                dm = _typed_date(o.text, page.ocr) if o is not None else None
                if (
                    o is not None
                    and dm is not None
                    and dm.start <= 3
                    and not _rector_side(page, ln.box)
                ):
                    bx = o.span_box(dm.start, dm.start + len(dm.raw))
                    oc = _ocr_conf(o, dm.start, dm.start + len(dm.raw))
                    conf = 0.85 * dm.confidence * (max(oc, 0.4) if page.ocr else 1.0)
                    out.append(Cand(dm.date, conf, page, bx, dm.raw, 2))
                continue
            m = _FAIT.search(f)
            rank = 2
            if m is None:
                m = _BARE_LE.match(f)
                rank = 1
                if m is None:
                    continue
            dm = _typed_date(plain[m.end() :], page.ocr)
            target = ln
            offset = m.end()
            if dm is None and rank == 2 and f[m.end() :].strip(" ,:") == "":
                # "Fait à ....... le .......": the date written on (or just above) the
                # dotted line after "le"
                b = ln.span_box(m.end() - 2, m.end())
                h = max(b[3] - b[1], 4.0)
                for o in sorted(page.lines, key=lambda o: o.box[0]):
                    mid = (o.box[1] + o.box[3]) / 2
                    if o is not ln and o.box[0] > b[0] and b[1] - 1.3 * h <= mid <= b[3] + 0.9 * h:
                        dm = _typed_date(o.text, page.ocr)
                        if dm is not None:
                            target, offset = o, 0
                            break
            if dm is None and rank == 2:
                for o in _column_below(page, ln, 2.2)[:1]:
                    dm = _typed_date(o.text, page.ocr)
                    target, offset = o, 0
            if dm is None or (rank == 1 and dm.start > 3):
                continue
            if _rector_side(page, ln.box):
                continue
            s = offset + dm.start
            bx = target.span_box(s, s + len(dm.raw))
            oc = _ocr_conf(target, s, s + len(dm.raw))
            conf = (0.9 if rank == 2 else 0.75) * dm.confidence
            out.append(
                Cand(dm.date, conf * max(oc, 0.4) if page.ocr else conf, page, bx, dm.raw, rank)
            )
    return out


def collectivity_field(pages: Sequence[Page], wordings: Sequence[str] = ()) -> FieldResult | None:
    """The collectivity on any piece (a needs form, a letter): after a label of the
    collectivity's (the same vocabulary as the convention's, plus ``wordings``), else the
    letterhead's "<kind> de <Place>" at the top of the first page (not the rectorat's).
    None when neither is there; a label with no name after it gives None with its box."""
    cands: dict[str, list[Cand]] = {"collectivity": [], "signatory_name": [], "signatory_role": []}
    weak: dict[str, Cand] = {}
    extra = extra_label_words({"collectivity": list(wordings)})
    token = _EXTRA_WORDS.set({**_EXTRA_WORDS.get(), **extra})
    try:
        _label_cands(pages, cands, weak)
    finally:
        _EXTRA_WORDS.reset(token)
    best = _best(cands["collectivity"])
    if best is None and pages:
        page = pages[0]
        for ln in page.lines:
            if ln.box[1] > page.height * 0.3:
                break
            if _RECTOR.search(fold(ln.text)):
                continue
            span = find_collectivity(ln.text)
            value = parse_collectivity(ln.text[span[0] : span[1]]) if span else None
            if span and value:
                conf = 0.75 * _ocr_factor(_ocr_conf(ln, span[0], span[1]), page)
                best = Cand(value, conf, page, ln.span_box(span[0], span[1]), ln.text, 1)
                break
    if best is None:
        best = weak.get("collectivity")
    if best is None:
        return None
    return _result(best.value, best.conf, best.page, best.box, best.raw)


def _best(found: Sequence[Cand]) -> Cand | None:
    """The most trusted value: by kind of evidence, then confidence, then the latest (the
    signature block closes the convention)."""
    if not found:
        return None
    return max(found, key=lambda c: (c.rank, round(c.conf, 2), c.order))


def _near(a: Cand, b: Cand) -> bool:
    if a.page is not b.page:
        return False
    x_overlap = min(a.box[2], b.box[2] + 60) - max(a.box[0], b.box[0] - 60) > 0
    return x_overlap and abs(a.box[1] - b.box[1]) < 260


# --------------------------------------------------------------------------- convention


def convention_fields(
    pages: Sequence[Page],
    labels: Mapping[str, str] | None = None,
    vocabulary: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, FieldResult]:
    """``labels``: the campaign's signature block (``name``, ``role``, ``date``…) and
    ``vocabulary``: its label wordings per field; both wordings among others (see
    ``WORDINGS``): their words join the reader's label words."""
    lab = {**DEFAULT_LABELS, **(labels or {})}
    words = {k: [v] for k, v in lab.items()}
    for k, v in (vocabulary or {}).items():
        words.setdefault(k, []).extend(v)
    token = _EXTRA_WORDS.set(extra_label_words(words))
    try:
        return _convention_fields(pages)
    finally:
        _EXTRA_WORDS.reset(token)


def _convention_fields(pages: Sequence[Page]) -> dict[str, FieldResult]:
    out: dict[str, FieldResult] = {}
    cands: dict[str, list[Cand]] = {
        "collectivity": [],
        "signatory_name": [],
        "signatory_role": [],
    }
    weak: dict[str, Cand] = {}
    _label_cands(pages, cands, weak)
    _block_cands(pages, cands)
    _prose_cands(pages, cands)
    chosen: dict[str, Cand] = {}
    for name in ("collectivity", "signatory_role", "signatory_name"):
        best = _best(cands[name])
        if best is None:
            best = weak.get(name)
        if best is not None:
            chosen[name] = best
            out[name] = _result(best.value, best.conf, best.page, best.box, best.raw)
    dates = _date_cands(pages)
    if dates:
        anchors = [c for k, c in chosen.items() if k != "collectivity" and c.value is not None]
        typed = [d for d in dates if d.value is not None]
        if typed:
            near = [d for d in typed if any(_near(d, a) for a in anchors)]
            best_d = _best(near) or _best(typed)
        else:
            best_d = _best(dates)
        if best_d is not None:
            out["signature_date"] = _result(
                best_d.value, best_d.conf, best_d.page, best_d.box, best_d.raw
            )
    elif out:
        out["signature_date"] = FieldResult(value=None, confidence=0.3, evidence=None)
    # the signature check of the last page that has one, unless an earlier page's
    # signing zone is surely inked (a signature page followed by annexes)
    checked = [p for p in pages if p.signature is not None]
    inked = [
        p for p in checked if p.signature and p.signature.signed and p.signature.confidence >= 0.9
    ]
    sig = (inked or checked or [None])[-1]
    if sig is not None and sig.signature is not None:
        s = sig.signature
        out["signed"] = _result(s.signed, s.confidence, sig, s.area, s.raw)
    elif out:
        out["signed"] = FieldResult(value=None, confidence=0.0, evidence=None)
    return out


__all__ = [
    "GLUE",
    "LABEL_WORDS",
    "WORDINGS",
    "convention_fields",
    "find_labels",
    "label_kinds",
    "union_boxes",
]
