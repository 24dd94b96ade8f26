"""Identifiers of acts transmitted to the prefecture (@CTES and platforms):
``DDD-SIREN-YYYYMMDD-NUMBER-NATURE``, e.g. ``044-214401093-20211213-DEL2021_12-DE``.

OCR damage is repaired only where the structure proves it: O/o/D/Q read for 0 and l/I/|
for 1 in the digit groups, spaces around dashes or inside groups, a nature code read with
a digit. A candidate is kept only when the department code is plausible, the SIREN passes
its Luhn check and the date exists: a page without an identifier never gets one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

NATURES = ("DE", "AR", "AI", "CC", "BF", "AU")
_DIGIT_FIX = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1", "i": "1",
     "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2", "g": "9"}
)  # fmt: skip
_NATURE_FIX = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "€": "E", "|": "I"})

_G = r"[0-9OoDQlI|iSsBZzg]"
_SEP = r"\s*[-–—~]\s*"
# department (3, Corsica 02A/02B), SIREN (9), date (8), number, nature (2)
_BODY = (
    rf"({_G}\s?{_G}\s?[0-9OoDQlI|iABab])"
    rf"{_SEP}((?:{_G}\s?){{8}}{_G})"
    rf"{_SEP}((?:{_G}\s?){{7}}{_G})"
    rf"{_SEP}([A-Za-z0-9_./][A-Za-z0-9_./\-]{{0,39}}(?: [A-Za-z0-9_]{{1,12}})?)"
    rf"{_SEP}([A-Za-z0-9€|]{{2}})(?![A-Za-z0-9])"
)
_ACT = re.compile(rf"(?<![0-9A-Za-z]){_BODY}")
# the identifier glued to what OCR made of the "ID :" before it ("TD7044-2144…"): its
# department is the last three characters before the SIREN's dash
_ACT_GLUED = re.compile(_BODY)


@dataclass(frozen=True)
class ActId:
    value: str
    siren: str
    decision_date: dt.date
    start: int
    end: int
    raw: str
    confidence: float


def luhn_ok(digits: str) -> bool:
    """The Luhn check of a SIREN (the La Poste exception is the caller's)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _department(raw: str) -> str | None:
    s = raw.replace(" ", "")
    head = s[:2].translate(_DIGIT_FIX)
    last = s[2]
    if last in "ABab" and head == "02":
        return "02" + last.upper()
    last = last.translate(_DIGIT_FIX)
    dep = head + last
    if not dep.isdigit():
        return None
    n = int(dep)
    return dep if 1 <= n <= 989 else None


def _fix_nature(code: str) -> str | None:
    if code in NATURES:
        return code
    alt = code.replace("O", "D") if code.startswith("O") else code
    if alt in NATURES:
        return alt
    near = [n for n in NATURES if sum(a != b for a, b in zip(n, code, strict=True)) == 1]
    return near[0] if len(near) == 1 else None


# whitespace touching an underscore: OCR puts it there inside act numbers
_AROUND_UNDERSCORE = re.compile(r"(?<=_)\s+|\s+(?=_)")


def _squeeze(text: str) -> tuple[str, Sequence[int]]:
    """``text`` without the spaces OCR puts around underscores, and where each kept
    character came from."""
    spans = [m.span() for m in _AROUND_UNDERSCORE.finditer(text)]
    if not spans:
        return text, range(len(text))
    keep: list[int] = []
    parts: list[str] = []
    last = 0
    for a, b in spans:
        keep.extend(range(last, a))
        parts.append(text[last:a])
        last = b
    keep.extend(range(last, len(text)))
    parts.append(text[last:])
    return "".join(parts), keep


def find_act_ids(text: str) -> list[ActId]:
    """The act identifiers in ``text``; one glued to the letters or digits OCR made of
    its "ID :" is found when no other is, with less confidence."""
    return _find(text, _ACT, 1.0) or _find(text, _ACT_GLUED, 0.8)


def _find(text: str, pattern: re.Pattern[str], trust: float) -> list[ActId]:
    out: list[ActId] = []
    original = text
    text, where = _squeeze(text)
    for m in pattern.finditer(text):
        dep = _department(m.group(1))
        siren = re.sub(r"\s", "", m.group(2)).translate(_DIGIT_FIX)
        date_s = re.sub(r"\s", "", m.group(3)).translate(_DIGIT_FIX)
        # an act number has no spaces (letters, digits, underscores): a space OCR read
        # inside one is an underscore it lost ("DEL2021 079" for "DEL2021_079")
        number = m.group(4).strip().replace(" ", "_")
        nature = m.group(5).upper().translate(_NATURE_FIX)
        if dep is None or not siren.isdigit() or len(siren) != 9 or not date_s.isdigit():
            continue
        if not luhn_ok(siren) and not siren.startswith("356000000"):  # La Poste
            continue
        try:
            date = dt.date(int(date_s[:4]), int(date_s[4:6]), int(date_s[6:8]))
        except ValueError:
            continue
        if not 1990 <= date.year <= 2099:
            continue
        nature = _fix_nature(nature)
        if nature is None:
            continue
        number = number.upper() if number.upper() == number else number
        value = f"{dep}-{siren}-{date_s}-{number}-{nature}"
        start, end = where[m.start()], where[m.end() - 1] + 1
        raw = original[start:end]
        repaired = raw.replace(" ", "") != value
        conf = (0.85 if repaired else 0.98) * trust
        out.append(ActId(value, siren, date, start, end, raw, conf))
    return out
