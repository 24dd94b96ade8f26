"""One collectivity's paperwork: who signs, its schools, the dates of its council
meeting, of the prefecture's acknowledgment and of the signature, and the recipes of its
documents (a spec for ``samples.documents`` plus the ground-truth fields it shows)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from samples import documents as docs
from samples import frdates, texts
from samples.roster import Entity

LETTER_DATE = dt.date(2021, 10, 18)  # the rector's letter
FIRST_MEETING = dt.date(2021, 10, 25)


@dataclass
class Recipe:
    """A document to draw: ``make(stamp)`` builds it (with the arrival stamp on its first
    page, or none); ``fields`` is what it shows, as the ground truth records it."""

    type: str
    fields: dict[str, Any]
    make: Callable[[docs.StampSpec | None], docs.Built]
    filename: str  # a name a town hall would give the file


def de(name: str) -> str:
    """``de Vertou``, ``du Mans``, ``des Herbiers``, ``d'Ancenis``."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[0] in "AEIOUYÉÈÊÎÂ":
        return "d'" + name
    return "de " + name


def expand_epci(name: str) -> str:
    for short, long in (
        ("CC ", "Communauté de communes "),
        ("CA ", "Communauté d'agglomération "),
        ("CU ", "Communauté urbaine "),
    ):
        if name.startswith(short):
            return long + name[len(short) :]
    return name


def abbreviate(name: str) -> str:
    """What a hurried hand writes: ``ST SEBASTIEN SUR LOIRE``."""
    from samples.roster import slug

    words = slug(name).upper().split("-")
    out = []
    for w in words:
        out.append({"SAINT": "ST", "SAINTE": "STE"}.get(w, w))
    return " ".join(out)


def _person(rng: random.Random, female: bool | None = None) -> docs.Person:
    if female is None:
        female = rng.random() < 0.4
    first = rng.choice(texts.FIRST_NAMES_F if female else texts.FIRST_NAMES_M)
    return docs.Person(first, rng.choice(texts.SURNAMES), female)


def _phone(rng: random.Random) -> str:
    return "02 " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4))


class Dossier:
    """The paperwork of one collectivity. Dates are set by ``timeline``."""

    def __init__(
        self,
        entity: Entity,
        seed: int,
        roster_names: dict[str, str],
        other_siren: str,
    ) -> None:
        self.entity = entity
        self.rng = random.Random(f"{seed}|dossier|{entity.code}")
        self.seed = seed
        rng = self.rng
        self.commune = entity.kind == "commune"
        self.department = texts.DEPARTMENTS.get(entity.main_department, entity.main_department)
        self.head = _person(rng)
        if self.commune:
            self.title = "la Maire" if self.head.female and rng.random() < 0.5 else "le Maire"
            self.place = entity.name
        else:
            self.title = "la Présidente" if self.head.female else "le Président"
            members = [roster_names[c] for c in entity.member_codes if c in roster_names]
            self.place = members[0] if members else entity.name
        self.members = [roster_names[c] for c in entity.member_codes if c in roster_names]
        self.other_siren = other_siren
        # Who signs the convention: usually the head, sometimes a deputy.
        self.deputy = rng.random() < 0.15
        self.signer = _person(rng) if self.deputy else self.head
        self.role = self._role()
        self.written = self._written_name()
        self.hand = rng.random() < 0.7  # fills the convention by hand
        self.ink = docs.BLUE_INK if rng.random() < 0.65 else docs.BLACK_INK
        self.schools = self._schools()
        self.contact = _person(rng)
        self.contact_role = rng.choice(
            ("secrétaire de mairie", "DGS", "responsable des affaires scolaires", "adjoint(e)")
            if self.commune
            else ("DGS", "chargé(e) de mission numérique", "responsable du service scolaire")
        )
        self.phone = _phone(rng)
        self.email = entity.email or ""
        self.address = rng.choice(
            (
                "Place de la Mairie",
                "1, place de l'Hôtel de Ville",
                "2, rue de la Mairie",
                "Place de l'Église",
                "10, rue Nationale",
            )
            if self.commune
            else ("1, rue des Entreprises", "Hôtel communautaire, 3 avenue de la Gare")
        )
        self.seal = rng.random() < 0.6
        self.layout = (
            rng.choice(("registre", "registre", "table", "dcm"))
            if self.commune
            else rng.choice(("table", "registre"))
        )
        self.act_number = self._act_number()
        self.ack_style = rng.choice(("prefecture", "platform"))
        self.ack_position = rng.choice(("top", "top", "bottom"))
        self.needs_layout = rng.choice(("kv", "kv", "table"))
        self.timeline(self.pick_arrival(dt.date(2021, 11, 29), dt.date(2022, 1, 14)))

    # ------------------------------------------------------------------ identity

    @property
    def seal_text(self) -> tuple[str, str]:
        """Around a town hall's (or a community's) round seal: its name, its département."""
        top = ("Mairie " + de(self.entity.name)) if self.commune else expand_epci(self.entity.name)
        return top.upper(), self.department.upper()

    @property
    def display(self) -> str:
        """How its mail is signed: ``Mairie du Pouliguen``, ``CC Estuaire et Sillon``."""
        return ("Mairie " + de(self.entity.name)) if self.commune else self.entity.name

    def _role(self) -> str:
        rng = self.rng
        female = self.signer.female
        if self.commune:
            if self.deputy:
                return "Adjointe au maire" if female else "Maire-adjoint délégué"
            if female:
                return rng.choice(("Maire", "La Maire", "Madame le Maire"))
            return rng.choice(("Maire", "Le Maire", "Monsieur le Maire"))
        if self.deputy:
            return "Vice-présidente" if female else "Vice-président délégué"
        if female:
            return rng.choice(("Présidente", "Présidente de la communauté de communes"))
        return rng.choice(("Président", "Le Président", "Président de la communauté"))

    def _written_name(self) -> str:
        name, rng = self.entity.name, self.rng
        if not self.commune:
            return rng.choice((name, expand_epci(name), expand_epci(name)))
        roll = rng.random()
        if roll < 0.5:
            return name
        if roll < 0.65:
            return name.upper()
        if roll < 0.82:
            return "Commune " + de(name)
        return "Mairie " + de(name)

    def _schools(self) -> list[tuple[str, str, int]]:
        rng = self.rng
        if self.commune:
            pop = self.entity.population
            n = max(1, min(8, round(pop / 2800) + rng.randint(0, 1)))
            places = [self.entity.name] * n
        else:
            n = rng.randint(4, 9)
            places = [
                rng.choice(self.members) if self.members else self.entity.name for _ in range(n)
            ]
        names = rng.sample(texts.SCHOOL_NAMES, n)
        out = []
        for place, sname in zip(places, names, strict=True):
            kind = rng.choice(texts.SCHOOL_KINDS)
            pupils = rng.randint(3, 28) * 10 + rng.randint(0, 9)
            out.append((f"{kind} {sname}", place, pupils))
        return out

    def _act_number(self) -> tuple[str, str]:
        """(number as printed on the act, number inside the act id)."""
        rng = self.rng
        n = rng.randint(40, 180)
        if self.layout == "dcm":
            return "", ""  # set by timeline (depends on the meeting date)
        if self.layout == "table":
            return f"{2021}-{n:03d}", f"2021_{n:03d}"
        return f"DEL2021_{n:03d}", f"DEL2021_{n:03d}"

    # ------------------------------------------------------------------ dates

    def pick_arrival(self, start: dt.date, end: dt.date) -> dt.date:
        return self.rng.choice(frdates.working_days_between(start, end))

    def timeline(self, arrival: dt.date, *, signature_before_meeting: bool = False) -> None:
        """Dates consistent with a paper arrival on ``arrival``: meeting, prefecture
        receipt, convention signature, needs form, cover letter."""
        rng = self.rng
        self.arrival = arrival
        latest_meeting = frdates.sub_working_days(arrival, 5)
        earliest = max(FIRST_MEETING, latest_meeting - dt.timedelta(days=40))
        days = [
            d for d in frdates.working_days_between(earliest, latest_meeting) if d.weekday() < 4
        ]
        self.meeting = rng.choice(days) if days else latest_meeting
        self.convocation = self.meeting - dt.timedelta(days=rng.randint(5, 9))
        self.ack_sent = frdates.add_working_days(self.meeting, rng.randint(1, 3))
        self.ack_received = self.ack_sent
        if self.ack_received >= arrival:
            self.ack_received = self.ack_sent = frdates.sub_working_days(arrival, 1)
        self.posted = self.ack_received if rng.random() < 0.5 else None
        lo = self.ack_received
        hi = frdates.sub_working_days(arrival, 2)
        span = frdates.working_days_between(lo, hi) or [lo]
        self.signature = rng.choice(span)
        if signature_before_meeting:  # but after the rector's letter, of course
            early = frdates.sub_working_days(self.meeting, rng.randint(4, 12))
            self.signature = max(early, LETTER_DATE + dt.timedelta(days=3))
        self.form_date = rng.choice((self.signature, frdates.add_working_days(self.meeting, 1)))
        if self.form_date >= arrival:
            self.form_date = self.signature
        self.letter_date = max(self.signature, frdates.sub_working_days(arrival, rng.randint(1, 3)))
        if self.layout == "dcm":
            n = rng.randint(1, 9)
            self.act_number = (
                f"{self.meeting:%Y-%m}-{n:02d}",
                f"DCM{self.meeting:%Y_%m}_{n:02d}",
            )

    def act_id(self, siren: str | None = None) -> str:
        siren = siren or self.entity.siren
        return (
            f"0{self.entity.main_department}-{siren}-{self.meeting:%Y%m%d}-{self.act_number[1]}-DE"
        )

    def date_text(self, d: dt.date) -> str:
        rng = self.rng
        text = frdates.any_date(d, rng)
        return rng.choice(("", "", "le ", "Le ")) + text

    # ------------------------------------------------------------------ recipes

    def convention(
        self, *, signed: bool = True, name: str | None = None, hand: bool | None = None
    ) -> Recipe:
        written = name if name is not None else self.written
        hand = self.hand if hand is None else hand
        seal = self.seal_text if signed and self.seal else None
        if signed:
            spec = docs.ConventionSpec(
                collectivity=written,
                role=self.role,
                signatory=self.signer.full,
                date_text=self.date_text(self.signature),
                signed=True,
                hand=hand,
                ink=self.ink,
                seal=seal,
                seed=self.rng.randrange(1 << 30),
            )
            fields: dict[str, Any] = {
                "collectivity": written,
                "signatory_name": self.signer.full,
                "signatory_role": self.role,
                "signature_date": self.signature.isoformat(),
                "signed": True,
            }
        else:  # the name is filled in, the rest left blank, no ink
            spec = docs.ConventionSpec(
                collectivity=written,
                role=None,
                signatory=None,
                date_text=None,
                signed=False,
                hand=hand,
                ink=self.ink,
                seed=self.rng.randrange(1 << 30),
            )
            fields = {
                "collectivity": written,
                "signatory_name": None,
                "signatory_role": None,
                "signature_date": None,
                "signed": False,
            }
        return Recipe(
            "convention",
            fields,
            lambda stamp: docs.build_convention(replace(spec, stamp=stamp)),
            "convention.pdf",
        )

    def heading(self) -> str:
        """The collectivity as a délibération's heading writes it."""
        name = self.entity.name
        if not self.commune:
            return expand_epci(name) if self.layout == "table" else name.upper()
        if self.layout == "registre":
            return ("Commune " + de(name)).upper()
        if self.layout == "table":
            return "Commune " + de(name)
        return "Mairie " + de(name)

    def deliberation(
        self,
        *,
        decision: str = "authorize",
        ack: bool = True,
        siren: str | None = None,
    ) -> Recipe:
        rng = self.rng
        members = rng.choice((15, 19, 23, 27, 29, 33)) if self.commune else rng.randint(30, 60)
        present = members - rng.randint(1, 6)
        proxies = rng.randint(0, min(3, members - present))
        against = 0 if rng.random() < 0.7 else rng.randint(1, 3)
        abst = 0 if rng.random() < 0.7 else rng.randint(1, 2)
        if decision == "refuse":
            against = max(against, (present + proxies) // 2 + 1)
            abst = 0
        act = self.act_id(siren) if ack else None
        ack_spec = (
            docs.AckSpec(
                act_id=act,
                sent=self.ack_sent,
                received=self.ack_received,
                style=self.ack_style,
                position=self.ack_position,
                posted=self.posted,
            )
            if act
            else None
        )
        attendees = tuple(
            f"{p.civility} {p.full}" for p in (_person(rng) for _ in range(rng.randint(5, 9)))
        )
        heading = self.heading()
        spec = docs.DeliberationSpec(
            layout=self.layout,
            assembly="conseil municipal" if self.commune else "conseil communautaire",
            collectivity=heading,
            department=self.department,
            meeting=self.meeting,
            decision=decision,
            president=self.head,
            president_title=self.title,
            number=self.act_number[0] or self.act_number[1],
            place=self.place,
            members=members,
            present=present,
            proxies=proxies,
            against=against,
            abstentions=abst,
            attendees=attendees,
            secretary=rng.choice(attendees),
            convocation=self.convocation,
            hour=(rng.choice((18, 19, 20, 20)), rng.choice((0, 0, 30, 15))),
            ack=ack_spec,
            signed_on=self.ack_sent if rng.random() < 0.5 else self.meeting,
            seed=rng.randrange(1 << 30),
            ink=self.ink,
            seal=self.seal_text if self.seal else None,
        )
        fields = {
            "collectivity": heading,
            "meeting_date": self.meeting.isoformat(),
            "authorizes_signature": decision == "authorize",
            "act_id": act,
            "prefecture_receipt_date": self.ack_received.isoformat() if act else None,
        }
        return Recipe(
            "deliberation",
            fields,
            lambda stamp: docs.build_deliberation(replace(spec, stamp=stamp)),
            "deliberation.pdf",
        )

    def needs_form(
        self,
        *,
        blank: bool = False,
        layout: str | None = None,
        hand: bool | None = None,
        name: str | None = None,
        total: bool | None = None,
    ) -> Recipe:
        rng = self.rng
        layout = layout or self.needs_layout
        written = name if name is not None else self.written
        spec = docs.NeedsFormSpec(
            layout=layout,
            collectivity=written,
            department=self.department,
            schools=tuple(self.schools),
            blank=blank,
            show_total=rng.random() < 0.6 if total is None else total,
            show_count=rng.random() < 0.5,
            hand=(rng.random() < 0.4) if hand is None else hand,
            contact=f"{self.contact.civility} {self.contact.full}",
            contact_role=self.contact_role,
            phone=self.phone,
            email=self.email,
            place=self.place,
            date=self.form_date,
            signer_title=(self.title[0].upper() + self.title[1:]),
            signed=not blank or rng.random() < 0.5,
            seed=rng.randrange(1 << 30),
            ink=self.ink,
        )
        fields = {
            "collectivity": written,
            "schools": spec.school_count,
            "student_accounts": spec.pupils,
        }
        return Recipe(
            "needs_form",
            fields,
            lambda stamp: docs.build_needs_form(replace(spec, stamp=stamp)),
            "annexe2-besoins.pdf",
        )

    def letter(self, enclosures: tuple[str, ...] | None = None, extra: str = "") -> Recipe:
        rng = self.rng
        header = ("Mairie " + de(self.entity.name)) if self.commune else self.entity.name
        spec = docs.LetterSpec(
            collectivity=header,
            department=self.department,
            address=self.address,
            phone="Tél. " + self.phone,
            place=self.place,
            date=self.letter_date,
            signer=self.head,
            signer_title=self.title[0].upper() + self.title[1:],
            enclosures=enclosures
            or ("convention signée", "délibération (annexe 1)", "fiche de besoins (annexe 2)"),
            seed=rng.randrange(1 << 30),
            ink=self.ink,
            extra=extra,
        )
        return Recipe(
            "other",
            {},
            lambda stamp: docs.build_letter(replace(spec, stamp=stamp)),
            "courrier.pdf",
        )
