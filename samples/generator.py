"""``generate``: the deterministic sample corpus of the e-primo campaign.

It writes, under ``out_dir``: ``roster.csv`` (the académie's 1,299 collectivities, a
handful marked as e-collectivités members, some with an e-mail), ``scans/`` (what the
mail room's scanners produce from registered mail), ``mail/`` (``.eml`` messages),
``digital/`` (PDFs with a text layer) and ``truth.json`` (see ``samples.model``).

``count`` collectivities send something, each playing one scenario of
``samples.model.SCENARIOS`` (the list is handed out in order, then the ordinary cases
repeat); every other collectivity of the roster sends nothing, as most did.
Same ``seed``, same ``count``, same roster: byte-identical files and modification times.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import io
import os
import random
import shutil
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pypdf import PdfReader, PdfWriter

from samples import documents as docs
from samples import frdates
from samples.documents import binary_streams
from samples.dossier import Dossier, Recipe, abbreviate
from samples.model import (
    ROSTER_FILE,
    SCENARIOS,
    AttachmentTruth,
    CollectivityTruth,
    DocumentTruth,
    FileTruth,
    Manifest,
    SentPiece,
)
from samples.roster import Entity, email_for, load_roster, write_roster
from samples.scan import ScanJob, ScanPage, run_jobs

PARIS = ZoneInfo("Europe/Paris")
DEADLINE = dt.date(2022, 1, 15)
RECTORAT_EMAIL = "dane@ac-nantes.fr"
ECOLLECTIVITES_EMAIL = "contact@ecollectivites.fr"
CORPUS_TIME = dt.datetime(2022, 1, 31, 8, 0, tzinfo=PARIS)  # mtime of roster.csv, truth.json
OUTPUT_DIRS = ("scans", "mail", "digital", ".work")

# Scanner profiles of the mail room (and of a town hall's copier, for mailed scans).
PROFILES: dict[str, dict[str, Any]] = {
    "mfp_gray": {"colour": False, "dpi": 300, "quality": 44},
    "mfp_colour": {"colour": True, "dpi": 300, "quality": 40},
    "copier": {"colour": False, "dpi": 200, "quality": 55},
}
# Scenarios repeated after the list is exhausted (the ordinary cases).
FILLERS = (
    "complete_on_time",
    "envelope",
    "ecollectivites_email",
    "convention_by_plain_email",
    "epci_complete",
    "envelope",
    "complete_late",
    "needs_form_table",
)
ECOLLECTIVITES_SCENARIOS = frozenset(s for s in SCENARIOS if s.startswith("ecollectivites"))
EXTRA_ECOLLECTIVITES = 6  # members that sent nothing


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random("|".join(str(p) for p in (seed, *parts)))


def _hash(*parts: object, n: int = 12) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:n]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).isoformat()


def _merge(pdfs: list[bytes]) -> bytes:
    if len(pdfs) == 1:
        return pdfs[0]
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- mail parts


@dataclass
class Part:
    """An attachment: a PDF made of ``recipes`` (scanned by the sender's copier or not),
    a ZIP of other parts, or an attached message holding other parts."""

    filename: str
    recipes: list[Recipe] = field(default_factory=list)
    scanned: bool = False
    zip_of: list[Part] | None = None
    message_of: list[Part] | None = None
    built: list[docs.Built] = field(default_factory=list)
    work_path: Path | None = None
    data: bytes | None = None


# --------------------------------------------------------------------------- the corpus


class Corpus:
    def __init__(self, out_dir: Path, seed: int, scans: bool) -> None:
        self.out_dir = out_dir
        self.seed = seed
        self.scans = scans
        self.files: dict[str, FileTruth] = {}
        self.colls: dict[str, CollectivityTruth] = {}
        self.jobs: list[ScanJob] = []
        self.after: list[Callable[[], None]] = []  # mails, built once scans are done
        self.vector_writes: list[tuple[Path, bytes, float]] = []
        self._seq = 0
        self.plain_mails = 0  # convention_by_plain_email played so far (variants alternate)

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _profile(self, rng: random.Random) -> str:
        roll = rng.random()
        return "mfp_gray" if roll < 0.6 else ("mfp_colour" if roll < 0.78 else "copier")

    @staticmethod
    def scan_time(arrival: dt.date, rng: random.Random, delay: int = 1) -> dt.datetime:
        day = frdates.add_working_days(arrival, delay)
        minutes = rng.randint(8 * 60 + 40, 16 * 60 + 50)
        return dt.datetime(
            day.year,
            day.month,
            day.day,
            minutes // 60,
            minutes % 60,
            rng.randint(0, 59),
            tzinfo=PARIS,
        )

    def _stamp(self, recipe: Recipe, arrival: dt.date, rng: random.Random) -> docs.StampSpec:
        x = rng.uniform(390, 470)
        y = {"convention": 705.0, "deliberation": 640.0, "needs_form": 700.0, "other": 650.0}[
            recipe.type
        ] + rng.uniform(-30, 40)
        if rng.random() < 0.15:  # down in the bottom margin
            y = rng.uniform(70, 110)
        return docs.StampSpec(
            date=arrival,
            style=rng.choice((0, 0, 0, 1, 2)),
            date_style=rng.choice((0, 0, 1, 2)),
            colour=docs.STAMP_RED if rng.random() < 0.6 else docs.STAMP_BLUE,
            angle=rng.uniform(-14, 14),
            x=x,
            y=y,
        )

    def collectivity(self, d: Dossier, scenario: str) -> CollectivityTruth:
        e = d.entity
        coll = CollectivityTruth(
            code=e.code,
            name=e.name,
            kind=e.kind,
            department=e.department,
            siren=e.siren,
            route="ecollectivites" if e.ecollectivites else "direct",
            scenario=scenario,
            written_name=d.written,
            email=e.email,
        )
        self.colls[e.code] = coll
        return coll

    # ------------------------------------------------------------------ paper

    def paper(
        self,
        d: Dossier,
        recipes: list[Recipe],
        arrival: dt.date,
        *,
        stamp: bool = True,
        fmt: str = "pdf",
        profile: str | None = None,
        rotations: dict[int, int] | None = None,
        delay: int = 1,
        again: str | None = None,
        built: list[docs.Built] | None = None,
    ) -> tuple[str, list[docs.Built]]:
        """One batch of paper scanned into one file (a piece, or a whole envelope).
        The arrival stamp, if any, is on its first page. ``again``: the path of an
        earlier scan of the same paper (``built`` then holds its documents)."""
        seq = self._next()
        rng = _rng(self.seed, "paper", d.entity.code, seq)
        stamp_spec = self._stamp(recipes[0], arrival, rng) if stamp else None
        if built is None:
            built = [r.make(stamp_spec if i == 0 else None) for i, r in enumerate(recipes)]
        when = self.scan_time(arrival, rng, delay)
        if fmt in ("png", "jpeg") and sum(b.pages for b in built) > 1:
            fmt = "pdf"  # those scanners write one page per image file
        ocr = fmt == "pdf_ocr"
        folder = "digital" if ocr else "scans"
        if not self.scans:
            fmt = "pdf"
        ext = {"pdf": "pdf", "pdf_ocr": "pdf", "png": "png", "jpeg": "jpg", "tiff": "tif"}[fmt]
        rel = f"{folder}/{when:%Y%m%d-%H%M%S}-{seq:03d}.{ext}"
        path = self.out_dir / rel
        documents: list[DocumentTruth] = []
        page_no = 1
        for i, (recipe, b) in enumerate(zip(recipes, built, strict=True)):
            fields = dict(recipe.fields)
            if i == 0 and stamp_spec is not None:
                fields["arrival_stamp_date"] = arrival.isoformat()
            documents.append(
                DocumentTruth(recipe.type, list(range(page_no, page_no + b.pages)), fields)
            )
            page_no += b.pages
        total = page_no - 1
        mtime = when.timestamp()
        if self.scans:
            profile = profile or self._profile(rng)
            prof = dict(PROFILES[profile])
            if fmt == "png":
                prof = {"colour": False, "dpi": 300, "quality": 0}
            elif fmt == "jpeg":
                prof = {"colour": True, "dpi": 200, "quality": 60}
            elif fmt == "tiff":
                prof = {"colour": False, "dpi": 300, "quality": 0}
            elif ocr:
                prof = {"colour": False, "dpi": 300, "quality": 45}
            pages: list[ScanPage] = []
            for src, b in enumerate(built):
                for idx in range(b.pages):
                    n = len(pages) + 1
                    rotation = (rotations or {}).get(n, 0)
                    if rotations is None and rng.random() < 0.02:
                        rotation = 180
                    skew = 0.0
                    if not ocr:  # OCR software deskews
                        skew = round(rng.choice((-1, 1)) * (0.3 + 2.7 * rng.random() ** 2), 2)
                    pages.append(ScanPage(src, idx, rotation, skew))
            self.jobs.append(
                ScanJob(
                    path=str(path),
                    format=fmt,
                    sources=tuple(b.pdf for b in built),
                    pages=tuple(pages),
                    seed=int(_hash(self.seed, rel, n=12), 16),
                    colour=prof["colour"],
                    dpi=prof["dpi"],
                    quality=prof["quality"],
                    mtime=mtime,
                )
            )
            truth = FileTruth(
                path=rel,
                kind="digital" if ocr else "scan",
                scanned=True,
                format={"jpg": "jpeg", "tif": "tiff"}.get(ext, ext),
                collectivity=d.entity.code,
                pages=total,
                mtime=_iso(when),
                documents=documents,
                rotation=[p.rotation for p in pages],
                skew=[p.skew for p in pages],
                dpi=prof["dpi"],
                colour=prof["colour"],
                duplicate_of=again,
            )
        else:
            self.vector_writes.append((path, _merge([b.pdf for b in built]), mtime))
            truth = FileTruth(
                path=rel,
                kind="digital" if ocr else "scan",
                scanned=False,
                format="pdf",
                collectivity=d.entity.code,
                pages=total,
                mtime=_iso(when),
                documents=documents,
                rotation=[0] * total,
                skew=[0.0] * total,
                duplicate_of=again,
            )
        self.files[rel] = truth
        coll = self.colls[d.entity.code]
        for recipe in recipes:
            coll.pieces.append(SentPiece(recipe.type, rel, "registered_mail", arrival.isoformat()))
        return rel, built

    def separate(self, d: Dossier, recipes: list[Recipe], arrival: dt.date, **kw: Any) -> None:
        """The mail room scans each piece of the envelope as its own file, each with the
        arrival stamp (unless ``stamp=False``: then none has it, and the receipt date is
        ambiguous, which only ``no_stamp`` plays); a one-page piece sometimes goes through
        the other scanner, which saves JPEG or PNG."""
        rng = _rng(self.seed, "separate", d.entity.code)
        base = kw.pop("fmt", "pdf")
        for recipe in recipes:
            fmt = base
            if recipe.type in ("deliberation", "needs_form", "other") and rng.random() < 0.12:
                fmt = rng.choice(("jpeg", "png"))
            self.paper(d, [recipe], arrival, fmt=fmt, **kw)

    # ------------------------------------------------------------------ digital

    def saved_pdf(self, d: Dossier, recipe: Recipe, received: dt.datetime) -> str:
        """A PDF that came by e-mail, saved by staff into ``digital/`` (text layer)."""
        built = recipe.make(None)
        seq = self._next()
        slug = d.entity.code
        rel = f"digital/{slug}-{seq:03d}-{recipe.filename}"
        saved = received + dt.timedelta(minutes=_rng(self.seed, rel).randint(20, 600))
        self.vector_writes.append((self.out_dir / rel, built.pdf, saved.timestamp()))
        self.files[rel] = FileTruth(
            path=rel,
            kind="digital",
            scanned=False,
            format="pdf",
            collectivity=d.entity.code,
            pages=built.pages,
            mtime=_iso(saved),
            documents=[
                DocumentTruth(recipe.type, list(range(1, built.pages + 1)), dict(recipe.fields))
            ],
            rotation=[0] * built.pages,
            skew=[0.0] * built.pages,
        )
        self.colls[d.entity.code].pieces.append(
            SentPiece(recipe.type, rel, "email", received.astimezone(PARIS).date().isoformat())
        )
        return rel

    # ------------------------------------------------------------------ mail

    def mail(
        self,
        d: Dossier,
        delivered: dt.datetime,
        *,
        subject: str,
        body: str,
        parts: list[Part],
        to: str = RECTORAT_EMAIL,
    ) -> str:
        seq = self._next()
        rel = f"mail/{delivered.astimezone(PARIS):%Y%m%d-%H%M%S}-{seq:03d}.eml"
        rng = _rng(self.seed, "mail", rel)
        documents: list[DocumentTruth] = []
        attachments: list[AttachmentTruth] = []
        received_on = delivered.astimezone(PARIS).date().isoformat()
        coll = self.colls[d.entity.code]

        def prepare(part: Part, prefix: str) -> None:
            name = prefix + part.filename
            if part.zip_of is not None or part.message_of is not None:
                ctype = "application/zip" if part.zip_of is not None else "message/rfc822"
                attachments.append(AttachmentTruth(name, ctype, 0, False))
                for sub in part.zip_of if part.zip_of is not None else part.message_of or []:
                    prepare(sub, name + "/")
                return
            part.built = [r.make(None) for r in part.recipes]
            page = 1
            for r, b in zip(part.recipes, part.built, strict=True):
                documents.append(
                    DocumentTruth(r.type, list(range(page, page + b.pages)), dict(r.fields), name)
                )
                coll.pieces.append(SentPiece(r.type, rel, "email", received_on, name))
                page += b.pages
            scanned = part.scanned and self.scans
            attachments.append(AttachmentTruth(name, "application/pdf", page - 1, scanned))
            if scanned:
                work = self.out_dir / ".work" / f"{seq:03d}-{len(attachments):02d}.pdf"
                part.work_path = work
                pages = []
                for src, b in enumerate(part.built):
                    for idx in range(b.pages):
                        skew = round(rng.choice((-1, 1)) * rng.uniform(0.3, 1.8), 2)
                        pages.append(ScanPage(src, idx, 0, skew))
                self.jobs.append(
                    ScanJob(
                        path=str(work),
                        format="pdf",
                        sources=tuple(b.pdf for b in part.built),
                        pages=tuple(pages),
                        seed=int(_hash(self.seed, rel, name), 16),
                        **PROFILES["copier"],
                    )
                )
            else:
                part.data = _merge([b.pdf for b in part.built])

        for part in parts:
            prepare(part, "")
        sent = delivered - dt.timedelta(seconds=rng.randint(4, 300))
        domain = (d.email or email_for(d.entity)).split("@", 1)[1]
        sender = d.email or email_for(d.entity)
        display = d.display
        msg_id = f"<{_hash(self.seed, rel, 'id', n=20)}@{domain}>"
        self.files[rel] = FileTruth(
            path=rel,
            kind="mail",
            scanned=any(a.scanned for a in attachments),
            format="eml",
            collectivity=d.entity.code,
            pages=0,
            mtime=_iso(delivered),
            documents=documents,
            delivered_at=_iso(delivered),
            message_id=msg_id,
            sender=sender,
            subject=subject,
            attachments=attachments,
        )
        ip = rng.randint(2, 250)
        relay = _hash(rel, "relay", n=10).upper()

        def build() -> None:
            msg = EmailMessage()
            stamp = email.utils.format_datetime(delivered.astimezone(PARIS))
            msg["Received"] = (
                f"from smtp.{domain} (smtp.{domain} [192.0.2.{ip}]) by mx.ac-nantes.fr "
                f"with ESMTPS id {relay}; {stamp}"
            )
            msg["From"] = email.utils.formataddr((display, sender))
            msg["To"] = to
            msg["Subject"] = subject
            msg["Date"] = email.utils.format_datetime(sent.astimezone(PARIS))
            msg["Message-ID"] = msg_id
            msg.set_content(body)
            for part in parts:
                _attach(msg, part, sender, display, to, sent, self.seed, rel)
            for i, sub in enumerate(msg.walk()):
                if sub.is_multipart() and sub.get_content_maintype() == "multipart":
                    sub.set_boundary(f"=_{_hash(self.seed, rel, i, n=24)}")
            path = self.out_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(msg.as_bytes())
            os.utime(path, (delivered.timestamp(), delivered.timestamp()))

        self.after.append(build)
        return rel

    # ------------------------------------------------------------------ finish

    def finish(self, workers: int) -> None:
        for path, data, mtime in self.vector_writes:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.utime(path, (mtime, mtime))
        run_jobs(self.jobs, workers)
        for build in self.after:
            build()
        shutil.rmtree(self.out_dir / ".work", ignore_errors=True)


def _part_bytes(part: Part) -> bytes:
    if part.data is not None:
        return part.data
    if part.work_path is not None:
        return part.work_path.read_bytes()
    raise RuntimeError(f"attachment {part.filename} was not prepared")


def _attach(
    msg: EmailMessage,
    part: Part,
    sender: str,
    display: str,
    to: str,
    sent: dt.datetime,
    seed: int,
    rel: str,
) -> None:
    if part.zip_of is not None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for sub in part.zip_of:
                info = zipfile.ZipInfo(sub.filename, date_time=sent.timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = 0o644 << 16
                zf.writestr(info, _part_bytes(sub))
        msg.add_attachment(buf.getvalue(), "application", "zip", filename=part.filename)
    elif part.message_of is not None:
        inner = EmailMessage()
        earlier = sent - dt.timedelta(hours=2, minutes=17)
        inner["From"] = email.utils.formataddr((display, sender))
        inner["To"] = to
        inner["Subject"] = "Fiche d'expression des besoins e-primo"
        inner["Date"] = email.utils.format_datetime(earlier.astimezone(PARIS))
        inner["Message-ID"] = f"<{_hash(seed, rel, 'inner', n=20)}@{sender.split('@', 1)[1]}>"
        inner.set_content(
            "Bonjour,\n\nVeuillez trouver ci-joint la fiche d'expression des besoins de notre "
            "commune pour le groupement de commandes e-primo 2022-2026.\n\nCordialement,\n"
            f"{display}\n"
        )
        for sub in part.message_of:
            _attach(inner, sub, sender, display, to, earlier, seed, rel + "/inner")
        msg.add_attachment(inner, filename=part.filename)
    else:
        msg.add_attachment(_part_bytes(part), "application", "pdf", filename=part.filename)


# --------------------------------------------------------------------------- scenarios


def _at(day: dt.date, hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=PARIS)


def _office_time(day: dt.date, rng: random.Random) -> dt.datetime:
    minutes = rng.randint(8 * 60 + 15, 18 * 60 + 30)
    return _at(day, minutes // 60, minutes % 60, rng.randint(0, 59))


_BODY_NEEDS = (
    "Bonjour,\n\nVeuillez trouver ci-joint la fiche d'expression des besoins (annexe 2) de "
    "{name} pour le groupement de commandes ENT e-primo 2022-2026.\n\n"
    "Bien cordialement,\n\n{contact}\n{role}\n{display}\nTél. {phone}\n"
)


def _body(d: Dossier, template: str = _BODY_NEEDS) -> str:
    display = d.display
    return template.format(
        name=d.written,
        contact=d.contact.plain,
        role=d.contact_role,
        display=display,
        phone=d.phone,
    )


def _full(d: Dossier, **conv: Any) -> list[Recipe]:
    return [d.convention(**conv), d.deliberation(), d.needs_form()]


def play(corpus: Corpus, d: Dossier, scenario: str, roster: list[Entity]) -> None:
    """Produce the files of one collectivity playing ``scenario``."""
    rng = _rng(corpus.seed, "play", d.entity.code)
    corpus.collectivity(d, scenario)
    late = dt.date(2022, 1, 17), dt.date(2022, 1, 28)
    if scenario in ("complete_on_time", "epci_complete"):
        recipes = _full(d)
        if rng.random() < 0.35:
            recipes.insert(0, d.letter())
        corpus.separate(d, recipes, d.arrival)
    elif scenario == "envelope":
        recipes = _full(d)
        rng.shuffle(recipes)
        corpus.paper(
            d, [d.letter(), *recipes] if rng.random() < 0.7 else [*recipes, d.letter()], d.arrival
        )
    elif scenario == "complete_late":
        d.timeline(d.pick_arrival(*late))
        corpus.paper(d, [d.letter(), *_full(d)], d.arrival)
    elif scenario == "complete_on_deadline_day":
        d.timeline(DEADLINE)  # a Saturday: the mail room's permanence
        corpus.paper(d, [d.letter(), *_full(d)], DEADLINE, profile="mfp_colour")
    elif scenario == "unsigned_convention":
        corpus.separate(
            d, [d.convention(signed=False), d.deliberation(), d.needs_form()], d.arrival
        )
    elif scenario == "deliberation_without_ack":
        corpus.separate(d, [d.convention(), d.deliberation(ack=False), d.needs_form()], d.arrival)
    elif scenario == "deliberation_postponed":
        corpus.paper(
            d,
            [d.letter(), d.convention(), d.deliberation(decision="postpone"), d.needs_form()],
            d.arrival,
        )
    elif scenario == "deliberation_refused":
        letter = d.letter(
            enclosures=("délibération du conseil municipal",),
            extra="Le conseil municipal a décidé de ne pas adhérer au groupement de commandes ; "
            "vous trouverez ci-joint la délibération correspondante.",
        )
        corpus.paper(d, [letter, d.deliberation(decision="refuse")], d.arrival)
    elif scenario == "needs_form_blank":
        corpus.separate(
            d, [d.convention(), d.deliberation(), d.needs_form(blank=True, layout="kv")], d.arrival
        )
    elif scenario == "missing_needs_form":
        corpus.separate(d, [d.convention(), d.deliberation()], d.arrival)
    elif scenario == "missing_deliberation":
        corpus.paper(d, [d.convention(), d.needs_form()], d.arrival)
    elif scenario in ECOLLECTIVITES_SCENARIOS:
        _ecollectivites(corpus, d, scenario, rng)
    elif scenario == "convention_by_plain_email":
        day = d.pick_arrival(dt.date(2021, 12, 6), dt.date(2022, 1, 13))
        d.timeline(frdates.add_working_days(day, 1))
        corpus.plain_mails += 1
        if corpus.plain_mails % 2:  # each piece scanned on the town hall's copier
            parts = [
                Part("Convention_eprimo_signee.pdf", [d.convention()], scanned=True),
                Part("Deliberation_eprimo.pdf", [d.deliberation()], scanned=True),
                Part("Annexe2_besoins.pdf", [d.needs_form(hand=False)]),
            ]
        else:  # the whole pile scanned as one PDF
            parts = [
                Part(
                    "pieces_eprimo.pdf",
                    [d.convention(), d.deliberation(), d.needs_form()],
                    scanned=True,
                )
            ]
        corpus.mail(
            d,
            _office_time(day, rng),
            subject="Convention e-primo signée",
            body=_body(
                d,
                "Bonjour,\n\nVous trouverez ci-joint la convention d'adhésion au "
                "groupement de commandes e-primo signée, la délibération et la fiche de "
                "besoins de {name}.\n\nCordialement,\n\n{contact}\n{display}\n",
            ),
            parts=parts,
        )
    elif scenario == "siren_mismatch":
        corpus.separate(
            d, [d.convention(), d.deliberation(siren=d.other_siren), d.needs_form()], d.arrival
        )
    elif scenario == "deliberation_after_signature":
        d.timeline(d.arrival, signature_before_meeting=True)
        corpus.paper(d, [d.letter(), *_full(d)], d.arrival)
    elif scenario == "name_written_abbreviated":
        short = abbreviate(d.entity.name)
        d.written = corpus.colls[d.entity.code].written_name = short
        corpus.separate(
            d,
            [d.convention(name=short, hand=True), d.deliberation(), d.needs_form(name=short)],
            d.arrival,
        )
    elif scenario == "name_mismatch":
        same_dept = [
            e
            for e in roster
            if e.main_department == d.entity.main_department
            and e.kind == "commune"
            and e.code != d.entity.code
        ]
        other = rng.choice(same_dept).name
        corpus.paper(d, [d.convention(name=other), d.deliberation(), d.needs_form()], d.arrival)
    elif scenario == "duplicate_rescan":
        recipes = [d.letter(), *_full(d)]
        first, built = corpus.paper(d, recipes, d.arrival, profile="copier")
        # The first scan was too pale: rescanned (same paper, same stamp) three days later.
        corpus.paper(d, recipes, d.arrival, delay=4, again=first, built=built, profile="mfp_gray")
    elif scenario == "no_stamp":
        d.timeline(d.pick_arrival(dt.date(2021, 11, 29), dt.date(2021, 12, 17)))
        corpus.separate(d, _full(d), d.arrival, stamp=False)
    elif scenario == "digital_ocr":
        corpus.paper(d, [d.letter(), *_full(d)], d.arrival, fmt="pdf_ocr")
    elif scenario == "image_files":
        conv, delib, needs = _full(d)
        corpus.paper(d, [conv], d.arrival)
        corpus.paper(d, [delib], d.arrival, fmt="png")
        corpus.paper(d, [needs], d.arrival, fmt="jpeg")
    elif scenario == "multipage_tiff":
        corpus.paper(d, [d.letter(), *_full(d)], d.arrival, fmt="tiff")
    elif scenario == "rotated_pages":
        # Page 3 put in the feeder upside down, page 6 sideways.
        corpus.paper(d, [d.letter(), *_full(d)], d.arrival, rotations={3: 180, 6: 90})
    elif scenario == "split_mailings":
        first_day = d.pick_arrival(dt.date(2021, 12, 6), dt.date(2021, 12, 17))
        d.timeline(first_day)
        conv, needs = d.convention(), d.needs_form()
        corpus.paper(
            d,
            [d.letter(enclosures=("convention signée", "fiche de besoins")), conv, needs],
            first_day,
        )
        # The council met later; its délibération arrived after the deadline.
        second = d.pick_arrival(dt.date(2022, 1, 18), dt.date(2022, 1, 26))
        d.meeting = d.pick_arrival(dt.date(2022, 1, 10), dt.date(2022, 1, 12))
        d.convocation = d.meeting - dt.timedelta(days=6)
        d.ack_sent = d.ack_received = frdates.add_working_days(d.meeting, 2)
        corpus.paper(d, [d.deliberation()], second)
    elif scenario == "needs_form_table":
        corpus.separate(
            d,
            [d.convention(), d.deliberation(), d.needs_form(layout="table", total=False)],
            d.arrival,
        )
    else:  # pragma: no cover - SCENARIOS and play() are kept in step by the tests
        raise ValueError(f"unknown scenario {scenario!r}")


def _ecollectivites(corpus: Corpus, d: Dossier, scenario: str, rng: random.Random) -> None:
    to = ECOLLECTIVITES_EMAIL
    needs = d.needs_form(hand=False)
    subject = "Fiche besoins e-primo – " + d.entity.name
    day = d.pick_arrival(dt.date(2021, 11, 22), dt.date(2022, 1, 14))
    when = _office_time(day, rng)
    if scenario == "ecollectivites_email":
        if rng.random() < 0.5:
            corpus.mail(
                d,
                when,
                subject=subject,
                body=_body(d),
                to=to,
                parts=[Part("Annexe2_expression_besoins.pdf", [needs])],
            )
        else:  # saved from the mailbox into digital/
            corpus.saved_pdf(d, needs, when)
    elif scenario == "ecollectivites_email_deadline_night":
        corpus.mail(
            d,
            _at(DEADLINE, 23, 30),
            subject=subject,
            body=_body(d),
            to=to,
            parts=[Part("besoins_eprimo.pdf", [needs])],
        )
    elif scenario == "ecollectivites_email_late":
        corpus.mail(
            d,
            _at(dt.date(2022, 1, 18), 10, 12, 41),
            subject=subject,
            body=_body(d),
            to=to,
            parts=[Part("fiche-besoins.pdf", [needs])],
        )
    elif scenario == "ecollectivites_forgot_attachment":
        corpus.mail(d, when, subject=subject, body=_body(d), to=to, parts=[])
        later = when + dt.timedelta(hours=rng.randint(18, 50))
        corpus.mail(
            d,
            later,
            subject="RE: " + subject,
            to=to,
            parts=[Part("annexe2.pdf", [needs])],
            body="Bonjour,\n\nToutes nos excuses, la pièce jointe avait été oubliée. La "
            "voici.\n\nCordialement,\n" + d.contact.plain + "\n",
        )
    elif scenario == "ecollectivites_forwarded_eml":
        corpus.mail(
            d,
            when,
            subject="TR: Fiche d'expression des besoins e-primo",
            to=to,
            body="Bonjour,\n\nJe vous transfère le message de la mairie avec la fiche de "
            "besoins.\n\nCordialement,\n" + d.contact.plain + "\n",
            parts=[
                Part(
                    "Fiche d'expression des besoins e-primo.eml",
                    message_of=[Part("fiche_besoins_e-primo.pdf", [needs])],
                )
            ],
        )
    elif scenario == "ecollectivites_zip":
        corpus.mail(
            d,
            when,
            subject=subject,
            body=_body(d),
            to=to,
            parts=[Part("dossier_eprimo.zip", zip_of=[Part("annexe2_besoins.pdf", [needs])])],
        )
    elif scenario == "ecollectivites_by_post":
        corpus.paper(
            d, [d.letter(enclosures=("fiche de besoins (annexe 2)",)), d.needs_form()], d.arrival
        )
    else:  # pragma: no cover
        raise ValueError(f"unknown scenario {scenario!r}")


# --------------------------------------------------------------------------- selection


def scenario_list(count: int) -> list[str]:
    """The scenarios of ``count`` collectivities: the whole list first, then fillers."""
    out = list(SCENARIOS[:count])
    i = 0
    while len(out) < count:
        out.append(FILLERS[i % len(FILLERS)])
        i += 1
    return out


def _choose(roster: list[Entity], scenarios: list[str], seed: int) -> list[Entity]:
    rng = _rng(seed, "choose")
    communes = [e for e in roster if e.kind == "commune" and e.population >= 700]
    epcis = [e for e in roster if e.kind == "epci" and e.member_codes]
    taken: set[str] = set()
    chosen: list[Entity] = []
    for scenario in scenarios:
        pool: list[Entity]
        if scenario == "name_written_abbreviated":
            pool = [e for e in communes if e.code == "44190"] or [
                e for e in communes if e.name.startswith("Saint-")
            ]
        elif scenario == "epci_complete":
            pool = epcis
        else:
            pool = communes
        candidates = [e for e in pool if e.code not in taken] or [
            e for e in roster if e.code not in taken and e.kind == "commune"
        ]
        entity = candidates[0] if scenario == "name_written_abbreviated" else rng.choice(candidates)
        taken.add(entity.code)
        chosen.append(entity)
    return chosen


def _flag_roster(
    roster: list[Entity], chosen: list[Entity], scenarios: list[str], seed: int
) -> None:
    rng = _rng(seed, "flags")
    for entity, scenario in zip(chosen, scenarios, strict=True):
        if scenario in ECOLLECTIVITES_SCENARIOS:
            entity.ecollectivites = True
        entity.email = email_for(entity)
    chosen_codes = {e.code for e in chosen}
    others = [e for e in roster if e.code not in chosen_codes]
    for entity in rng.sample([e for e in others if e.kind == "commune"], EXTRA_ECOLLECTIVITES):
        entity.ecollectivites = True
    for entity in others:
        if rng.random() < 0.3:
            entity.email = email_for(entity)


def _clean(out_dir: Path) -> None:
    for name in OUTPUT_DIRS:
        shutil.rmtree(out_dir / name, ignore_errors=True)
    for name in ("truth.json", ROSTER_FILE):
        (out_dir / name).unlink(missing_ok=True)


def prepare_corpus(
    out_dir: Path,
    count: int,
    seed: int,
    scenarios: Sequence[str] | None,
    known: Sequence[str],
    roster_dir: Path | None,
    *,
    what: str,
    plays_for: Callable[[int], list[str]] | None = None,
) -> tuple[list[Entity], list[str], list[Entity]]:
    """Check a corpus's arguments, empty ``out_dir`` and write its roster: the roster,
    the scenarios played (``scenarios``, else ``plays_for(count)``: by default the first
    ``count`` of ``scenario_list``) and the collectivities chosen to play them. ``what``
    names the scenarios in errors."""
    if scenarios is not None:
        unknown = sorted(set(scenarios) - set(known))
        if unknown:
            raise ValueError(f"unknown {what}: {', '.join(unknown)}")
        count = len(scenarios)
    if count < 0:
        raise ValueError(f"count must be >= 0, not {count}")
    roster = load_roster(roster_dir)
    if count > len(roster) // 2:
        raise ValueError(f"count {count} is too large for a roster of {len(roster)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean(out_dir)
    plays = list(scenarios) if scenarios is not None else (plays_for or scenario_list)(count)
    chosen = _choose(roster, plays, seed)
    _flag_roster(roster, chosen, plays, seed)
    write_roster(out_dir / ROSTER_FILE, roster)
    return roster, plays, chosen


def finish_corpus(
    corpus: Corpus,
    out_dir: Path,
    seed: int,
    count: int,
    scans: bool,
    roster: Sequence[Entity],
    workers: int | None,
) -> Manifest:
    """Render what is left of ``corpus`` (scans: ``workers`` processes, default up to 2)
    and return its manifest (``count``: the collectivities that played)."""
    if workers is None:
        workers = max(1, min(2, os.cpu_count() or 1))
    corpus.finish(workers)
    return Manifest(
        out_dir=out_dir,
        seed=seed,
        count=count,
        scans=scans,
        roster_rows=len(roster),
        files=corpus.files,
        collectivities=corpus.colls,
    )


def generate(
    out_dir: Path,
    *,
    seed: int = 2022,
    count: int = 40,
    roster_dir: Path | None = None,
    scans: bool = True,
    workers: int | None = None,
    scenarios: Sequence[str] | None = None,
) -> Manifest:
    """Write the sample corpus under ``out_dir`` and return its ground truth.

    ``scans=False`` skips rasterisation (fast, for tests): what would be scanned is
    written as the vector PDF, marked ``scanned: false``. ``scenarios``: play exactly
    these (one collectivity each; ``count`` is then their number) instead of the first
    ``count`` of the list. ``workers``: processes that render scans (default: up to 2)."""
    out_dir = Path(out_dir)
    roster, scenarios, chosen = prepare_corpus(
        out_dir, count, seed, scenarios, SCENARIOS, roster_dir, what="scenarios"
    )
    names = {e.code: e.name for e in roster}
    corpus = Corpus(out_dir, seed, scans)
    with binary_streams():
        for entity, scenario in zip(chosen, scenarios, strict=True):
            same = [
                e
                for e in roster
                if e.main_department == entity.main_department
                and e.kind == "commune"
                and e.code != entity.code
            ] or [e for e in roster if e.kind == "commune" and e.code != entity.code]
            other = _rng(seed, "other", entity.code).choice(same).siren
            dossier = Dossier(entity, seed, names, other)
            play(corpus, dossier, scenario, roster)
    manifest = finish_corpus(corpus, out_dir, seed, len(scenarios), scans, roster, workers)
    manifest.save()
    for path in (manifest.truth_path, manifest.roster_path):  # the whole corpus is reproducible
        os.utime(path, (CORPUS_TIME.timestamp(), CORPUS_TIME.timestamp()))
    return manifest
