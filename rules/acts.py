"""Act identifiers of the prefecture's legality control (``@CTES``).

An acknowledged act carries an id ``DDD-SIREN-YYYYMMDD-NUMBER-NATURE``, for instance
``044-214401093-20211213-DEL2021_12-DE``: the prefecture (département on three
characters, ``02A``/``02B`` for Corsica), the SIREN of the collectivity that passed the
act, the decision date, the collectivity's own act number and the nature code (``DE``
délibération, ``AR`` acte réglementaire, ``AI`` acte individuel, ``CC`` contrat ou
convention, ``BF`` document budgétaire, ``AU`` autre…; any two letters are accepted).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["NATURE_LABELS", "ActId", "parse_act_id"]

NATURE_LABELS: dict[str, str] = {
    "DE": "délibération",
    "AR": "acte réglementaire",
    "AI": "acte individuel",
    "CC": "contrat, convention ou avenant",
    "BF": "document budgétaire ou financier",
    "AU": "autre acte",
}

_DASHES = re.compile(r"\s*[‐‑‒–—―−-]\s*")
_ACT_ID = re.compile(
    r"(?<![0-9A-Z])"
    r"(?P<prefecture>\d{3}|02[AB])-(?P<siren>\d{9})-(?P<date>\d{8})-"
    r"(?P<number>[A-Z0-9_]{1,30})-(?P<nature>[A-Z]{2})"
    r"(?![0-9A-Z_])"
)
_MAX_INPUT = 10_000  # an act id sits in a short field; longer input is not searched further


@dataclass(frozen=True)
class ActId:
    prefecture: str
    siren: str
    decision_date: dt.date
    number: str
    nature: str

    def __str__(self) -> str:
        day = self.decision_date.strftime("%Y%m%d")
        return f"{self.prefecture}-{self.siren}-{day}-{self.number}-{self.nature}"

    @property
    def nature_label(self) -> str:
        """French name of the nature code, or the code itself when unknown."""
        return NATURE_LABELS.get(self.nature, self.nature)


def parse_act_id(s: str | None) -> ActId | None:
    """The first well-formed act id found in ``s`` (which may hold surrounding text, OCR
    spacing around the dashes, typographic dashes or lower case), or None.

    A candidate whose decision date is not a real calendar day is skipped."""
    if not isinstance(s, str) or not s:
        return None
    text = _DASHES.sub("-", s[:_MAX_INPUT].upper())
    for match in _ACT_ID.finditer(text):
        try:
            day = dt.datetime.strptime(match.group("date"), "%Y%m%d").date()
        except ValueError:
            continue
        return ActId(
            prefecture=match.group("prefecture"),
            siren=match.group("siren"),
            decision_date=day,
            number=match.group("number"),
            nature=match.group("nature"),
        )
    return None
