"""Roster import: the list of collectivities a campaign writes to, from a CSV file.

``parse_roster_csv(text)`` is pure: it returns the good rows and one ``RosterError`` per
bad row (with its CSV line number and a French message); ``import_roster(session, rows,
actor)`` upserts them by code. Columns: ``code,name,department,kind`` required;
``ecollectivites`` (``true|false|1|0|oui|non``; absent: false), ``email``, ``siren``,
``population`` optional; any other column goes to ``extra`` (``member_codes`` as a list
of codes, ``true/false/oui/non/vrai/faux`` cells as booleans, others as text). UTF-8 with
or without BOM; ``,`` or ``;`` separated.

An import only changes the columns its file has: re-importing a file without
``ecollectivites`` or ``email`` keeps what an earlier import set, and a derived SIREN never
replaces a SIREN that came from a file.

SIREN of a commune when the file gives none
-------------------------------------------
``commune_siren(code)``: ``21`` + département (2A/2B: ``20``) + ``0`` + commune number +
a Luhn check digit (Nantes 44109 → 214401093; Saint-Denis, La Réunion, 97411 → 219740115).
Checked against all 33,994 communes of ``france-communes.csv`` (INSEE COG 2026) whose
SIREN starts with 21, in ``tests/test_roster_siren.py``:

* that rule alone gives the right SIREN for 29,185 of them (85.9 %), and for all 1,134
  such communes of the académie de Nantes (44, 49, 53, 72, 85);
* Corrèze (19), Creuse (23) and Haute-Vienne (87) put the ``0`` after the commune number
  (19031 → 211903109), Guadeloupe, Martinique and Guyane (971-973) repeat the last digit
  of the département instead of the ``0`` (97101 → 219711017): ``commune_siren`` applies
  these two variants;
* in Aisne (02), Ardennes (08), Aube (10), Marne (51), Haute-Marne (52), Oise (60) and
  Somme (80) SIRENs follow an older numbering of the communes: the rule is right for only
  146 of their 4,102 communes, so ``commune_siren`` gives None there;
* elsewhere 56 communes have SIRENs no rule gives (Paris 75056 → 217500016; communes
  renamed, moved or re-created).

Net: ``commune_siren`` gives a SIREN for 29,892 of the 33,994 and 29,836 of these are
right (99.8 %). The 975 other communes of the file have SIRENs not starting with 21
(communes nouvelles: ``200…``, or ``92…``/``93…`` for the most recent ones; Pacific
collectivities): no rule can know them, and ``commune_siren`` gives a wrong number for
those in metropolitan départements (94 of the 1,228 communes of the académie). Hence:
prefer the ``siren`` column (Etalab's rosters have it); a derived SIREN is marked
``extra["siren_derived"] = true``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from extractors.actid import luhn_ok
from storage import audit
from storage.crud import COLLECTIVITY_FIELDS
from storage.models import Collectivity
from storage.types import utcnow

REQUIRED_COLUMNS = ("code", "name", "department", "kind")
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "ecollectivites", "email", "siren", "population")
TRUE_WORDS = frozenset({"true", "1", "oui", "vrai", "yes", "o", "y"})
FALSE_WORDS = frozenset({"false", "0", "non", "faux", "no", "n", ""})
EXTRA_TRUE = frozenset({"true", "oui", "vrai"})
EXTRA_FALSE = frozenset({"false", "non", "faux"})
MAX_FILE_CHARS = 50_000_000
MAX_CELL = 10_000

_COMMUNE_CODE = re.compile(r"(?:\d{2}|2[AB])\d{3}")
_DEPARTMENT = re.compile(r"(?:\d{2}|2[AB]|9[78]\d)(?:/(?:\d{2}|2[AB]|9[78]\d))*")
_SIREN = re.compile(r"\d{9}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")

# Départements where SIRENs follow an older numbering of the communes (see above).
NO_DERIVED_SIREN = frozenset({"02", "08", "10", "51", "52", "60", "80"})
ZERO_AFTER_NUMBER = frozenset({"19", "23", "87"})
REPEAT_LAST_DIGIT = frozenset({"971", "972", "973"})


class RosterFileError(ValueError):
    """A roster file that cannot be read at all (French message)."""


@dataclass(frozen=True)
class RosterError:
    line: int  # line number in the CSV file (the header is line 1)
    message: str  # French

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}"


@dataclass(frozen=True)
class RosterRow:
    line: int
    code: str
    name: str
    department: str
    kind: str
    ecollectivites: bool = False
    email: str | None = None
    siren: str | None = None
    siren_derived: bool = False
    population: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # None: an empty cell
    columns: frozenset[str] = frozenset()  # the file's columns


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RosterError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        """One French sentence for staff."""
        text = (
            f"{self.created} collectivité(s) créée(s), {self.updated} mise(s) à jour, "
            f"{self.unchanged} inchangée(s)"
        )
        if self.errors:
            text += f", {len(self.errors)} ligne(s) en erreur"
        return text + "."


# --------------------------------------------------------------------------------------
# SIREN


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn check."""
    for digit in "0123456789":
        if luhn_ok(body + digit):
            return digit
    raise AssertionError("unreachable")


def department_of(code: str) -> str:
    """The département of an INSEE commune code (3 digits overseas: 97x, 98x)."""
    return code[:3] if code[:2] in ("97", "98") else code[:2]


def commune_siren(code: str) -> str | None:
    """The SIREN a commune gets by the INSEE rule, or None where no rule holds (see the
    module docstring for how far it can be trusted)."""
    if not _COMMUNE_CODE.fullmatch(code):
        return None
    dept = department_of(code)
    number = code[len(dept) :]
    if dept in NO_DERIVED_SIREN or dept.startswith("98") or dept in ("975", "977", "978"):
        return None
    if dept in ("2A", "2B"):
        body = "20" + "0" + number
    elif dept in ZERO_AFTER_NUMBER:
        body = dept + number + "0"
    elif dept in REPEAT_LAST_DIGIT:
        body = dept + dept[-1] + number
    else:
        body = dept + "0" + number
    body = "21" + body
    return body + luhn_check_digit(body)


# --------------------------------------------------------------------------------------
# Parsing


def read_roster_file(path: str | Path) -> str:
    """A roster file's text (UTF-8, BOM allowed); ``RosterFileError`` otherwise."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise RosterFileError(f"fichier introuvable : {path}") from exc
    except OSError as exc:
        raise RosterFileError(f"lecture impossible de {path} : {exc.strerror}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            f"{path.name} n'est pas encodé en UTF-8 (octet invalide à la position "
            f"{exc.start}) : enregistrez-le en « CSV UTF-8 »."
        ) from exc


def _delimiter(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def _bool(value: str) -> bool | None:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _extra_value(column: str, value: str) -> Any:
    value = value.strip()
    if not value:
        return None
    if column == "member_codes":
        return value.replace(",", " ").replace(";", " ").split()
    word = value.lower()
    if word in EXTRA_TRUE:
        return True
    if word in EXTRA_FALSE:
        return False
    return value


def parse_roster_csv(text: str) -> tuple[list[RosterRow], list[RosterError]]:
    """Parse a roster CSV; returns (good rows, errors). Never raises on bad content."""
    if not isinstance(text, str):
        return [], [RosterError(0, "le contenu du fichier doit être du texte")]
    if len(text) > MAX_FILE_CHARS:
        return [], [RosterError(0, "fichier trop volumineux pour une liste de collectivités")]
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return [], [RosterError(1, "fichier vide : l'en-tête est absent")]
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = next(reader)
    except csv.Error as exc:
        return [], [RosterError(1, f"en-tête illisible : {exc}")]
    columns = [h.strip().lower().removeprefix("\ufeff") for h in header]
    errors = _check_header(columns)
    if errors:
        return [], errors
    present = frozenset(c for c in columns if c)
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RosterError(start, f"ligne illisible : {exc}"))
            previous_end = reader.line_num
            continue
        previous_end = reader.line_num
        if not record or all(not cell.strip() for cell in record):
            continue  # blank line
        if len(record) != len(columns):
            errors.append(
                RosterError(
                    start,
                    f"{len(record)} colonne(s) au lieu de {len(columns)} "
                    "(séparateur ou guillemets à vérifier)",
                )
            )
            continue
        if any(len(cell) > MAX_CELL for cell in record):
            errors.append(RosterError(start, "cellule trop longue"))
            continue
        if any(_CONTROL.search(cell) for cell in record):
            errors.append(RosterError(start, "caractère de contrôle invalide dans une cellule"))
            continue
        cells = {col: cell for col, cell in zip(columns, record, strict=True) if col}
        row_or_error = _parse_row(start, cells, present)
        if isinstance(row_or_error, RosterError):
            errors.append(row_or_error)
            continue
        if row_or_error.code in seen:
            errors.append(
                RosterError(
                    start,
                    f"code {row_or_error.code} déjà présent ligne {seen[row_or_error.code]}",
                )
            )
            continue
        seen[row_or_error.code] = start
        rows.append(row_or_error)
    return rows, errors


def _check_header(columns: list[str]) -> list[RosterError]:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return [
            RosterError(
                1,
                f"colonne(s) obligatoire(s) absente(s) : {', '.join(missing)} "
                f"(en-tête attendu : {','.join(REQUIRED_COLUMNS)}, puis colonnes facultatives)",
            )
        ]
    duplicates = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicates:
        return [RosterError(1, f"colonne(s) en double : {', '.join(duplicates)}")]
    return []


def _parse_row(
    line: int, cells: dict[str, str], present: frozenset[str]
) -> RosterRow | RosterError:
    def err(message: str) -> RosterError:
        return RosterError(line, message)

    code = cells["code"].strip().upper()
    name = " ".join(cells["name"].split())
    department = cells["department"].strip().upper()
    kind = cells["kind"].strip().lower()
    if not code:
        return err("code vide")
    if not name:
        return err(f"nom vide pour le code {code}")
    if kind not in ("commune", "epci"):
        return err(f"type {cells['kind'].strip()!r} inconnu (attendu : commune ou epci)")
    if len(name) > 255:
        return err("nom trop long (255 caractères au plus)")
    if not _DEPARTMENT.fullmatch(department):
        return err(f"département {department!r} invalide")
    if kind == "commune":
        if len(code) == 4 and code.isdigit():
            return err(f"code INSEE {code!r} sur 4 chiffres : le zéro initial manque-t-il ?")
        if not _COMMUNE_CODE.fullmatch(code):
            return err(f"code INSEE {code!r} invalide (5 caractères, ex. 44109 ou 2A004)")
        if department_of(code) != department:
            return err(f"le code {code} n'est pas dans le département {department}")
    elif not (_SIREN.fullmatch(code) and luhn_ok(code)):
        return err(f"le code d'un EPCI est son SIREN : {code!r} n'est pas un SIREN valide")

    ecollectivites = False
    if "ecollectivites" in cells:
        parsed = _bool(cells["ecollectivites"])
        if parsed is None:
            return err(
                f"ecollectivites {cells['ecollectivites'].strip()!r} invalide "
                "(attendu : oui/non, true/false, 1/0)"
            )
        ecollectivites = parsed

    email: str | None = cells.get("email", "").strip() or None
    if email is not None and (len(email) > 320 or not _EMAIL.fullmatch(email)):
        return err(f"adresse électronique {email!r} invalide"[:200])

    siren: str | None = cells.get("siren", "").strip().replace(" ", "") or None
    derived = False
    if siren is not None:
        if not (_SIREN.fullmatch(siren) and luhn_ok(siren)):
            return err(f"SIREN {siren!r} invalide (9 chiffres, clé de contrôle)")
        if kind == "epci" and siren != code:
            return err(f"le SIREN {siren} d'un EPCI doit être son code {code}")
    elif kind == "epci":
        siren = code
    else:
        siren = commune_siren(code)
        derived = siren is not None

    population: int | None = None
    raw_population = cells.get("population", "").strip().replace(" ", "").replace("\u202f", "")
    if raw_population:
        if not raw_population.isdigit() or len(raw_population) > 9:
            return err(f"population {cells['population'].strip()!r} invalide")
        population = int(raw_population)

    extra = {
        col: _extra_value(col, value) for col, value in cells.items() if col not in KNOWN_COLUMNS
    }
    return RosterRow(
        line=line,
        code=code,
        name=name,
        department=department,
        kind=kind,
        ecollectivites=ecollectivites,
        email=email,
        siren=siren,
        siren_derived=derived,
        population=population,
        extra=extra,
        columns=present,
    )


# --------------------------------------------------------------------------------------
# Import


def _values_for(row: RosterRow, existing: Collectivity | None) -> dict[str, Any]:
    """The column values an import sets: all for a new row, only the file's columns (and
    what derives from them) for an existing one."""
    values: dict[str, Any] = {
        "code": row.code,
        "name": row.name,
        "department": row.department,
        "kind": row.kind,
    }
    old_extra = dict(existing.extra or {}) if existing is not None else {}
    extra = dict(old_extra)
    for key, value in row.extra.items():
        if value is None:
            extra.pop(key, None)
        else:
            extra[key] = value
    if existing is None or "ecollectivites" in row.columns:
        values["ecollectivites"] = row.ecollectivites
    if existing is None or "email" in row.columns:
        values["email"] = row.email
    if existing is None or "population" in row.columns:
        values["population"] = row.population
    keep_old_siren = (
        row.siren_derived
        and existing is not None
        and existing.siren is not None
        and not old_extra.get("siren_derived", False)
    )
    if not keep_old_siren:
        values["siren"] = row.siren
        if row.siren_derived:
            extra["siren_derived"] = True
        else:
            extra.pop("siren_derived", None)
    values["extra"] = extra
    return values


def import_roster(
    session: Session,
    rows: Iterable[RosterRow],
    actor: str,
    errors: Sequence[RosterError] = (),
) -> ImportReport:
    """Create or update collectivities by code (never duplicates); audit entries for each
    creation and change. ``errors`` (from parsing) are carried into the report."""
    audit.check_actor(actor)
    report = ImportReport(errors=list(errors))
    rows = list(rows)
    existing = {c.code: c for c in session.exec(select(Collectivity)).all()}
    created: list[Collectivity] = []
    changes: list[tuple[Collectivity, dict[str, Any], dict[str, Any]]] = []
    now = utcnow()
    for row in rows:
        current = existing.get(row.code)
        values = _values_for(row, current)
        if current is None:
            obj = Collectivity(**values, created_at=now, updated_at=now)
            session.add(obj)
            existing[row.code] = obj
            created.append(obj)
            continue
        before, after = audit.diff({k: getattr(current, k) for k in values}, values)
        if not after:
            report.unchanged += 1
            continue
        for key in after:
            setattr(current, key, values[key])
        current.updated_at = now
        session.add(current)
        changes.append((current, before, after))
    session.flush()
    for obj in created:
        audit.record(
            session,
            actor=actor,
            action="create",
            entity="collectivity",
            entity_id=obj.id,
            after=audit.snapshot(obj, COLLECTIVITY_FIELDS),
            comment="import de la liste des collectivités",
        )
    for obj, before, after in changes:
        audit.record(
            session,
            actor=actor,
            action="update",
            entity="collectivity",
            entity_id=obj.id,
            before=before,
            after=after,
            comment="import de la liste des collectivités",
        )
    session.flush()
    report.created = len(created)
    report.updated = len(changes)
    return report


def import_roster_csv(session: Session, text: str, actor: str) -> ImportReport:
    """Parse and import in one go; bad rows are in ``report.errors``, good rows imported."""
    rows, errors = parse_roster_csv(text)
    return import_roster(session, rows, actor, errors)


def import_roster_files(session: Session, paths: Iterable[str | Path], actor: str) -> ImportReport:
    """Import several roster files (e.g. communes then EPCIs) into one report; a file
    that cannot be read raises ``RosterFileError``."""
    total = ImportReport()
    for path in paths:
        report = import_roster_csv(session, read_roster_file(path), actor)
        total.created += report.created
        total.updated += report.updated
        total.unchanged += report.unchanged
        name = Path(path).name
        total.errors.extend(RosterError(e.line, f"{name} : {e.message}") for e in report.errors)
    return total
