"""Which roster collectivity sent a document (issue 4).

Pure: no database, no I/O. The flow builds a ``RosterIndex`` from plain roster entries
(``RosterEntry``, or any object with the same attributes, such as
``storage.models.Collectivity`` or ``storage.roster.RosterRow``) and calls ``match`` once
per document, or ``match_file`` once per scanned file / mail message.

Evidence, in the order it is looked up (``MatchResult.method`` names the first that
supports the chosen collectivity):

1. ``act_id_siren`` — the SIREN inside the prefecture's act id
   (``044-214401093-20211213-DEL2021_12-DE``), when a roster entry has it;
2. ``sender_email`` / ``sender_domain`` — the sender's address as it is in the roster's
   ``email`` column, else its domain (``mairie@saint-sebastien-sur-loire.fr``); a domain
   of a public mail provider (``GENERIC_MAIL_DOMAINS``: orange.fr, wanadoo.fr, gmail.com…)
   or one shared by several roster entries never counts;
3. ``name`` — the ``collectivity`` field, compared on ``matching.names.normalize_name``
   keys (accents, case, hyphens, "St"/"Ste"/"S/", "Mairie de"/"Commune de",
   "Communauté de communes" = "CC"…), then without a leading article ("Herbiers" for
   "Les Herbiers"), then, when the document writes an EPCI kind, an EPCI whatever its
   kind ("CA du Pays de Blain" for "CC du Pays de Blain", "Le Mans Métropole" for "CU Le
   Mans Métropole"; "Nozay" alone stays the commune, never "CC de Nozay");
   ``name_fuzzy`` — the same key once OCR slips are forgiven: spaces inside words
   ("Nant es"), digits for letters ("Sébast1en"), then a weighted Damerau-Levenshtein
   (OSA) distance with a high similarity threshold and a margin over the second best
   (see ``FUZZY_*``);
4. ``sibling`` — the other documents of the same file or message that matched on their
   own evidence: an envelope holds one collectivity's pieces.

A name that several collectivities bear (homonyms in different départements, e.g.
"Allonnes" 49 and 72) is settled by the département the document gives — the act id's
prefecture code (``044`` → 44), a "Département de la Vendée" header, a département
written after the name ("Saint-Aubin (36)", "SAINT-JUST (LOIRE)"), a postcode written
before the collectivity's name ("85300 Soullans") — or by other evidence; otherwise the
document stays unmatched with a reason saying the name is ambiguous ("ambigu").

Conflicts. Each source that names a collectivity is one vote; siblings vote by their net
majority (agreeing siblings minus disagreeing ones). The collectivity with the most votes
wins; a tie goes to ``TIE_BREAK`` order, where the name read on the document comes
*before* the act id: a Luhn-valid SIREN of another collectivity is not a misreading but
an act transmitted under another identity, which the dossier rules flag
(``siren_matches``) in the dossier of the collectivity the document names — filing the
piece by its SIREN would leave a stray piece in a third dossier and the sender's
incomplete. Any conflict is written in ``reason_fr`` (French, for staff), lowers the
score (``CONFLICT_PENALTY``) and keeps the losing collectivities in ``candidates``, so
triage shows it.

Scores (``SCORES``) are combined as independent evidence: ``1 - prod(1 - s)``. A match
is ``confident`` at ``CONFIDENT_SCORE`` or more; anything less goes to triage as
unmatched — never to a guessed collectivity.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from itertools import chain
from operator import itemgetter
from typing import Any, Literal, Protocol, cast

from matching.names import normalize_name
from rules.acts import ActId, parse_act_id

__all__ = [
    "CONFIDENT_SCORE",
    "CONFLICT_PENALTY",
    "FUZZY_MARGIN",
    "FUZZY_MAX_COST",
    "FUZZY_MIN_LENGTH",
    "FUZZY_MIN_SIMILARITY",
    "GENERIC_MAIL_DOMAINS",
    "SCORES",
    "TIE_BREAK",
    "DocumentInput",
    "MatchMethod",
    "MatchResult",
    "NameLookup",
    "RosterEntry",
    "RosterIndex",
    "RosterLike",
    "department_hints",
    "match",
    "match_file",
]

MatchMethod = Literal[
    "act_id_siren", "sender_email", "sender_domain", "name", "name_fuzzy", "sibling"
]

# ----------------------------------------------------------------------------- constants

#: Score of one piece of evidence on its own. The name found through the département
#: (a homonym settled by the act id's prefecture, a header or a postcode) or without its
#: leading article is a little weaker than the name as written; fuzzy names lose
#: ``FUZZY_COST_STEP`` per unit of edit cost from ``name_fuzzy``.
SCORES: dict[str, float] = {
    "act_id_siren": 0.98,
    "sender_email": 0.97,
    "sender_domain": 0.90,
    "name": 0.95,
    "name_department": 0.93,
    "name_article": 0.92,
    "name_epci_kind": 0.90,
    "name_fuzzy": 0.90,
    "sibling": 0.88,
}
FUZZY_COST_STEP = 0.05
#: A match only from siblings never scores more than this ("a lower score").
SIBLING_MAX_SCORE = 0.90
#: At or above: file the document in the collectivity's dossier. Below: triage.
CONFIDENT_SCORE = 0.80
#: A conflict multiplies the winner's score by ``1 - CONFLICT_PENALTY``: an exact name
#: or an act id that outvotes or out-ranks the other evidence stays confident
#: (0.95 → 0.855), a fuzzy name does not (0.85 → 0.765).
CONFLICT_PENALTY = 0.10
#: Order in which a tie between collectivities with as many votes is settled.
TIE_BREAK: tuple[str, ...] = (
    "name",
    "act_id_siren",
    "sender_email",
    "sender_domain",
    "name_fuzzy",
    "sibling",
)
#: Order in which ``method`` is reported when several sources agree (the lookup order).
METHOD_ORDER: tuple[str, ...] = (
    "act_id_siren",
    "sender_email",
    "sender_domain",
    "name",
    "name_fuzzy",
    "sibling",
)

#: Fuzzy names. The edit cost is computed on the space-less keys (after digit-for-letter
#: folding); a substitution between letters OCR confuses (i/l, e/c, u/v) costs 0.5, any
#: other edit 1, an adjacent transposition 1. Length-aware: ``similarity = 1 - cost / L``
#: where L counts only the *distinctive* letters (the longer of the two keys without
#: ``_GENERIC_WORDS`` such as "saint", "sur", "de": thousands of names share them) and must
#: reach ``FUZZY_MIN_SIMILARITY`` — one edit in ten distinctive letters, two in twenty —
#: with a cost of at most ``FUZZY_MAX_COST``; names with fewer than ``FUZZY_MIN_LENGTH``
#: distinctive letters are never matched this way ("Placé" is not "Piacé"); the
#: second-best roster key must cost at least ``FUZZY_MARGIN`` more; and when the document
#: states its département, the name found must be in it.
#: "Saint-Herblon" (a former commune) vs "Saint-Erblon" (53): one edit on the 7 letters
#: of "herblon", similarity 0.86: no; vs "Saint-Herblain": cost 2, no.
FUZZY_MIN_SIMILARITY = 0.90
FUZZY_MAX_COST = 2.0
FUZZY_MIN_LENGTH = 8
FUZZY_MARGIN = 1.0
#: "Nant es" is Nantes (spaces dropped), for keys of at least this many letters
#: ("Dra cy" is not Dracy: a letter is missing too).
FUZZY_MIN_SQUASHED = 6
_GENERIC_WORDS = frozenset(
    [
        "saint",
        "sainte",
        "saints",
        "saintes",
        "notre",
        "dame",
        "sur",
        "sous",
        "les",
        "le",
        "la",
        "l",
        "de",
        "du",
        "des",
        "d",
        "en",
        "et",
        "au",
        "aux",
        "cc",
        "ca",
        "cu",
        "pays",
    ]
)
_CONFUSABLE = frozenset({("i", "l"), ("l", "i"), ("e", "c"), ("c", "e"), ("u", "v"), ("v", "u")})
_CONFUSABLE_FOLD = str.maketrans({"l": "i", "c": "e", "v": "u"})
# Digits OCR reads for letters, inside a word.
_OCR_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "8": "b"})
_DIGIT_IN_WORD = re.compile(r"(?<=[^\W\d_])\d+|\d+(?=[^\W\d_])")

#: Public mail providers: their domain says nothing about who writes (an exact address of
#: the roster's ``email`` column still counts).
GENERIC_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "orange.fr",
        "wanadoo.fr",
        "gmail.com",
        "googlemail.com",
        "laposte.net",
        "free.fr",
        "aliceadsl.fr",
        "sfr.fr",
        "neuf.fr",
        "club-internet.fr",
        "cegetel.net",
        "numericable.fr",
        "noos.fr",
        "bbox.fr",
        "nordnet.fr",
        "hotmail.fr",
        "hotmail.com",
        "outlook.fr",
        "outlook.com",
        "live.fr",
        "live.com",
        "msn.com",
        "yahoo.fr",
        "yahoo.com",
        "ymail.com",
        "aol.com",
        "aol.fr",
        "icloud.com",
        "me.com",
        "gmx.fr",
        "gmx.com",
        "mail.com",
        "protonmail.com",
        "proton.me",
        "tutanota.com",
        "mailo.com",
        "orange-business.fr",
    }
)

# Input bounds: anything longer is cut (a name or an address sits in a short field).
_MAX_NAME = 300
_MAX_SENDER = 1000
_MAX_TEXT = 200_000

# ----------------------------------------------------------------------------- départements

_DEPARTMENT_NAMES: dict[str, str] = {
    "01": "Ain",
    "02": "Aisne",
    "03": "Allier",
    "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes",
    "07": "Ardèche",
    "08": "Ardennes",
    "09": "Ariège",
    "10": "Aube",
    "11": "Aude",
    "12": "Aveyron",
    "13": "Bouches-du-Rhône",
    "14": "Calvados",
    "15": "Cantal",
    "16": "Charente",
    "17": "Charente-Maritime",
    "18": "Cher",
    "19": "Corrèze",
    "2A": "Corse-du-Sud",
    "2B": "Haute-Corse",
    "21": "Côte-d'Or",
    "22": "Côtes-d'Armor",
    "23": "Creuse",
    "24": "Dordogne",
    "25": "Doubs",
    "26": "Drôme",
    "27": "Eure",
    "28": "Eure-et-Loir",
    "29": "Finistère",
    "30": "Gard",
    "31": "Haute-Garonne",
    "32": "Gers",
    "33": "Gironde",
    "34": "Hérault",
    "35": "Ille-et-Vilaine",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "38": "Isère",
    "39": "Jura",
    "40": "Landes",
    "41": "Loir-et-Cher",
    "42": "Loire",
    "43": "Haute-Loire",
    "44": "Loire-Atlantique",
    "45": "Loiret",
    "46": "Lot",
    "47": "Lot-et-Garonne",
    "48": "Lozère",
    "49": "Maine-et-Loire",
    "50": "Manche",
    "51": "Marne",
    "52": "Haute-Marne",
    "53": "Mayenne",
    "54": "Meurthe-et-Moselle",
    "55": "Meuse",
    "56": "Morbihan",
    "57": "Moselle",
    "58": "Nièvre",
    "59": "Nord",
    "60": "Oise",
    "61": "Orne",
    "62": "Pas-de-Calais",
    "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin",
    "68": "Haut-Rhin",
    "69": "Rhône",
    "70": "Haute-Saône",
    "71": "Saône-et-Loire",
    "72": "Sarthe",
    "73": "Savoie",
    "74": "Haute-Savoie",
    "75": "Paris",
    "76": "Seine-Maritime",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "79": "Deux-Sèvres",
    "80": "Somme",
    "81": "Tarn",
    "82": "Tarn-et-Garonne",
    "83": "Var",
    "84": "Vaucluse",
    "85": "Vendée",
    "86": "Vienne",
    "87": "Haute-Vienne",
    "88": "Vosges",
    "89": "Yonne",
    "90": "Territoire de Belfort",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}


def _fold_text(text: str) -> str:
    """Lower-case ASCII words separated by single spaces."""
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_DEPARTMENT_BY_FOLDED = {
    _fold_text(name).removeprefix("la "): code for code, name in _DEPARTMENT_NAMES.items()
}
_DEPARTMENT_HEADER = re.compile(
    r"\bdepartement (?:de la |de l |du |des |de |d )?(?P<rest>[a-z0-9 ]{1,40})"
)
_DEPARTMENT_ALTERNATION = re.compile(
    "|".join(
        rf"{re.escape(name)}\b"
        for name in sorted(_DEPARTMENT_BY_FOLDED, key=lambda n: (-len(n), n))
    )
)
_POSTCODE_LINE = re.compile(r"(?<!\d)(?P<code>\d{5})(?!\d)[ \t]+(?P<rest>[^\n\d]{2,80})")


_NAME_DEPARTMENT = re.compile(
    r"\s*(?:\(\s*(?P<inside>[^()]{2,40}?)\s*\)|\s[-‐‑–—,]\s*(?P<after>\d{2,3}|2[AB]))\s*$"
)


def _split_department(name: str) -> tuple[str, str | None]:
    """``Saint-Aubin (36)``, ``SAINT-JUST (LOIRE)``, ``Allonnes - 72``: the name and the
    département written after it (None when what follows is not one: ``Mans (Le)``)."""
    found = _NAME_DEPARTMENT.search(name)
    if found is None:
        return name, None
    written = (found.group("inside") or found.group("after") or "").strip()
    code: str | None = None
    if re.fullmatch(r"\d{2}|2[AB]|97\d", written.upper()):
        code = written.upper()
    else:
        folded = _fold_text(written)
        for article in ("la ", "le ", "les ", "l "):
            folded = folded.removeprefix(article)
        code = _DEPARTMENT_BY_FOLDED.get(folded)
    if code is None or code not in _DEPARTMENT_NAMES:
        return name, None
    return name[: found.start()], code


def _department_of_prefecture(prefecture: str) -> str:
    """``044`` → ``44``, ``02A`` → ``2A``, ``974`` → ``974``."""
    return prefecture[1:] if prefecture.startswith("0") else prefecture


def _department_of_postcode(postcode: str) -> str | None:
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):  # Corsica: 200xx-201xx south, 202xx-206xx north
        return "2A" if postcode[2] in "01" else "2B"
    return postcode[:2] if postcode[:2] != "00" else None


def department_hints(act: ActId | None, texts: Sequence[str] = ()) -> set[str]:
    """Départements a document states: its act id's prefecture code and every
    "Département de …" header of its texts. (Postcodes are used only next to a
    candidate's name: a letter also carries the addressee's, the rectorat's, postcode.)"""
    hints: set[str] = set()
    if act is not None:
        hints.add(_department_of_prefecture(act.prefecture))
    for text in _bounded(texts):
        folded = _fold_text(text)
        for found in _DEPARTMENT_HEADER.finditer(folded):
            name = _DEPARTMENT_ALTERNATION.match(found.group("rest"))
            if name is not None:
                hints.add(_DEPARTMENT_BY_FOLDED[name.group(0)])
    return hints


def _bounded(texts: Sequence[str]) -> list[str]:
    out: list[str] = []
    budget = _MAX_TEXT
    if isinstance(texts, str):
        texts = [texts]
    elif not isinstance(texts, Sequence):
        return out
    for text in texts:
        if not isinstance(text, str) or budget <= 0:
            continue
        out.append(text[:budget])
        budget -= len(out[-1])
    return out


# ----------------------------------------------------------------------------- roster


class RosterLike(Protocol):
    """What the matcher reads of a roster collectivity (``storage.models.Collectivity``,
    ``storage.roster.RosterRow`` and ``RosterEntry`` all have it)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def siren(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...


@dataclass(frozen=True)
class RosterEntry:
    """One collectivity of the roster. ``department`` may list several, ``/``-separated,
    for an EPCI across départements (``44/49``); ``email`` may hold several addresses
    separated by ``;`` or ``,``."""

    code: str
    name: str
    kind: str = "commune"
    department: str = ""
    siren: str | None = None
    email: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, obj: RosterLike | RosterEntry) -> RosterEntry:
        if isinstance(obj, RosterEntry):
            return obj
        return cls(
            code=str(obj.code),
            name=str(obj.name or ""),
            kind=str(getattr(obj, "kind", "commune") or "commune"),
            department=str(getattr(obj, "department", "") or ""),
            siren=getattr(obj, "siren", None),
            email=getattr(obj, "email", None),
            extra=dict(getattr(obj, "extra", None) or {}),
        )

    @property
    def departments(self) -> frozenset[str]:
        return frozenset(d.strip().upper() for d in self.department.split("/") if d.strip())

    @property
    def emails(self) -> list[str]:
        if not self.email:
            return []
        return [e.strip().lower() for e in re.split(r"[;,\s]+", self.email) if "@" in e]

    def label(self) -> str:
        """``Allonnes (49)`` for staff."""
        return f"{self.name} ({self.department})" if self.department else self.name


@dataclass(frozen=True)
class NameLookup:
    """What a name gives on its own: one code (``score``, ``method``, ``detail``), several
    (ambiguous: ``codes``), or none (``near``: close keys rejected as too far or too
    alike, for triage)."""

    codes: tuple[str, ...] = ()
    method: str | None = None  # "name" | "name_fuzzy"
    score: float = 0.0
    detail: str = ""  # which rule: exact, department, article, epci_kind, squashed, ocr, osa
    near: tuple[str, ...] = ()

    @property
    def code(self) -> str | None:
        return self.codes[0] if len(self.codes) == 1 else None


def _squash(key: str) -> str:
    return key.replace(" ", "").translate(_OCR_DIGITS)


def _distinct_length(key: str) -> int:
    """Letters of ``key`` outside ``_GENERIC_WORDS`` (all of them if none is left)."""
    letters = sum(len(w) for w in key.split() if w not in _GENERIC_WORDS)
    return letters or len(key.replace(" ", ""))


def _grams(s: str) -> set[str]:
    padded = f"#{s}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


_EPCI_KIND = re.compile(r"^(?:cc|ca|cu|metropole) |(?: metropole)$")
_EPCI_WORDS = frozenset({"cc", "ca", "cu", "metropole", "communaute", "agglomeration"})
_PARENTHESIS = re.compile(r"\s*\(([^()]*)\)\s*")


def _epci_bare(key: str) -> str:
    """``cc pays de blain`` → ``pays de blain``; ``cu le mans metropole`` → ``le mans``."""
    bare = key
    for _ in range(2):
        bare = _EPCI_KIND.sub("", bare).strip()
    return bare if bare != key else ""


def _name_aliases(name: str) -> list[str]:
    """The names an entry answers to: its own, and for "CA de la Région Nazairienne et de
    l'Estuaire (CARENE)" the name without the parenthesis and the parenthesis alone when
    it looks like a name (``CARENE``, ``Cap Atlantique``) rather than an article."""
    names = [name]
    inner = _PARENTHESIS.findall(name)
    if inner and not normalize_name(name).startswith(("l ", "le ", "la ", "les ")):
        names.append(_PARENTHESIS.sub(" ", name).strip())
        names.extend(i for i in inner if len(_fold_text(i).replace(" ", "")) >= 4)
    return names


class RosterIndex:
    """Roster entries indexed by SIREN, e-mail address and domain, name key, article-less
    key, EPCI key without its kind, and space-less key (with trigrams, for fuzzy names).
    Build with ``RosterIndex.build(entries)``."""

    def __init__(self) -> None:
        self.entries: dict[str, RosterEntry] = {}
        self.by_siren: dict[str, list[str]] = defaultdict(list)
        self.by_email: dict[str, list[str]] = defaultdict(list)
        self.by_domain: dict[str, list[str]] = defaultdict(list)
        self.by_key: dict[str, list[str]] = defaultdict(list)
        self.by_bare_key: dict[str, list[str]] = defaultdict(list)
        self.by_epci_key: dict[str, list[str]] = defaultdict(list)
        self.by_squashed: dict[str, list[str]] = defaultdict(list)
        self._fuzzy_keys: list[str] = []  # every space-less key, by id
        self._gram_ids: dict[str, list[int]] = defaultdict(list)  # folded trigram -> ids
        self._common_gram = 0  # posting-list length above which a trigram is not counted
        self._distinct_len: dict[str, int] = {}  # squashed -> its distinctive letters

    @classmethod
    def build(cls, entries: Iterable[RosterLike | RosterEntry]) -> RosterIndex:
        """Index a roster. A code given twice is a ``ValueError`` (French message)."""
        index = cls()
        for raw in entries:
            entry = RosterEntry.of(raw)
            code = entry.code.strip()
            if not code:
                raise ValueError("entrée de la liste sans code")
            if code in index.entries:
                raise ValueError(f"code en double dans la liste des collectivités : {code}")
            index.entries[code] = entry
            index._add(code, entry)
        for mapping in (
            index.by_siren,
            index.by_email,
            index.by_domain,
            index.by_key,
            index.by_bare_key,
            index.by_epci_key,
            index.by_squashed,
        ):
            for key, codes in mapping.items():
                mapping[key] = sorted(set(codes))
        for key_id, squashed in enumerate(index._distinct_len):
            index._fuzzy_keys.append(squashed)
            for gram in _grams(squashed.translate(_CONFUSABLE_FOLD)):
                index._gram_ids[gram].append(key_id)
        index._common_gram = max(300, len(index._fuzzy_keys) // 100)
        return index

    def _add(self, code: str, entry: RosterEntry) -> None:
        siren = re.sub(r"\D", "", entry.siren or "")
        if len(siren) == 9:
            self.by_siren[siren].append(code)
        for address in entry.emails:
            self.by_email[address].append(code)
            domain = address.rsplit("@", 1)[1]
            if domain not in GENERIC_MAIL_DOMAINS:
                self.by_domain[domain].append(code)
        for alias in _name_aliases(entry.name):
            key = normalize_name(alias)
            if not key:
                continue
            self.by_key[key].append(code)
            bare = normalize_name(alias, drop_articles=True)
            if bare != key:
                self.by_bare_key[bare].append(code)
            if entry.kind == "epci" and (epci := _epci_bare(key)):
                self.by_epci_key[epci].append(code)
            squashed = _squash(key)
            self.by_squashed[squashed].append(code)
            self._distinct_len.setdefault(squashed, _distinct_length(key))

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, code: object) -> bool:
        return code in self.entries

    def get(self, code: str) -> RosterEntry | None:
        return self.entries.get(code)

    def label(self, code: str) -> str:
        entry = self.entries.get(code)
        return entry.label() if entry else code

    # -- names -----------------------------------------------------------------------

    def lookup_name(
        self, name: str, departments: Iterable[str] = (), texts: Sequence[str] = ()
    ) -> NameLookup:
        """The collectivities ``name`` designates. Homonyms are settled by
        ``departments`` (codes the document states) or by a postcode before the name in
        ``texts``; still several: an ambiguous lookup (``codes`` has them all)."""
        if not isinstance(name, str):
            return NameLookup()
        name = name[:_MAX_NAME]
        hints = {d.upper() for d in departments}
        name, written = _split_department(name)
        if written is not None:
            hints.add(written)
        key = normalize_name(name)
        if not key:
            return NameLookup()
        steps: list[tuple[str, str, list[str]]] = [
            ("name", "exact", self.by_key.get(key, [])),
            # "Herbiers" for "Les Herbiers" (never the other way: "Le Pin" is not "Pin").
            ("name", "article", self.by_bare_key.get(normalize_name(name, drop_articles=True), [])),
        ]
        if _EPCI_WORDS & set(key.split()):
            # "CA du Pays de Blain" for "CC du Pays de Blain", "Le Mans Métropole" for
            # "CU Le Mans Métropole". Only when the document writes an EPCI kind: "Nozay"
            # alone is the commune, never "CC de Nozay".
            epci = _epci_bare(key) or key
            steps.append(("name", "epci_kind", self.by_epci_key.get(epci, [])))
        for method, detail, codes in steps:
            if codes:
                return self._settle(method, detail, codes, hints, texts, key)
        return self._fuzzy(name, key, hints, texts)

    def _settle(
        self,
        method: str,
        detail: str,
        codes: Sequence[str],
        hints: set[str],
        texts: Sequence[str],
        key: str,
        cost: float = 0.0,
    ) -> NameLookup:
        if method == "name":
            score = SCORES["name" if detail == "exact" else f"name_{detail}"]
        else:
            score = SCORES["name_fuzzy"] - FUZZY_COST_STEP * cost
        if len(codes) == 1:
            return NameLookup((codes[0],), method, score, detail)
        in_hints = [c for c in codes if self.entries[c].departments & hints]
        if len(in_hints) == 1:
            return NameLookup(
                (in_hints[0],), method, min(score, SCORES["name_department"]), "department"
            )
        by_postcode = self._postcode_confirmed(in_hints or codes, key, texts)
        if len(by_postcode) == 1:
            return NameLookup(
                (by_postcode[0],), method, min(score, SCORES["name_department"]), "postcode"
            )
        return NameLookup(tuple(sorted(in_hints or codes)), method, 0.0, "ambiguous")

    def _postcode_confirmed(
        self, codes: Sequence[str], key: str, texts: Sequence[str]
    ) -> list[str]:
        """Codes whose département has a postcode written right before the name
        ("85300 SOULLANS", "49124 Saint-Barthélemy-d'Anjou Cedex")."""
        departments: set[str] = set()
        for text in _bounded(texts):
            for found in _POSTCODE_LINE.finditer(text):
                rest = normalize_name(found.group("rest").strip()[:80])
                if rest == key or rest.startswith(key + " "):
                    dept = _department_of_postcode(found.group("code"))
                    if dept:
                        departments.add(dept)
        return [c for c in codes if self.entries[c].departments & departments]

    def _fuzzy(self, name: str, key: str, hints: set[str], texts: Sequence[str]) -> NameLookup:
        # Digits read for letters inside words, before the noise words are stripped
        # ("C0MMUNE DE N0ZAY").
        folded_name = _DIGIT_IN_WORD.sub(lambda m: m.group(0).translate(_OCR_DIGITS), name)
        ocr_key = normalize_name(folded_name) if folded_name != name else key
        if ocr_key and ocr_key != key and (codes := self.by_key.get(ocr_key)):
            return self._settle("name_fuzzy", "ocr", codes, hints, texts, ocr_key)
        squashed = _squash(ocr_key or key)
        if len(squashed) >= FUZZY_MIN_SQUASHED and (codes := self.by_squashed.get(squashed)):
            return self._settle("name_fuzzy", "squashed", codes, hints, texts, ocr_key)
        query_key = ocr_key or key
        distinct = _distinct_length(query_key)
        grams, shared = self._shared_grams(squashed)
        if distinct < FUZZY_MIN_LENGTH:
            return NameLookup(near=self._near(squashed, shared))
        # Full (non-confusable) edits the similarity threshold can allow at this length.
        allowed = min(FUZZY_MAX_COST, (1.0 - FUZZY_MIN_SIMILARITY) * (distinct + FUZZY_MAX_COST))
        ranked = self._within(squashed, grams, shared, allowed)
        if not ranked:
            return NameLookup(near=self._near(squashed, shared))
        best_cost, best = ranked[0]
        codes = self.by_squashed[best]
        near = tuple(sorted({c for _, s in ranked[:3] for c in self.by_squashed[s]}))
        similarity = 1.0 - best_cost / max(distinct, self._distinct_len[best])
        if similarity < FUZZY_MIN_SIMILARITY:
            return NameLookup(near=near)
        if bool(hints) and not any(self.entries[c].departments & hints for c in codes):
            return NameLookup(near=near)  # the document's département says otherwise
        # The margin: no other key may cost less than best + FUZZY_MARGIN (costs are
        # multiples of 0.5, so "less than" is "at most 0.5 less").
        rivals = [
            (cost, s)
            for cost, s in self._within(squashed, grams, shared, best_cost + FUZZY_MARGIN - 0.5)
            if s != best
        ]
        if rivals:
            near = tuple(sorted({*near, *(c for _, s in rivals[:2] for c in self.by_squashed[s])}))
            return NameLookup(near=near)
        return self._settle("name_fuzzy", "osa", codes, hints, texts, key, best_cost)

    def _near(self, squashed: str, shared: list[tuple[int, int]]) -> tuple[str, ...]:
        """Codes of the (at most three) nearest keys among those sharing the most
        trigrams, within ``FUZZY_MAX_COST + FUZZY_MARGIN``: suggestions for triage."""
        limit = FUZZY_MAX_COST + FUZZY_MARGIN
        costs = [
            (_osa(squashed, self._fuzzy_keys[i], limit), self._fuzzy_keys[i])
            for i, _ in shared[:20]
        ]
        nearest = sorted((c, s) for c, s in costs if c <= limit)[:3]
        return tuple(sorted({code for _, s in nearest for code in self.by_squashed[s]}))

    def _shared_grams(self, squashed: str) -> tuple[int, list[tuple[int, int]]]:
        """The number of distinct trigrams of the (confusable-folded) key, and the roster
        keys that share enough of them to be within ``FUZZY_MAX_COST + FUZZY_MARGIN`` (see
        ``_within``), as (key id, trigrams shared), most shared first."""
        grams = _grams(squashed.translate(_CONFUSABLE_FOLD))
        # Trigrams thousands of keys have ("sai", "int"…) are not counted: they cannot
        # tell keys apart, and every key is credited with them instead (a bound).
        common = {g for g in grams if len(self._gram_ids.get(g, ())) > self._common_gram}
        shared = Counter(chain.from_iterable(self._gram_ids.get(g, ()) for g in grams - common))
        floor = len(grams) - 4 * math.floor(FUZZY_MAX_COST + FUZZY_MARGIN) - len(common)
        close = [item for item in shared.items() if item[1] >= floor]
        if len(close) < 20:  # a few, for triage's "nearest names"
            close = heapq.nlargest(20, shared.items(), key=itemgetter(1))
        close = [(key_id, n + len(common)) for key_id, n in close]
        close.sort(key=itemgetter(1), reverse=True)
        return len(grams), close

    def _within(
        self, squashed: str, grams: int, shared: list[tuple[int, int]], limit: float
    ) -> list[tuple[float, str]]:
        """Roster space-less keys at weighted OSA cost <= ``limit`` of ``squashed``,
        cheapest first. Confusable substitutions leave the folded trigrams alone; each
        other edit spoils at most four (a transposition), so a key within ``limit`` shares
        at least ``grams - 4 * floor(limit)`` of them and its length differs by at most
        ``floor(limit)``."""
        edits = math.floor(limit + 1e-9)
        needed = grams - 4 * edits
        out: list[tuple[float, str]] = []
        keys = self._fuzzy_keys
        for key_id, count in shared:
            if count < needed:
                break
            candidate = keys[key_id]
            if abs(len(candidate) - len(squashed)) > edits:
                continue
            cost = _osa(squashed, candidate, limit)
            if cost <= limit:
                out.append((cost, candidate))
        out.sort()
        return out


def _osa(a: str, b: str, limit: float) -> float:
    """Weighted optimal-string-alignment distance (Damerau-Levenshtein without repeated
    edits of a substring); anything above ``limit`` is returned as ``inf``. Common prefix
    and suffix are dropped first; only the diagonal band a path within ``limit`` can use
    (``|i - j| <= floor(limit)``) is computed."""
    if a == b:
        return 0.0
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    la, lb = len(a), len(b)
    band = math.floor(limit + 1e-9)
    if abs(la - lb) > band:
        return math.inf
    inf = math.inf
    prev2: list[float] = []
    prev = [float(j) if j <= band else inf for j in range(lb + 1)]
    for i in range(1, la + 1):
        cur = [inf] * (lb + 1)
        if i <= band:
            cur[0] = float(i)
        ai = a[i - 1]
        row_min = cur[0]
        for j in range(max(1, i - band), min(lb, i + band) + 1):
            bj = b[j - 1]
            if ai == bj:
                best = prev[j - 1]
            elif (ai, bj) in _CONFUSABLE:
                best = prev[j - 1] + 0.5
            else:
                best = prev[j - 1] + 1.0
            if prev[j] + 1.0 < best:
                best = prev[j] + 1.0
            if cur[j - 1] + 1.0 < best:
                best = cur[j - 1] + 1.0
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == bj and prev2[j - 2] + 1.0 < best:
                best = prev2[j - 2] + 1.0
            cur[j] = best
            if best < row_min:
                row_min = best
        if row_min > limit:
            return inf
        prev2, prev = prev, cur
    return prev[lb] if prev[lb] <= limit else inf


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MatchResult:
    """The collectivity a document is matched to (``code``), how (``method``), how sure
    (``score``, 0..1), why not or what disagrees (``reason_fr``, French, for staff: set
    when unmatched, and on a match when the evidence conflicts) and the collectivities
    in play (``candidates``: the match first, then those of conflicting evidence; for an
    unmatched document, the homonyms or the nearest names, for triage)."""

    code: str | None
    method: MatchMethod | None
    score: float
    reason_fr: str | None = None
    candidates: list[str] = field(default_factory=list)

    @property
    def confident(self) -> bool:
        """File the document in ``code``'s dossier (else: triage, as unmatched)."""
        return self.code is not None and self.score >= CONFIDENT_SCORE

    @property
    def conflict(self) -> bool:
        """Matched although some evidence points elsewhere (``reason_fr`` says what)."""
        return self.code is not None and self.reason_fr is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "method": self.method,
            "score": self.score,
            "confident": self.confident,
            "reason_fr": self.reason_fr,
            "candidates": list(self.candidates),
        }


@dataclass(frozen=True)
class _Vote:
    code: str
    source: str  # a TIE_BREAK entry
    score: float
    says: str  # French: what this evidence is ("l'identifiant d'acte 044-…")


def _value(raw: Any) -> Any:
    """A plain field value (``FieldResult``-like objects are unwrapped)."""
    return getattr(raw, "value", raw)


def _sender_address(sender: Any) -> str | None:
    if not isinstance(sender, str) or not sender.strip():
        return None
    _, address = parseaddr(sender[:_MAX_SENDER])
    address = address.strip().lower().strip("<>")
    if address.count("@") != 1:
        return None
    local, domain = address.split("@")
    if not local or "." not in domain or not re.fullmatch(r"[a-z0-9.-]+", domain):
        return None
    return address


def _join_labels(index: RosterIndex, codes: Iterable[str], limit: int = 5) -> str:
    codes = list(codes)
    labels = [index.label(c) for c in codes[:limit]]
    more = f" et {len(codes) - limit} autre(s)" if len(codes) > limit else ""
    return ", ".join(labels) + more


def match(
    index: RosterIndex,
    *,
    doc_type: str,
    fields: Mapping[str, Any],
    sender: str | None,
    texts: Sequence[str] = (),
    siblings: Sequence[MatchResult] = (),
) -> MatchResult:
    """Match one document to a roster collectivity (see the module docstring).

    ``fields``: the document's extracted values by name (``collectivity``, ``act_id``…;
    ``FieldResult``s are accepted too); ``sender``: the mail's ``From`` (a bare address
    or ``Name <address>``), None for paper; ``texts``: the document's text (pages), read
    for the département only; ``siblings``: results of the other documents of the same
    file or message, from a first pass without siblings (``match_file`` does both
    passes). Never raises on odd input: what cannot be read is ignored."""
    fields = fields if isinstance(fields, Mapping) else {}
    votes: list[_Vote] = []
    notes: list[str] = []
    suggestions: list[str] = []

    # 1. The act id's SIREN.
    raw_act = _value(fields.get("act_id"))
    act = parse_act_id(raw_act) if isinstance(raw_act, str) else None
    if act is not None:
        codes = index.by_siren.get(act.siren, [])
        if len(codes) == 1:
            votes.append(
                _Vote(
                    codes[0], "act_id_siren", SCORES["act_id_siren"], f"l'identifiant d'acte {act}"
                )
            )
        elif codes:
            notes.append(
                f"Le SIREN {act.siren} de l'acte {act} est celui de plusieurs collectivités "
                f"de la liste ({_join_labels(index, codes)})."
            )
            suggestions.extend(codes)
        else:
            notes.append(
                f"Le SIREN {act.siren} de l'acte {act} ne correspond à aucune collectivité "
                "de la liste."
            )
    hints = department_hints(act, texts)

    # 2. The sender's address.
    address = _sender_address(sender)
    if address is not None:
        domain = address.rsplit("@", 1)[1]
        exact = index.by_email.get(address, [])
        by_domain = index.by_domain.get(domain, [])
        labels = domain.split(".")
        for i in range(1, len(labels) - 1):  # "dgs@mairie.nozay.fr" for "…@nozay.fr"
            if by_domain or ".".join(labels[i:]) in GENERIC_MAIL_DOMAINS:
                break
            by_domain = index.by_domain.get(".".join(labels[i:]), [])
        if len(exact) == 1:
            votes.append(
                _Vote(exact[0], "sender_email", SCORES["sender_email"], f"l'expéditeur {address}")
            )
        elif exact:
            notes.append(
                f"L'adresse {address} est celle de plusieurs collectivités "
                f"({_join_labels(index, exact)})."
            )
            suggestions.extend(exact)
        elif domain in GENERIC_MAIL_DOMAINS:
            notes.append(
                f"L'expéditeur {address} écrit d'une messagerie grand public ({domain}) : "
                "son adresse n'identifie pas la collectivité."
            )
        elif len(by_domain) == 1:
            votes.append(
                _Vote(
                    by_domain[0],
                    "sender_domain",
                    SCORES["sender_domain"],
                    f"le domaine de l'expéditeur ({domain})",
                )
            )
        elif by_domain:
            notes.append(
                f"Le domaine {domain} de l'expéditeur est partagé par plusieurs collectivités "
                f"({_join_labels(index, by_domain)})."
            )
            suggestions.extend(by_domain)
        else:
            notes.append(f"L'expéditeur {address} n'est pas dans la liste des collectivités.")

    # 3. The collectivity's name.
    raw_name = _value(fields.get("collectivity"))
    name = raw_name.strip()[:_MAX_NAME] if isinstance(raw_name, str) else ""
    ambiguous: tuple[str, ...] = ()
    if name and normalize_name(name):
        found = index.lookup_name(name, hints, texts)
        if found.code is not None and found.method is not None:
            votes.append(_Vote(found.code, found.method, found.score, f"le nom « {name} »"))
        elif found.codes:
            ambiguous = found.codes
            notes.append(
                f"Nom « {name} » ambigu : il désigne plusieurs collectivités "
                f"({_join_labels(index, found.codes)}) et rien sur le document n'indique "
                "laquelle."
            )
        elif found.near:
            notes.append(
                f"Nom « {name} » introuvable dans la liste ; noms proches, trop incertains "
                f"pour conclure : {_join_labels(index, found.near)}."
            )
            suggestions.extend(found.near)
        else:
            notes.append(f"Nom « {name} » introuvable dans la liste des collectivités.")

    # 4. Siblings: net majority of those matched on their own evidence.
    sibling_codes = Counter(
        s.code
        for s in siblings
        if isinstance(s, MatchResult)
        and s.code is not None
        and s.confident
        and s.method not in (None, "sibling")
        and s.code in index
    )
    sibling_votes = 0
    sibling_code: str | None = None
    if sibling_codes:
        (sibling_code, top), *_ = sibling_codes.most_common(1)
        sibling_votes = top - (sum(sibling_codes.values()) - top)
        if sibling_votes <= 0:
            notes.append(
                "Les autres pièces du même envoi désignent des collectivités différentes "
                f"({_join_labels(index, sorted(sibling_codes))})."
            )
            sibling_code = None

    return _decide(
        index,
        str(doc_type),
        votes,
        sibling_code,
        max(sibling_votes, 0),
        ambiguous,
        notes,
        suggestions,
    )


_PIECE = {
    "convention": "la convention",
    "deliberation": "la délibération",
    "needs_form": "la fiche de besoins",
    "other": "la pièce",
}


def _decide(
    index: RosterIndex,
    doc_type: str,
    votes: list[_Vote],
    sibling_code: str | None,
    sibling_votes: int,
    ambiguous: tuple[str, ...],
    notes: list[str],
    suggestions: list[str],
) -> MatchResult:
    tally: dict[str, list[_Vote]] = defaultdict(list)
    for vote in votes:
        tally[vote.code].append(vote)
    if sibling_code is not None:
        for _ in range(sibling_votes):
            tally[sibling_code].append(
                _Vote(sibling_code, "sibling", SCORES["sibling"], "les autres pièces du même envoi")
            )
    if not tally:
        piece = _PIECE.get(doc_type, "la pièce")
        why = " ".join(notes) or (
            f"Aucun indice pour identifier la collectivité de {piece} : ni nom, "
            "ni identifiant d'acte, ni expéditeur."
        )
        candidates = list(dict.fromkeys([*ambiguous, *suggestions]))
        return MatchResult(None, None, 0.0, why, candidates)

    def rank(code: str) -> tuple[int, int, str]:
        sources = {v.source for v in tally[code]}
        best = min(TIE_BREAK.index(s) for s in sources)
        return (-len(tally[code]), best, code)

    ordered = sorted(tally, key=rank)
    winner = ordered[0]
    won = tally[winner]
    method = min((v.source for v in won), key=METHOD_ORDER.index)
    score = 1.0 - math.prod(1.0 - v.score for v in won)
    if all(v.source == "sibling" for v in won):
        score = min(score, SIBLING_MAX_SCORE)
    losers = ordered[1:]
    conflict_with_name = bool(ambiguous) and winner not in ambiguous
    reason: str | None = None
    if losers or conflict_with_name:
        parts = [
            f"{v.says} désigne {index.label(v.code)}"
            for code in [winner, *losers]
            for v in tally[code]
            if v.source != "sibling"
        ]
        if sibling_code is not None and sibling_votes:
            parts.append(f"les autres pièces du même envoi désignent {index.label(sibling_code)}")
        if conflict_with_name:
            parts.append(f"le nom désigne {_join_labels(index, ambiguous)}")
        reason = (
            "Indices contradictoires : "
            + " ; ".join(dict.fromkeys(parts))
            + f". Retenu : {index.label(winner)}, à vérifier."
        )
        score *= 1.0 - CONFLICT_PENALTY
    score = round(min(score, 0.999), 3)
    candidates = list(dict.fromkeys([winner, *losers, *(ambiguous if conflict_with_name else ())]))
    return MatchResult(winner, cast(MatchMethod, method), score, reason, candidates)


# ----------------------------------------------------------------------------- files


@dataclass(frozen=True)
class DocumentInput:
    """One document of a file or message, as ``match_file`` takes it."""

    doc_type: str
    fields: Mapping[str, Any]
    texts: Sequence[str] = ()


def match_file(
    index: RosterIndex, documents: Sequence[DocumentInput], *, sender: str | None = None
) -> list[MatchResult]:
    """Match every document of one scanned file or one mail message (with its
    attachments), in order: each on its own evidence first, then again with the others'
    results as siblings."""
    first = [
        match(index, doc_type=d.doc_type, fields=d.fields, sender=sender, texts=d.texts)
        for d in documents
    ]
    if len(documents) < 2:
        return first
    return [
        match(
            index,
            doc_type=d.doc_type,
            fields=d.fields,
            sender=sender,
            texts=d.texts,
            siblings=[r for j, r in enumerate(first) if j != i],
        )
        for i, d in enumerate(documents)
    ]
