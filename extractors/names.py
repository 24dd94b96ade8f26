"""Names read by OCR, their accents and hyphens restored from a list of known spellings.

French OCR drops or confuses the marks of letters it reads small or smudged: "Couëron"
comes out "Coueron" or "Couëéron", "May-sur-Èvre" "Ma Y-sur-Evre", "Joël" "Joel". When the
letters read are exactly those of a known name (accents, case, spaces, hyphens and doubled
letters aside), the known spelling is what was written. Anything else is left as read:
"ST SEBASTIEN SUR LOIRE" stays as the town hall wrote it, and a name one letter away from
a known one is never replaced by it (it may be another place).

- place names: the caller's ``Gazetteer`` (the roster of collectivities, articles
  optional: "Mairie du May-sur-Evre" gets "May-sur-Èvre" from "Le May-sur-Èvre");
- first names: a built-in list of French first names that carry accents.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from extractors.dates import fold

_ARTICLE = re.compile(r"^(le|la|les|l')\s*", re.IGNORECASE)
_FIRST_NAMES = Path(__file__).with_name("prenoms_accentues.txt")


def name_key(text: str) -> str:
    """Letters and digits only, folded, doubled letters single ("Couëéron" and "Couëron"
    both give ``coueron``)."""
    letters = re.sub(r"[^a-z0-9]", "", fold(text))
    return re.sub(r"(.)\1+", r"\1", letters)


class Gazetteer:
    """Known spellings by ``name_key``; a key two different spellings share is ambiguous
    and restores nothing."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._by_key: dict[str, str | None] = {}
        for name in names:
            name = " ".join(name.split())
            if not name:
                continue
            self._add(name)
            bare = _ARTICLE.sub("", name)
            if bare != name and bare:
                self._add(bare)

    def _add(self, spelling: str) -> None:
        key = name_key(spelling)
        if len(key) < 3:
            return
        known = self._by_key.get(key, spelling)
        self._by_key[key] = spelling if known == spelling else None

    def __len__(self) -> int:
        return len(self._by_key)

    def spelling(self, text: str) -> str | None:
        return self._by_key.get(name_key(text))


def _with_case_of(spelling: str, read: str) -> str:
    """The known spelling in the case the document used (capitals stay capitals)."""
    letters = [c for c in read if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return spelling.upper()
    return spelling


# words after which a place's name starts ("Mairie du May-sur-Evre", "Commune de X")
_BEFORE_NAME = {"de", "du", "des", "d'", "la", "le", "les", "l'", "a", "au"}
_ELIDED = re.compile(r"^([dDlL][’'])(?=\w)")


def restore_place(text: str, gazetteer: Gazetteer | None) -> str:
    """``text`` spelt as a known place when it is one ("Coueron" -> "Couëron"), or when
    its words after "de", "du", "d'"… are one ("Commune de Martig ne-su r-Mayen ne" ->
    "Commune de Martigné-sur-Mayenne"). A known name inside another ("LOIRE" of
    "ST SEBASTIEN SUR LOIRE", a place called Loiré) is left alone."""
    if not gazetteer or not text.strip():
        return text
    tokens = text.split()
    for i in range(len(tokens)):
        first = tokens[i]
        elided = _ELIDED.match(first)
        prefix = elided.group(1) if elided else ""  # "d'Ancenis": the name follows the '
        if not prefix and i and fold(tokens[i - 1]) not in _BEFORE_NAME:
            continue
        tail = " ".join([first[len(prefix) :], *tokens[i + 1 :]])
        known = gazetteer.spelling(tail)
        if known is not None:
            return " ".join([*tokens[:i], prefix + _with_case_of(known, tail)])
    return text


@functools.cache
def first_names() -> Gazetteer:
    lines = _FIRST_NAMES.read_text(encoding="utf-8").splitlines()
    return Gazetteer(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#"))


def restore_person(text: str) -> str:
    """A signatory's name with its first name(s) spelt as they are ("Joel HAMON" ->
    "Joël HAMON", "Jean-Noel" -> "Jean-Noël"); the surname is left as read."""
    known = first_names()
    out: list[str] = []
    for token in text.split(" "):
        parts = token.split("-")
        fixed = []
        for part in parts:
            spelling = known.spelling(part) if part[:1].isupper() and len(part) >= 3 else None
            if spelling is not None and fold(spelling) == fold(part) and not part.isupper():
                fixed.append(_with_case_of(spelling, part))
            else:
                fixed.append(part)
        out.append("-".join(fixed))
    return " ".join(out)


# --------------------------------------------------------------------------- value types
#
# What a person's name, a signatory's title and a collectivity's name look like, whatever
# label or sentence they come after: the convention's values are checked by these types,
# so that a label, a sentence or the rector's title is never taken for one.

_CIVILITY = re.compile(
    r"^(?:monsieur|madame|mademoiselle|messieurs|mesdames|mr|mme|mlle|m)\b\.?\s*", re.IGNORECASE
)
_PARTICLES = {"de", "du", "des", "d'", "le", "la", "van", "von", "der", "ben", "el", "da", "di"}
# folded words that are never part of a person's name (titles, labels, institutions)
_NOT_A_NAME = {
    "maire",
    "adjoint",
    "adjointe",
    "president",
    "presidente",
    "vice",
    "conseiller",
    "conseillere",
    "delegue",
    "deleguee",
    "directeur",
    "directrice",
    "recteur",
    "rectrice",
    "rectorat",
    "academie",
    "ministere",
    "commune",
    "ville",
    "mairie",
    "communaute",
    "conseil",
    "departement",
    "region",
    "syndicat",
    "collectivite",
    "signature",
    "signataire",
    "date",
    "nom",
    "prenom",
    "fonction",
    "qualite",
    "cachet",
    "monsieur",
    "madame",
    "pour",
    "par",
    "fait",
    "le",
    "la",
    "les",
    "et",
    "en",
    "sa",
    "son",
    "ses",
    "ou",
    "au",
    "aux",
    "a",
    "groupement",
    "convention",
    "republique",
    "francaise",
    "education",
    "nationale",
    "general",
    "generale",
    "services",
    "municipal",
    "municipale",
    "article",
    "annexe",
    "page",
    "representee",
    "represente",
    "cedex",
}
_NAME_TOKEN = re.compile(r"^[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿ'’\-]*\.?$")
_INITIAL = re.compile(r"^[A-ZÀ-ÖØ-Þ]\.(?:-[A-ZÀ-ÖØ-Þ]\.)?$")


def strip_civility(text: str) -> str:
    """``Monsieur Jean DUPONT`` -> ``Jean DUPONT`` (also "M.", "Mme", "Madame")."""
    out = text.strip()
    m = _CIVILITY.match(out)
    # "M" alone is a civility only before a capitalised word ("M. DUPONT", "M DUPONT")
    if m and (m.group(0).strip(". ").lower() != "m" or m.group(0).endswith((".", " "))):
        rest = out[m.end() :]
        if rest[:1].isupper():
            out = rest
    return out.strip()


def parse_person(text: str) -> str | None:
    """``text`` as a person's name (civility dropped) when it is one: 2 to 5 words, each
    capitalised (or a particle: "de", "Le"…), no digits, not a title, label or institution
    word, at least one word of two letters or more. None otherwise."""
    value = strip_civility(" ".join(text.replace("’", "'").split()).strip(" ,;:.-–"))
    if not value or any(c.isdigit() for c in value):
        return None
    tokens = value.split(" ")
    if not 2 <= len(tokens) <= 5:
        return None
    letters = 0
    for i, tok in enumerate(tokens):
        f = fold(tok).strip(".,")
        # "LE GOFF Stéphane", "Jean LE GALL": an article opening a surname in capitals
        surname_article = (
            f in ("le", "la")
            and i < len(tokens) - 1
            and (i > 0 or tokens[i + 1].isupper())
            and tok.isupper() == tokens[i + 1].isupper()
        )
        if f in _NOT_A_NAME and not surname_article:
            return None
        if surname_article:
            continue
        if f in _PARTICLES and 0 < i < len(tokens) - 1:
            continue
        if not (_NAME_TOKEN.match(tok) or _INITIAL.match(tok)):
            return None
        letters = max(letters, sum(c.isalpha() for c in tok))
    if letters < 2:
        return None
    return value


# a signatory's title, matched on folded text ("Maire", "Maire-adjoint délégué",
# "Adjointe au maire", "Première adjointe", "Vice-présidente", "Président du Conseil
# départemental", "Conseillère municipale déléguée", "Directeur général des services")
_ORDINAL = (
    r"(?:premier|premiere|1er|1ere|1re|deuxieme|2eme|2e|second|seconde|troisieme|3eme|3e"
    r"|quatrieme|4eme|4e|cinquieme|5eme|5e|sixieme|6e)"
)
_BODY = (
    r"(?:conseil\s+(?:departemental|regional|general|communautaire|syndical|municipal"
    r"|d'administration)|communaute(?:\s+de\s+communes|\s+d'agglomeration|\s+urbaine)?"
    r"|syndicat(?:\s+intercommunal|\s+mixte)?|metropole|departement|region|sivom|sivu|sivos"
    r"|sirp|sictom|epci)"
)
# "chargée des affaires scolaires", "délégué à l'éducation": up to the end of the title
_TOPIC = (
    r"\s+(?:de\s+la|de\s+l'|des|du|de|a\s+la|aux|au|a)\s*[a-z'\-]+(?:\s+[a-z'\-]+){0,3}?"
    r"(?=\s*(?:[,;.()]|$))"
)
_CHARGE = rf"(?:\s+(?:charge(?:e)?|delegue(?:e)?|en\s+charge){_TOPIC})?"
# "délégué", or "délégué à l'éducation", or "délégué chargé de …"
_DELEG = rf"(?:\s+delegue(?:e)?{_TOPIC}|(?:\s+delegue(?:e)?)?{_CHARGE})"
ROLE_RE = re.compile(
    r"(?<![a-z])(?:"
    rf"vice[\s\-]?president(?:e)?{_DELEG}(?:\s+(?:du|de\s+la|de\s+l')\s*{_BODY})?{_CHARGE}"
    rf"|president(?:e)?(?:\s+(?:du|de\s+la|de\s+l')\s*{_BODY})?"
    rf"|maire[\s\-]+adjoint(?:e)?{_DELEG}"
    rf"|maire[\s\-]+delegue(?:e)?{_CHARGE}"
    rf"|maire(?![a-z\-])"
    rf"|(?:{_ORDINAL}[\s\-]+)?adjoint(?:e)?(?:\s+au\s+maire)?{_DELEG}"
    r"|conseill(?:er|ere)\s+(?:municipal(?:e)?\s+|communautaire\s+|departemental(?:e)?\s+"
    rf"|regional(?:e)?\s+)?delegue(?:e)?(?:{_TOPIC}|{_CHARGE})"
    r"|direct(?:eur|rice)\s+general(?:e)?\s+(?:des\s+services|adjoint(?:e)?)"
    r"|secretaire\s+general(?:e)?"
    r"|dgs"
    r")(?![a-z])"
)


def find_role(text: str) -> tuple[int, int] | None:
    """Span of the first signatory's title in ``text`` (any case, accents or none)."""
    m = ROLE_RE.search(fold(text))
    return (m.start(), m.end()) if m else None


_ARTICLE_ROLE = re.compile(r"(?:(?:monsieur|madame|m\.|mme)\s*)?(?:le|la|l'|son|sa)?")


def parse_role(text: str) -> str | None:
    """``text`` as a signatory's title when it is one and little else ("Le Maire",
    "Monsieur le Maire", "Adjointe au maire", "Vice-président délégué"): the value as
    written. None for a sentence that merely mentions a maire, or for another title."""
    value = " ".join(text.split()).strip(" ,;:.-–")
    span = find_role(value)
    if span is None:
        return None
    head = fold(value[: span[0]])
    if head.strip() and not _ARTICLE_ROLE.fullmatch(head.strip()):
        return None
    tail = value[span[1] :].strip(" ,;.")
    # a title may end with where it is held ("Maire de Rezé"); nothing else may follow
    if tail and not re.match(r"^(?:de|du|des|d'|de la|de l')\s*[A-ZÀ-Þ]", tail.replace("’", "'")):
        return None
    if len(tail.split()) > 6:
        return None
    return value


# a collectivity named by its kind ("Commune de Saint-Herblain", "Ville d'Angers",
# "Communauté de communes du Pays d'Ancenis", "Département des Hauts-de-Seine")
_KIND = (
    r"(?:commune(?:\s+nouvelle)?|ville|mairie|communaute\s+de\s+communes|communaute\s+d'agglomeration"
    r"|communaute\s+urbaine|metropole|syndicat(?:\s+intercommunal|\s+mixte)?"
    r"(?:\s+(?:a\s+vocation\s+(?:scolaire|unique|multiple)|scolaire|de\s+regroupement"
    r"\s+pedagogique))?|sivu|sivom|sivos|sirp|departement|region|conseil\s+departemental"
    r"|cc|c\.c\."
    r"|conseil\s+regional|collectivite\s+de)"
)
_KIND_RE = re.compile(
    rf"(?<![a-z])({_KIND})(\s+de\s+la\s+|\s+de\s+l'\s*|\s+des\s+|\s+du\s+|\s+de\s+|\s+d'\s*|\s+)"
)
_PLACE_PARTICLE = {
    "sur",
    "sous",
    "en",
    "le",
    "la",
    "les",
    "de",
    "du",
    "des",
    "d'",
    "l'",
    "aux",
    "et",
    "lès",
    "lez",
    "à",
    "au",
}
_PLACE_WORD = re.compile(r"^[A-ZÀ-ÖØ-Þ0-9][\w'’\-]*$|^[dlDL]['’][A-ZÀ-ÖØ-Þ][\w'’\-]*$")


# capitalised words of a heading that end a place name ("COMMUNE DE TRONGET EXTRAIT DU
# REGISTRE…", "Mairie de Vallet Envoyé en préfecture le …")
_AFTER_PLACE = frozenset(
    {
        "extrait",
        "registre",
        "deliberation",
        "deliberations",
        "republique",
        "francaise",
        "conseil",
        "municipal",
        "communautaire",
        "seance",
        "departement",
        "arrondissement",
        "canton",
        "proces-verbal",
        "objet",
        "date",
        "nombre",
        "liberte",
        "egalite",
        "fraternite",
        "accuse",
        "envoye",
        "recu",
        "affiche",
        "publie",
        "id",
        "commune",
        "mairie",
        "hotel",
        "tel",
        "tel.",
        "telephone",
        "represente",
        "representee",
        "session",
        "dument",
        "l'an",
        "convention",
        "annexe",
        "membres",
        "pour",
        "par",
    }
)


def place_end(text: str, start: int) -> int:
    """End of a place name starting at ``start``: capitalised words, with the small words
    of compound names between them ("Saint-Julien de Concelles", "Les Sorinières")."""
    end = start
    for m in re.finditer(r"\S+", text[start:]):
        tok = m.group(0)
        core = tok.rstrip(',;.:)»"')
        cut = core != tok
        if fold(core).strip(".") in _AFTER_PLACE:
            break
        if _PLACE_WORD.match(core) and (core[:1].isupper() or core[:2].lower() in ("d'", "l'")):
            end = start + m.start() + len(core)
        elif fold(core) in _PLACE_PARTICLE and end > start:
            pass
        else:
            break
        if cut:
            break
    return end


def find_collectivity(text: str) -> tuple[int, int] | None:
    """Span of the first "<kind> de <Place>" in ``text`` (kind: commune, ville, mairie,
    communauté de communes, syndicat, département…)."""
    f = fold(text.replace("’", "'"))
    for m in _KIND_RE.finditer(f):
        bare_ok = ("syndicat", "sivu", "sivo", "sirp", "communaute", "metropole")
        if (
            not m.group(2).strip()
            and not m.group(1).startswith(bare_ok)
            and m.group(1) not in ("cc", "c.c.")
        ):
            continue  # "Commune Rezé" is no name; "SIVOS Vallée du Don" is
        start = m.end()
        end = place_end(text, start)
        if end > start:
            return m.start(), end
    return None


_NOT_A_PLACE = _NOT_A_NAME - {"le", "la", "les", "et", "en", "a", "au", "aux"} | {
    "nom",
    "adherente",
    "adherent",
    "organisme",
    "membre",
    # a form's column titles and labels, never a commune's name ("Écoles", "Élèves")
    "ecole",
    "ecoles",
    "eleve",
    "eleves",
    "compte",
    "comptes",
    "nombre",
    "total",
    "effectif",
    "effectifs",
    "classe",
    "classes",
    "enseignant",
    "enseignants",
    "referent",
    "telephone",
    "courriel",
    "adresse",
    "besoins",
    "annexe",
    "tableau",
}


def parse_collectivity(text: str) -> str | None:
    """``text`` as a collectivity's name: "<kind> de <Place>" (as written, the kind
    included) or a bare place ("REZÉ", "Saint-Herblain", "ST SEBASTIEN SUR LOIRE"). None
    for a sentence, a label or a title."""
    value = " ".join(text.replace("’", "'").split()).strip(" ,;:.-–")
    if not value or len(value) > 90:
        return None
    span = find_collectivity(value)
    article = re.match(r"^(?:la|le|l')\s*(?=[A-Za-zÀ-ÿ])", value, flags=re.IGNORECASE)
    if article and span is not None and span[0] == article.end():
        value = value[article.end() :]  # "La Commune de Rezé"; not "Le May-sur-Èvre"
        span = (0, span[1] - article.end())
    if span is not None and span[0] <= 1:
        rest = value[span[1] :].strip(" ,;.()")
        if not rest or re.fullmatch(r"\(?\d{2,5}\)?|[A-Z\d\s\-]{1,12}", rest):
            return value[: span[1]] if not rest else value
    tokens = value.split(" ")
    if len(tokens) > 7 or any(c.isdigit() for c in value):
        return None
    if not tokens[0][:1].isupper():
        return None
    for tok in tokens:
        f = fold(tok)
        if f in _NOT_A_PLACE:
            return None
        if not (_PLACE_WORD.match(tok) or f in _PLACE_PARTICLE):
            return None
    return value
