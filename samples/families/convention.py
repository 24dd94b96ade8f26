"""Families of the e-primo adhesion convention as other writers lay it out: a form with
leader dots, a ruled signature table, free prose naming the parties, a two-column
signature block, a handwritten fill-in, capitals and abbreviated labels. The body keeps
the seed's meaning (the group purchase, its articles, its two annexes) in other words.

Truth: ``collectivity`` as written on the page, ``signatory_name`` and
``signatory_role`` as typed (``None`` when left blank), ``signature_date`` ISO when
written, ``signed`` true only when a hand (pen, vector strokes, pasted image) or a PDF
digital signature signs for the member; a seal alone does not sign.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from samples.families import family
from samples.families.common import (
    BLACK_INK,
    STAMP_BLUE,
    STAMP_VIOLET,
    Ctx,
    Person,
    Rendered,
    Writer,
    arrival_day,
    arrival_stamp,
    de,
    draw_hand,
    font,
    footer_page_of,
    long_date,
    new_canvas,
    numeric,
    paste_image,
    pen_signature,
    person,
    round_seal,
    signature_image,
    vector_signature,
    working_day,
)

CM = 72 / 2.54


@dataclass
class Conv:
    """What one convention says about its member."""

    written: str  # the collectivity as written in the block
    place: str
    epci: bool
    signer: Person
    role: str  # the role as typed, e.g. "Maire", "Vice-présidente"
    day: dt.date
    mark: str  # pen | vector | image | none
    seal: bool
    date_written: bool
    name_written: bool
    delegation: bool  # an adjoint signs "pour le maire et par délégation"
    name_text: str = ""  # the signatory's name as typed


def draw_conv(ctx: Ctx) -> Conv:
    rng = ctx.rng
    e = ctx.entity
    epci = e.kind == "epci"
    signer = person(rng)
    f = signer.female
    delegation = False
    if epci:
        role = rng.choice(
            ("Présidente" if f else "Président", "Vice-présidente" if f else "Vice-président")
        )
        written = e.name
    else:
        k = rng.random()
        if k < 0.7:
            role = "Maire"
        elif k < 0.85:
            role = "Première adjointe" if f else "Premier adjoint"
        else:
            role = "Adjointe au maire" if f else "Adjoint au maire"
            delegation = True
        written = rng.choice((e.name, f"Commune {de(e.name)}", f"Mairie {de(e.name)}"))
    day = working_day(dt.date(2021, 11, 22) + dt.timedelta(days=rng.randrange(0, 52)))
    u = rng.random()
    if u < 0.2:
        mark = "none"
    elif ctx.paper:
        mark = "pen"
    else:
        mark = rng.choice(("vector", "image", "image"))
    seal = rng.random() < (0.5 if mark == "none" else 0.35)
    return Conv(
        written=written,
        place=e.name,
        epci=epci,
        signer=signer,
        role=role,
        day=day,
        mark=mark,
        seal=seal,
        date_written=mark != "none" or rng.random() < 0.3,
        name_written=True,
        delegation=delegation,
        name_text=signer.written(rng),
    )


def truth(
    conv: Conv, pages: int, arrival: dt.date | None, *, name: str | None = None
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "collectivity": conv.written,
        "signatory_name": name if name is not None else conv.name_text,
        "signatory_role": conv.role,
        "signature_date": conv.day.isoformat() if conv.date_written else None,
        "signed": conv.mark != "none",
    }
    if arrival is not None:
        fields["arrival_stamp_date"] = arrival.isoformat()
    return {"type": "convention", "pages": list(range(1, pages + 1)), "fields": fields}


def sign(c: Canvas, ctx: Ctx, conv: Conv, x: float, y: float, w: float, h: float) -> None:
    """The member's mark in the box whose lower left corner is (x, y)."""
    rng = ctx.rng
    if conv.seal:
        name = conv.place if not conv.epci else conv.written
        round_seal(
            c,
            x + w * rng.uniform(0.15, 0.35),
            y + h * 0.5,
            min(h * 0.45, 36),
            ("MAIRIE " + de(name).upper()) if not conv.epci else name,
            rng,
            colour=rng.choice((STAMP_BLUE, STAMP_VIOLET)),
            centre="",
            bottom="LE PRÉSIDENT" if conv.epci else "LE MAIRE",
        )
    sw, sh = min(w * 0.7, 5 * CM), min(h * 0.8, 2 * CM)
    sx, sy = x + w * rng.uniform(0.15, 0.3), y + h * 0.1
    if conv.mark == "pen":
        pen_signature(c, sx, sy, sw, sh, rng)
    elif conv.mark == "vector":
        vector_signature(c, sx, sy, sw, sh, rng, ink=BLACK_INK)
    elif conv.mark == "image":
        paste_image(c, signature_image(rng, sw, sh), sx, sy, sw, sh)


def maybe_arrival(c: Canvas, ctx: Ctx, conv: Conv) -> dt.date | None:
    if ctx.paper and ctx.rng.random() < 0.4:
        day = arrival_day(ctx.rng, conv.day)
        arrival_stamp(c, day, ctx.rng)
        return day
    return None


# ----------------------------------------------------------------------------- body

TITLES = (
    "Convention constitutive de groupement de commandes pour la mise en place d'un "
    "environnement numérique de travail dans les écoles de l'académie de Nantes",
    "CONVENTION D'ADHÉSION AU GROUPEMENT DE COMMANDES « ENT 1er DEGRÉ E-PRIMO »",
    "Convention de groupement de commandes — Environnement numérique de travail (ENT) "
    "e-primo des écoles de l'académie de Nantes",
)

ARTICLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Objet de la convention",
        (
            "La présente convention constitue un groupement de commandes et en fixe les règles "
            "d'organisation et de fonctionnement. Le groupement passera un marché public "
            "destiné à mettre à la disposition des écoles du territoire de ses membres une "
            "solution unique d'environnement numérique de travail.",
            "Le groupement est constitué selon les articles L2113-6 à L2113-8 du code de la "
            "commande publique.",
        ),
    ),
    (
        "Adhésion au groupement",
        (
            "Peuvent être membres du groupement le rectorat, les communes, les communautés de "
            "communes et les autres établissements publics de l'académie, sur autorisation "
            "expresse de leur assemblée délibérante donnée au maire ou au président. La copie "
            "de cette délibération est jointe en annexe 1.",
            "La date limite d'adhésion est fixée au 15 janvier 2022 ; l'adhésion vaut pour "
            "48 mois.",
        ),
    ),
    (
        "Retrait et exclusion",
        (
            "Aucun retrait n'est possible durant les 24 premiers mois du marché. À défaut de "
            "demande de retrait adressée en recommandé dans les deux mois précédant la fin de "
            "cette période, le membre reste engagé pour les 24 mois suivants.",
        ),
    ),
    (
        "Fonctionnement — missions du coordonnateur",
        (
            "Les membres mandatent le rectorat de Nantes, coordonnateur, pour passer, signer et "
            "notifier le marché selon les besoins exprimés à l'annexe 2. Le coordonnateur "
            "recueille les adhésions, rédige le dossier de consultation, publie le marché, "
            "analyse les offres et notifie le marché au titulaire.",
            "Un comité de pilotage animé par le rectorat réunit les représentants de "
            "l'Éducation nationale et des collectivités partenaires aux étapes clés.",
        ),
    ),
    (
        "Périmètre et durée du marché",
        (
            "Le marché porte sur la mise à disposition, en mode locatif (SaaS), d'un ENT fondé "
            "sur la solution libre Open ENT-NG, accessible aux élèves, enseignants, parents et "
            "agents territoriaux des écoles. Sa durée est de 48 mois à compter du 19 juillet "
            "2022.",
        ),
    ),
    (
        "Participation financière et engagements",
        (
            "Chaque membre finance les comptes d'accès des élèves de ses écoles et ne peut "
            "commander moins de comptes que le besoin exprimé lors de son adhésion (annexe 2). "
            "Il règle directement les factures du titulaire.",
            "Le rectorat prend en charge la formation des enseignants et l'accompagnement des "
            "utilisateurs.",
        ),
    ),
    (
        "Litiges",
        (
            "Les litiges nés de l'exécution de la présente convention relèvent du tribunal "
            "administratif de Nantes.",
        ),
    ),
)


def body(w: Writer, ctx: Ctx, *, caps: bool = False, numbering: str = "Article") -> None:
    rng = ctx.rng
    w.para("RÉPUBLIQUE FRANÇAISE", face=w.bold, size=9, align="center", after=2)
    w.para(
        "Région académique Pays de la Loire — Rectorat de l'académie de Nantes",
        size=9,
        align="center",
        after=16,
    )
    title = rng.choice(TITLES)
    w.para(title.upper() if caps else title, face=w.bold, size=w.size + 2, align="center")
    w.space(8)
    for vu in (
        "Vu le code général des collectivités territoriales,",
        "Vu le code de l'éducation,",
        "Vu le code de la commande publique, notamment ses articles L2113-6 à L2113-8,",
    ):
        w.para(vu, after=1)
    w.space(6)
    w.para(
        "Le rectorat de Nantes et les collectivités signataires, ci-après « les membres », "
        "poursuivent le partenariat engagé en 2013 pour l'ENT e-primo des écoles.",
    )
    w.para("Documents annexés :", face=w.bold)
    w.para("– annexe 1 : délibération autorisant la signature de la convention", indent=12)
    w.para("– annexe 2 : tableau d'engagement / expression des besoins", indent=12, after=8)
    for i, (head, paras) in enumerate(ARTICLES, 1):
        label = f"{numbering} {i}" if numbering else f"{i}."
        text = f"{label} – {head}"
        w.ensure(50)
        w.para(text.upper() if caps else text, face=w.bold, after=3)
        for p in paras:
            w.para(p, align="left")
    w.new_page()


def rector_lines() -> list[str]:
    return [
        "Le recteur de la région académique Pays de la Loire,",
        "recteur de l'académie de Nantes, chancelier des universités",
        "Coordonnateur du groupement de commandes",
    ]


def _start(ctx: Ctx, creator: str) -> tuple[io.BytesIO, Canvas]:
    buf = io.BytesIO()
    c = new_canvas(buf, "Convention e-primo", creator=creator)
    return buf, c


def _role_line(conv: Conv) -> str:
    if conv.delegation:
        return f"Pour le Maire et par délégation, {conv.role}"
    return conv.role


# ----------------------------------------------------------------------------- families


@family(
    "convention.leader_dots",
    "convention",
    "A form: 'Nom de la collectivité adhérente ........ X', 'Fonction du signataire ........', "
    "'Nom du signataire ........', 'Date et signature', typed at the end of the dots",
)
def leader_dots(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    conv = draw_conv(ctx)
    buf, c = _start(ctx, "Microsoft® Word 2016")
    arrival = maybe_arrival(c, ctx, conv)
    w = Writer(c, face="Times-Roman", bold="Times-Bold", size=10.5, footer=footer_page_of())
    body(w, ctx)
    for line in rector_lines():
        w.para(line, after=1)
    w.para("Date et signature", after=60)
    labels = (
        ("Nom de la collectivité adhérente", conv.written),
        ("Fonction du signataire", _role_line(conv)),
        ("Nom du signataire", conv.name_text),
    )
    dots_end = w.left + w.width * 0.55
    for label, value in labels:
        w.y -= 22
        c.setFont("Times-Roman", 10.5)
        c.drawString(w.left, w.y, label)
        x0 = w.left + c.stringWidth(label, "Times-Roman", 10.5) + 4
        n = int((dots_end - x0) / c.stringWidth(".", "Times-Roman", 10.5))
        c.drawString(x0, w.y, "." * max(3, n))
        c.drawString(dots_end + 6, w.y, value)
    w.y -= 26
    date_text = numeric(conv.day) if conv.date_written else ""
    c.drawString(w.left, w.y, f"Date et signature : {date_text}")
    sign(c, ctx, conv, w.left + w.width * 0.4, w.y - 80, w.width * 0.5, 75)
    if rng.random() < 0.5:
        c.setFont("Times-Italic", 8)
        c.drawString(w.left, 60, "Convention à retourner avant le 15 janvier 2022 au rectorat.")
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [truth(conv, pages, arrival)], pages)


@family(
    "convention.ruled_table",
    "convention",
    "A ruled two-column signature table: 'Le coordonnateur' | 'La collectivité adhérente', "
    "rows Collectivité / Nom et prénom / Qualité / Date / Signature",
)
def ruled_table(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    conv = draw_conv(ctx)
    face, bold = font("DejaVuSans"), font("DejaVuSans-Bold")
    buf, c = _start(ctx, "LibreOffice 7.1")
    arrival = maybe_arrival(c, ctx, conv)
    w = Writer(c, face=face, bold=bold, size=9.5, footer=footer_page_of())
    body(w, ctx, numbering=rng.choice(("Article", "ARTICLE", "")))
    w.para("Signatures des parties", face=bold, size=11, after=10)
    left, right = w.left, w.right
    mid = left + (right - left) / 2
    top = w.y
    rows = [
        ("", "Le coordonnateur du groupement", "La collectivité adhérente", 22),
        ("Collectivité", "Rectorat de l'académie de Nantes", conv.written, 22),
        ("Nom et prénom", "", conv.name_text, 22),
        ("Qualité", "Le recteur", _role_line(conv), 22),
        ("Date", "", numeric(conv.day) if conv.date_written else "", 22),
        ("Signature", "", "", 90),
    ]
    lab_w = 80
    c.setLineWidth(0.7)
    y = top
    for label, a, b, h in rows:
        c.rect(left, y - h, right - left, h)
        c.line(left + lab_w, y - h, left + lab_w, y)
        c.line(mid + lab_w / 2, y - h, mid + lab_w / 2, y)
        c.setFont(bold if not label else face, 8.5)
        c.drawString(left + 4, y - 14, label)
        c.setFont(bold if not label else face, 8.5)
        c.drawString(left + lab_w + 4, y - 14, a[:40])
        c.drawString(mid + lab_w / 2 + 4, y - 14, b[:44])
        if label == "Signature":
            sign(c, ctx, conv, mid + lab_w / 2, y - h, right - mid - lab_w / 2, h)
        y -= h
    w.y = y - 10
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [truth(conv, pages, arrival)], pages)


@family(
    "convention.prose_parties",
    "convention",
    "Free prose naming the parties ('La commune de X, représentée par son maire, Mme Y, "
    "dûment habilitée par délibération du …'), then 'Fait à X, le …' and the signatures",
)
def prose_parties(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    conv = draw_conv(ctx)
    buf, c = _start(ctx, "Microsoft® Word pour Microsoft 365")
    arrival = maybe_arrival(c, ctx, conv)
    w = Writer(c, face="Helvetica", bold="Helvetica-Bold", size=10, footer=footer_page_of())
    meeting = conv.day - dt.timedelta(days=rng.randrange(8, 40))
    p = conv.signer
    kind = "la communauté" if conv.epci else "la commune"
    name = conv.written if conv.epci else conv.place
    who = "son président" if conv.epci and "ice" not in conv.role else f"son {conv.role.lower()}"
    if conv.epci and "ice" in conv.role:
        who = "sa vice-présidente" if p.female else "son vice-président"
    if not conv.epci and conv.role != "Maire":
        who = "sa première adjointe" if "Première" in conv.role else f"son {conv.role.lower()}"
    council = "conseil communautaire" if conv.epci else "conseil municipal"
    holder = "habilitée" if p.female else "habilité"
    w.para("ENTRE", face="Helvetica-Bold", after=2)
    w.para(
        "Le rectorat de l'académie de Nantes, représenté par le recteur de la région "
        "académique Pays de la Loire, coordonnateur du groupement,",
    )
    w.para("ET", face="Helvetica-Bold", after=2)
    if not conv.epci:
        conv.written = f"Commune {de(name)}"
    collectivity_text = conv.written if conv.epci else f"{kind.capitalize()} {de(name)}"
    w.para(
        f"{collectivity_text}, représentée par {who}, {p.short_civility} "
        f"{conv.name_text}, dûment {holder} par délibération du {council} en date du "
        f"{long_date(meeting)},",
    )
    w.para("il est convenu ce qui suit.", after=10)
    body(w, ctx)
    w.para(
        "Fait en deux exemplaires originaux."
        if rng.random() < 0.5
        else "Fait pour servir et valoir ce que de droit.",
        after=8,
    )
    fait = f"Fait à {conv.place}, le {long_date(conv.day)}" if conv.date_written else "Fait à "
    w.para(fait + ("" if conv.date_written else "…………………, le …………………"), after=20)
    top = w.y
    c.setFont("Helvetica", 10)
    c.drawString(w.left, top, f"Pour {collectivity_text.lower()[:1]}{collectivity_text[1:]},")
    c.drawString(w.left, top - 14, _role_line(conv) + ",")
    sign(c, ctx, conv, w.left, top - 110, w.width * 0.45, 85)
    c.drawString(w.left, top - 124, f"{p.civility} {conv.name_text}")
    c.drawString(w.left + w.width * 0.55, top, "Pour le rectorat,")
    c.drawString(w.left + w.width * 0.55, top - 14, "Le recteur d'académie")
    pages = w.finish()
    c.save()
    doc = truth(conv, pages, arrival)
    return Rendered(buf.getvalue(), [doc], pages)


@family(
    "convention.two_columns",
    "convention",
    "The signature block in two columns, the rectorat on the left and the member on the "
    "right ('Pour la collectivité : X', 'Le Maire, Nom', signature under it)",
)
def two_columns(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    conv = draw_conv(ctx)
    buf, c = _start(ctx, "Microsoft® Word 2013")
    arrival = maybe_arrival(c, ctx, conv)
    w = Writer(c, face="Times-Roman", bold="Times-Bold", size=11, footer=footer_page_of())
    body(w, ctx, numbering="ARTICLE")
    place = f"À {conv.place}, le {numeric(conv.day)}" if conv.date_written else "À ………, le ………"
    w.para(place, align="right", after=24)
    top = w.y
    lx, rx = w.left, w.left + w.width * 0.52
    c.setFont("Times-Bold", 10.5)
    c.drawString(lx, top, "Pour le rectorat de Nantes,")
    c.drawString(rx, top, "Pour la collectivité adhérente,")
    c.setFont("Times-Roman", 10.5)
    for k, line in enumerate(rector_lines()):
        c.drawString(lx, top - 14 * (k + 1), line[:48])
    c.drawString(rx, top - 14, conv.written)
    c.drawString(rx, top - 28, _role_line(conv))
    sign(c, ctx, conv, rx, top - 130, w.width * 0.45, 90)
    c.drawString(rx, top - 146, conv.name_text)
    if rng.random() < 0.5:
        c.setFont("Times-Italic", 8)
        c.drawString(lx, top - 180, "(signature précédée de la mention « lu et approuvé »)")
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [truth(conv, pages, arrival)], pages)


@family(
    "convention.handwritten",
    "convention",
    "The printed blank form filled in by hand: collectivity, role, name and date written "
    "over the blank lines by pen (paper only)",
    digital=False,
)
def handwritten(ctx: Ctx) -> Rendered:
    conv = draw_conv(ctx)
    buf, c = _start(ctx, "")
    arrival = maybe_arrival(c, ctx, conv)
    w = Writer(c, face="Times-Roman", bold="Times-Bold", size=10.5, footer=footer_page_of())
    body(w, ctx)
    for line in rector_lines():
        w.para(line, after=1)
    w.para("Date et signature", after=70)
    labels = (
        ("Nom de la collectivité adhérente :", conv.written),
        ("Fonction du signataire :", conv.role),
        ("Nom du signataire :", conv.name_text),
        ("Date et signature :", numeric(conv.day) if conv.date_written else ""),
    )
    for label, value in labels:
        w.y -= 26
        c.setFont("Times-Roman", 10.5)
        c.drawString(w.left, w.y, label)
        x0 = w.left + c.stringWidth(label, "Times-Roman", 10.5) + 8
        c.setLineWidth(0.4)
        c.line(x0, w.y - 2, w.right - 20, w.y - 2)
        if value:
            draw_hand(c, x0 + 10, w.y + 1, value, 12, ctx.rng, max_width=w.right - x0 - 40)
    sign(c, ctx, conv, w.left + w.width * 0.4, w.y - 90, w.width * 0.5, 80)
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [truth(conv, pages, arrival)], pages)


@family(
    "convention.caps_abbrev",
    "convention",
    "Condensed sans-serif, capital labels and abbreviations ('COLLECTIVITÉ', 'NOM DU SIGN.', "
    "'QUALITÉ', 'LE'), values after a tab; EPCI presidents and adjoints by delegation",
)
def caps_abbrev(ctx: Ctx) -> Rendered:
    rng = ctx.rng
    conv = draw_conv(ctx)
    face, bold = font("DejaVuSansCondensed"), font("DejaVuSansCondensed-Bold")
    buf, c = _start(ctx, "PDFCreator 4.2")
    arrival = maybe_arrival(c, ctx, conv)
    w = Writer(c, face=face, bold=bold, size=9.5, footer=footer_page_of())
    body(w, ctx, caps=True, numbering="ART.")
    w.para("POUR LE MEMBRE DU GROUPEMENT", face=bold, size=10, after=12)
    labels = [
        (rng.choice(("COLLECTIVITÉ", "COLLECTIVITÉ / EPCI", "MEMBRE")), conv.written.upper()),
        (rng.choice(("NOM DU SIGN.", "NOM DU SIGNATAIRE", "NOM, PRÉNOM")), conv.name_text),
        (rng.choice(("QUALITÉ", "FONCTION", "QUALITÉ DU SIGN.")), _role_line(conv)),
        ("LE", numeric(conv.day, sep=rng.choice(("/", "."))) if conv.date_written else ""),
    ]
    for label, value in labels:
        w.y -= 18
        c.setFont(bold, 9)
        c.drawString(w.left, w.y, label)
        c.setFont(face, 9.5)
        c.drawString(w.left + 120, w.y, value)
    w.y -= 18
    c.setFont(bold, 9)
    c.drawString(w.left, w.y, "SIGNATURE ET CACHET")
    sign(c, ctx, conv, w.left + 110, w.y - 90, w.width * 0.5, 90)
    c.setFont(bold, 9)
    c.drawString(w.left + w.width * 0.7, w.y, "POUR LE COORDONNATEUR")
    c.setFont(face, 8.5)
    c.drawString(w.left + w.width * 0.7, w.y - 12, "LE RECTEUR D'ACADÉMIE")
    pages = w.finish()
    c.save()
    return Rendered(buf.getvalue(), [truth(conv, pages, arrival)], pages)


def _self_signed(name: str, organisation: str, seed: int) -> Any:
    """A pyHanko signer with a self-signed Ed25519 certificate drawn from ``seed`` (the
    key and certificate are the same for a seed; pyHanko stamps the signing time)."""
    import hashlib

    from asn1crypto import keys as akeys
    from asn1crypto import x509 as ax509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    digest = hashlib.sha256(repr(("key", seed)).encode()).digest()
    key = Ed25519PrivateKey.from_private_bytes(digest)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        ]
    )
    utc = dt.UTC
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(digest[:8], "big") | 1)
        .not_valid_before(dt.datetime(2021, 1, 4, tzinfo=utc))
        .not_valid_after(dt.datetime(2024, 1, 4, tzinfo=utc))
        .sign(key, None)
    )
    acert = ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    akey = akeys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return signers.SimpleSigner(
        signing_cert=acert,
        signing_key=akey,
        cert_registry=SimpleCertificateStore.from_certs([acert]),
    )


def sign_pdf(
    data: bytes, name: str, organisation: str, seed: int, box: tuple[float, ...], page: int
) -> bytes:
    """``data`` signed by ``name`` in a visible signature field on ``page`` (0-based)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(
        field_name="SignatureCollectivite",
        reason="Signature de la convention e-primo",
        location=organisation,
    )
    spec = fields.SigFieldSpec("SignatureCollectivite", on_page=page, box=box)
    out = signers.sign_pdf(
        writer, meta, signer=_self_signed(name, organisation, seed), new_field_spec=spec
    )
    return out.getvalue()


@family(
    "convention.pdf_signed",
    "convention",
    "Typed in the platform's form (collectivity, role, name, date after colons), then "
    "signed with a PDF digital signature (a visible pyHanko widget, self-signed "
    "certificate in the signatory's name): no ink at all (digital only)",
    paper=False,
)
def pdf_signed(ctx: Ctx) -> Rendered:
    conv = draw_conv(ctx)
    conv.mark, conv.seal, conv.date_written = "digital", False, True
    buf, c = _start(ctx, "Microsoft® Word 2019")
    w = Writer(c, face="Helvetica", bold="Helvetica-Bold", size=10, footer=footer_page_of())
    body(w, ctx)
    for line in rector_lines():
        w.para(line, after=1)
    w.para("Date et signature", after=50)
    for label, value in (
        ("Nom de la collectivité adhérente", conv.written),
        ("Fonction du signataire", _role_line(conv)),
        ("Nom du signataire", conv.name_text),
        ("Date", numeric(conv.day)),
    ):
        w.para(f"{label} : {value}", after=6)
    w.para("Signature :", after=4)
    box = (w.left + 60, w.y - 70, w.left + 260, w.y - 10)
    pages = w.finish()
    c.save()
    org = conv.written if conv.epci else f"Mairie {de(conv.place)}"
    data = sign_pdf(buf.getvalue(), conv.name_text, org, ctx.seed, box, pages - 1)
    return Rendered(data, [truth(conv, pages, None)], pages)
