"""Families of the délibération (annexe 1): a council's act authorizing the signature of
the e-primo group-purchase convention, as town halls' office software types it (Word and
LibreOffice templates, Berger-Levrault, JVS "Mairistem", Cosoluce) and as the
prefecture's legality-control platforms stamp it (S²LOW, FAST, iXBus, Docapost).

Each family draws an ``Act`` (who, when, what was decided, whether and how the
prefecture acknowledged it) and lays it out its own way. The truth is what the paper
says: the act id only when the acknowledgment prints it, the receipt date only when one
is given.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
from dataclasses import dataclass, field

from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from samples.families import family
from samples.families.common import (
    BLACK_INK,
    BLUE_INK,
    DEPT_NAMES,
    PREFECTURES,
    RGB,
    STAMP_BLUE,
    STAMP_VIOLET,
    Ctx,
    H,
    Person,
    Rendered,
    W,
    Writer,
    act_id,
    after,
    arrival_day,
    arrival_stamp,
    de,
    font,
    long_date,
    mayor_role,
    meeting_date,
    numeric,
    paste_image,
    pen_signature,
    person,
    register_opening,
    round_seal,
    signature_image,
    vector_signature,
    weekday_date,
    words,
)
from samples.roster import Entity, load_roster

CM = 72 / 2.54

# ----------------------------------------------------------------------------- writer


class SafeWriter(Writer):
    """``Writer`` writing a paragraph a line at a time, an empty paragraph as one blank
    line (``Writer.para`` itself now turns pages between lines safely)."""

    def para(
        self,
        text: str,
        *,
        face: str | None = None,
        size: float | None = None,
        indent: float = 0.0,
        align: str = "left",
        after: float = 4.0,
        colour: RGB | None = None,
    ) -> tuple[float, float]:
        face_ = face or self.face
        size_ = size or self.size
        lines = simpleSplit(text, face_, size_, self.width - indent) or [""]
        lead = size_ * self.leading
        top = self.y
        for k, line in enumerate(lines):
            self.ensure(lead)
            last = k == len(lines) - 1
            super().para(
                line,
                face=face_,
                size=size_,
                indent=indent,
                align=align,
                after=after if last else 0.0,
                colour=colour,
            )
        return top, self.y


# ----------------------------------------------------------------------------- the act


@dataclass
class Ack:
    """The prefecture's acknowledgment of the transmitted act."""

    sent: dt.date
    received: dt.date
    published: dt.date | None
    id: str


@dataclass
class Act:
    entity: Entity
    epci: bool
    place: str  # the seat: "Vallet"
    name: str  # as the document names the collectivity: "Commune de Vallet"
    meeting: dt.date
    convocation: dt.date
    hour: tuple[int, int]
    number: str  # as printed: "2021-087"
    outcome: str  # authorize | postpone | refuse
    chair: Person
    chair_role: str
    secretary: Person
    members: list[Person]
    in_office: int
    present: int
    proxies: int
    pour: int
    contre: int
    abstention: int
    signed_on: dt.date
    ack: Ack | None
    pupils: int
    schools: int
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def voters(self) -> int:
        return self.present + self.proxies

    @property
    def authorizes(self) -> bool:
        return self.outcome == "authorize"

    @property
    def council(self) -> str:
        return "Conseil communautaire" if self.epci else "Conseil municipal"

    @property
    def head(self) -> str:
        """ "Monsieur le Maire", "Madame la Présidente"."""
        if self.epci:
            return "Madame la Présidente" if self.chair.female else "Monsieur le Président"
        return rng_free_mayor(self.chair)

    @property
    def unanimous(self) -> bool:
        return self.contre == 0 and self.abstention == 0


def role_of(p: Person, rng: random.Random, epci: bool) -> str:
    """The signatory's role, in the feminine for a woman ("Présidente", "Vice-présidente")."""
    role = mayor_role(p, rng, epci=epci)
    if p.female and role.endswith("résident"):
        role = role.replace("Le Président", "La Présidente") + "e"
        role = role.replace("ee", "e")
    return role


def rng_free_mayor(p: Person) -> str:
    return "Madame le Maire" if p.female else "Monsieur le Maire"


EPCI_KINDS = {
    "CC": "Communauté de communes",
    "CA": "Communauté d'agglomération",
    "CU": "Communauté urbaine",
    "ME": "Métropole",
}


def epci_full_name(entity: Entity) -> str:
    head, _, rest = entity.name.partition(" ")
    kind = EPCI_KINDS.get(head)
    return f"{kind} {rest}" if kind else entity.name


def pick_epci(ctx: Ctx) -> Entity:
    """The EPCI a family of conseil communautaire draws for (the context's entity when
    it is one)."""
    if ctx.entity.kind == "epci":
        return ctx.entity
    epcis = [e for e in load_roster() if e.kind == "epci"]
    return ctx.rng.choice(epcis)


def pick_commune(ctx: Ctx) -> Entity:
    """The commune a municipal council's family draws for (a member commune when the
    context's entity is an EPCI)."""
    if ctx.entity.kind != "epci":
        return ctx.entity
    by_code = {e.code: e for e in load_roster()}
    members = [by_code[m] for m in ctx.entity.member_codes if m in by_code]
    return ctx.rng.choice(members) if members else ctx.entity


def commune_name(entity: Entity, rng: random.Random) -> str:
    place = entity.name
    k = rng.randrange(5)
    if k == 0:
        return f"COMMUNE {de(place).upper()}"
    if k == 1 and entity.population > 5000:
        return f"Ville {de(place)}"
    return f"Commune {de(place)}"


def draw_act(ctx: Ctx, *, epci: bool = False, outcome: str | None = None) -> Act:
    rng = ctx.rng
    entity = pick_epci(ctx) if epci else pick_commune(ctx)
    if entity.kind == "epci":
        epci = True
    if epci:
        name = epci_full_name(entity)
        place = rng.choice(("Clisson", "Machecoul", "Evron", "Segré", "Montaigu", "Sablé"))
        if rng.random() < 0.3:
            name = name.upper()
    else:
        place = entity.name
        name = commune_name(entity, rng)
    meeting = meeting_date(rng)
    convocation = meeting - dt.timedelta(days=rng.choice((5, 6, 7, 8, 10)))
    if outcome is None:
        r = rng.random()
        outcome = "authorize" if r < 0.8 else ("postpone" if r < 0.9 else "refuse")
    in_office = rng.choice((11, 15, 19, 23, 27, 29, 33)) if not epci else rng.randint(30, 60)
    present = in_office - rng.randint(0, 5)
    proxies = rng.randint(0, in_office - present)
    voters = present + proxies
    if outcome == "refuse":
        contre = rng.randint(voters // 2 + 1, voters)
        abstention = rng.randint(0, voters - contre)
        pour = voters - contre - abstention
    elif outcome == "authorize" and rng.random() < 0.35:
        contre = rng.randint(0, 2)
        abstention = rng.randint(0, 3)
        pour = voters - contre - abstention
    else:
        pour, contre, abstention = voters, 0, 0
    chair = person(rng)
    year = meeting.year
    seq = rng.randint(40, 160)
    number = rng.choice(
        (
            f"{year}-{seq:03d}",
            f"DEL{year}_{seq}",
            f"D{year}_{seq:03d}",
            f"{year}/{seq}",
            f"{seq:02d}-{year}",
            f"DCM{year}{seq:03d}",
        )
    )
    signed_on = after(meeting, rng, 0, 4) if rng.random() < 0.7 else meeting
    ack = None
    if rng.random() < 0.8:
        sent = after(max(meeting, signed_on), rng, 0, 9)
        received = sent if rng.random() < 0.8 else after(sent + dt.timedelta(days=1), rng, 0, 1)
        published = (
            after(received, rng, 0, 3)
            if rng.random() < 0.4
            else (None if rng.random() < 0.5 else received)
        )
        actes_number = number.replace("-", "_").replace("/", "_").upper()
        ack = Ack(sent, received, published, act_id(entity, meeting, actes_number))
    return Act(
        entity=entity,
        epci=epci,
        place=place,
        name=name,
        meeting=meeting,
        convocation=convocation,
        hour=(rng.choice((18, 19, 20, 20, 20, 20)), rng.choice((0, 0, 0, 30, 15))),
        number=number,
        outcome=outcome,
        chair=chair,
        chair_role=role_of(chair, rng, epci),
        secretary=person(rng),
        members=[chair] + [person(rng) for _ in range(in_office - 1)],
        in_office=in_office,
        present=present,
        proxies=proxies,
        pour=pour,
        contre=contre,
        abstention=abstention,
        signed_on=signed_on,
        ack=ack,
        pupils=max(25, int(entity.population * rng.uniform(0.07, 0.11))),
        schools=max(1, round(entity.population / rng.uniform(1500, 3000))),
    )


def truth(
    act: Act,
    pages: list[int],
    *,
    with_id: bool = True,
    with_receipt: bool = True,
    arrival: dt.date | None = None,
) -> dict[str, object]:
    fields: dict[str, object] = {
        "collectivity": act.name,
        "meeting_date": act.meeting.isoformat(),
        "authorizes_signature": act.authorizes,
        "act_id": act.ack.id if act.ack and with_id else None,
        "prefecture_receipt_date": act.ack.received.isoformat()
        if act.ack and with_receipt
        else None,
    }
    if arrival is not None:
        fields["arrival_stamp_date"] = arrival.isoformat()
    return {"type": "deliberation", "pages": pages, "fields": fields}


# ----------------------------------------------------------------------------- wording

SUBJECTS = (
    "Adhésion au groupement de commandes pour la fourniture d'un espace numérique de travail "
    "(ENT) e-primo dans les écoles publiques du 1er degré – autorisation de signature de la "
    "convention",
    "ENT e-primo 2022-2026 : convention d'adhésion au groupement de commandes coordonné par "
    "l'Académie de Nantes",
    "Écoles – Espace numérique de travail e-primo – Groupement de commandes avec le Rectorat "
    "de l'académie de Nantes",
    "Convention constitutive du groupement de commandes « ENT e-primo » – marché 2022-2026",
)


def subject(rng: random.Random) -> str:
    return rng.choice(SUBJECTS)


def count_words(n: int) -> str:
    """A small count in words as clerks write it ("une", "trois"), a large one in figures."""
    if n == 1:
        return "une"
    return words(n) if n <= 20 else str(n)


def exposé(act: Act, rng: random.Random) -> list[str]:
    who = act.head
    paras = [
        f"{who} rappelle que l'Académie de Nantes a impulsé en 2013 le déploiement d'un "
        "Espace Numérique de Travail (ENT) dans les écoles, dénommé e-primo, qui permet aux "
        "élèves, aux enseignants et aux familles d'accéder à des services numériques éducatifs "
        "(cahier de textes, messagerie, blog, espaces documentaires).",
        "Le marché actuel (2018-2022) arrive à son terme. Par courrier du 18 octobre 2021, "
        "le Recteur de l'académie de Nantes propose aux collectivités d'adhérer à un nouveau "
        "groupement de commandes pour une période de 48 mois, du 19 juillet 2022 au 19 juillet "
        "2026, dont le Rectorat assure la coordination.",
    ]
    if rng.random() < 0.6:
        paras.append(
            "La participation financière de la collectivité est calculée en fonction du nombre "
            "de comptes élèves ouverts ; pour les "
            f"{count_words(act.schools)} "
            f"école{'s' if act.schools > 1 else ''} concernée{'s' if act.schools > 1 else ''}, "
            f"elle est estimée à environ {act.pupils} comptes."
        )
    if rng.random() < 0.5:
        paras.append(
            "La convention d'adhésion précise les modalités de fonctionnement du groupement ; "
            "elle est accompagnée de la fiche d'expression des besoins (nombre d'écoles et "
            "nombre de comptes élèves) à retourner avant le 15 janvier 2022."
        )
    return paras


VISAS = (
    "Vu le Code général des collectivités territoriales, et notamment son article L. 2121-29 ;",
    "Vu le Code de la commande publique, et notamment ses articles L. 2113-6 à L. 2113-8 ;",
    "Vu le courrier du Recteur de l'académie de Nantes en date du 18 octobre 2021 ;",
    "Vu le projet de convention constitutive du groupement de commandes ;",
    "Considérant l'intérêt pour les écoles publiques de disposer d'un espace numérique de "
    "travail ;",
)


def visas(act: Act, rng: random.Random) -> list[str]:
    out = [v for v in VISAS if rng.random() < 0.8]
    if act.epci:
        out = [v.replace("L. 2121-29", "L. 5211-1") for v in out]
    return out or [VISAS[0]]


def vote_phrase(act: Act) -> str:
    if act.unanimous:
        return "à l'unanimité des membres présents et représentés"
    parts = [f"{act.pour} voix pour"]
    if act.contre:
        parts.append(f"{act.contre} voix contre")
    if act.abstention:
        parts.append(f"{act.abstention} abstention{'s' if act.abstention > 1 else ''}")
    return (
        "par " + ", ".join(parts[:-1]) + " et " + parts[-1] if len(parts) > 1 else "par " + parts[0]
    )


def decision(act: Act, rng: random.Random) -> tuple[str, list[str]]:
    """The operative part: its lead-in and its articles."""
    who = (
        "la Présidente"
        if act.epci and act.chair.female
        else (
            "le Président" if act.epci else ("Madame le Maire" if act.chair.female else "le Maire")
        )
    )
    lead = f"Le {act.council}, après en avoir délibéré, {vote_phrase(act)} :"
    if act.outcome == "authorize":
        arts = [
            "APPROUVE l'adhésion au groupement de commandes pour la mise à disposition de "
            "l'ENT e-primo dans les écoles publiques, pour la période 2022-2026 ;",
            f"AUTORISE {who} à signer la convention constitutive du groupement de commandes "
            "ainsi que tout document s'y rapportant ;",
        ]
        if rng.random() < 0.6:
            arts.append("DIT que les crédits nécessaires seront inscrits au budget primitif 2022.")
        if rng.random() < 0.3:
            arts.insert(
                0, "ACCEPTE les termes de la convention annexée à la présente délibération ;"
            )
    elif act.outcome == "postpone":
        lead = f"Le {act.council}, après en avoir délibéré, {vote_phrase(act)} :"
        arts = [
            "DÉCIDE d'ajourner l'examen de ce point à une prochaine séance, dans l'attente "
            "d'éléments complémentaires sur le coût par compte élève ;",
            "DIT qu'en conséquence la signature de la convention n'est pas autorisée à ce jour.",
        ]
    else:
        arts = [
            "DÉCIDE de ne pas adhérer au groupement de commandes ENT e-primo 2022-2026 ;",
            f"N'AUTORISE PAS {who} à signer la convention constitutive du groupement.",
        ]
    return lead, arts


def ack_date(d: dt.date | None) -> str:
    return numeric(d) if d else ""


# ----------------------------------------------------------------------------- stamps


def slow_stamp(
    c: Canvas, x: float, y: float, ack: Ack, rng: random.Random, label_pub: str = ""
) -> float:
    """The S²LOW / iXBus stamp the platform overlays on the act, top right: "Envoyé en
    préfecture le / Reçu en préfecture le / Publié le / ID". (x, y) is its top-left
    corner; returns its height."""
    pub = label_pub or rng.choice(("Publié le", "Affiché le", "Publié le"))
    lines = [
        f"Envoyé en préfecture le {ack_date(ack.sent)}",
        f"Reçu en préfecture le {ack_date(ack.received)}",
        f"{pub} {ack_date(ack.published)}".rstrip(),
        f"ID : {ack.id}",
    ]
    size = 7.5
    face = "Helvetica"
    width = max(c.stringWidth(s, face, size) for s in lines) + 40
    height = len(lines) * size * 1.35 + 8
    c.saveState()
    c.setLineWidth(0.6)
    c.setStrokeColorRGB(0.3, 0.3, 0.3)
    c.rect(x, y - height, width, height)
    if rng.random() < 0.6:  # the platform's little mark on the left
        c.setFont("Helvetica-Bold", 6.5)
        c.setFillColorRGB(0.25, 0.4, 0.7)
        c.drawString(x + 3, y - height / 2 - 2, rng.choice(("S²LOW", "iXBus", "SLOW")))
        tx = x + 30
    else:
        tx = x + 6
    c.setFillColorRGB(0, 0, 0)
    c.setFont(face, size)
    for k, s in enumerate(lines):
        c.drawString(tx, y - 4 - size * 1.35 * (k + 1) + 2, s)
    c.restoreState()
    return height


def fast_block(c: Canvas, x: float, y: float, ack: Ack, rng: random.Random) -> float:
    """FAST / Docapost's block: "Accusé de réception en préfecture", the id, "Date de
    télétransmission : …", "Date de réception préfecture : …". Returns its height."""
    lines = [
        ("Helvetica-Bold", "Accusé de réception en préfecture"),
        ("Helvetica", ack.id),
        ("Helvetica", f"Date de télétransmission : {ack_date(ack.sent)}"),
        ("Helvetica", f"Date de réception préfecture : {ack_date(ack.received)}"),
    ]
    size = 7.5
    width = max(c.stringWidth(s, f, size) for f, s in lines) + 12
    height = len(lines) * size * 1.4 + 8
    c.saveState()
    c.setLineWidth(0.8)
    if rng.random() < 0.5:
        c.roundRect(x, y - height, width, height, 4)
    else:
        c.rect(x, y - height, width, height)
    for k, (f, s) in enumerate(lines):
        c.setFont(f, size)
        c.drawString(x + 6, y - 4 - size * 1.4 * (k + 1) + 2, s)
    c.restoreState()
    return height


def ack_page(c: Canvas, act: Act, rng: random.Random) -> None:
    """The acknowledgment page the platform returns and the town hall prints behind the
    act: "Accusé de réception d'un acte en préfecture" and the act's particulars."""
    ack = act.ack
    assert ack is not None
    vendor = rng.randrange(3)
    top = H - 2.5 * CM
    c.setFont("Helvetica-Bold", 13)
    title = (
        "Accusé de réception d'un acte en préfecture",
        "ACCUSÉ DE RÉCEPTION",
        "Accusé de réception - Contrôle de légalité",
    )[vendor]
    c.drawString(2.5 * CM, top, title)
    c.setFont("Helvetica", 9)
    c.drawString(
        2.5 * CM,
        top - 16,
        f"Préfecture de {PREFECTURES.get(act.entity.main_department, 'Loire-Atlantique')}",
    )
    objet = "Convention ENT e-primo - groupement de commandes 2022-2026"
    rows = [
        ("Objet de l'acte :", objet[:70]),
        ("Date de décision :", numeric(act.meeting)),
        ("Date de dépôt de l'acte :", numeric(ack.sent)),
        ("Date de réception de l'accusé de réception :", numeric(ack.received)),
        ("Numéro de l'acte :", act.number),
        ("Identifiant unique de l'acte :", ack.id),
        ("Nature de l'acte :", "Délibération"),
        ("Matières de l'acte :", "1 .4 Commande Publique .Autres types de contrats"),
        ("Date de la version de la classification :", "2017-03-03"),
        (
            "Nom du fichier :",
            f"DEL_{act.number.replace('/', '_')}.pdf ( 99_DE-{ack.id}-1-1_1.pdf )",
        ),
    ]
    if vendor == 1:
        rows[3] = ("Date de réception préfecture :", numeric(ack.received))
        rows.insert(3, ("Date de télétransmission :", numeric(ack.sent)))
        del rows[2]
    y = top - 50
    c.setLineWidth(0.5)
    for label, value in rows:
        c.setFont("Helvetica-Bold" if vendor != 2 else "Helvetica", 9)
        c.drawString(2.5 * CM, y, label)
        c.setFont("Helvetica", 9)
        if len(value) > 60:
            c.drawString(10.5 * CM, y, value[:58])
            y -= 12
            c.drawString(10.5 * CM, y, value[58:])
        else:
            c.drawString(10.5 * CM, y, value)
        if vendor == 2:
            c.line(2.5 * CM, y - 4, W - 2.5 * CM, y - 4)
        y -= 20
    c.setFont("Helvetica-Oblique", 7.5)
    c.drawString(
        2.5 * CM,
        y - 20,
        "Ce document atteste de la réception de l'acte par le représentant de l'État ; il ne "
        "préjuge pas de sa légalité.",
    )
    c.showPage()


def signature(c: Canvas, ctx: Ctx, x: float, y: float, w: float = 120, h: float = 40) -> None:
    """Ink where the signatory signs: pen on paper; on a digital file a pasted image, a
    vectorised signature, or nothing (signed on the register only)."""
    rng = ctx.rng
    if ctx.paper:
        pen_signature(c, x, y, w, h, rng, ink=rng.choice((BLUE_INK, BLACK_INK)))
        return
    k = rng.randrange(3)
    if k == 0:
        paste_image(c, signature_image(rng, w, h), x, y, w, h)
    elif k == 1:
        vector_signature(c, x, y, w, h, rng)


def seal(c: Canvas, ctx: Ctx, act: Act, cx: float, cy: float) -> None:
    if ctx.paper and ctx.rng.random() < 0.75:
        label = act.entity.name if act.epci else f"Mairie {de(act.place)}"
        round_seal(
            c,
            cx,
            cy,
            ctx.rng.uniform(32, 42),
            label,
            ctx.rng,
            colour=ctx.rng.choice((STAMP_BLUE, STAMP_VIOLET)),
            centre="LE\nPRÉSIDENT" if act.epci else "LE MAIRE",
            bottom=DEPT_NAMES.get(act.entity.main_department, ""),
        )


def maybe_arrival(c: Canvas, ctx: Ctx, act: Act) -> dt.date | None:
    if ctx.paper and ctx.rng.random() < 0.5:
        day = arrival_day(ctx.rng, act.signed_on)
        arrival_stamp(c, day, ctx.rng)
        return day
    return None


def sign_block(
    w: Writer, ctx: Ctx, act: Act, *, secretary: bool = False, fait: bool = True
) -> None:
    rng = ctx.rng
    c = w.c
    w.ensure(130)
    w.space(10)
    if fait:
        w.para(
            rng.choice(
                (
                    "Pour extrait conforme,",
                    "Pour extrait certifié conforme,",
                    "Pour copie conforme,",
                )
            )
        )
        w.para(
            f"Fait à {act.place}, le "
            + rng.choice((numeric(act.signed_on), long_date(act.signed_on)))
        )
    w.space(6)
    top = w.y
    role = act.chair_role
    name = act.chair.written(rng)
    if secretary:
        c.setFont(w.face, w.size)
        c.drawString(w.left, top - 12, "Le secrétaire de séance,")
        c.drawString(w.left, top - 26, act.secretary.written(rng))
        if ctx.paper or rng.random() < 0.5:
            signature(c, ctx, w.left + 5, top - 80, 100, 36)
    x = w.left + w.width * 0.55
    c.setFont(w.face, w.size)
    c.drawString(x, top - 12, f"{role},")
    c.drawString(x, top - 26, name)
    seal(c, ctx, act, x + 40, top - 70)
    signature(c, ctx, x + 10, top - 85, 120, 42)
    w.y = top - 100


def ack_sentence(act: Act, rng: random.Random) -> tuple[str, bool]:
    """A receipt in words, as clerks type it under the act; returns (text, shows the id)."""
    ack = act.ack
    assert ack is not None
    r = numeric(ack.received)
    k = rng.randrange(4)
    if k == 0:
        text = f"Reçu par le représentant de l'État le {r}"
        if ack.published:
            text += f" et publié le {numeric(ack.published)}"
    elif k == 1:
        text = (
            f"Acte rendu exécutoire après dépôt en Préfecture le {r} et publication ou "
            f"notification le {numeric(ack.published or ack.received)}"
        )
    elif k == 2:
        text = f"Transmis au contrôle de légalité – reçu en Préfecture le {r}"
    else:
        text = (
            f"Certifié exécutoire, reçu par le représentant de l'Etat le {long_date(ack.received)}"
        )
    shows = rng.random() < 0.5
    if shows:
        text += f". Identifiant de télétransmission : {ack.id}"
    return text, shows


# ----------------------------------------------------------------------------- families


def _canvas(act: Act, creator: str) -> tuple[io.BytesIO, Canvas]:
    from samples.families.common import new_canvas

    buf = io.BytesIO()
    c = new_canvas(buf, f"Délibération {act.number}", act.name, creator)
    return buf, c


@family(
    "deliberation.register_words",
    "deliberation",
    "Register extract of a Word template: centred 'EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS', "
    "meeting opened in words ('L'an deux mil vingt et un, le treize décembre à vingt heures'), "
    "members in prose, counts, S²LOW stamp box top right or none",
)
def register_words(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    act = draw_act(ctx, epci=False)
    buf, c = _canvas(act, "Microsoft® Word 2016")
    w = SafeWriter(c, face="Times-Roman", bold="Times-Bold", size=11)
    stamped = act.ack is not None and rng.random() < 0.75
    arrival = maybe_arrival(c, ctx, act)
    if stamped:
        slow_stamp(c, W - 8.6 * CM, H - 1.0 * CM, act.ack, rng)  # type: ignore[arg-type]
        w.y -= 1.4 * CM
    dep = DEPT_NAMES.get(act.entity.main_department, "")
    w.para(
        "DÉPARTEMENT "
        + ("DE LA " if dep in ("Sarthe", "Mayenne", "Vendée") else "DE ")
        + dep.upper(),
        face="Times-Bold",
        size=10,
        after=1,
    )
    w.para(act.name.upper(), face="Times-Bold", size=12, after=14)
    w.para(
        "EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS", face="Times-Bold", size=14, align="center", after=1
    )
    w.para("DU CONSEIL MUNICIPAL", face="Times-Bold", size=14, align="center", after=12)
    h, m = act.hour
    hour = f"à {words(h)} heures" + (f" {words(m)}" if m else "")
    opening = register_opening(act.meeting, rng)
    w.para(
        f"{opening} {hour}, le Conseil municipal de la commune {de(act.place)}, dûment convoqué le "
        f"{numeric(act.convocation)}, s'est réuni en session ordinaire, à la mairie, sous la "
        f"présidence de {act.chair.civility} {act.chair.first} {act.chair.last.upper()}, Maire.",
        align="left",
        after=6,
    )
    present = act.members[: act.present]
    w.para(
        "Étaient présents : "
        + ", ".join(f"{p.short_civility} {p.first} {p.last}" for p in present)
        + ".",
        after=4,
    )
    absent = act.members[act.present :]
    if absent:
        w.para(
            "Absents excusés : " + ", ".join(f"{p.first} {p.last}" for p in absent) + ".", after=4
        )
    w.para(
        f"{act.secretary.civility} {act.secretary.last} a été désigné(e) secrétaire de séance.",
        after=4,
    )
    w.para(
        f"Nombre de conseillers en exercice : {act.in_office} – Présents : {act.present} – "
        f"Votants : {act.voters}",
        face="Times-Italic",
        after=10,
    )
    w.para(f"N° {act.number} – Objet : {subject(rng)}", face="Times-Bold", after=8)
    for p in exposé(act, rng):
        w.para(p, after=5)
    for v in visas(act, rng):
        w.para(v, after=2, indent=10)
    lead, arts = decision(act, rng)
    w.space(4)
    w.para(lead, after=4)
    for a in arts:
        w.para("– " + a, indent=14, after=3)
    if rng.random() < 0.4:
        w.para(f"Pour : {act.pour}  Contre : {act.contre}  Abstentions : {act.abstention}", after=3)
    if rng.random() < 0.4:
        w.new_page()  # the signatures land on the second sheet
    sign_block(w, ctx, act, secretary=rng.random() < 0.5)
    pages = w.finish()
    c.save()
    doc = truth(
        act, list(range(1, pages + 1)), with_id=stamped, with_receipt=stamped, arrival=arrival
    )
    return Rendered(buf.getvalue(), [doc], pages)


@family(
    "deliberation.seance_table",
    "deliberation",
    "LibreOffice act headed 'Séance du lundi 13 décembre 2021': a ruled table of members "
    "(présent / absent / pouvoir), a vote table, FAST/Docapost block 'Accusé de réception en "
    "préfecture / Date de télétransmission / Date de réception préfecture'",
)
def seance_table(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    act = draw_act(ctx)
    face, bold = font("DejaVuSans"), font("DejaVuSans-Bold")
    buf, c = _canvas(act, "LibreOffice 7.1")
    w = SafeWriter(c, face=face, bold=bold, size=9.5, leading=1.3)
    arrival = maybe_arrival(c, ctx, act)
    block_top = act.ack is not None and rng.random() < 0.5
    if act.ack and block_top:
        fast_block(c, W - 9.2 * CM, H - 0.6 * CM, act.ack, rng)
        w.y -= 1.2 * CM
    w.para(act.name.upper(), face=bold, size=12, after=2)
    w.para(f"Département : {DEPT_NAMES.get(act.entity.main_department, '')}", size=8.5, after=16)
    w.y = min(w.y, H - 4.2 * CM)
    w.para(f"DÉLIBÉRATION N° {act.number}", face=bold, size=13, align="center", after=3)
    w.para(f"Séance du {weekday_date(act.meeting)}", face=bold, size=11, align="center", after=10)
    w.para(
        f"Date de convocation : {numeric(act.convocation)}    "
        f"Date d'affichage : {numeric(act.convocation)}",
        size=8.5,
        after=8,
    )
    # members table
    shown = act.members[: min(len(act.members), rng.choice((12, 15, 19)))]
    cols = 2
    rows = (len(shown) + cols - 1) // cols
    cw = w.width / cols
    rh = 12.5
    w.ensure(rh * (rows + 1))
    top = w.y
    c.setLineWidth(0.4)
    c.setFont(bold, 8)
    for k in range(cols):
        c.drawString(w.left + k * cw + 4, top - 9, "Conseiller")
        c.drawString(w.left + k * cw + cw * 0.68, top - 9, "Présence")
    for i, p in enumerate(shown):
        col, row = divmod(i, rows)
        yy = top - rh * (row + 2)
        c.setFont(face, 8)
        c.drawString(w.left + col * cw + 4, yy + 3.5, f"{p.last.upper()} {p.first}")
        state = (
            "Présent"
            if act.members.index(p) < act.present
            else rng.choice(("Absent", "Excusé", "Pouvoir"))
        )
        c.drawString(w.left + col * cw + cw * 0.68, yy + 3.5, state)
    for r in range(rows + 2):
        c.line(w.left, top - rh * r, w.right, top - rh * r)
    for k in range(cols + 1):
        c.line(w.left + k * cw, top, w.left + k * cw, top - rh * (rows + 1))
    for k in range(cols):
        x = w.left + k * cw + cw * 0.65
        c.line(x, top, x, top - rh * (rows + 1))
    w.y = top - rh * (rows + 1) - 10
    w.para(f"Secrétaire de séance : {act.secretary.written(rng)}", after=8)
    w.para(f"Objet : {subject(rng)}", face=bold, after=8)
    for p in exposé(act, rng):
        w.para(p, after=5)
    for v in visas(act, rng):
        w.para(v, after=2)
    lead, arts = decision(act, rng)
    w.para(lead.replace(f", {vote_phrase(act)}", ""), after=4)
    for a in arts:
        w.para("• " + a, indent=12, after=3)
    # vote table
    w.ensure(40)
    top = w.y - 4
    labels = ("En exercice", "Présents", "Votants", "Pour", "Contre", "Abstentions")
    values = (act.in_office, act.present, act.voters, act.pour, act.contre, act.abstention)
    cw = w.width / len(labels)
    for k, (lab, val) in enumerate(zip(labels, values, strict=True)):
        c.rect(w.left + k * cw, top - 30, cw, 30)
        c.setFont(bold, 8)
        c.drawCentredString(w.left + k * cw + cw / 2, top - 11, lab)
        c.setFont(face, 9)
        c.drawCentredString(w.left + k * cw + cw / 2, top - 25, str(val))
    w.y = top - 40
    sign_block(w, ctx, act)
    if act.ack and not block_top:
        w.ensure(60)
        fast_block(c, w.left, w.y - 4, act.ack, rng)
        w.space(60)
    pages = w.finish()
    c.save()
    shown_ack = act.ack is not None
    doc = truth(
        act, list(range(1, pages + 1)), with_id=shown_ack, with_receipt=shown_ack, arrival=arrival
    )
    return Rendered(buf.getvalue(), [doc], pages)


@family(
    "deliberation.epci_council",
    "deliberation",
    "Conseil communautaire of an EPCI (Berger-Levrault layout): 'Extrait du registre des "
    "délibérations du Conseil communautaire', numbered act 'CC-2021-…', the president signs; "
    "the platform's acknowledgment as a separate page behind the act, or none",
)
def epci_council(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    act = draw_act(ctx, epci=True)
    face, bold = "Helvetica", "Helvetica-Bold"
    buf, c = _canvas(act, "Berger-Levrault e.magnus")
    arrival = maybe_arrival(c, ctx, act)

    def footer(canv: Canvas, page: int) -> None:
        canv.saveState()
        canv.setFont(face, 7)
        canv.drawString(2.2 * CM, 1.2 * CM, f"{act.name} – Délibération n° CC-{act.number}")
        canv.drawRightString(W - 2.2 * CM, 1.2 * CM, f"Page {page}")
        canv.restoreState()

    w = SafeWriter(c, face=face, bold=bold, size=9.5, footer=footer)
    # heading: name in a band
    c.setFillColorRGB(0.15, 0.3, 0.5)
    c.rect(0, H - 2.6 * CM, W * 0.62, 1.3 * CM, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(bold, 11 if len(act.name) < 50 else 9)
    c.drawString(1.2 * CM, H - 2.05 * CM, act.name)
    c.setFillColorRGB(0, 0, 0)
    w.y = H - 3.6 * CM
    w.para(
        "EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS DU CONSEIL COMMUNAUTAIRE",
        face=bold,
        size=11.5,
        after=4,
    )
    w.para(f"Séance du {long_date(act.meeting)}", face=bold, size=10, after=10)
    pres = "Présidente" if act.chair.female else "Président"
    w.para(
        f"Le {long_date(act.meeting)} à {act.hour[0]} h {act.hour[1]:02d}, le Conseil "
        "communautaire, "
        f"légalement convoqué le {long_date(act.convocation)}, s'est réuni au siège de la "
        f"communauté à {act.place}, sous la présidence de {act.chair.civility} "
        f"{act.chair.first} {act.chair.last.upper()}, {pres}.",
        after=5,
    )
    w.para(
        f"Conseillers en exercice : {act.in_office}  |  Présents : {act.present}  |  Pouvoirs : "
        f"{act.proxies}  |  Votants : {act.voters}",
        after=5,
    )
    w.para(
        "Présents : " + ", ".join(p.written(rng) for p in act.members[: act.present]),
        size=8,
        after=8,
    )
    w.para(f"Délibération n° CC-{act.number}", face=bold, after=2)
    w.para(f"Objet : {subject(rng)}", face=bold, after=8)
    rapporteur = person(rng)
    w.para(
        f"Rapporteur : {rapporteur.civility} {rapporteur.last}, "
        f"Vice-président{'e' if rapporteur.female else ''}",
        after=6,
    )
    for p in exposé(act, rng):
        w.para(p.replace("de la collectivité", "de la communauté"), after=5)
    w.para(
        "La communauté exerce la compétence « équipements et services numériques des écoles » "
        "pour le compte de ses communes membres.",
        after=5,
    )
    for v in visas(act, rng):
        w.para(v, after=2)
    lead, arts = decision(act, rng)
    w.para(lead, after=4)
    for a in arts:
        w.para(a, indent=16, after=3)
    sign_block(w, ctx, act, fait=True)
    pages = w.finish()
    separate = act.ack is not None and rng.random() < 0.75
    if separate:
        ack_page(c, act, rng)
        pages += 1
    c.save()
    doc = truth(
        act, list(range(1, pages + 1)), with_id=separate, with_receipt=separate, arrival=arrival
    )
    return Rendered(buf.getvalue(), [doc], pages)


@family(
    "deliberation.dcm_terse",
    "deliberation",
    "A terse one-page 'DCM n° 2021-087' decision (small commune, typed by the secretary): "
    "no register title, a few lines, receipt as a sentence ('Reçu par le représentant de "
    "l'État le …', 'Acte rendu exécutoire après dépôt en Préfecture le …') or none",
)
def dcm_terse(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    act = draw_act(ctx, epci=False)
    face, bold = font("DejaVuSerif"), font("DejaVuSerif-Bold")
    buf, c = _canvas(act, "Writer")
    w = SafeWriter(c, face=face, bold=bold, size=10)
    arrival = maybe_arrival(c, ctx, act)
    w.para(f"{act.name}", face=bold, size=11, after=2)
    w.para(f"Conseil municipal du {numeric(act.meeting)}", size=10, after=18)
    w.para(f"DCM n° {act.number}", face=bold, size=13, after=6)
    w.para(f"Objet : {subject(rng)}", face=bold, after=10)
    w.para(
        f"Présents : {act.present} – Représentés : {act.proxies} – "
        f"Absents : {act.in_office - act.voters}",
        after=8,
    )
    w.para(
        f"{act.head} présente au Conseil la proposition de l'Académie de Nantes d'adhérer au "
        "groupement de commandes ENT e-primo (2022-2026) et le projet de convention.",
        after=6,
    )
    lead, arts = decision(act, rng)
    w.para(lead, after=3)
    for a in arts:
        w.para("- " + a[0] + a[1:].lower() if rng.random() < 0.5 else "- " + a, indent=10, after=2)
    with_id = with_receipt = False
    if act.ack:
        with_receipt = True
        text, with_id = ack_sentence(act, rng)
        w.space(8)
        w.para(text, face=font("DejaVuSerif-Italic"), size=9, after=6)
    sign_block(w, ctx, act, fait=rng.random() < 0.6)
    pages = w.finish()
    c.save()
    doc = truth(
        act, list(range(1, pages + 1)), with_id=with_id, with_receipt=with_receipt, arrival=arrival
    )
    return Rendered(buf.getvalue(), [doc], pages)


@family(
    "deliberation.two_column_heading",
    "deliberation",
    "Two-column heading (commune logo block left, 'RÉPUBLIQUE FRANÇAISE / Liberté Égalité "
    "Fraternité' right) over a left sidebar of counts and convocation date beside the body "
    "(JVS Mairistem style); the S²LOW stamp lands inside the text flow, or a receipt sentence",
)
def two_column_heading(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    act = draw_act(ctx, epci=False)
    face, bold = font("DejaVuSansCondensed"), font("DejaVuSansCondensed-Bold")
    buf, c = _canvas(act, "JVS-Mairistem")
    arrival = maybe_arrival(c, ctx, act)
    top = H - 1.8 * CM
    # logo block left: a shield and the name
    c.saveState()
    c.setFillColorRGB(0.1, 0.35, 0.6)
    p = c.beginPath()
    x0 = 2 * CM
    p.moveTo(x0, top)
    p.lineTo(x0 + 36, top)
    p.lineTo(x0 + 36, top - 26)
    p.curveTo(x0 + 36, top - 40, x0 + 18, top - 46, x0 + 18, top - 46)
    p.curveTo(x0 + 18, top - 46, x0, top - 40, x0, top - 26)
    p.close()
    c.drawPath(p, stroke=0, fill=1)
    c.restoreState()
    c.setFont(bold, 10)
    c.drawString(x0 + 44, top - 12, act.name.upper())
    c.setFont(face, 8)
    c.drawString(
        x0 + 44,
        top - 24,
        f"{rng.randint(1, 30)} "
        + rng.choice(("place de la Mairie", "rue de l'Église", "place du Général de Gaulle")),
    )
    c.drawString(
        x0 + 44, top - 34, f"Département : {DEPT_NAMES.get(act.entity.main_department, '')}"
    )
    c.setFont(bold, 10)
    c.drawRightString(W - 2 * CM, top - 12, "RÉPUBLIQUE FRANÇAISE")
    c.setFont(font("DejaVuSerif-Italic"), 8)
    c.drawRightString(W - 2 * CM, top - 24, "Liberté – Égalité – Fraternité")
    y = top - 70
    c.setFont(bold, 12)
    c.drawCentredString(W / 2, y, "EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS")
    c.setFont(face, 10)
    c.drawCentredString(W / 2, y - 14, f"du {act.council} – séance du {numeric(act.meeting)}")
    # sidebar
    side_x, side_w = 2 * CM, 5.2 * CM
    sy = y - 46
    side = [
        ("Date de convocation :", numeric(act.convocation)),
        ("Nombre de conseillers :", ""),
        ("En exercice :", str(act.in_office)),
        ("Présents :", str(act.present)),
        ("Votants :", str(act.voters)),
        ("Délibération n°", act.number),
    ]
    for lab, val in side:
        c.setFont(bold if not val else face, 8)
        c.drawString(side_x, sy, lab)
        if val:
            c.drawRightString(side_x + side_w - 6, sy, val)
        sy -= 12
    c.setLineWidth(0.4)
    c.line(side_x + side_w, y - 36, side_x + side_w, sy - 4)
    w = SafeWriter(c, face=face, bold=bold, size=9.5, left=side_x + side_w + 10, top=y - 36)
    hour = f"à {act.hour[0]}h{act.hour[1]:02d}"
    w.para(
        f"{register_opening(act.meeting, rng)} {hour}, le {act.council}, dûment convoqué, s'est "
        "réuni en séance publique sous la présidence de "
        f"{act.chair.civility} {act.chair.last.upper()}, Maire.",
        after=5,
    )
    w.para(
        "Présents : " + ", ".join(p.written(rng) for p in act.members[: act.present]),
        size=8.5,
        after=5,
    )
    w.para(f"Secrétaire de séance : {act.secretary.written(rng)}", size=8.5, after=10)
    # the sidebar ends: the body takes the full width below it
    w.y = min(w.y, sy - 10)
    w.left = side_x
    w.para(f"Objet : {subject(rng)}", face=bold, after=8)
    in_flow = act.ack is not None and rng.random() < 0.6
    body = exposé(act, rng)
    for k, p in enumerate(body):
        w.para(p, after=5)
        if in_flow and k == 0:
            w.ensure(50)
            h = slow_stamp(c, w.right - 8.3 * CM, w.y - 2, act.ack, rng)  # type: ignore[arg-type]
            w.space(h + 8)
    lead, arts = decision(act, rng)
    w.para(lead, after=3)
    for a in arts:
        w.para(a, indent=12, after=3)
    with_id = with_receipt = in_flow
    if act.ack and not in_flow:
        text, with_id = ack_sentence(act, rng)
        with_receipt = True
        w.para(text, size=8.5, after=4)
    sign_block(w, ctx, act, secretary=rng.random() < 0.4)
    pages = w.finish()
    c.save()
    doc = truth(
        act, list(range(1, pages + 1)), with_id=with_id, with_receipt=with_receipt, arrival=arrival
    )
    return Rendered(buf.getvalue(), [doc], pages)


@family(
    "deliberation.caps_runon",
    "deliberation",
    "Cosoluce-style heading whose capital lines run together ('COMMUNE DE X DÉPARTEMENT DE "
    "… EXTRAIT DU REGISTRE … SÉANCE DU …' on two tight lines), body over two pages, the "
    "secretary's and the mayor's signatures on page 2; S²LOW stamp on each page top right, "
    "or the FAST block at the end, or none",
)
def caps_runon(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    act = draw_act(ctx, epci=False)
    face, bold = "Times-Roman", "Times-Bold"
    buf, c = _canvas(act, "Cosoluce")
    style = rng.choice(("stamp", "stamp", "fast", "none")) if act.ack else "none"

    def footer(canv: Canvas, page: int) -> None:
        if style == "stamp":
            slow_stamp(
                canv, W - 8.4 * CM, H - 0.8 * CM, act.ack, random.Random(ctx.seed), "Publié le"
            )  # type: ignore[arg-type]
        canv.saveState()
        canv.setFont(face, 8)
        canv.drawCentredString(W / 2, 1.1 * CM, f"Délibération {act.number} – {page}/2")
        canv.restoreState()

    w = SafeWriter(c, face=face, bold=bold, size=10.5, footer=footer, top=H - 3.0 * CM)
    arrival = maybe_arrival(c, ctx, act)
    dep = DEPT_NAMES.get(act.entity.main_department, "")
    seance = f"SÉANCE DU {weekday_date(act.meeting).upper()}"
    line1 = (
        f"{act.name.upper()}   DÉPARTEMENT : {dep.upper()}   EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS"
    )
    line2 = f"DU CONSEIL MUNICIPAL   {seance}   RÉPUBLIQUE FRANÇAISE"
    w.para(line1, face=bold, size=9.5, after=0)
    w.para(line2, face=bold, size=9.5, after=12)
    w.para(
        f"{register_opening(act.meeting, rng)}, à {words(act.hour[0])} heures, les membres du "
        f"Conseil municipal se sont réunis au lieu ordinaire de leurs séances, sur la convocation "
        f"qui leur a été adressée le {long_date(act.convocation)} par {rng_free_mayor(act.chair)}.",
        after=6,
    )
    w.para(
        "Étaient présents : "
        + ", ".join(p.written(rng) for p in act.members[: act.present])
        + f". Pouvoirs : {act.proxies}. Secrétaire : {act.secretary.written(rng)}.",
        after=10,
    )
    w.para(f"{act.number} – {subject(rng)}", face=bold, after=8)
    for p in exposé(act, rng):
        w.para(p, after=6)
    for v in visas(act, rng):
        w.para(v, after=3)
    lead, arts = decision(act, rng)
    if w.page == 1:
        w.new_page()
    w.para(lead, after=4)
    for a in arts:
        w.para(a, indent=20, after=4)
    w.para("Ainsi fait et délibéré les jour, mois et an susdits.", after=4)
    if style == "fast":
        w.space(4)
        fast_block(c, w.left, w.y, act.ack, rng)  # type: ignore[arg-type]
        w.space(60)
    sign_block(w, ctx, act, secretary=True, fait=rng.random() < 0.5)
    pages = w.finish()
    c.save()
    shown = style != "none"
    doc = truth(act, list(range(1, pages + 1)), with_id=shown, with_receipt=shown, arrival=arrival)
    return Rendered(buf.getvalue(), [doc], pages)


@family(
    "deliberation.plain_letterhead",
    "deliberation",
    "Plain letterhead of a large commune ('Ville de …', service line, reference), 'Séance du "
    "conseil municipal du …' and a two-line decision; 'Accusé de réception en préfecture' "
    "block in the left margin at the top, or a separate acknowledgment page behind or in "
    "front of the act",
)
def plain_letterhead(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    act = draw_act(ctx, epci=False)
    face, bold = font("DejaVuSans"), font("DejaVuSans-Bold")
    buf, c = _canvas(act, "Microsoft® Word pour Microsoft 365")
    arrival = maybe_arrival(c, ctx, act)
    style = rng.choice(("block", "page", "page_first")) if act.ack else "none"
    if style == "page_first":  # the platform's receipt printed in front of the act
        ack_page(c, act, rng)
    if style == "block":
        fast_block(c, 1.5 * CM, H - 1.0 * CM, act.ack, rng)  # type: ignore[arg-type]
    w = SafeWriter(c, face=face, bold=bold, size=9.5, top=H - 4.0 * CM)
    c.setFont(bold, 14)
    c.drawRightString(W - 2 * CM, H - 1.8 * CM, act.name)
    c.setFont(face, 8)
    c.drawRightString(W - 2 * CM, H - 2.3 * CM, "Direction de l'Éducation – Affaires scolaires")
    w.para(f"Séance du conseil municipal du {long_date(act.meeting)}", face=bold, size=11, after=4)
    w.para(f"Délibération n° {act.number}", size=10, after=4)
    w.para(
        f"Rapporteur : {person(rng).written(rng)}, adjoint(e) chargé(e) de l'éducation",
        size=9,
        after=10,
    )
    w.para(subject(rng).upper(), face=bold, size=10, after=8)
    for p in exposé(act, rng):
        w.para(p, after=5)
    w.para(
        f"Conseillers en exercice : {act.in_office}. Présents ou représentés : {act.voters}.",
        after=6,
    )
    lead, arts = decision(act, rng)
    w.para(lead, after=3)
    for a in arts:
        w.para(a, indent=12, after=3)
    w.para(
        f"Pour : {act.pour} – Contre : {act.contre} – Abstention(s) : {act.abstention}",
        face=bold,
        after=6,
    )
    sign_block(w, ctx, act)
    pages = w.finish()
    if style == "page":
        ack_page(c, act, rng)
    pages += style in ("page", "page_first")
    c.save()
    shown = style != "none"
    doc = truth(act, list(range(1, pages + 1)), with_id=shown, with_receipt=shown, arrival=arrival)
    return Rendered(buf.getvalue(), [doc], pages)


OTHER_ITEMS = (
    (
        "Restauration scolaire – tarifs 2022",
        "FIXE les tarifs du restaurant scolaire applicables au 1er janvier 2022 : 3,45 € le "
        "repas enfant, 5,80 € le repas adulte ;",
    ),
    (
        "Salle polyvalente – convention de mise à disposition",
        "AUTORISE le Maire à signer la convention de mise à disposition de la salle "
        "polyvalente avec l'association sportive communale ;",
    ),
    (
        "Budget principal – décision modificative n° 3",
        "ADOPTE la décision modificative n° 3 du budget principal telle que présentée ;",
    ),
    (
        "Personnel communal – création d'un poste d'adjoint technique",
        "DÉCIDE la création d'un poste d'adjoint technique territorial à temps non complet "
        "(28/35e) à compter du 1er janvier 2022 ;",
    ),
)


def next_number(number: str, year: int, step: int) -> str:
    """The act number ``step`` away: "2021-087" -> "2021-088", "87-2021" -> "88-2021"."""
    runs = [m for m in re.finditer(r"\d+", number) if m.group() != str(year)]
    if not runs:
        return f"{number}-{'bis' if step > 0 else '0'}"
    m = runs[-1]
    digits = m.group()
    if len(digits) > 4 and digits.startswith(str(year)):  # "DCM2021087"
        head, tail = digits[:4], digits[4:]
        value = f"{head}{max(1, int(tail) + step):0{len(tail)}d}"
    else:
        value = f"{max(1, int(digits) + step):0{len(digits)}d}"
    return number[: m.start()] + value + number[m.end() :]


@family(
    "deliberation.register_sheet",
    "deliberation",
    "A photocopied sheet of the paper register ('Registre des délibérations – feuillet "
    "n° …') with two acts of the same sitting one after the other, the e-primo act first or "
    "second, each numbered, each with its own receipt line and id (or none); another act "
    "may authorize signing something else",
)
def register_sheet(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    act = draw_act(ctx, epci=False)
    face, bold = "Times-Roman", "Times-Bold"
    buf, c = _canvas(act, rng.choice(("Canon iR-ADV C3520", "HP LaserJet MFP", "RICOH MP C3004")))
    arrival = maybe_arrival(c, ctx, act)
    year = act.meeting.year
    folio = rng.randint(40, 220)
    w = SafeWriter(c, face=face, bold=bold, size=10.5, top=H - 2.0 * CM)
    c.setFont(face, 8.5)
    c.drawString(w.left, H - 1.2 * CM, f"Registre des délibérations {year} – feuillet n° {folio}")
    c.drawRightString(w.right, H - 1.2 * CM, act.name)
    c.setLineWidth(0.5)
    c.line(w.left, H - 1.4 * CM, w.right, H - 1.4 * CM)
    w.para(
        f"Séance du {weekday_date(act.meeting)} – {act.council}",
        face=bold,
        size=11,
        align="center",
        after=4,
    )
    w.para(
        f"{register_opening(act.meeting, rng)}, à {words(act.hour[0])} heures, le {act.council} "
        f"{de(act.place)}, légalement convoqué, s'est réuni sous la présidence de "
        f"{act.chair.civility} {act.chair.last.upper()}, Maire. En exercice : {act.in_office} – "
        f"Présents : {act.present} – Votants : {act.voters}. Secrétaire de séance : "
        f"{act.secretary.written(rng)}.",
        size=9.5,
        after=10,
    )
    # the other act of the sitting, numbered just before or after the e-primo one
    other_title, other_decision = rng.choice(OTHER_ITEMS)
    eprimo_first = rng.random() < 0.5
    seq = act.number
    other_number = next_number(seq, year, 1 if eprimo_first else -1)
    other_ack: Ack | None = None
    if act.ack:
        actes = other_number.replace("-", "_").replace("/", "_").upper()
        other_ack = Ack(
            act.ack.sent,
            act.ack.received,
            act.ack.published,
            act_id(act.entity, act.meeting, actes),
        )
    with_id = with_receipt = False

    def item(
        number: str,
        title: str,
        paras: list[str],
        lead: str,
        arts: list[str],
        ack: Ack | None,
        mine: bool,
    ) -> None:
        nonlocal with_id, with_receipt
        w.para(f"Délibération n° {number} – {title}", face=bold, after=5)
        for p in paras:
            w.para(p, after=4)
        w.para(lead, after=3)
        for a in arts:
            w.para(a, indent=14, after=3)
        if ack is not None:
            line = f"Reçu en préfecture le {numeric(ack.received)}"
            shows = rng.random() < 0.7 if mine else True
            if shows:
                line += f" – ID : {ack.id}"
            w.para(line, face="Times-Italic", size=9, after=10)
            if mine:
                with_receipt, with_id = True, shows
        else:
            w.space(8)

    other = (
        other_number,
        other_title,
        [f"{act.head} présente au Conseil le point inscrit à l'ordre du jour."],
        "Le Conseil municipal, après en avoir délibéré, à l'unanimité :",
        [other_decision],
        other_ack,
        False,
    )
    lead, arts = decision(act, rng)
    eprimo = (act.number, subject(rng), exposé(act, rng)[:2], lead, arts, act.ack, True)
    for it in (eprimo, other) if eprimo_first else (other, eprimo):
        item(*it)
    w.para(
        "Ainsi fait et délibéré les jour, mois et an que dessus. Au registre sont les signatures.",
        size=9.5,
        after=4,
    )
    sign_block(w, ctx, act, fait=rng.random() < 0.7)
    pages = w.finish()
    c.save()
    doc = truth(
        act, list(range(1, pages + 1)), with_id=with_id, with_receipt=with_receipt, arrival=arrival
    )
    return Rendered(buf.getvalue(), [doc], pages)
