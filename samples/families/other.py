"""Decoy families: pieces that come with a dossier, or instead of one, and speak of
deliberating, conventions and schools without being a convention, a délibération or a
needs form — council minutes, a summary report, a convocation with its agenda, the
mairie's cover letter, a school-year calendar, an invoice.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from samples.families import family
from samples.families.common import (
    Ctx,
    Rendered,
    Writer,
    arrival_day,
    arrival_stamp,
    de,
    font,
    footer_page_of,
    long_date,
    meeting_date,
    new_canvas,
    numeric,
    pen_signature,
    person,
    weekday_date,
    year_words,
)

TOPICS = (
    "Approbation du procès-verbal de la séance précédente",
    "Budget principal — décision modificative n° 2",
    "Tarifs de la restauration scolaire et de l'accueil périscolaire",
    "Convention avec la caisse d'allocations familiales — convention territoriale globale",
    "Adhésion au groupement de commandes pour l'ENT e-primo des écoles",
    "Subvention aux coopératives scolaires des écoles publiques",
    "Travaux d'accessibilité de l'école élémentaire — demande de DETR",
    "Convention de mise à disposition de la salle des sports",
    "Indemnités de fonction des élus — modification",
    "Recensement de la population — recrutement des agents recenseurs",
    "Rapport annuel sur le prix et la qualité du service de l'eau",
    "Questions diverses",
)


def _truth(pages: int, arrival: dt.date | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if arrival is not None:
        fields["arrival_stamp_date"] = arrival.isoformat()
    return {"type": "other", "pages": list(range(1, pages + 1)), "fields": fields}


def _start(ctx: Ctx, title: str, creator: str) -> tuple[io.BytesIO, Canvas, dt.date | None]:
    buf = io.BytesIO()
    c = new_canvas(buf, title, creator=creator)
    arrival = None
    if ctx.paper and ctx.rng.random() < 0.4:
        arrival = arrival_day(ctx.rng, dt.date(2021, 12, 1))
        arrival_stamp(c, arrival, ctx.rng)
    return buf, c, arrival


def _council(ctx: Ctx) -> str:
    return "conseil communautaire" if ctx.entity.kind == "epci" else "conseil municipal"


def _body(ctx: Ctx) -> str:
    e = ctx.entity
    return e.name if e.kind == "epci" else f"Commune {de(e.name)}"


def _agenda(ctx: Ctx, n: int) -> list[str]:
    rng = ctx.rng
    picked = rng.sample(TOPICS[1:-1], n - 2)
    return [TOPICS[0], *picked, TOPICS[-1]]


@family(
    "other.minutes",
    "other",
    "Procès-verbal de séance: the sitting's opening sentence, attendance, then each point "
    "with its discussion and vote ('Le conseil, après en avoir délibéré…'), one about the "
    "e-primo convention among others",
)
def minutes(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    day = meeting_date(rng)
    buf, c, arrival = _start(ctx, "Procès-verbal", "Microsoft® Word 2016")
    w = Writer(c, face="Times-Roman", bold="Times-Bold", size=10.5, footer=footer_page_of())
    w.para(_body(ctx).upper(), face=w.bold, align="center", after=2)
    w.para(f"PROCÈS-VERBAL DE LA SÉANCE DU {_council(ctx).upper()}", face=w.bold, align="center")
    w.para(f"du {weekday_date(day)}", align="center", after=12)
    mayor = person(rng)
    hour = rng.choice(("19 h", "20 h", "18 h 30"))
    w.para(
        f"L'an {year_words(day.year)}, le {weekday_date(day)} à {hour}, "
        f"le {_council(ctx)}, légalement convoqué, s'est réuni en séance publique sous la "
        f"présidence de {mayor.civility} {mayor.last.upper()}, "
        f"{'président' if ctx.entity.kind == 'epci' else 'maire'}.",
    )
    present = ", ".join(
        f"{p.short_civility} {p.last.upper()}" for p in (person(rng) for _ in range(9))
    )
    w.para(f"Présents : {present}.")
    w.para(f"Secrétaire de séance : {person(rng).written(rng)}", after=10)
    for i, topic in enumerate(_agenda(ctx, rng.randint(5, 8)), 1):
        w.para(f"{i}. {topic}", face=w.bold)
        if "e-primo" in topic:
            w.para(
                "Le maire rappelle que la convention de groupement de commandes pour l'ENT des "
                "écoles arrive à échéance. Le rectorat propose une nouvelle convention pour "
                "quatre ans ; le coût par compte élève reste modeste. Mme la conseillère "
                "déléguée aux affaires scolaires indique que les enseignants des deux écoles "
                "utilisent e-primo quotidiennement.",
            )
        else:
            w.para(
                "Après présentation du rapport et échange entre les membres, le "
                f"{_council(ctx)}, après en avoir délibéré, adopte la proposition.",
            )
        votes = rng.randint(9, 27)
        w.para(f"Vote : {votes} pour, 0 contre, {rng.randint(0, 2)} abstention(s).", after=8)
    w.para(
        f"L'ordre du jour étant épuisé, la séance est levée à {rng.randint(21, 23)} h "
        f"{rng.choice(('05', '20', '40'))}.",
        after=20,
    )
    w.para("Le secrétaire de séance                              Le maire", after=4)
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [_truth(pages, arrival)], pages)


@family(
    "other.summary_report",
    "other",
    "Compte rendu sommaire posted after the sitting: the numbered decisions in one line "
    "each ('approuve la convention…', 'autorise le maire à signer…'), counts of members",
)
def summary_report(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    day = meeting_date(rng)
    face, bold = font("DejaVuSans"), font("DejaVuSans-Bold")
    buf, c, arrival = _start(ctx, "Compte rendu sommaire", "LibreOffice 6.4")
    w = Writer(c, face=face, bold=bold, size=9.5, footer=footer_page_of())
    name = ctx.entity.name
    w.para(" ".join(name.upper()), face=bold, size=12, align="center", after=6)
    w.para(f"{_council(ctx).upper()} DU {long_date(day).upper()}", face=bold, align="center")
    w.para("COMPTE RENDU SOMMAIRE", face=bold, align="center", after=12)
    n = rng.randint(15, 33)
    w.para(
        f"Conseillers en exercice : {n} – Présents : {n - rng.randint(1, 4)} – Votants : {n}",
        after=10,
    )
    verbs = (
        "approuve",
        "autorise le maire à signer",
        "adopte",
        "fixe",
        "décide d'attribuer",
    )
    for i, topic in enumerate(_agenda(ctx, rng.randint(6, 9))[1:-1], 1):
        verb = rng.choice(verbs)
        w.para(f"{i} – {topic}", face=bold, after=1)
        w.para(f"Le conseil {verb} : {topic.lower()} (unanimité).", indent=10, after=6)
    w.para(
        f"Affiché le {numeric(day + dt.timedelta(days=rng.randint(2, 7)))} en application de "
        "l'article L2121-25 du CGCT.",
        after=6,
    )
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [_truth(pages, arrival)], pages)


@family(
    "other.convocation",
    "other",
    "A convocation to the council with its ordre du jour: date, place, the points to "
    "'délibérer' (one on the e-primo convention), 'Fait à …, le …', the mayor's signature",
)
def convocation(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    day = meeting_date(rng)
    sent = day - dt.timedelta(days=rng.randint(5, 9))
    buf, c, arrival = _start(ctx, "Convocation", "Microsoft® Word 2010")
    w = Writer(c, face="Helvetica", bold="Helvetica-Bold", size=10, footer=footer_page_of())
    w.para(_body(ctx), face=w.bold, after=20)
    w.para("CONVOCATION", face=w.bold, size=14, align="center", after=14)
    w.para(
        f"Madame, Monsieur le conseiller, j'ai l'honneur de vous convier à la réunion du "
        f"{_council(ctx)} qui se tiendra le {weekday_date(day)} à 20 h 00, salle du conseil, "
        "à l'effet de délibérer sur les questions inscrites à l'ordre du jour ci-dessous.",
        after=10,
    )
    w.para("ORDRE DU JOUR", face=w.bold, align="center", after=8)
    for i, topic in enumerate(_agenda(ctx, rng.randint(6, 10)), 1):
        w.para(f"{i:02d} – {topic}", indent=10, after=3)
    w.space(14)
    w.para(f"Fait à {ctx.entity.name}, le {long_date(sent)}", after=6)
    mayor = person(rng)
    w.para(f"{'Le Président' if ctx.entity.kind == 'epci' else 'Le Maire'},", after=2)
    if ctx.paper:
        pen_signature(c, w.left + 10, w.y - 50, 120, 45, rng)
    w.space(52)
    w.para(mayor.written(rng))
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [_truth(pages, arrival)], pages)


@family(
    "other.cover_letter",
    "other",
    "The mairie's cover letter to the rectorat: 'Objet : convention ENT e-primo', 'Veuillez "
    "trouver ci-joint la convention signée, la délibération et le tableau des besoins', "
    "signed by the mayor (the letter itself is no convention)",
)
def cover_letter(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    day = dt.date(2021, 12, 1) + dt.timedelta(days=rng.randrange(40))
    face, bold = font("DejaVuSerif"), font("DejaVuSerif-Bold")
    buf, c, arrival = _start(ctx, "Courrier", "Microsoft® Word 2019")
    w = Writer(c, face=face, bold=bold, size=10, footer=None)
    w.para(
        f"Mairie {de(ctx.entity.name)}" if ctx.entity.kind != "epci" else ctx.entity.name,
        face=bold,
        after=2,
    )
    w.para("Service des affaires scolaires", size=9, after=2)
    w.para(f"Affaire suivie par : {person(rng).written(rng)}", size=8.5, after=18)
    w.para("Rectorat de l'académie de Nantes", indent=w.width * 0.5, after=1)
    w.para("DANE — Délégation académique au numérique", indent=w.width * 0.5, after=1)
    w.para("4 rue de la Houssinière — BP 72616", indent=w.width * 0.5, after=1)
    w.para("44326 NANTES Cedex 3", indent=w.width * 0.5, after=16)
    w.para(f"{ctx.entity.name}, le {long_date(day)}", align="right", after=16)
    w.para("Objet : groupement de commandes ENT e-primo", face=bold, after=2)
    w.para("P.J. : convention, délibération, tableau d'expression des besoins", after=14)
    w.para("Madame, Monsieur,", after=8)
    w.para(
        "Par délibération du conseil, notre collectivité a décidé d'adhérer au groupement de "
        "commandes coordonné par le rectorat pour l'environnement numérique de travail des "
        "écoles. Veuillez trouver ci-joint la convention signée en deux exemplaires, la copie "
        "de la délibération rendue exécutoire ainsi que le tableau d'engagement indiquant le "
        "nombre de comptes élèves souhaités pour nos écoles.",
    )
    w.para(
        "Je vous saurais gré de bien vouloir nous retourner un exemplaire revêtu de votre "
        "signature.",
    )
    w.para(
        "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
        after=18,
    )
    signer = person(rng)
    w.para(
        ("La Présidente" if signer.female else "Le Président")
        if ctx.entity.kind == "epci"
        else ("Le Maire"),
        indent=w.width * 0.55,
        after=2,
    )
    if ctx.paper:
        pen_signature(c, w.left + w.width * 0.55, w.y - 50, 120, 45, rng)
    w.space(52)
    w.para(signer.written(rng), indent=w.width * 0.55)
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [_truth(pages, arrival)], pages)


@family(
    "other.school_calendar",
    "other",
    "The school-year calendar the académie sends the communes: a ruled table of holidays "
    "by zone (the écoles' dates), a line on the ENT's opening for the new year",
)
def school_calendar(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    buf, c, arrival = _start(ctx, "Calendrier scolaire", "Adobe InDesign 16.0")
    w = Writer(c, face="Helvetica", bold="Helvetica-Bold", size=10, footer=None)
    w.para("CALENDRIER SCOLAIRE 2022-2023", face=w.bold, size=15, align="center", after=4)
    w.para("Académie de Nantes — zone B", align="center", after=18)
    rows = [
        ("Rentrée des enseignants", "mercredi 31 août 2022"),
        ("Rentrée scolaire des élèves", "jeudi 1er septembre 2022"),
        ("Vacances de la Toussaint", "du samedi 22 octobre au lundi 7 novembre 2022"),
        ("Vacances de Noël", "du samedi 17 décembre 2022 au mardi 3 janvier 2023"),
        ("Vacances d'hiver", "du samedi 11 février au lundi 27 février 2023"),
        ("Vacances de printemps", "du samedi 15 avril au mardi 2 mai 2023"),
        ("Pont de l'Ascension", "du mercredi 17 mai au lundi 22 mai 2023"),
        ("Vacances d'été", "samedi 8 juillet 2023"),
    ]
    top = w.y
    c.setLineWidth(0.6)
    for k, (a, b) in enumerate(rows):
        y = top - 24 * k
        c.rect(w.left, y - 24, w.width, 24)
        c.line(w.left + 190, y - 24, w.left + 190, y)
        c.setFont("Helvetica-Bold", 9.5)
        c.drawString(w.left + 6, y - 16, a)
        c.setFont("Helvetica", 9.5)
        c.drawString(w.left + 196, y - 16, b)
    w.y = top - 24 * len(rows) - 20
    w.para(
        "Le départ en vacances a lieu après la classe, la reprise des cours le matin des jours "
        "indiqués. Les comptes e-primo des élèves des écoles seront ouverts dès la rentrée ; "
        "les collectivités membres de la convention de groupement recevront leurs accès "
        "administrateur en juillet.",
        size=9,
    )
    if rng.random() < 0.5:
        w.para("Source : arrêté du ministre de l'Éducation nationale.", size=8)
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [_truth(pages, arrival)], pages)


@family(
    "other.invoice",
    "other",
    "The ENT provider's invoice to a member: numbers, the collectivity's address, lines of "
    "pupil accounts for its écoles under the group-purchase market, totals and VAT",
)
def invoice(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    day = dt.date(2022, 9, 1) + dt.timedelta(days=rng.randrange(60))
    face, bold = font("DejaVuSansCondensed"), font("DejaVuSansCondensed-Bold")
    buf, c, arrival = _start(ctx, "Facture", "JasperReports Library 6.17")
    w = Writer(c, face=face, bold=bold, size=9.5, footer=None)
    w.para("OPEN DIGITAL EDUCATION SAS", face=bold, size=12, after=2)
    w.para("ENT e-primo — marché du groupement de commandes de l'académie de Nantes", after=16)
    w.para(f"FACTURE N° FA-{day.year}-{rng.randint(1000, 9999)}", face=bold, size=12, after=4)
    w.para(f"Date : {numeric(day)}   Échéance : 30 jours", after=12)
    w.para("Client :", face=bold, after=1)
    w.para(_body(ctx), indent=12, after=1)
    w.para("Service des affaires scolaires", indent=12, after=14)
    accounts = rng.randint(40, 600)
    unit = rng.choice((1.5, 1.8, 2.1))
    lines = [
        ("Comptes élèves ENT e-primo (année 2022-2023)", accounts, unit),
        ("Accompagnement au déploiement — écoles", 1, rng.choice((0.0, 120.0))),
    ]
    top = w.y
    heads = ("Désignation", "Qté", "P.U. HT", "Montant HT")
    xs = (w.left, w.left + w.width * 0.6, w.left + w.width * 0.72, w.left + w.width * 0.85)
    c.setFont(bold, 9)
    for x, h in zip(xs, heads, strict=True):
        c.drawString(x + 4, top - 14, h)
    c.rect(w.left, top - 20, w.width, 20)
    total = 0.0
    c.setFont(face, 9)
    for k, (label, q, pu) in enumerate(lines):
        y = top - 20 - 18 * (k + 1)
        amount = q * pu
        total += amount
        for x, v in zip(xs, (label, str(q), f"{pu:.2f}", f"{amount:.2f}"), strict=True):
            c.drawString(x + 4, y + 5, v.replace(".", ","))
    w.y = top - 20 - 18 * len(lines) - 20
    for label, v in (("Total HT", total), ("TVA 20 %", total * 0.2), ("Total TTC", total * 1.2)):
        w.para(f"{label} : {v:.2f} €".replace(".", ","), align="right", after=2)
    w.space(10)
    w.para(
        "Règlement par mandat administratif. Conditions du marché : convention constitutive "
        "du groupement de commandes, article 7.",
        size=8,
    )
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [_truth(pages, arrival)], pages)
