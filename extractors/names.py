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
