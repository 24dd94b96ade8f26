"""Normalized collectivity names, for comparing the name a document gives with the roster's.

``normalize_name`` folds what varies between a roster and what people write or OCR reads:
accents, case, hyphens, apostrophes, spacing, ``St``/``Ste``/``S/`` abbreviations, the
EPCI kind (``Communauté de communes`` = ``CC``…) and the noise around a name ("Mairie de",
"Commune de", "Conseil municipal de"…).

Leading articles are *kept* by default: across France's ~35,000 communes, ``Le Pin`` and
``Pin``, ``Le Bourg`` and ``Bourg`` are different places, so a key used to *find* a
collectivity must not drop them. The article is normalized, though: the INSEE postposed
form ``Mans (Le)`` gives the same key as ``Le Mans``, and "Mairie du Mans" gives
``le mans`` ("du" = "de le"). Where the collectivity is already known and the question is
only "does this document name the same one?", ``names_match`` also accepts a difference
of leading article ("Herbiers" for "Les Herbiers").

Pure functions, no I/O; results are cached (it runs over whole rosters).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["names_match", "normalize_name"]

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
# Every apostrophe and dash people (and OCR) produce.
_APOSTROPHES = re.compile(r"[’‘ʼ`´′']")
_DASHES = re.compile(r"[‐‑‒–—―−-]")
_SPACES = re.compile(r"\s+")

# "Mans (Le)", "Sables-d'Olonne (Les)", "Ile-d'Yeu (L')": INSEE's postposed article.
_POSTPOSED = re.compile(r"^(?P<name>.+?)\s*\(\s*(?P<art>les|le|la|l')\s*\)$")

# Noise before the name, only when followed by a *space* (the official "Ville-du-Pont" is
# a commune; "Ville du Pont" written with spaces is read as noise, as staff would).
_NOISE_WORDS = (
    r"(?:la\s+|le\s+)?(?:"
    r"mairie|commune(?:\s+(?:nouvelle|deleguee))?|ville|hotel\s+de\s+ville"
    r"|conseil\s+municipal|conseil\s+communautaire|assemblee\s+deliberante"
    r")"
)
_NOISE = re.compile(rf"^{_NOISE_WORDS}\s+(?P<link>de\s+|du\s+|des\s+|d'\s*)")
_LINK_TO_ARTICLE = {"du": "le ", "des": "les "}
# "MAIRIE SAINT-HERBLAIN" on a letterhead: no commune name begins with these words.
_NOISE_BARE = re.compile(r"^(?:la\s+)?(?:mairie|hotel\s+de\s+ville)\s+")

# Abbreviations written with a slash, before slashes become spaces.
_SOUS = re.compile(r"\bs\s*/\s*s\b\.?\s*")
_SUR = re.compile(r"\bs\s*/\s*")
# "C.C.", "N.D.": dotted initials become one token ("cc", "nd").
_DOTTED_INITIALS = re.compile(r"\b(?:[a-z]\.\s*){2,}")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

_TOKENS = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "stes": "saintes",
    "mt": "mont",
    "nd": "notre dame",
    "agglo": "agglomeration",
}
_PHRASES = (
    (re.compile(r"\bcommunaute (?:de|des) communes\b"), "cc"),
    (re.compile(r"\bcommunaute d agglomeration\b"), "ca"),
    (re.compile(r"\bcommunaute urbaine\b"), "cu"),
)
# "La CC du Pays de Blain" = "CC Pays de Blain": article before / link after the EPCI kind.
_EPCI_ARTICLE = re.compile(r"^(?:la|le|l) (?=(?:cc|ca|cu|metropole)\b)")
_EPCI_LINK = re.compile(r"^(cc|ca|cu) (?:de la|de l|de|du|des|d) ")
_ARTICLE = re.compile(r"^(?:les|le|la|l) (?=\S)")


def _fold(text: str) -> str:
    """Lower case ASCII: ligatures spelled out, accents dropped."""
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _strip_noise(text: str) -> str:
    """Drop leading "Mairie de", "Conseil municipal de la commune de"…, turning the
    contracted link into the article it hides ("Mairie du Mans" -> "le mans")."""
    while True:
        match = _NOISE.match(text)
        if match is not None:
            link = match.group("link").strip().rstrip("'")
            text = _LINK_TO_ARTICLE.get(link, "") + text[match.end() :]
            continue
        bare = _NOISE_BARE.match(text)
        if bare is None:
            return text
        text = text[bare.end() :]


@lru_cache(maxsize=65536)
def _normalize(name: str, drop_articles: bool) -> str:
    text = _fold(name)
    text = _APOSTROPHES.sub("'", text)
    text = _SPACES.sub(" ", text).strip()
    postposed = _POSTPOSED.match(text)
    if postposed:
        art = postposed.group("art")
        text = f"{art}{'' if art.endswith(chr(39)) else ' '}{postposed.group('name')}"
    text = _strip_noise(text)
    text = _SOUS.sub(" sous ", text)
    text = _SUR.sub(" sur ", text)
    text = _DOTTED_INITIALS.sub(lambda m: m.group(0).replace(".", "").replace(" ", "") + " ", text)
    text = text.replace("&", " et ")
    text = _DASHES.sub(" ", text)
    tokens = _NON_ALNUM.sub(" ", text).split()
    text = " ".join(_TOKENS.get(tok, tok) for tok in tokens)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    text = _EPCI_ARTICLE.sub("", text)
    text = _EPCI_LINK.sub(r"\1 ", text)
    if drop_articles:
        text = _ARTICLE.sub("", text)
    return text


def normalize_name(s: str, *, drop_articles: bool = False) -> str:
    """The comparison key of a collectivity name (lower-case ASCII words, one space apart).

    ``"ST SEBASTIEN S/ LOIRE"`` and ``"Mairie de Saint-Sébastien-sur-Loire"`` both give
    ``"saint sebastien sur loire"``; ``"Communauté de communes du Pays de Blain"`` and
    ``"CC du Pays de Blain"`` both give ``"cc pays de blain"``. A leading article is kept
    unless ``drop_articles`` (see the module docstring). An empty or all-punctuation
    name gives ``""``.
    """
    if not isinstance(s, str):
        raise TypeError(f"a collectivity name must be a string, not {type(s).__name__}")
    return _normalize(s, drop_articles)


def names_match(a: str, b: str) -> bool:
    """Whether two names designate the same collectivity, for checking a document against
    a known collectivity: equal keys, or equal once a leading article is dropped. An empty
    name matches nothing."""
    key_a, key_b = normalize_name(a), normalize_name(b)
    if not key_a or not key_b:
        return False
    if key_a == key_b:
        return True
    return normalize_name(a, drop_articles=True) == normalize_name(b, drop_articles=True)
