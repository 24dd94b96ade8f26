"""A campaign at full scale for the web benchmark: the académie's roster (1,299
collectivities) and N documents (default 10,000), seeded in seconds.

    .venv/bin/python benchmarks/web_data.py HOME [--documents N] [--postgres URL]

What it builds (deterministic for a seed):

* the two shipped roster files (communes and EPCIs);
* about 85 % of the roster sent something: one envelope first (registered mail,
  scanned, 85 %; or a mail with one attachment per piece, 15 %), then resends until the
  document budget is spent. A scanned envelope holds a cover letter (``other``) stamped
  on arrival, then the pieces; each piece has the fields extraction gives, with a
  confidence and evidence (page, box, raw text);
* outcomes: most dossiers complete, about a quarter incomplete (a piece missing, an
  unsigned convention, a deliberation without the prefecture's act id, a needs form
  without figures), some late, some with a name that differs from the roster's;
* one "big" dossier (Nantes, 44109) with about 60 documents, for the dossier page;
* 250 documents no collectivity could be matched to, each with an open
  ``unmatched_document`` flag (the triage queue);
* then every dossier is re-evaluated by the real rules (``flows.dossiers.reevaluate``),
  which stores the verdicts and raises the rules' flags.

Source items, documents and ingest flags are written with bulk INSERTs (not through
``storage.crud``, so without audit entries): the point is the shape and the volume of the
data the pages read, in seconds rather than the minutes ten thousand audited inserts take.
The roster import and the re-evaluation go through the project's own code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text
from sqlmodel import Session

from config.campaign import Campaign
from config.settings import ROSTERS_DIR, Settings
from extractors.model import Document as Extracted
from extractors.model import Evidence, FieldResult
from storage.models import Collectivity, Document, Flag, SourceItem

ROSTERS = [ROSTERS_DIR / "academie-nantes-communes.csv", ROSTERS_DIR / "academie-nantes-epci.csv"]
PARIS = ZoneInfo("Europe/Paris")
BIG_DOSSIER = "44109"
UNMATCHED = 250

FIRST_NAMES = ("Marie", "Jean", "Sophie", "Pierre", "Isabelle", "Philippe", "Nathalie", "Alain")
LAST_NAMES = ("Martin", "Bernard", "Durand", "Lefèvre", "Moreau", "Girard", "Rousseau", "Brière")


@dataclass
class Batch:
    """Rows waiting for their bulk INSERT, with ids chosen here."""

    next_item: int
    next_doc: int
    next_flag: int
    items: list[dict[str, Any]] = field(default_factory=list)
    docs: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)

    def item(self, **values: Any) -> int:
        item_id = self.next_item
        self.next_item += 1
        now = dt.datetime.now(dt.UTC)
        self.items.append(
            {
                "id": item_id,
                "sha256": hashlib.sha256(f"bench-{item_id}".encode()).hexdigest(),
                "size": 40_000 + item_id % 9000,
                "status": "processed",
                "created_at": now,
                "updated_at": now,
                "parent_id": None,
                "received_at": None,
                "received_at_source": None,
                "file_mtime": None,
                "sender": None,
                "subject": None,
                "mime": "application/pdf",
                "original_name": None,
                "duplicate_of_id": None,
                **values,
            }
        )
        return item_id

    def doc(self, item_id: int, extracted: Extracted, collectivity_id: int | None) -> int:
        doc_id = self.next_doc
        self.next_doc += 1
        now = dt.datetime.now(dt.UTC)
        self.docs.append(
            {
                "id": doc_id,
                "source_item_id": item_id,
                "doc_type": extracted.type,
                "pages": list(extracted.pages),
                "attachment": extracted.attachment,
                "ocr": extracted.ocr,
                "fields": extracted.fields_json(),
                "collectivity_id": collectivity_id,
                "match_method": "act_id" if collectivity_id else None,
                "match_score": 1.0 if collectivity_id else None,
                "duplicate_of_id": None,
                "created_at": now,
                "updated_at": now,
            }
        )
        return doc_id


def _field(value: Any, page: int, row: int, raw: str, confidence: float = 0.93) -> FieldResult:
    top = 90.0 + 34.0 * row
    return FieldResult(
        value=value,
        confidence=confidence,
        evidence=Evidence(
            page=page, box=(72.0, top, 72.0 + 6.2 * max(len(raw), 4), top + 14), raw=raw
        ),
    )


def _date_fr(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


class Builder:
    def __init__(self, campaign: Campaign, rng: random.Random, batch: Batch) -> None:
        self.campaign = campaign
        self.rng = rng
        self.batch = batch
        self.count = 0
        self.deadline = campaign.deadline
        self.opens = campaign.campaign.opens or campaign.deadline - dt.timedelta(days=90)
        self.decided: dict[str, dt.date] = {}  # code -> council meeting (signature after it)

    # -------------------------------------------------------------------- pieces

    def piece(
        self, doc_type: str, c: Collectivity, page: int, day: dt.date, defect: str | None
    ) -> Extracted:
        rng = self.rng
        name = c.name if defect != "name" else c.name.upper() + " (SIVOM)"
        person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES).upper()}"
        met_on = self.decided.setdefault(c.code, day - dt.timedelta(days=rng.randint(15, 40)))
        fields: dict[str, FieldResult] = {
            "collectivity": _field(name, page, 0, f"Nom de la collectivité adhérente : {name}")
        }
        if doc_type == "convention":
            signed_on = met_on + dt.timedelta(days=rng.randint(1, 10))
            role = "Président" if c.kind == "epci" else "Maire"
            fields |= {
                "signatory_name": _field(person, page, 1, f"Nom du signataire : {person}"),
                "signatory_role": _field(role, page, 2, f"Fonction du signataire : {role}"),
                "signature_date": _field(signed_on, page, 3, f"Le {_date_fr(signed_on)}"),
                "signed": _field(defect != "unsigned", page, 4, "Signature", 0.81),
            }
        elif doc_type == "deliberation":
            act = (
                f"0{c.department[:2]}-{c.siren or '000000000'}-{met_on:%Y%m%d}-"
                f"DEL{met_on.year}_{rng.randint(1, 99):02d}-DE"
            )
            fields |= {
                "meeting_date": _field(met_on, page, 1, f"Séance du {_date_fr(met_on)}"),
                "authorizes_signature": _field(True, page, 2, "autorise le Maire à signer"),
                "act_id": _field(
                    None if defect == "no_act" else act, page, 5, f"Identifiant : {act}", 0.88
                ),
                "prefecture_receipt_date": _field(
                    met_on + dt.timedelta(days=3), page, 6, "Reçu en préfecture"
                ),
            }
        elif doc_type == "needs_form":
            schools = 0 if defect == "zero" else rng.randint(1, 30)
            accounts = 0 if defect == "zero" else schools * rng.randint(40, 220)
            fields |= {
                "schools": _field(schools, page, 1, f"Nombre d'écoles : {schools}"),
                "student_accounts": _field(
                    accounts, page, 2, f"Nombre de comptes élèves : {accounts}"
                ),
            }
        else:
            fields = {}
        pages = [page] if doc_type in ("other", "needs_form") else [page, page + 1]
        return Extracted(type=doc_type, pages=pages, fields=fields, ocr=True)

    def day(self, late: bool) -> dt.date:
        if late:
            return self.deadline + dt.timedelta(days=self.rng.randint(1, 20))
        span = (self.deadline - self.opens).days
        return self.opens + dt.timedelta(days=7 + self.rng.randint(0, max(span - 7, 1)))

    def envelope(
        self, c: Collectivity, types: list[str], day: dt.date, defects: dict[str, str]
    ) -> None:
        """One arrival: a scanned registered letter, or a mail with attachments."""
        rng, b = self.rng, self.batch
        assert c.id is not None
        moment = dt.datetime.combine(day, dt.time(9 + rng.randint(0, 8), rng.randint(0, 59)), PARIS)
        if rng.random() < 0.85:
            item = b.item(
                origin="scan",
                origin_ref=f"scans/{day:%Y-%m-%d}/lot-{b.next_item:06d}.pdf",
                channel="registered_mail",
                original_name=f"lot-{b.next_item:06d}.pdf",
                file_mtime=moment + dt.timedelta(days=1),
            )
            cover = Extracted(
                type="other",
                pages=[1],
                fields={"arrival_stamp_date": _field(day, 1, 0, f"ARRIVÉ LE {_date_fr(day)}")},
                ocr=True,
            )
            b.doc(item, cover, c.id)
            self.count += 1
            page = 2
            for doc_type in types:
                piece = self.piece(doc_type, c, page, day, defects.get(doc_type))
                b.doc(item, piece, c.id)
                page = piece.pages[-1] + 1
                self.count += 1
        else:
            mail = b.item(
                origin="eml",
                origin_ref=f"<{b.next_item}.bench@mairie.example>",
                channel="email",
                mime="message/rfc822",
                sender=f"mairie-{c.code}@example.fr",
                subject=f"Adhésion e-primo – {c.name}",
                received_at=moment,
                received_at_source="mail",
            )
            for n, doc_type in enumerate(types, 1):
                name = f"{doc_type}-{c.code}.pdf"
                item = b.item(
                    origin="attachment",
                    origin_ref=f"{mail}/{n}",
                    channel="email",
                    parent_id=mail,
                    original_name=name,
                )
                piece = self.piece(doc_type, c, 1, day, defects.get(doc_type))
                piece.attachment = name
                piece.ocr = False
                b.doc(item, piece, c.id)
                self.count += 1

    def unmatched(self, n: int) -> None:
        b, rng = self.batch, self.rng
        for i in range(n):
            day = self.day(False)
            item = b.item(
                origin="scan",
                origin_ref=f"scans/non-rattaches/{i:04d}.pdf",
                channel="registered_mail",
                original_name=f"non-rattache-{i:04d}.pdf",
                file_mtime=dt.datetime.combine(day, dt.time(10), PARIS),
            )
            doc_type = rng.choice(["convention", "deliberation", "needs_form"])
            fake = Collectivity(
                id=0, code="00000", name=f"Mairie illisible {i}", department="44", kind="commune"
            )
            doc_id = b.doc(item, self.piece(doc_type, fake, 1, day, None), None)
            self.count += 1
            b.flags.append(
                {
                    "id": b.next_flag,
                    "code": "unmatched_document",
                    "message": (
                        f"Pièce « {self.campaign.piece_label(doc_type)} » (fichier "
                        f"« non-rattache-{i:04d}.pdf ») non rattachée à une collectivité : "
                        "aucun nom ni identifiant d'acte reconnu dans le répertoire."
                    ),
                    "collectivity_id": None,
                    "document_id": doc_id,
                    "source_item_id": item,
                    "origin": "ingest",
                    "created_at": dt.datetime.now(dt.UTC),
                    "resolved_at": None,
                    "resolved_by": None,
                    "comment": None,
                }
            )
            b.next_flag += 1


def _next_id(session: Session, model: Any) -> int:
    return int(session.execute(select(func.max(model.id))).scalar_one() or 0) + 1


def seed(
    session: Session, campaign: Campaign, *, documents: int = 10_000, seed: int = 2022
) -> dict[str, Any]:
    """Roster, ``documents`` documents and every verdict, in ``session`` (not committed).
    Returns counts and timings."""
    from flows.dossiers import reevaluate
    from storage.roster import import_roster_files

    timings: dict[str, float] = {}
    start = time.perf_counter()
    import_roster_files(session, ROSTERS, actor="system:bench")
    session.flush()
    timings["roster"] = time.perf_counter() - start

    start = time.perf_counter()
    rng = random.Random(seed)
    roster = list(session.execute(select(Collectivity).order_by(Collectivity.code)).scalars())
    batch = Batch(
        _next_id(session, SourceItem), _next_id(session, Document), _next_id(session, Flag)
    )
    builder = Builder(campaign, rng, batch)
    required = list(campaign.routes[campaign.campaign.default_route].required)

    big = next((c for c in roster if c.code == BIG_DOSSIER), roster[0])
    for _ in range(15):
        builder.envelope(big, required, builder.day(False), {})
    builder.unmatched(min(UNMATCHED, documents // 20))

    senders = [c for c in roster if c is not big and rng.random() < 0.85]
    for c in senders:
        outcome = rng.random()
        types, defects = list(required), {}
        if outcome < 0.12:
            types.remove(rng.choice(types))  # a piece missing
        elif outcome < 0.25:
            kind = rng.choice(["convention", "deliberation", "needs_form"])
            defects[kind] = {"convention": "unsigned", "deliberation": "no_act"}.get(kind, "zero")
        elif outcome < 0.29:
            defects["convention"] = "name"
        builder.envelope(c, types, builder.day(rng.random() < 0.05), defects)
        if builder.count >= documents:
            break
    while builder.count < documents and senders:
        c = rng.choice(senders)
        types = rng.sample(required, rng.randint(1, len(required)))
        builder.envelope(c, types, builder.day(rng.random() < 0.03), {})
    excess = builder.count - documents
    if excess > 0:  # the last envelope overshot: drop its last documents
        batch.docs = batch.docs[:-excess]
        builder.count = documents

    for table, rows in (
        (SourceItem.__table__, batch.items),  # type: ignore[attr-defined]
        (Document.__table__, batch.docs),  # type: ignore[attr-defined]
        (Flag.__table__, batch.flags),  # type: ignore[attr-defined]
    ):
        for i in range(0, len(rows), 2000):
            session.execute(insert(table), rows[i : i + 2000])
    if session.get_bind().dialect.name == "postgresql":
        for name in ("source_item", "document", "flag"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                )
            )
    session.flush()
    timings["documents"] = time.perf_counter() - start

    start = time.perf_counter()
    reevaluate(session, campaign, actor="system:bench")
    timings["reevaluate"] = time.perf_counter() - start
    return {
        "collectivities": len(roster),
        "senders": len({d["collectivity_id"] for d in batch.docs if d["collectivity_id"]}),
        "source_items": len(batch.items),
        "documents": len(batch.docs),
        "unmatched": sum(1 for d in batch.docs if d["collectivity_id"] is None),
        "big_dossier": big.code,
        "big_dossier_documents": sum(1 for d in batch.docs if d["collectivity_id"] == big.id),
        "timings": timings,
    }


def build_home(
    home: Path, *, database_url: str | None = None, documents: int = 10_000, seed_value: int = 2022
) -> tuple[Settings, dict[str, Any]]:
    """A fresh INTAKE_HOME (SQLite under it unless ``database_url``) with the data."""
    from cli.context import AppContext
    from storage.db import session

    settings = Settings(home=home, database_url=database_url)
    ctx = AppContext(settings)
    with session(ctx.engine) as s:
        if s.execute(select(func.count()).select_from(Collectivity)).scalar_one():
            raise SystemExit(f"{home}: the database already holds a roster; use an empty home")
        info = seed(s, ctx.campaign, documents=documents, seed=seed_value)
    ctx.engine.dispose()
    return settings, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("home", type=Path, help="An empty INTAKE_HOME to fill.")
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL URL (default: SQLite).")
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()
    _, info = build_home(
        args.home, database_url=args.postgres, documents=args.documents, seed_value=args.seed
    )
    for key, value in info.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
