"""Whole dossiers whose pieces are drawn by the families (``samples.families``), for the
dossier-level benchmark (``benchmarks/bench_dossiers.py``).

``generate_family_dossiers`` writes a corpus in ``samples.generate``'s format (``scans/``,
``digital/``, ``mail/``, ``roster.csv``, ``truth.json``: see ``samples.model``), but each
collectivity's convention, délibération and needs form is drawn by a randomly chosen
family, for that collectivity (``ctx.entity``: names, SIREN and act ids agree). Paper is
scanned by the mail room (``samples.generator.Corpus``: scanner profiles, stamps on the
first page of what was scanned together), digital pieces are attached to dated e-mails
or saved from the mailbox into ``digital/``.

Each collectivity plays one scenario of ``FAMILY_SCENARIOS`` (the list is handed out in
order, again and again); ``EXPECTED`` is the verdict (status, late) its ground truth
gives. A family draws its own values (a convention left unsigned, a délibération
without its acknowledgment, a blank needs form…): a piece is redrawn until its truth
fits the scenario, and until it shows nothing after the day it arrives.

``truth.json`` carries, beside the manifest, ``family_dossiers``: per collectivity, the
family of each piece sent (in the order of its ``pieces``) and whether every one of them
is held out (no extraction rule was written while looking at it: ``tuned_on`` False).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from extractors.dates import fold
from samples import documents as docs
from samples.dossier import Dossier, Recipe
from samples.families import Family, families, hash_seed
from samples.families.common import Ctx, arrival_stamp, working_day
from samples.generator import (
    CORPUS_TIME,
    DEADLINE,
    ECOLLECTIVITES_EMAIL,
    RECTORAT_EMAIL,
    Corpus,
    Part,
    _body,
    _office_time,
    _rng,
    finish_corpus,
    prepare_corpus,
)
from samples.model import TRUTH_FILE, Manifest
from samples.roster import Entity

FAMILY_TRUTH_KEY = "family_dossiers"

# scenario -> (status, late) as the dossier rules judge its ground truth
EXPECTED: dict[str, tuple[str, bool]] = {
    "complete_on_time": ("complete", False),  # each piece scanned as its own file
    "envelope": ("complete", False),  # the envelope scanned at once, stamped once
    "complete_late": ("complete", True),  # stamped after 15 January 2022
    "complete_on_deadline_day": ("complete", False),  # stamped on 15 January
    "missing_deliberation": ("incomplete", False),
    "missing_needs_form": ("incomplete", False),
    "unsigned_convention": ("incomplete", False),
    "deliberation_without_ack": ("incomplete", False),
    "deliberation_refused": ("incomplete", False),  # refused or postponed
    "needs_form_blank": ("incomplete", False),
    "ecollectivites_email": ("complete", False),  # needs form only, by e-mail
    "ecollectivites_email_late": ("complete", True),
    "ecollectivites_by_post": ("complete", False),
    "convention_by_plain_email": ("complete", False),  # direct route by e-mail (flagged)
    "epci_complete": ("complete", False),
    "split_mailings": ("complete", True),  # the délibération came after the deadline
}
FAMILY_SCENARIOS: tuple[str, ...] = tuple(EXPECTED)
ATTEMPTS = 24  # draws of one family before another is tried
ON_TIME = (dt.date(2021, 12, 1), dt.date(2022, 1, 14))
LATE = (dt.date(2022, 1, 17), dt.date(2022, 1, 28))
MAIL_ROOM_LAG = 2  # days between the latest date a piece shows and its arrival, at least

Accept = Callable[[dict[str, Any]], bool]


@dataclass
class FamilyPiece:
    type: str
    family: str
    tuned_on: bool
    file: str
    attachment: str | None = None


@dataclass
class FamilyDossier:
    code: str
    scenario: str
    expected_status: str
    expected_late: bool
    pieces: list[FamilyPiece] = field(default_factory=list)

    @property
    def held_out(self) -> bool:
        """Every piece comes from a family no rule was tuned on."""
        return all(not p.tuned_on for p in self.pieces)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "expected_status": self.expected_status,
            "expected_late": self.expected_late,
            "held_out": self.held_out,
            "pieces": [asdict(p) for p in self.pieces],
        }

    @classmethod
    def from_json(cls, code: str, data: dict[str, Any]) -> FamilyDossier:
        return cls(
            code=code,
            scenario=data["scenario"],
            expected_status=data["expected_status"],
            expected_late=bool(data["expected_late"]),
            pieces=[FamilyPiece(**p) for p in data.get("pieces", [])],
        )


def load_family_truth(path: str | Path) -> dict[str, FamilyDossier]:
    """The ``family_dossiers`` part of a corpus's ``truth.json`` (file or directory)."""
    path = Path(path)
    if path.is_dir():
        path = path / TRUTH_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    if FAMILY_TRUTH_KEY not in data:
        raise ValueError(f"{path}: not a family-dossier corpus (no {FAMILY_TRUTH_KEY!r})")
    return {c: FamilyDossier.from_json(c, v) for c, v in data[FAMILY_TRUTH_KEY].items()}


def scenario_list(count: int) -> list[str]:
    """The scenarios of ``count`` collectivities: the list handed out again and again."""
    return [FAMILY_SCENARIOS[i % len(FAMILY_SCENARIOS)] for i in range(count)]


# --------------------------------------------------------------------------- pieces


@dataclass
class Drawn:
    family: Family
    pdf: bytes
    pages: int
    fields: dict[str, Any]


def _dates(fields: dict[str, Any]) -> list[dt.date]:
    return [day for value in fields.values() if (day := _date(value)) is not None]


def latest_date(fields: dict[str, Any]) -> dt.date | None:
    days = _dates(fields)
    return max(days) if days else None


_ARTICLES = ("CC ", "CA ", "CU ", "Le ", "La ", "Les ", "L'")


def _core(name: str) -> str:
    for article in _ARTICLES:
        if name.startswith(article):
            return name[len(article) :]
    return name


def about(entity: Entity, fields: dict[str, Any]) -> bool:
    """Whether a drawn piece is the entity's own: its name shows in the piece's
    collectivity (a family may draw another collectivity when the entity does not suit
    it: an EPCI's council for a commune, a large town's table), its act id holds its
    SIREN."""
    name = fields.get("collectivity")
    if isinstance(name, str) and fold(_core(entity.name)) not in fold(name).replace("’", "'"):
        return False
    act = fields.get("act_id")
    return not (isinstance(act, str) and entity.siren not in act)


def stamp_pdf(pdf: bytes, day: dt.date, seed: int) -> bytes:
    """The mail room's arrival stamp (the families' own kinds) on the first page."""
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0]
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=(float(first.mediabox.width), float(first.mediabox.height)))
    arrival_stamp(canv, day, random.Random(seed))
    canv.showPage()
    canv.save()
    writer = PdfWriter()
    writer.append(reader)
    writer.pages[0].merge_page(PdfReader(io.BytesIO(buf.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def recipe_of(drawn: Drawn, seed: int, filename: str) -> Recipe:
    """A drawn piece as the generator's ``Recipe``: ``make(stamp)`` gives its PDF, with
    the arrival stamp of ``stamp.date`` on its first page when there is one."""

    def make(stamp: docs.StampSpec | None) -> docs.Built:
        pdf = drawn.pdf if stamp is None else stamp_pdf(drawn.pdf, stamp.date, seed)
        return docs.Built(pdf, drawn.pages)

    return Recipe(drawn.family.piece, dict(drawn.fields), make, filename)


class FamilyDrawer:
    """Draws each piece of a collectivity with a randomly chosen family, redrawing until
    its truth fits what the scenario needs."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.registry = families()

    def draw(
        self,
        entity: Entity,
        piece: str,
        *,
        paper: bool,
        key: str,
        accept: Accept = lambda fields: True,
        not_after: dt.date | None = None,
    ) -> Drawn:
        candidates = [
            f
            for f in self.registry.values()
            if f.piece == piece and (f.paper if paper else f.digital)
        ]
        rng = _rng(self.seed, "families", entity.code, key)
        rng.shuffle(candidates)
        for fam in candidates:
            for attempt in range(ATTEMPTS):
                s = hash_seed(self.seed, entity.code, key, fam.name, attempt)
                rendered = fam.make(Ctx(random.Random(s), entity, paper, s))
                if len(rendered.documents) != 1:
                    continue
                doc = rendered.documents[0]
                fields = dict(doc["fields"])
                if doc["type"] != piece or "arrival_stamp_date" in fields:
                    continue  # the stamp is the mail room's, put on when it arrives
                last = latest_date(fields)
                if not_after is not None and last is not None and last > not_after:
                    continue
                if about(entity, fields) and accept(fields):
                    return Drawn(fam, rendered.pdf, rendered.pages, fields)
        raise RuntimeError(f"no family draws a fitting {piece} for {entity.code} ({key})")


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def valid_convention(fields: dict[str, Any]) -> bool:
    return fields.get("signed") is True


def valid_deliberation(fields: dict[str, Any]) -> bool:
    return bool(fields.get("act_id")) and fields.get("authorizes_signature") is True


def valid_needs(fields: dict[str, Any]) -> bool:
    return _positive(fields.get("schools")) and _positive(fields.get("student_accounts"))


# --------------------------------------------------------------------------- dossiers


class Player:
    """Plays one scenario for one collectivity into the generator's ``Corpus``."""

    def __init__(self, corpus: Corpus, drawer: FamilyDrawer, d: Dossier, scenario: str) -> None:
        self.corpus = corpus
        self.drawer = drawer
        self.d = d
        self.entity = d.entity
        self.scenario = scenario
        self.rng = _rng(corpus.seed, "family-play", d.entity.code)
        self.sent: list[Drawn] = []  # in the order the corpus records the pieces
        self._n = 0

    def piece(
        self,
        piece: str,
        *,
        paper: bool,
        accept: Accept | None = None,
        not_after: dt.date,
    ) -> Drawn:
        self._n += 1
        if accept is None:
            accept = {
                "convention": valid_convention,
                "deliberation": valid_deliberation,
                "needs_form": valid_needs,
            }.get(piece, lambda fields: True)
        return self.drawer.draw(
            self.entity,
            piece,
            paper=paper,
            key=f"{self._n}-{piece}",
            accept=accept,
            not_after=not_after,
        )

    def full(
        self,
        *,
        paper: bool,
        not_after: dt.date,
        types: Sequence[str] = ("convention", "deliberation", "needs_form"),
        invalid: str | None = None,
        invalid_accept: Accept | None = None,
    ) -> list[Drawn]:
        """The pieces of ``types``, valid (``invalid``: that one drawn by
        ``invalid_accept``); the convention signed on or after the council's meeting."""
        out: dict[str, Drawn] = {}
        for t in ("deliberation", "convention", "needs_form"):
            if t not in types:
                continue
            accept = invalid_accept if t == invalid else None
            if t == "convention" and "deliberation" in out:
                meeting = _date(out["deliberation"].fields.get("meeting_date"))
                base = accept or valid_convention

                def accept(
                    fields: dict[str, Any], base: Accept = base, meeting: dt.date | None = meeting
                ) -> bool:
                    day = _date(fields.get("signature_date"))
                    ok = meeting is None or day is None or day >= meeting
                    return ok and base(fields)

            out[t] = self.piece(t, paper=paper, accept=accept, not_after=not_after)
        return [out[t] for t in types]

    def other(self, names: Sequence[str], *, paper: bool, not_after: dt.date) -> Drawn:
        """A piece that is not one of the campaign's, from one of the ``names`` families."""
        self._n += 1
        fam = self.drawer.registry[self.rng.choice(list(names))]
        for attempt in range(ATTEMPTS):
            s = hash_seed(self.corpus.seed, self.entity.code, self._n, fam.name, attempt)
            r = fam.make(Ctx(random.Random(s), self.entity, paper, s))
            if len(r.documents) == 1 and "arrival_stamp_date" not in r.documents[0]["fields"]:
                return Drawn(fam, r.pdf, r.pages, dict(r.documents[0]["fields"]))
        return self.piece("other", paper=paper, not_after=not_after)

    # ------------------------------------------------------------------ sending

    def arrival(self, pieces: Sequence[Drawn], lo: dt.date, hi: dt.date) -> dt.date:
        """A working day in [lo, hi] after every date the pieces show."""
        last = max((x for p in pieces if (x := latest_date(p.fields))), default=None)
        if last is not None:
            lo = max(lo, last + dt.timedelta(days=MAIL_ROOM_LAG))
        span = max(0, (hi - lo).days)
        day = working_day(lo + dt.timedelta(days=self.rng.randint(0, span)))
        return day if day <= hi else working_day(hi, forward=False)

    def recipes(self, pieces: Sequence[Drawn]) -> list[Recipe]:
        out = []
        for p in pieces:
            self._n += 1
            seed = hash_seed(self.corpus.seed, self.entity.code, "stamp", self._n)
            out.append(recipe_of(p, seed, f"{p.family.piece}.pdf"))
        return out

    def envelope(self, pieces: Sequence[Drawn], arrival: dt.date, **kw: Any) -> None:
        """One scan of the whole envelope, stamped on its first page."""
        self.corpus.paper(self.d, self.recipes(pieces), arrival, **kw)
        self.sent.extend(pieces)

    def separate(self, pieces: Sequence[Drawn], arrival: dt.date) -> None:
        """Each piece scanned as its own file, each stamped; a one-page piece sometimes
        through the scanner that saves images."""
        for p, recipe in zip(pieces, self.recipes(pieces), strict=True):
            fmt = "pdf"
            if p.pages == 1 and p.family.piece != "convention" and self.rng.random() < 0.12:
                fmt = self.rng.choice(("jpeg", "png"))
            self.corpus.paper(self.d, [recipe], arrival, fmt=fmt)
            self.sent.append(p)

    def mail(
        self,
        pieces: Sequence[Drawn],
        delivered: dt.datetime,
        *,
        subject: str,
        body: str,
        names: Sequence[str],
        to: str,
    ) -> None:
        parts = [
            Part(name, [recipe]) for name, recipe in zip(names, self.recipes(pieces), strict=True)
        ]
        self.corpus.mail(self.d, delivered, subject=subject, body=body, parts=parts, to=to)
        self.sent.extend(pieces)

    def mail_day(self, pieces: Sequence[Drawn], lo: dt.date, hi: dt.date) -> dt.datetime:
        return _office_time(self.arrival(pieces, lo, hi), self.rng)

    # ------------------------------------------------------------------ scenarios

    def play(self) -> None:
        sc, rng = self.scenario, self.rng
        on_time_limit = ON_TIME[1] - dt.timedelta(days=MAIL_ROOM_LAG)
        if sc in ("complete_on_time", "epci_complete"):
            pieces = self.full(paper=True, not_after=on_time_limit)
            self.separate(pieces, self.arrival(pieces, *ON_TIME))
        elif sc == "envelope":
            pieces = self.full(paper=True, not_after=on_time_limit)
            rng.shuffle(pieces)
            if rng.random() < 0.5:
                pieces.insert(
                    0, self.other(("other.cover_letter",), paper=True, not_after=on_time_limit)
                )
            self.envelope(pieces, self.arrival(pieces, *ON_TIME))
        elif sc == "complete_late":
            pieces = self.full(paper=True, not_after=LATE[1] - dt.timedelta(days=2))
            arrival = self.arrival(pieces, *LATE)
            if rng.random() < 0.5:
                self.envelope(pieces, arrival)
            else:
                self.separate(pieces, arrival)
        elif sc == "complete_on_deadline_day":
            pieces = self.full(paper=True, not_after=DEADLINE - dt.timedelta(days=2))
            self.envelope(pieces, DEADLINE, profile="mfp_colour")
        elif sc == "missing_deliberation":
            pieces = self.full(
                paper=True, not_after=on_time_limit, types=("convention", "needs_form")
            )
            if rng.random() < 0.5:  # minutes or a convocation: they speak of deliberating
                pieces.append(
                    self.other(
                        ("other.minutes", "other.convocation"), paper=True, not_after=on_time_limit
                    )
                )
            self.envelope(pieces, self.arrival(pieces, *ON_TIME))
        elif sc == "missing_needs_form":
            pieces = self.full(
                paper=True, not_after=on_time_limit, types=("convention", "deliberation")
            )
            self.separate(pieces, self.arrival(pieces, *ON_TIME))
        elif sc in (
            "unsigned_convention",
            "deliberation_without_ack",
            "deliberation_refused",
            "needs_form_blank",
        ):
            invalid, accept = {
                "unsigned_convention": ("convention", lambda f: f.get("signed") is False),
                "deliberation_without_ack": (
                    "deliberation",
                    lambda f: not f.get("act_id") and f.get("authorizes_signature") is True,
                ),
                "deliberation_refused": (
                    "deliberation",
                    lambda f: f.get("authorizes_signature") is False,
                ),
                "needs_form_blank": ("needs_form", lambda f: not valid_needs(f)),
            }[sc]
            pieces = self.full(
                paper=True, not_after=on_time_limit, invalid=invalid, invalid_accept=accept
            )
            arrival = self.arrival(pieces, *ON_TIME)
            if rng.random() < 0.5:
                self.envelope(pieces, arrival)
            else:
                self.separate(pieces, arrival)
        elif sc in ("ecollectivites_email", "ecollectivites_email_late"):
            window = LATE if sc.endswith("late") else ON_TIME
            needs = self.piece(
                "needs_form", paper=False, not_after=window[1] - dt.timedelta(days=1)
            )
            when = self.mail_day([needs], *window)
            if sc == "ecollectivites_email" and rng.random() < 0.3:
                # saved from the mailbox into digital/
                recipe = self.recipes([needs])[0]
                self.corpus.saved_pdf(self.d, recipe, when)
                self.sent.append(needs)
            else:
                self.mail(
                    [needs],
                    when,
                    subject="Fiche besoins e-primo – " + self.entity.name,
                    body=_body(self.d),
                    names=["Annexe2_expression_besoins.pdf"],
                    to=ECOLLECTIVITES_EMAIL,
                )
        elif sc == "ecollectivites_by_post":
            pieces = [self.piece("needs_form", paper=True, not_after=on_time_limit)]
            if rng.random() < 0.5:
                pieces.insert(
                    0, self.other(("other.cover_letter",), paper=True, not_after=on_time_limit)
                )
            self.envelope(pieces, self.arrival(pieces, *ON_TIME))
        elif sc == "convention_by_plain_email":
            pieces = self.full(paper=False, not_after=ON_TIME[1] - dt.timedelta(days=1))
            self.mail(
                pieces,
                self.mail_day(pieces, *ON_TIME),
                subject="Convention e-primo signée",
                body=_body(
                    self.d,
                    "Bonjour,\n\nVous trouverez ci-joint la convention d'adhésion au "
                    "groupement de commandes e-primo signée, la délibération et la fiche de "
                    "besoins de {name}.\n\nCordialement,\n\n{contact}\n{display}\n",
                ),
                names=[
                    "Convention_eprimo_signee.pdf",
                    "Deliberation_eprimo.pdf",
                    "Annexe2_besoins.pdf",
                ],
                to=RECTORAT_EMAIL,
            )
        elif sc == "split_mailings":
            first = self.full(
                paper=True, not_after=on_time_limit, types=("convention", "needs_form")
            )
            self.envelope(first, self.arrival(first, *ON_TIME))
            delib = self.piece("deliberation", paper=True, not_after=LATE[1] - dt.timedelta(days=2))
            self.separate([delib], self.arrival([delib], *LATE))
        else:
            raise ValueError(f"unknown family scenario {sc!r}")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def generate_family_dossiers(
    out: Path,
    count: int = 32,
    seed: int = 31,
    *,
    scans: bool = True,
    scenarios: Sequence[str] | None = None,
    workers: int | None = None,
    roster_dir: Path | None = None,
) -> Manifest:
    """Write a corpus of ``count`` dossiers drawn by the families under ``out`` (in
    ``samples.generate``'s format, plus ``family_dossiers`` in ``truth.json``) and return
    its manifest. ``scans=False``: paper is written as the vector PDF (fast, for tests).
    ``scenarios``: play exactly these (one collectivity each). Deterministic for a seed."""
    out = Path(out)
    roster, plays, chosen = prepare_corpus(
        out,
        count,
        seed,
        scenarios,
        list(EXPECTED),
        roster_dir,
        what="family scenarios",
        plays_for=scenario_list,
    )
    names = {e.code: e.name for e in roster}
    corpus = Corpus(out, seed, scans)
    drawer = FamilyDrawer(seed)
    truth: dict[str, FamilyDossier] = {}
    with docs.binary_streams():
        for entity, scenario in zip(chosen, plays, strict=True):
            other = (
                _rng(seed, "other", entity.code)
                .choice([e for e in roster if e.kind == "commune" and e.code != entity.code])
                .siren
            )
            d = Dossier(entity, seed, names, other)
            coll = corpus.collectivity(d, scenario)
            player = Player(corpus, drawer, d, scenario)
            player.play()
            if len(player.sent) != len(coll.pieces):  # pragma: no cover - kept in step
                raise RuntimeError(f"{entity.code}: pieces and families out of step")
            status, late = EXPECTED[scenario]
            truth[entity.code] = FamilyDossier(
                entity.code,
                scenario,
                status,
                late,
                [
                    FamilyPiece(
                        p.type, drawn.family.name, drawn.family.tuned_on, p.file, p.attachment
                    )
                    for p, drawn in zip(coll.pieces, player.sent, strict=True)
                ],
            )
    manifest = finish_corpus(corpus, out, seed, len(plays), scans, roster, workers)
    data = manifest.to_json()
    data[FAMILY_TRUTH_KEY] = {c: v.to_json() for c, v in sorted(truth.items())}
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False)
    manifest.truth_path.write_text(text + "\n", encoding="utf-8")
    for path in (manifest.truth_path, manifest.roster_path):
        os.utime(path, (CORPUS_TIME.timestamp(), CORPUS_TIME.timestamp()))
    return manifest
