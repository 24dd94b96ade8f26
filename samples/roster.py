"""The académie's roster as the sample corpus uses it: the shipped rosters, plus the
``ecollectivites`` and ``email`` columns the generator decides."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from config.settings import ROSTERS_DIR
from samples.texts import DEPARTMENTS

ACADEMIE_DEPARTMENTS = frozenset(DEPARTMENTS)

ROSTER_GLOB = "academie-nantes-*.csv"
COLUMNS = (
    "code",
    "name",
    "department",
    "kind",
    "siren",
    "population",
    "ecollectivites",
    "email",
    "epci_type",
    "member_codes",
)
_REQUIRED = ("code", "name", "department", "kind", "siren", "population")


class RosterError(ValueError):
    """A roster file the generator cannot use."""


@dataclass
class Entity:
    code: str
    name: str
    department: str
    kind: str  # commune | epci
    siren: str
    population: int
    epci_type: str = ""
    member_codes: list[str] = field(default_factory=list)
    ecollectivites: bool = False
    email: str | None = None

    @property
    def main_department(self) -> str:
        """``44`` for ``44/49``, ``72`` for ``61/72``: EPCIs across départements list them
        all; the first one of the académie stands for it."""
        codes = [c.strip() for c in self.department.split("/")]
        return next((c for c in codes if c in ACADEMIE_DEPARTMENTS), codes[0])

    def row(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "department": self.department,
            "kind": self.kind,
            "siren": self.siren,
            "population": str(self.population),
            "ecollectivites": "true" if self.ecollectivites else "false",
            "email": self.email or "",
            "epci_type": self.epci_type,
            "member_codes": " ".join(self.member_codes),
        }


def slug(name: str) -> str:
    """``Saint-Sébastien-sur-Loire`` -> ``saint-sebastien-sur-loire``."""
    text = unicodedata.normalize("NFKD", name.replace("œ", "oe").replace("Œ", "OE"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def load_roster(roster_dir: Path | None = None) -> list[Entity]:
    """Read every ``academie-nantes-*.csv`` of ``roster_dir`` (default: the shipped ones),
    communes first, in file order."""
    directory = Path(roster_dir) if roster_dir is not None else ROSTERS_DIR
    paths = sorted(directory.glob(ROSTER_GLOB))
    if not paths:
        raise RosterError(f"no roster file matching {ROSTER_GLOB} in {directory}")
    entities: list[Entity] = []
    seen: set[str] = set()
    for path in sorted(paths, key=lambda p: ("epci" in p.name, p.name)):
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise RosterError(f"{path}: missing columns {', '.join(missing)}")
            for lineno, row in enumerate(reader, start=2):
                try:
                    entity = Entity(
                        code=row["code"].strip(),
                        name=row["name"].strip(),
                        department=row["department"].strip(),
                        kind=row["kind"].strip(),
                        siren=row["siren"].strip(),
                        population=int(row["population"] or 0),
                        epci_type=(row.get("epci_type") or "").strip(),
                        member_codes=(row.get("member_codes") or "").split(),
                    )
                except (ValueError, AttributeError) as exc:
                    raise RosterError(f"{path}:{lineno}: bad row: {exc}") from exc
                if not entity.code or not entity.name or entity.kind not in ("commune", "epci"):
                    raise RosterError(f"{path}:{lineno}: bad row {row!r}")
                if entity.code in seen:
                    raise RosterError(f"{path}:{lineno}: duplicate code {entity.code}")
                seen.add(entity.code)
                entities.append(entity)
    return entities


def email_for(entity: Entity) -> str:
    local = "mairie" if entity.kind == "commune" else "accueil"
    return f"{local}@{slug(entity.name)}.fr"


def write_roster(path: Path, entities: list[Entity]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for entity in entities:
            writer.writerow(entity.row())
