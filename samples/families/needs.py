"""Families of the needs form (annexe 2, "fiche d'expression des besoins"): how many
public schools a collectivity brings into the e-primo group purchase and how many pupil
accounts it asks for, as town halls fill it in: the rectorat's form typed into or written
on by hand, a form with leader dots, a ruled table of labels and cells, their own
school-by-school table (any column order, with or without a total, over two pages), a
spreadsheet printed to PDF, boxed fields with the value under the label, a letter that
states the figures in prose; sometimes sent back blank.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from samples.families import family
from samples.families.common import (
    Ctx,
    H,
    Person,
    Rendered,
    W,
    Writer,
    any_date,
    arrival_day,
    arrival_stamp,
    de,
    draw_hand,
    font,
    long_date,
    new_canvas,
    pen_signature,
    person,
    round_seal,
    strip_accents,
)
from samples.families.deliberation import (
    SafeWriter,
    count_words,
    epci_full_name,
    pick_commune,
    role_of,
)
from samples.roster import Entity, load_roster

CM = 72 / 2.54
HAND_INK = (0.1, 0.14, 0.55)

# ----------------------------------------------------------------------------- the needs


@dataclass
class School:
    name: str
    uai: str
    classes: int
    pupils: int
    accounts: int


@dataclass
class Needs:
    entity: Entity
    epci: bool
    place: str
    name: str  # the collectivity as the form names it
    schools: list[School]
    teachers: int
    contact: Person
    signatory: Person
    role: str
    blank: bool  # the counts are left empty
    name_left_blank: bool  # … and the collectivity too
    day: dt.date  # the date the form bears

    @property
    def shown_name(self) -> str:
        return "" if self.name_left_blank else self.name

    @property
    def accounts(self) -> int:
        return sum(s.accounts for s in self.schools)

    @property
    def pupils(self) -> int:
        return sum(s.pupils for s in self.schools)


SCHOOL_PATRONS = (
    "Jules Ferry",
    "Jacques Prévert",
    "Jean de La Fontaine",
    "Pierre et Marie Curie",
    "Antoine de Saint-Exupéry",
    "Louis Pasteur",
    "Victor Hugo",
    "Robert Desnos",
    "Marcel Pagnol",
    "Paul Éluard",
    "Les Tilleuls",
    "Le Petit Prince",
    "Les Korrigans",
    "La Fontaine aux Roses",
    "Les Marronniers",
    "Simone Veil",
    "Jean Moulin",
    "Françoise Dolto",
    "Les Écureuils",
    "L'Arc-en-ciel",
)
SCHOOL_KINDS = (
    "École élémentaire",
    "École maternelle",
    "École primaire",
    "École primaire publique",
    "Groupe scolaire",
    "École publique",
)
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uai(dept: str, rng: random.Random) -> str:
    d = dept[:2] if dept[:2].isdigit() else "44"
    return f"0{d}{rng.randint(0, 2999):04d}{rng.choice(UAI_LETTERS)}"


def draw_schools(entity: Entity, rng: random.Random, n: int) -> list[School]:
    """``n`` schools; an EPCI's are named after its member communes."""
    if entity.member_codes:
        by_code = {e.code: e.name for e in load_roster()}
        towns = [by_code[m] for m in entity.member_codes if m in by_code]
        rng.shuffle(towns)
        patrons = [f"{de(t)} – {rng.choice(SCHOOL_PATRONS)}" for t in towns[:n]]
    else:
        patrons = []
    patrons += rng.sample(SCHOOL_PATRONS, min(n - len(patrons), len(SCHOOL_PATRONS)))
    while len(patrons) < n:
        patrons.append(f"du bourg ({len(patrons) + 1})")
    out = []
    for patron in patrons:
        kind = rng.choice(SCHOOL_KINDS)
        classes = rng.randint(2, 12) if entity.population > 1200 else rng.randint(1, 5)
        pupils = classes * rng.randint(19, 27)
        # maternelle pupils seldom get an account; some towns ask for every pupil
        if "maternelle" in kind:
            accounts = rng.choice((0, pupils, pupils // 2))
        else:
            accounts = pupils if rng.random() < 0.6 else pupils - rng.randint(0, 20)
        out.append(
            School(
                f"{kind} {patron}",
                uai(entity.main_department, rng),
                classes,
                pupils,
                max(accounts, 0),
            )
        )
    return out


def school_count(e: Entity, rng: random.Random) -> int:
    """Public schools of a collectivity: about one per 2 000 inhabitants, at least one."""
    n = round(e.population / rng.uniform(1500, 3000))
    if n <= 1 and rng.random() < 0.4:  # a maternelle and an élémentaire
        n = 2
    return max(1, min(40, n))


def draw_needs(
    ctx: Ctx, *, blank: bool | None = None, many: bool = False, at_least: int = 1
) -> Needs:
    """The needs of ``ctx.entity`` (with ``many``, of a collectivity with twenty-odd
    schools: a large town or an EPCI, drawn from the roster when the entity is small)."""
    rng = ctx.rng
    e = ctx.entity
    if many and e.population < 40000:
        big = [x for x in load_roster() if x.population >= 40000]
        e = rng.choice(big)
        ctx = Ctx(rng, e, ctx.paper, ctx.seed, ctx.extra)
    epci = e.kind == "epci"
    if epci:
        place = pick_commune(ctx).name
        name = epci_full_name(e)
    else:
        place = e.name
        name = rng.choice((f"Commune {de(place)}", place, f"Commune {de(place)}", place.upper()))
    n = max(22, min(38, school_count(e, rng))) if many else min(8, school_count(e, rng))
    n = max(n, at_least)
    if blank is None:
        blank = rng.random() < 0.1
    signatory = person(rng)
    return Needs(
        entity=e,
        epci=epci,
        place=place,
        name=name,
        schools=draw_schools(e, rng, n),
        teachers=rng.randint(2, 40),
        contact=person(rng),
        signatory=signatory,
        role=role_of(signatory, rng, epci),
        blank=blank,
        name_left_blank=blank and rng.random() < 0.5,
        day=dt.date(2021, 12, 1) + dt.timedelta(days=rng.randrange(0, 40)),
    )


def truth(
    needs: Needs, pages: int, *, name: str | None = None, arrival: dt.date | None = None
) -> dict[str, object]:
    """The truth of a form; ``name`` is the collectivity as written when the form does
    not use ``needs.name``."""
    shown = name if name is not None else needs.shown_name
    fields: dict[str, object] = {
        "collectivity": shown or None,
        "schools": None if needs.blank else len(needs.schools),
        "student_accounts": None if needs.blank else needs.accounts,
    }
    if arrival is not None:
        fields["arrival_stamp_date"] = arrival.isoformat()
    return {"type": "needs_form", "pages": list(range(1, pages + 1)), "fields": fields}


def maybe_arrival(c: Canvas, ctx: Ctx, needs: Needs) -> dt.date | None:
    if ctx.paper and ctx.rng.random() < 0.4:
        day = arrival_day(ctx.rng, needs.day)
        arrival_stamp(c, day, ctx.rng)
        return day
    return None


def fill(
    c: Canvas,
    ctx: Ctx,
    x: float,
    baseline: float,
    text: str,
    *,
    face: str = "Helvetica",
    size: float = 10,
    max_width: float | None = None,
) -> None:
    """A filled-in value: by hand on paper (unless the form was typed in Word, then
    printed and signed), typed (a PDF form field's blue Helvetica, or the document's own
    face) on a digital file."""
    if not text:
        return
    if ctx.paper and not ctx.extra.setdefault("typed_then_printed", ctx.rng.random() < 0.3):
        draw_hand(c, x, baseline, text, size * 1.15, ctx.rng, max_width=max_width)
        return
    c.saveState()
    if ctx.extra.setdefault("typed_blue", ctx.rng.random() < 0.4):
        c.setFillColorRGB(0.05, 0.1, 0.45)
    c.setFont(face, size)
    c.drawString(x, baseline, text)
    c.restoreState()


def intro_heading(w: Writer, rng: random.Random, *, bold: str) -> None:
    w.para("ANNEXE 2", face=bold, size=11, align=rng.choice(("left", "right", "center")), after=6)
    w.para(
        rng.choice(
            (
                "FICHE D'EXPRESSION DES BESOINS",
                "Fiche d'expression des besoins – ENT e-primo",
                "EXPRESSION DES BESOINS DE LA COLLECTIVITÉ",
                "Tableau d'engagement – expression des besoins",
            )
        ),
        face=bold,
        size=13,
        align="center",
        after=3,
    )
    w.para(
        "Groupement de commandes pour la mise à disposition d'un espace numérique de travail "
        "(ENT) dans les écoles publiques du premier degré – marché 2022-2026",
        size=9,
        align="center",
        after=14,
    )


def sign_zone(c: Canvas, ctx: Ctx, needs: Needs, x: float, y: float, face: str) -> None:
    rng = ctx.rng
    c.setFont(face, 9.5)
    c.drawString(x, y, "Date, signature et cachet de la collectivité :")
    if needs.blank:
        return
    fill(c, ctx, x, y - 16, any_date(needs.day, rng), size=9.5)
    c.setFont(face, 9.5)
    c.drawString(x, y - 32, f"{needs.role} : {needs.signatory.written(rng)}")
    if ctx.paper:
        pen_signature(c, x + 30, y - 85, 110, 40, rng)
        if rng.random() < 0.6:
            label = needs.name if needs.epci else f"Mairie {de(needs.place)}"
            centre = "LE\nPRÉSIDENT" if needs.epci else "LE MAIRE"
            round_seal(c, x + 200, y - 60, 34, label, rng, centre=centre)


def domain(place: str, cut: int) -> str:
    """A town hall's mail domain from its name: "saint-hilaire-de-clisson" cut short."""
    low = strip_accents(place.lower()).replace(" ", "-").replace("'", "-")
    return low[:cut].strip("-")


def phone_number(rng: random.Random) -> str:
    return "02 " + " ".join(str(rng.randint(10, 99)) for _ in range(4))


def contact_lines(needs: Needs, rng: random.Random) -> list[tuple[str, str]]:
    phone = phone_number(rng)
    mail = f"mairie@{domain(needs.place, 18)}.fr"
    return [
        ("Nom du référent", f"{needs.contact.first} {needs.contact.last}"),
        ("Téléphone", phone),
        ("Courriel", mail),
    ]


def _canvas(needs: Needs, creator: str) -> tuple[io.BytesIO, Canvas]:
    buf = io.BytesIO()
    return buf, new_canvas(buf, "Annexe 2 - expression des besoins", needs.place, creator)


def _v(needs: Needs, value: int) -> str:
    return "" if needs.blank else str(value)


# ----------------------------------------------------------------------------- families


@family(
    "needs_form.colon_fields",
    "needs_form",
    "The rectorat's Word form: 'Collectivité :', 'Nombre d'écoles publiques concernées :', "
    "'Nombre de comptes élèves à créer :' with the value after the colon (typed, or by hand "
    "on paper), a teachers' count and a contact beside them; sometimes blank",
)
def colon_fields(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    needs = draw_needs(ctx)
    face, bold = "Times-Roman", "Times-Bold"
    buf, c = _canvas(needs, "Microsoft® Word 2013")
    arrival = maybe_arrival(c, ctx, needs)
    w = SafeWriter(c, face=face, bold=bold, size=11)
    intro_heading(w, rng, bold=bold)
    label_school = rng.choice(
        (
            "Nombre d'écoles publiques concernées",
            "Nombre d'écoles",
            "Nombre d'écoles publiques de la collectivité",
            "Écoles publiques concernées (nombre)",
        )
    )
    label_acc = rng.choice(
        (
            "Nombre de comptes élèves à créer",
            "Nombre de comptes élèves",
            "Nombre total de comptes élèves demandés",
            "Effectif élèves / comptes élèves",
        )
    )
    rows: list[tuple[str, str]] = [("Collectivité", needs.shown_name)]
    if rng.random() < 0.5:
        rows.append(("N° SIREN", "" if needs.blank else needs.entity.siren))
    rows += [(label_school, _v(needs, len(needs.schools))), (label_acc, _v(needs, needs.accounts))]
    if rng.random() < 0.5:
        rows.append(("Nombre de comptes enseignants", _v(needs, needs.teachers)))
    if rng.random() < 0.35 and "Effectif" not in label_acc:  # pupils on roll beside accounts
        rows.insert(-1, ("Effectif total des élèves (rentrée 2021)", _v(needs, needs.pupils)))
    rows += contact_lines(needs, rng) if not needs.blank else []
    for label, value in rows:
        w.ensure(26)
        w.y -= 24
        c.setFont(face, 11)
        text = f"{label} :"
        c.drawString(w.left, w.y, text)
        x = w.left + c.stringWidth(text + "  ", face, 11)
        if ctx.paper:
            c.setDash(1, 2)
            c.line(x, w.y - 2, w.right, w.y - 2)
            c.setDash()
        fill(c, ctx, x + 4, w.y, value, face="Helvetica", size=11, max_width=w.right - x - 6)
    w.space(30)
    w.para(
        "Le nombre de comptes élèves détermine la participation financière de la collectivité "
        "(voir article 6 de la convention).",
        size=9,
        after=20,
    )
    sign_zone(c, ctx, needs, w.left + w.width * 0.45, w.y - 10, face)
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [truth(needs, pages, arrival=arrival)], pages)


@family(
    "needs_form.leader_dots",
    "needs_form",
    "A form with leader dots: 'Nom de la commune ........ X', 'Nb d'écoles ........ 3', "
    "'Effectif élèves / comptes élèves ........ 412', the value at the end of the dots "
    "(typed) or written over them (paper)",
)
def leader_dots(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    needs = draw_needs(ctx)
    face, bold = font("DejaVuSans"), font("DejaVuSans-Bold")
    buf, c = _canvas(needs, "LibreOffice 6.4")
    arrival = maybe_arrival(c, ctx, needs)
    w = SafeWriter(c, face=face, bold=bold, size=10)
    intro_heading(w, rng, bold=bold)
    name_label = rng.choice(("Nom de la commune", "Collectivité", "Commune / EPCI", "Dénomination"))
    name_value = (
        "" if needs.name_left_blank else (needs.place if rng.random() < 0.6 else needs.name)
    )
    rows = [
        (name_label, name_value),
        (
            rng.choice(("Nb d'écoles", "Nombre d'écoles publiques", "écoles (nombre)")),
            _v(needs, len(needs.schools)),
        ),
        (
            rng.choice(
                ("Effectif élèves / comptes élèves", "Nb comptes élèves", "comptes élèves (total)")
            ),
            _v(needs, needs.accounts),
        ),
        (
            "Dont élèves de maternelle",
            _v(needs, sum(s.pupils for s in needs.schools if "maternelle" in s.name)),
        )
        if rng.random() < 0.3
        else None,
        ("Interlocuteur", "" if needs.blank else needs.contact.written(rng)),
    ]
    dot_w = c.stringWidth(".", face, 10)
    for row in rows:
        if row is None:
            continue
        label, value = row
        w.y -= 26
        c.setFont(face, 10)
        c.drawString(w.left, w.y, label + " ")
        start = w.left + c.stringWidth(label + " ", face, 10)
        end = w.right - (0 if ctx.paper else 80)
        n = int((end - start) / dot_w)
        c.drawString(start, w.y, "." * max(3, n))
        if ctx.paper:
            fill(c, ctx, start + 20, w.y + 1, value, size=10, max_width=end - start - 30)
        elif value:
            c.drawString(end + 6, w.y, value)
    w.space(40)
    sign_zone(c, ctx, needs, w.left, w.y, face)
    pages = w.finish()
    c.save()
    doc = truth(needs, pages, name=name_value, arrival=arrival)
    return Rendered(buf.getvalue(), [doc], pages)


@family(
    "needs_form.label_cells",
    "needs_form",
    "A ruled table: labels in the left column and values in the right cells, or a header "
    "row of labels ('Collectivité', 'Nombre d'écoles', 'Nombre de comptes élèves') over a "
    "row of values",
)
def label_cells(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    needs = draw_needs(ctx)
    face, bold = "Helvetica", "Helvetica-Bold"
    buf, c = _canvas(needs, "Microsoft® Word 2016")
    arrival = maybe_arrival(c, ctx, needs)
    w = SafeWriter(c, face=face, bold=bold, size=10)
    intro_heading(w, rng, bold=bold)
    cells = [
        ("Collectivité", needs.shown_name),
        (
            rng.choice(("Nombre d'écoles", "Nombre d'écoles publiques", "Écoles concernées")),
            _v(needs, len(needs.schools)),
        ),
        (
            rng.choice(
                (
                    "Nombre de comptes élèves",
                    "Comptes élèves demandés",
                    "Nombre d'élèves (comptes ENT)",
                )
            ),
            _v(needs, needs.accounts),
        ),
    ]
    if rng.random() < 0.5:
        cells.append(("Comptes enseignants", _v(needs, needs.teachers)))
    c.setLineWidth(0.7)
    if rng.random() < 0.5:  # label | value rows
        lw, vw, rh = w.width * 0.55, w.width * 0.45, 28
        top = w.y
        for k, (label, value) in enumerate(cells):
            y = top - rh * (k + 1)
            c.setFillColorRGB(0.9, 0.92, 0.96)
            c.rect(w.left, y, lw, rh, stroke=0, fill=1)
            c.setFillColorRGB(0, 0, 0)
            c.rect(w.left, y, lw, rh)
            c.rect(w.left + lw, y, vw, rh)
            c.setFont(bold, 10)
            c.drawString(w.left + 6, y + 10, label)
            fill(c, ctx, w.left + lw + 10, y + 9, value, size=10, max_width=vw - 16)
        w.y = top - rh * len(cells) - 20
    else:  # a header row over a value row
        cw = w.width / len(cells)
        top = w.y
        for k, (label, value) in enumerate(cells):
            x = w.left + k * cw
            c.setFillColorRGB(0.85, 0.85, 0.85)
            c.rect(x, top - 30, cw, 30, stroke=0, fill=1)
            c.setFillColorRGB(0, 0, 0)
            c.rect(x, top - 30, cw, 30)
            c.rect(x, top - 70, cw, 40)
            c.setFont(bold, 8.5)
            c.drawCentredString(x + cw / 2, top - 19, label)
            if value:
                size = 10 if len(value) < 22 else 8
                fill(c, ctx, x + 6, top - 55, value, size=size, max_width=cw - 10)
        w.y = top - 90
    for label, value in contact_lines(needs, rng):
        w.para(f"{label} : {'' if needs.blank else value}", size=9.5, after=4)
    w.space(20)
    sign_zone(c, ctx, needs, w.left + w.width * 0.5, w.y, face)
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [truth(needs, pages, arrival=arrival)], pages)


COLUMNS = {
    "name": ("École", "Nom de l'école", "Établissement", "Ecole"),
    "uai": ("RNE", "UAI", "Code UAI", "N° RNE"),
    "classes": ("Nb classes", "Classes", "Nombre de classes"),
    "pupils": ("Effectif", "Élèves", "Nombre d'élèves", "Effectif 2021-2022"),
    "accounts": ("Comptes élèves", "Nb comptes élèves", "Comptes ENT élèves", "Comptes à créer"),
}


def _school_cell(s: School, col: str) -> str:
    return {
        "name": s.name,
        "uai": s.uai,
        "classes": str(s.classes),
        "pupils": str(s.pupils),
        "accounts": str(s.accounts),
    }[col]


@family(
    "needs_form.school_table",
    "needs_form",
    "A school-by-school table (name, RNE/UAI, classes, pupils, accounts, in any column "
    "order), with or without a total row, long tables spilling over two pages with the "
    "header repeated or not",
)
def school_table(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    needs = draw_needs(ctx, blank=False, many=rng.random() < 0.35, at_least=rng.choice((1, 2, 3)))
    face, bold = font("DejaVuSansCondensed"), font("DejaVuSansCondensed-Bold")
    buf, c = _canvas(needs, rng.choice(("Microsoft® Excel® 2016", "LibreOffice Calc", "Word")))
    arrival = maybe_arrival(c, ctx, needs)

    def footer(canv: Canvas, page: int) -> None:
        canv.saveState()
        canv.setFont(face, 7.5)
        canv.drawRightString(W - 2 * CM, 1.2 * CM, f"Annexe 2 – page {page}")
        canv.restoreState()

    w = SafeWriter(c, face=face, bold=bold, size=10, footer=footer)
    w.para(needs.name.upper() if rng.random() < 0.5 else needs.name, face=bold, size=12, after=2)
    w.para("Service Enfance – Éducation", size=8.5, after=14)
    intro_heading(w, rng, bold=bold)
    cols = ["name", "uai", "classes", "pupils", "accounts"]
    if rng.random() < 0.4:
        cols.remove("classes")
    if rng.random() < 0.3:
        cols.remove("uai")
    rest = cols[1:]
    rng.shuffle(rest)
    cols = [cols[0], *rest] if rng.random() < 0.8 else [*rest[:1], cols[0], *rest[1:]]
    heads = [rng.choice(COLUMNS[k]) for k in cols]
    widths = {
        "name": 6.4 * CM,
        "uai": 2.4 * CM,
        "classes": 2.0 * CM,
        "pupils": 2.4 * CM,
        "accounts": 2.8 * CM,
    }
    total_w = sum(widths[k] for k in cols)
    scale = w.width / total_w
    xs = [w.left]
    for k in cols:
        xs.append(xs[-1] + widths[k] * scale)
    rh = 19
    with_total = rng.random() < 0.7
    repeat_header = rng.random() < 0.6
    c.setLineWidth(0.5)

    def header() -> None:
        top = w.y
        c.setFillColorRGB(0.86, 0.9, 0.95)
        c.rect(w.left, top - rh * 1.4, w.width, rh * 1.4, stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(bold, 8.5)
        for k, head in enumerate(heads):
            lines = simpleSplit(head, bold, 8.5, xs[k + 1] - xs[k] - 6)
            for j, line in enumerate(lines[:2]):
                c.drawString(xs[k] + 3, top - 10 - 9.5 * j, line)
            c.rect(xs[k], top - rh * 1.4, xs[k + 1] - xs[k], rh * 1.4)
        w.y = top - rh * 1.4

    def row(values: list[str], *, strong: bool = False) -> None:
        if w.y - rh < w.bottom:
            w.new_page()
            if repeat_header:
                header()
        top = w.y
        c.setFont(bold if strong else face, 8.5)
        for k, v in enumerate(values):
            numeric_col = cols[k] in ("classes", "pupils", "accounts")
            if numeric_col:
                c.drawRightString(xs[k + 1] - 4, top - rh + 4.5, v)
            else:
                room = xs[k + 1] - xs[k] - 6
                size = 8.5
                while size > 6 and c.stringWidth(v, face, size) > room:
                    size -= 0.5
                c.setFont(bold if strong else face, size)
                c.drawString(xs[k] + 3, top - rh + 4.5, v)
                c.setFont(bold if strong else face, 8.5)
            c.rect(xs[k], top - rh, xs[k + 1] - xs[k], rh)
        w.y = top - rh

    header()
    for s in needs.schools:
        row([_school_cell(s, k) for k in cols])
    if with_total:
        tot = []
        for k in cols:
            if k == "name":
                tot.append(rng.choice(("TOTAL", "Total", "Total commune")))
            elif k == "classes":
                tot.append(str(sum(s.classes for s in needs.schools)))
            elif k == "pupils":
                tot.append(str(needs.pupils))
            elif k == "accounts":
                tot.append(str(needs.accounts))
            else:
                tot.append("")
        row(tot, strong=True)
    w.space(16)
    w.para(
        "Les comptes élèves sont créés pour les élèves des classes élémentaires et, à la demande "
        "des équipes, de grande section.",
        size=8.5,
        after=10,
    )
    w.ensure(110)
    sign_zone(c, ctx, needs, w.left + w.width * 0.45, w.y - 6, face)
    w.space(100)
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [truth(needs, pages, arrival=arrival)], pages)


@family(
    "needs_form.spreadsheet",
    "needs_form",
    "A town hall's own spreadsheet printed to PDF (Excel/Calc): gridlines, cells in a "
    "condensed face, sometimes column letters and row numbers, landscape or portrait, a "
    "'Feuil1' footer; the collectivity in a cell beside its label",
)
def spreadsheet(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    needs = draw_needs(ctx, blank=False, at_least=rng.choice((1, 2, 3, 4)))
    size = landscape(A4) if rng.random() < 0.5 else A4
    buf = io.BytesIO()
    c = new_canvas(
        buf, "Feuil1", "", rng.choice(("Microsoft® Excel® pour Microsoft 365", "LibreOffice Calc"))
    )
    c.setPageSize(size)
    pw, ph = size
    face, bold = font("DejaVuSansCondensed"), font("DejaVuSansCondensed-Bold")
    arrival = None
    if ctx.paper and rng.random() < 0.4:
        arrival = arrival_day(rng, needs.day)
        arrival_stamp(c, arrival, rng)
    headers = rng.random() < 0.35
    left, top = 1.5 * CM, ph - 1.5 * CM
    widths = [6.5 * CM, 2.3 * CM, 2.2 * CM, 2.2 * CM, 2.9 * CM]
    rh = 15
    grid: list[list[tuple[str, bool]]] = []
    grid.append(
        [
            ("Expression des besoins ENT e-primo 2022-2026", True),
            ("", False),
            ("", False),
            ("", False),
            ("", False),
        ]
    )
    grid.append([("", False)] * 5)
    grid.append(
        [("Collectivité", True), (needs.name, False), ("", False), ("", False), ("", False)]
    )
    grid.append([("", False)] * 5)
    acc_head = rng.choice(("Comptes élèves", "Nb comptes", "comptes élèves"))
    grid.append(
        [("Ecole", True), ("UAI", True), ("Nb classes", True), ("Effectif", True), (acc_head, True)]
    )
    for s in needs.schools:
        grid.append(
            [
                (s.name, False),
                (s.uai, False),
                (str(s.classes), False),
                (str(s.pupils), False),
                (str(s.accounts), False),
            ]
        )
    total_row = rng.random() < 0.75
    if total_row:
        grid.append(
            [
                ("Total", True),
                ("", False),
                (str(sum(s.classes for s in needs.schools)), True),
                (str(needs.pupils), True),
                (str(needs.accounts), True),
            ]
        )
    if rng.random() < 0.5:
        grid.append([("", False)] * 5)
        grid.append(
            [
                (f"Nombre d'écoles : {len(needs.schools)}", False),
                ("", False),
                ("", False),
                ("", False),
                ("", False),
            ]
        )
    x0 = left + (18 if headers else 0)
    y0 = top - (14 if headers else 0)
    c.setLineWidth(0.25)
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    if headers:
        c.setFont(face, 7.5)
        xx = x0
        for k, wd in enumerate(widths):
            c.setFillColorRGB(0.93, 0.93, 0.93)
            c.rect(xx, y0, wd, 14, stroke=1, fill=1)
            c.setFillColorRGB(0.3, 0.3, 0.3)
            c.drawCentredString(xx + wd / 2, y0 + 4, "ABCDE"[k])
            xx += wd
    for r, cells in enumerate(grid):
        y = y0 - rh * (r + 1)
        if headers:
            c.setFillColorRGB(0.93, 0.93, 0.93)
            c.rect(left, y, 18, rh, stroke=1, fill=1)
            c.setFillColorRGB(0.3, 0.3, 0.3)
            c.setFont(face, 7)
            c.drawCentredString(left + 9, y + 4.5, str(r + 1))
        xx = x0
        for k, (text, strong) in enumerate(cells):
            wd = widths[k]
            c.setStrokeColorRGB(0.6, 0.6, 0.6)
            c.rect(xx, y, wd, rh, stroke=1, fill=0)
            if text:
                c.setFillColorRGB(0, 0, 0)
                c.setFont(bold if strong else face, 9 if r else 11)
                if text.isdigit():
                    c.drawRightString(xx + wd - 3, y + 4, text)
                else:
                    c.drawString(xx + 3, y + 4, text)
            xx += wd
    c.setFillColorRGB(0, 0, 0)
    c.setFont(face, 8)
    c.drawCentredString(pw / 2, 1.0 * CM, "Feuil1")
    c.drawRightString(pw - 1.5 * CM, 1.0 * CM, "Page 1")
    c.showPage()
    c.save()
    return Rendered(buf.getvalue(), [truth(needs, 1, arrival=arrival)], 1)


@family(
    "needs_form.boxed_next_line",
    "needs_form",
    "A fillable PDF form: each label above its own box, the value on the next line inside "
    "the box ('Nom de la collectivité', 'Nombre d'écoles publiques', 'Nombre de comptes "
    "élèves à créer'), typed in the form field or written by hand; sometimes blank",
)
def boxed_next_line(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    needs = draw_needs(ctx)
    face, bold = "Helvetica", "Helvetica-Bold"
    buf, c = _canvas(needs, "Adobe Acrobat Pro DC")
    arrival = maybe_arrival(c, ctx, needs)
    w = SafeWriter(c, face=face, bold=bold, size=10)
    c.setFillColorRGB(0.0, 0.27, 0.55)
    c.rect(0, H - 2.2 * CM, W, 2.2 * CM, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(bold, 14)
    c.drawString(2 * CM, H - 1.4 * CM, "e-primo – Expression des besoins")
    c.setFont(face, 8)
    c.drawRightString(W - 2 * CM, H - 1.4 * CM, "Annexe 2 à la convention")
    c.setFillColorRGB(0, 0, 0)
    w.y = H - 3.4 * CM
    w.para(
        "À compléter par la collectivité et à retourner avec la convention signée avant le "
        "15 janvier 2022.",
        size=9,
        after=16,
    )
    boxes = [
        (
            rng.choice(("Nom de la collectivité", "Collectivité (commune ou EPCI)")),
            needs.shown_name,
            1.0,
        ),
        (
            rng.choice(("Nombre d'écoles publiques", "Nombre d'écoles", "écoles (nombre)")),
            _v(needs, len(needs.schools)),
            0.48,
        ),
        (
            rng.choice(
                (
                    "Nombre de comptes élèves à créer",
                    "Effectif élèves / comptes élèves",
                    "Comptes élèves",
                )
            ),
            _v(needs, needs.accounts),
            0.48,
        ),
        ("Nom et prénom du contact", "" if needs.blank else needs.contact.written(rng), 0.48),
        (
            "Courriel du contact",
            "" if needs.blank else f"ecoles@{domain(needs.place, 14)}.fr",
            0.48,
        ),
    ]
    x = w.left
    row_top = w.y
    for label, value, frac in boxes:
        bw = w.width * frac
        if x + bw > w.right + 1:
            x = w.left
            row_top -= 52
        c.setFont(bold, 8.5)
        c.drawString(x, row_top - 10, label)
        c.setStrokeColorRGB(0.4, 0.4, 0.4)
        c.setFillColorRGB(0.95, 0.96, 1.0)
        c.rect(x, row_top - 38, bw, 22, stroke=1, fill=0 if ctx.paper else 1)
        c.setFillColorRGB(0, 0, 0)
        fill(c, ctx, x + 6, row_top - 31, value, size=10, max_width=bw - 12)
        x += bw + w.width * 0.04
    w.y = row_top - 70
    if rng.random() < 0.5:
        w.para(
            "Rappel : un compte est créé pour chaque élève scolarisé dans les écoles publiques "
            "de la collectivité ; les comptes des enseignants et des parents sont créés "
            "automatiquement.",
            size=8.5,
            after=10,
        )
    sign_zone(c, ctx, needs, w.left, w.y - 10, face)
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [truth(needs, pages, arrival=arrival)], pages)


@family(
    "needs_form.prose_letter",
    "needs_form",
    "The town hall answers by letter instead of the form: letterhead, 'Objet : ENT e-primo – "
    "expression des besoins', the figures in a sentence ('nos trois écoles publiques … soit "
    "412 comptes élèves'), the mayor's signature",
)
def prose_letter(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    needs = draw_needs(ctx, blank=False)
    face, bold = font("DejaVuSerif"), font("DejaVuSerif-Bold")
    buf, c = _canvas(needs, "Microsoft® Word 2019")
    arrival = maybe_arrival(c, ctx, needs)
    w = SafeWriter(c, face=face, bold=bold, size=10)
    heading = f"Mairie {de(needs.place)}" if not needs.epci else needs.name
    w.para(heading, face=bold, size=12, after=2)
    w.para(f"{rng.randint(1, 40)} rue de la Mairie", size=8.5, after=1)
    w.para(
        f"Tél. {phone_number(rng)}",
        size=8.5,
        after=20,
    )
    w.para(
        "Rectorat de l'académie de Nantes\nDélégation académique au numérique éducatif",
        align="right",
        after=2,
    )
    w.para(
        "4, rue de la Houssinière – BP 72616 – 44326 Nantes Cedex 03",
        align="right",
        size=8.5,
        after=16,
    )
    w.para(f"{needs.place}, le {long_date(needs.day)}", align="right", after=16)
    w.para("Objet : ENT e-primo – expression des besoins (annexe 2)", face=bold, after=12)
    w.para("Madame, Monsieur,", after=8)
    n = len(needs.schools)
    n_text = rng.choice((str(n), count_words(n)))
    schools = f"{n_text} école{'s' if n > 1 else ''} publique{'s' if n > 1 else ''}"
    w.para(
        f"Suite au courrier de Monsieur le Recteur du 18 octobre 2021, je vous confirme "
        f"l'adhésion de {'notre communauté' if needs.epci else 'la commune'} au groupement de "
        "commandes pour l'ENT e-primo.",
        after=6,
    )
    if rng.random() < 0.5:
        w.para(
            f"Nos besoins concernent {schools}, pour un total de {needs.accounts} comptes élèves "
            f"(effectif à la rentrée 2021 : {needs.pupils} élèves).",
            after=6,
        )
    else:
        w.para(
            f"{'La commune' if not needs.epci else 'Le territoire'} compte {schools} : "
            + ", ".join(s.name for s in needs.schools[:6])
            + f". Nous souhaitons l'ouverture de {needs.accounts} comptes élèves.",
            after=6,
        )
    w.para(
        "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
        after=20,
    )
    x = w.left + w.width * 0.55
    c.setFont(face, 10)
    c.drawString(x, w.y, f"{needs.role},")
    c.drawString(x, w.y - 14, needs.signatory.written(rng))
    if ctx.paper:
        pen_signature(c, x, w.y - 70, 110, 40, rng)
    w.space(80)
    pages = w.finish()
    c.save()
    name = heading if not heading.startswith("Mairie") else needs.place
    return Rendered(buf.getvalue(), [truth(needs, pages, name=name, arrival=arrival)], pages)


@family(
    "needs_form.handwritten_grid",
    "needs_form",
    "The printed form with an empty school grid, filled in by hand on paper (school names, "
    "pupils and accounts written in the cells, the total sometimes left out)",
    digital=False,
)
def handwritten_grid(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    needs = draw_needs(ctx, blank=False, at_least=rng.choice((1, 2, 3)))
    needs.schools = needs.schools[:6]
    face, bold = "Helvetica", "Helvetica-Bold"
    buf, c = _canvas(needs, "Microsoft® Word 2010")
    arrival = maybe_arrival(c, ctx, needs)
    w = SafeWriter(c, face=face, bold=bold, size=10)
    intro_heading(w, rng, bold=bold)
    c.setFont(face, 10)
    w.y -= 14
    c.drawString(w.left, w.y, "Commune / EPCI :")
    written = needs.place if rng.random() < 0.7 else needs.name
    fill(c, ctx, w.left + 95, w.y, written, size=10, max_width=w.width - 100)
    c.line(w.left + 88, w.y - 3, w.right, w.y - 3)
    w.y -= 30
    heads = ["Nom de l'école", "UAI (si connu)", "Nombre d'élèves", "Comptes élèves"]
    widths = [0.44, 0.18, 0.19, 0.19]
    xs = [w.left]
    for f in widths:
        xs.append(xs[-1] + f * w.width)
    rh = 24
    top = w.y
    c.setFont(bold, 8.5)
    for k, hd in enumerate(heads):
        c.rect(xs[k], top - rh, xs[k + 1] - xs[k], rh)
        c.drawString(xs[k] + 3, top - rh + 9, hd)
    total_filled = rng.random() < 0.6
    for r in range(7):
        y = top - rh * (r + 2)
        label = "TOTAL" if r == 6 else ""
        for k in range(4):
            c.rect(xs[k], y, xs[k + 1] - xs[k], rh)
        if label:
            c.setFont(bold, 9)
            c.drawString(xs[0] + 3, y + 8, label)
            if total_filled:
                fill(c, ctx, xs[3] + 8, y + 7, str(needs.accounts), size=10)
                fill(c, ctx, xs[2] + 8, y + 7, str(needs.pupils), size=10)
        elif r < len(needs.schools):
            s = needs.schools[r]
            fill(
                c,
                ctx,
                xs[0] + 4,
                y + 7,
                s.name.replace("École ", "Ec. "),
                size=9,
                max_width=xs[1] - xs[0] - 8,
            )
            if rng.random() < 0.5:
                fill(c, ctx, xs[1] + 4, y + 7, s.uai, size=9, max_width=xs[2] - xs[1] - 8)
            fill(c, ctx, xs[2] + 8, y + 7, str(s.pupils), size=10)
            fill(c, ctx, xs[3] + 8, y + 7, str(s.accounts), size=10)
    w.y = top - rh * 8 - 20
    sign_zone(c, ctx, needs, w.left + w.width * 0.45, w.y, face)
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [truth(needs, pages, name=written, arrival=arrival)], pages)


def _ruled_row(
    c: Canvas, xs: list[float], top: float, h: float, cells: list[str], face: str, size: float
) -> None:
    c.setFont(face, size)
    for k, text in enumerate(cells):
        c.rect(xs[k], top - h, xs[k + 1] - xs[k], h)
        if text:
            if text.replace(" ", "").isdigit():
                c.drawRightString(xs[k + 1] - 5, top - h + 5, text)
            else:
                c.drawString(xs[k] + 4, top - h + 5, text)


@family(
    "needs_form.engagement_sections",
    "needs_form",
    "The rectorat's 'tableau d'engagement' in numbered sections: 1. identification (name, "
    "SIREN, address, contact), 2. needs in a one-row table (schools, pupil accounts, "
    "observations), 3. a 'cadre réservé au rectorat' with its own, empty, count labels",
)
def engagement_sections(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    needs = draw_needs(ctx)
    face, bold = font("DejaVuSans"), font("DejaVuSans-Bold")
    buf, c = _canvas(needs, "Microsoft® Word 2016")
    arrival = maybe_arrival(c, ctx, needs)
    w = SafeWriter(c, face=face, bold=bold, size=9.5)
    intro_heading(w, rng, bold=bold)
    w.para("1. Identification de la collectivité", face=bold, size=10.5, after=6)
    ident = [
        ("Nom de la collectivité :", needs.shown_name),
        ("N° SIREN :", "" if needs.name_left_blank else needs.entity.siren),
        ("Adresse :", "" if needs.name_left_blank else f"{rng.randint(1, 30)} place de la Mairie"),
        ("Contact (nom, fonction) :", "" if needs.blank else needs.contact.written(rng)),
    ]
    for label, value in ident:
        w.y -= 16
        c.setFont(face, 9.5)
        c.drawString(w.left + 10, w.y, label)
        fill(c, ctx, w.left + 150, w.y, value, face=face, size=9.5, max_width=w.width - 160)
    w.space(16)
    w.para("2. Expression des besoins", face=bold, size=10.5, after=8)
    heads = [
        rng.choice(("Nombre d'écoles publiques", "Écoles publiques (nombre)")),
        rng.choice(("Nombre de comptes élèves", "Comptes élèves à ouvrir")),
        "Observations",
    ]
    xs = [w.left, w.left + w.width * 0.3, w.left + w.width * 0.6, w.right]
    top = w.y
    c.setFillColorRGB(0.9, 0.9, 0.9)
    c.rect(w.left, top - 20, w.width, 20, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    _ruled_row(c, xs, top, 20, heads, bold, 8.5)
    _ruled_row(c, xs, top - 20, 30, ["", "", ""], face, 9)
    fill(c, ctx, xs[0] + 10, top - 40, _v(needs, len(needs.schools)), face=face, size=10)
    fill(c, ctx, xs[1] + 10, top - 40, _v(needs, needs.accounts), face=face, size=10)
    if not needs.blank and rng.random() < 0.4:
        note = rng.choice(
            (
                f"dont {sum(1 for s in needs.schools if 'maternelle' in s.name)} maternelle(s)",
                f"effectif {needs.pupils} élèves",
                "RPI avec la commune voisine",
            )
        )
        fill(c, ctx, xs[2] + 6, top - 40, note, face=face, size=8.5, max_width=xs[3] - xs[2] - 10)
    w.y = top - 70
    sign_zone(c, ctx, needs, w.left + w.width * 0.45, w.y, face)
    w.y -= 110
    w.para("3. Cadre réservé au rectorat (DANE)", face=bold, size=10.5, after=6)
    box_top = w.y
    c.setDash(3, 2)
    c.rect(w.left, box_top - 70, w.width, 70)
    c.setDash()
    c.setFont(face, 8.5)
    for k, label in enumerate(
        ("Date de réception :", "Nombre d'écoles retenu :", "Nombre de comptes validés :", "Visa :")
    ):
        c.drawString(w.left + 8 + (k % 2) * w.width / 2, box_top - 18 - (k // 2) * 26, label)
    w.y = box_top - 80
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [truth(needs, pages, arrival=arrival)], pages)


@family(
    "needs_form.epci_by_commune",
    "needs_form",
    "An EPCI with the schools competence lists its needs by member commune (commune, number "
    "of schools, pupils, accounts) with a total row: the schools are the sum of a column, "
    "not the number of rows",
)
def epci_by_commune(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    from samples.families.deliberation import pick_epci

    epci = pick_epci(ctx)
    needs = draw_needs(Ctx(rng, epci, ctx.paper, ctx.seed, ctx.extra), blank=False)
    by_code = {e.code: e for e in load_roster()}
    members = [by_code[m] for m in epci.member_codes if m in by_code][:18] or [epci]
    rows = []
    for m in members:
        n = school_count(m, rng)
        pupils = sum(rng.randint(2, 10) * rng.randint(19, 26) for _ in range(n))
        accounts = pupils - rng.randint(0, pupils // 5)
        rows.append((m.name, n, pupils, accounts))
    needs.schools = [
        School(f"{name} ({k + 1})", "", 0, pupils if k == 0 else 0, acc if k == 0 else 0)
        for name, n, pupils, acc in rows
        for k in range(n)
    ]
    total_schools = sum(r[1] for r in rows)
    total_accounts = sum(r[3] for r in rows)
    face, bold = font("DejaVuSansCondensed"), font("DejaVuSansCondensed-Bold")
    buf, c = _canvas(needs, "LibreOffice Calc")
    arrival = maybe_arrival(c, ctx, needs)
    w = SafeWriter(c, face=face, bold=bold, size=9.5)
    w.para(needs.name, face=bold, size=12, after=2)
    w.para("Pôle Enfance-Jeunesse – compétence scolaire", size=8.5, after=12)
    intro_heading(w, rng, bold=bold)
    heads = [
        "Commune",
        rng.choice(("Nb écoles", "Écoles publiques", "Nombre d'écoles")),
        rng.choice(("Effectif élèves", "Élèves")),
        rng.choice(("Comptes élèves", "Nb comptes ENT")),
    ]
    xs = [w.left, w.left + w.width * 0.42, w.left + w.width * 0.6, w.left + w.width * 0.78, w.right]
    c.setLineWidth(0.5)
    _ruled_row(c, xs, w.y, 18, heads, bold, 8.5)
    w.y -= 18
    for name, n, pupils, accounts in rows:
        w.ensure(16)
        _ruled_row(c, xs, w.y, 16, [name, str(n), str(pupils), str(accounts)], face, 8.5)
        w.y -= 16
    total = [
        rng.choice(("TOTAL", "Total communauté")),
        str(total_schools),
        str(sum(r[2] for r in rows)),
        str(total_accounts),
    ]
    _ruled_row(c, xs, w.y, 18, total, bold, 9)
    w.y -= 40
    w.ensure(110)
    sign_zone(c, ctx, needs, w.left + w.width * 0.45, w.y, face)
    w.y -= 100
    pages = w.finish()
    c.save()
    doc = truth(needs, pages, arrival=arrival)
    assert doc["fields"]["schools"] == total_schools
    assert doc["fields"]["student_accounts"] == total_accounts
    return Rendered(buf.getvalue(), [doc], pages)
