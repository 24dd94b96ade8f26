"""Page types and the splitting of a file's pages into documents.

A page's type comes from its structure, not from words anywhere in its text:

- its **title**: the first heading of the page that names a kind of piece, in the top part
  of the page. A title starts its line ("CONVENTION …", "EXTRAIT DU REGISTRE DES
  DÉLIBÉRATIONS", "Annexe 2 – Tableau d'engagement", "PROCÈS-VERBAL DE LA SÉANCE"); a
  phrase of the same words in running text or in a list of annexes ("Annexe 1 :
  délibération …, Annexe 2 : expression des besoins") cites a piece and is not a title.
  Letter-spaced titles ("C O N V E N T I O N") are read as words. Council minutes, compte
  rendu, convocations and agendas have titles of their own: they are ``other`` (and so are
  the pages that go on with them), however much they speak of deliberating;
- its **page numbering** ("page 2/4", "2 sur 4"): a page that goes on a numbered piece
  stays in it;
- its **body**: cues of each kind of piece (the campaign's ``pieces.*.keywords`` plus
  built-in ones), which decide a page without a title; a page of a piece's body (a
  convention's articles) goes on with that piece unless the cues of another kind are
  overwhelming;
- letters (closing formulas) are ``other``.

A new document starts at a title page or where the page's clear type changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from extractors.actid import find_act_ids
from extractors.dates import fold
from extractors.pages import Page

TYPES = ("convention", "deliberation", "needs_form")

# Titles that name their piece wherever they stand in the page's top part (specific
# phrases: a header line may run other words into them).
TITLES: dict[str, tuple[str, ...]] = {
    "convention": (
        r"convention\W{0,3}\s?d.adhesion",
        r"d.adhesion .{0,12}\ba un groupement",
        r"convention constitutive",
    ),
    "deliberation": (
        r"extrait du (registre|proces)",
        r"registre des deliberations",
        r"\bdeliberation n\s?[°o]",
        r"\bdcm n\s?[°o]",
        r"accuse de reception (en|de la) prefecture",
    ),
    "needs_form": (
        r"fiche d'expression",
        r"fiche (de |d'expression des )?besoins",
    ),
    "other": (),
}
# Titles only when they open their line (generic words that running text also uses).
LINE_TITLES: dict[str, tuple[str, ...]] = {
    "convention": (r"convention\b", r"convention(?=[a-z]{6})"),
    "deliberation": (
        r"(conseil municipal|conseil communautaire|conseil syndical|comite syndical)\s*$",
        r"seance du",
        r"(conseil municipal|conseil communautaire|conseil syndical|comite syndical) du \d",
        r"deliberation\b(?! du conseil municipal du \d)",
        r"accuse de reception\b",
    ),
    "needs_form": (
        r"expression des b",
        r"tableau d'engagement",
        r"annexe\s*(n\s?[°o]\s*)?2\b",
        r"recensement des besoins",
    ),
    # pieces that are not pieces: they go to triage as what they are
    "other": (
        r"proces.verbal\b",
        r"compte.rendu\b",
        r"convocation\b",
        r"ordre du jour\b",
        r"liste des (deliberations|actes|decisions)",
        r"releve (de|des) (decisions|deliberations)",
        r"(note|rapport) de synthese",
        r"bordereau\b",
        r"facture\b",
    ),
}
# a title that opens the page's heading only after a few words of letterhead
_LEAD = r"^[\W\d_]{0,6}(?:[a-z]{1,3}\s+|entre\s+)?"
_LEAD_SQUEEZED = r"^[\W\d_]{0,6}(?:entre)?"
# weak titles: they name the council, not the act; an "other" title beats them
_WEAK = {"deliberation": (0, 1, 2)}

# Body cues: each present cue adds one point (campaign keywords are added to these).
CUES: dict[str, tuple[str, ...]] = {
    "convention": (
        r"nom du signataire",
        r"fonction du signataire",
        r"collectivite adherente",
        r"\barticle \d",
        r"coordonnateur",
        r"retrait.exclusion",
        r"perimetre du marche",
        r"ci-apres denommes",
    ),
    "deliberation": (
        r"apres en avoir delibere",
        r"a l'unanimite",
        r"membres en exercice",
        r"conseillers en exercice",
        r"\bvotants\b",
        r"\bpresents?\s*:",
        r"secretaire de seance",
        r"extrait certifie conforme",
        r"accuse de reception",
        r"recu en prefecture",
        r"date de reception prefecture",
        r"teletransmission",
        r"\bautorise\b",
        r"\bapprouve\b",
    ),
    "needs_form": (
        r"nombre d'ecoles",
        r"comptes eleves",
        r"nom de l'ecole",
        r"\becoles?\b.{0,80}\d",
        r"\btotal\b",
        r"referent",
    ),
}

LETTER = re.compile(
    r"je vous prie d'agreer|veuillez agreer|je vous prie de (bien vouloir )?(croire|recevoir)"
    r"|salutations distinguees|(haute|meilleure|respectueuse) consideration"
)
PAGE_NO = re.compile(
    r"\bpage\s*(\d{1,3})\s*(?:(?:/|sur)\s*(\d{1,3}))?\b|^\s*(\d{1,3})\s*/\s*(\d{1,3})\s*$",
    re.M,
)
# "C O N V E N T I O N" (four or more letters one space apart) read as one word
_SPACED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_] ){3,}[^\W\d_](?![^\W\d_])")
_ANNEX_ITEM = re.compile(r"^\W*annexe\s*(?:n\s?[°o]\s*)?\d+\b")
_ARTICLE = re.compile(r"^\W*article\s+(?:\d+|premier|[ivx]+)\b")


@dataclass
class PageClass:
    scores: dict[str, float]
    title: str | None
    letter: bool
    blank: bool
    page_of: tuple[int, int] | None = None
    articles: int = 0  # lines opening with "Article N": a convention's body
    title_line: int = 0  # the title's line in the page's heading
    ack: bool = False  # the prefecture's acknowledgment of an act (act id, receipt)
    opens_act: bool = False  # the heading opens an act ("Extrait du registre…")
    act_id: bool = False  # an ACTES act id is on the page

    @property
    def best(self) -> str | None:
        """The page's type when the evidence is clear, else None."""
        if self.letter:
            return "other"
        ranked = sorted(self.scores.items(), key=lambda kv: kv[1], reverse=True)
        (t1, s1), (_, s2) = ranked[0], ranked[1]
        if s1 >= 3 and s1 >= 1.5 * s2 + 1:
            return t1
        return None


@dataclass
class Split:
    type: str
    pages: list[Page] = field(default_factory=list)
    # "other" for want of evidence (no title, no clear type, not a letter): the pages
    # that go on with it may still tell what it is (a title lost under a stamp)
    unsure: bool = False
    # "other" by its own title (minutes, agenda): the pages after it go on with it
    titled: bool = False


def unspace(text: str) -> str:
    """Letter-spaced words joined: "C O N V E N T I O N D U" -> "CONVENTIONDU"."""
    return _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)


def _head_text(page: Page) -> str:
    """The top part of a page: what a title would be in."""
    if page.ocr:
        limit = page.height * 0.4
        return "\n".join(ln.text for ln in page.lines if ln.box[1] < limit)
    if page.head is not None:
        return page.head.replace("\r\n", "\n").replace("\r", "\n")
    lines_t = [ln for ln in page.text.splitlines() if ln.strip()]
    n = max(12, len(lines_t) // 3)
    return "\n".join(lines_t[:n])


_OTHER_TOP = re.compile(
    r"(?<!extrait du )(?<!extrait de )(?<!\bsur )(?<!\bune )(?<!\bdu )(?<!\bde )(?<!\bau )"
    r"(?<!\bla )(?<!\bl')(?<!\bl )(?<!approbation du )\b(?:"
    r"compte.rendu\b|proces.verbal (?:de (?:la )?seance|du (?:conseil|bureau|comite)|sommaire)"
    r"|convocation (?:du|des|au|a la|de la) (?:conseil|bureau|comite|membres|seance|reunion)"
    r"|ordre du jour\b)"
)
# "Pour extrait conforme au registre des délibérations": the act's closing formula
_CERTIFIES = re.compile(r"(conforme|certifie|pour extrait)\W*(a |au |a l')?\W*$")
# "… autorise le maire à signer la convention constitutive": a piece named after an
# article or a preposition is cited, not a title
_CITES = re.compile(
    r"\b(la|le|les|l'|de|du|des|d'|a|au|aux|sur|par|une|un|cette|ladite|sa|son|leur|votre"
    r"|notre|cet|ce)\s*$"
)
_SUBJECT = re.compile(r"^\W*objet\s*:\s*(.+)$", re.M)
_NEEDS_SUBJECT = re.compile(
    r"expression des besoins|fiche (de |d'expression des )?besoins|recensement des besoins"
    r"|tableau d'engagement|annexe\s*(n\s?[°o]\s*)?2\b"
)
_ACK = re.compile(
    r"accuse de reception|recu en prefecture|date de reception prefecture|teletransmission"
)
_OPENS_ACT = re.compile(
    _LEAD + r"(seance du|(conseil municipal|conseil communautaire|conseil syndical|comite "
    r"syndical) du \d|deliberation n\s?[°o]|dcm n\s?[°o])"
)
_OPENS_ACT_ANYWHERE = re.compile(r"extrait du (registre|proces)|registre des deliberations")
_RUN_TOGETHER = re.compile(r"[a-z]{20,}")


def _heading_like(lines: Sequence[str], i: int, longest: int) -> bool:
    """A line that starts something: the first, or after a short line or a sentence's end
    (not the next line of a wrapped paragraph)."""
    if i == 0:
        return True
    prev = lines[i - 1].rstrip()
    if i <= 3 and not prev.endswith(":"):
        return True  # the page's first lines: letterhead and titles
    if prev.endswith(":"):
        return False  # the value of a label ("Objet de l'acte : / Convention …")
    return len(prev) < 0.7 * longest or prev.endswith((".", ";", "!", "?", "»", ")"))


def find_title(
    head_lines: Sequence[str], body_cues: float = 1.0, continuing: bool = False
) -> tuple[str, int, bool] | None:
    """The first title of the page's heading: (type, line index, weak). Lines of a list of
    annexes cite pieces and are skipped; a title of generic words must open a line that
    starts something; the council's name alone ("CONSEIL MUNICIPAL DU 26 MARS 2021", a
    running header of minutes as of acts) is a title only over a page that deliberates
    (``body_cues``), and minutes, compte rendu, convocations and agendas named in the
    heading's first words are what the page is."""
    annex_items = sum(1 for ln in head_lines if _ANNEX_ITEM.match(ln))
    longest = max((len(ln) for ln in head_lines), default=0)
    found: list[tuple[int, int, str, bool]] = []  # line, position, type, weak
    for i, line in enumerate(head_lines):
        listed = annex_items >= 2 and bool(_ANNEX_ITEM.match(line))
        for t, pats in TITLES.items():
            for pat in pats:
                m = re.search(pat, line)
                if (
                    m
                    and not (listed and t == "needs_form")
                    and not _CERTIFIES.search(line[max(0, m.start() - 30) : m.start()])
                    and not _CITES.search(line[max(0, m.start() - 30) : m.start()])
                ):
                    found.append((i, m.start(), t, False))
        if listed or not _heading_like(head_lines, i, longest):
            continue
        variants = [line]
        if _RUN_TOGETHER.search(line[:60]):
            # letter-spaced title OCR'd with stray spaces: "con ventiondutilisation"
            variants.append(re.sub(r"\s+", "", line[:60]))
        for t, pats in LINE_TITLES.items():
            for k, pat in enumerate(pats):
                if re.match(_LEAD + pat, line) or any(
                    re.match(_LEAD_SQUEEZED + pat, v) for v in variants[1:]
                ):
                    weak = k in _WEAK.get(t, ())
                    found.append((i, 0, t, weak))
                    break
    top = " ".join(head_lines)[:120]
    m = _OTHER_TOP.search(top)
    if m:
        before = [f for f in found if not f[3] and f[2] != "other"]
        at, pos = 0, 0
        while at < len(head_lines) - 1 and pos + len(head_lines[at]) < m.start():
            pos += len(head_lines[at]) + 1
            at += 1
        if not before or min(before)[0] > at:
            return "other", at, False
    if not found:
        return None
    found.sort()
    strong = [f for f in found if not f[3]]
    first = found[0]
    if first[3]:
        if strong and strong[0][0] <= first[0] + 3:
            first = strong[0]
        elif body_cues < 1 or continuing:
            return None
    return first[2], first[0], first[3]


def classify_page(page: Page, keywords: Mapping[str, Sequence[str]] | None = None) -> PageClass:
    text = fold(page.text)
    flat = " ".join(text.split())
    blank = len(re.sub(r"[^a-z0-9]", "", flat)) < 12
    head_lines = [
        " ".join(ln.split()) for ln in unspace(fold(_head_text(page))).splitlines() if ln.strip()
    ]
    scores: dict[str, float] = {}
    for t in TYPES:
        s = 0.0
        for cue in CUES[t]:
            if re.search(cue, flat):
                s += 1
        for kw in (keywords or {}).get(t, ()):
            k = " ".join(fold(kw).split())
            if k and k in flat:
                s += 1
        scores[t] = s
    page_of = None
    for m in PAGE_NO.finditer(text):
        a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        num, of = int(a), int(b or 200)
        if 1 <= num <= of <= 200:
            page_of = (num, of)
    continuing = page_of is not None and page_of[0] > 1
    found = find_title(head_lines, scores["deliberation"], continuing)
    title = found[0] if found else None
    if title in TYPES:
        scores[title] += 3
    has_id = bool(find_act_ids(page.text))
    if has_id:
        scores["deliberation"] += 3
    letter = bool(LETTER.search(flat)) and scores["convention"] < 6
    if letter:
        title = None
        subject = _SUBJECT.search(text)
        if subject and scores["needs_form"] >= 2 and _NEEDS_SUBJECT.search(subject.group(1)):
            # "Objet : expression des besoins (annexe 2)" over the counts: the letter is
            # the needs form, written as a letter
            letter, title = False, "needs_form"
            scores["needs_form"] += 3
    articles = sum(1 for ln in text.splitlines() if _ARTICLE.match(ln))
    opens = any(_OPENS_ACT.match(ln) or _OPENS_ACT_ANYWHERE.search(ln) for ln in head_lines)
    return PageClass(
        scores,
        title,
        letter,
        blank,
        page_of,
        articles,
        found[1] if found else 0,
        ack=_ACK.search(flat) is not None and has_id,
        opens_act=opens,
        act_id=has_id,
    )


def split_pages(
    pages: Sequence[Page], keywords: Mapping[str, Sequence[str]] | None = None
) -> list[Split]:
    docs: list[Split] = []
    classes: dict[int, PageClass] = {}  # each page classified once, by id
    for page in pages:
        pc = classes[id(page)] = classify_page(page, keywords)
        cur = docs[-1] if docs else None
        if pc.blank:
            if cur is None:
                docs.append(Split("other", [page]))
            else:
                cur.pages.append(page)
            continue
        continuing = pc.page_of is not None and pc.page_of[0] > 1
        if pc.letter:
            if cur is not None and cur.type == "other" and continuing:
                cur.pages.append(page)
            else:
                docs.append(Split("other", [page]))
            continue
        if pc.title and continuing and cur is not None and pc.title_line > 2:
            # page 3 of 5 of a piece, whose body names another kind of piece
            pc.title = None
        if pc.title and not (cur is not None and cur.type == pc.title and continuing):
            # a title of the current type on a page that goes on the same piece
            # (a running header) does not start a new one
            if cur is not None and cur.type == pc.title and _same_piece(cur, pc, classes):
                cur.pages.append(page)
            else:
                docs.append(Split(pc.title, [page], titled=pc.title == "other"))
            continue
        best = pc.best
        if cur is None:
            docs.append(Split(best or "other", [page], unsure=best is None))
        elif cur.titled:
            # the pages of minutes or of an agenda speak of deliberating: they go on
            cur.pages.append(page)
        elif best is None and not continuing and cur.type == "other" and not cur.unsure:
            # after a letter, an unknown page starts something else (a piece whose
            # title the scan lost), not a second page of the letter
            docs.append(Split("other", [page], unsure=True))
        elif continuing or best is None or best == cur.type or _goes_on(cur, pc, best):
            cur.pages.append(page)
            if cur.unsure and continuing and best is not None:
                # page 2 of 4 is clearly a convention: so was its page 1
                cur.type, cur.unsure = best, False
        else:
            docs.append(Split(best, [page]))
    return docs


def _goes_on(cur: Split, pc: PageClass, best: str) -> bool:
    """A page without a title of another kind's cues that still belongs to the current
    piece: a convention's articles that speak of schools and pupil accounts."""
    if cur.type != "convention" or best == "other":
        return False
    if pc.articles:
        return True
    s_best, s_cur = pc.scores[best], pc.scores["convention"]
    return not (s_best >= 4 and s_best >= 2 * s_cur + 2)


def _same_piece(cur: Split, pc: PageClass, classes: Mapping[int, PageClass]) -> bool:
    """A deliberation's second page often repeats "conseil municipal" near its top; the
    prefecture's acknowledgment of an act is part of it, printed after it (the act has no
    act id yet) or before it (the act opens on the next page)."""
    if cur.type != "deliberation" or len(cur.pages) == 0:
        return False
    if pc.title == "deliberation":
        seen = [classes[id(p)] for p in cur.pages]
        if pc.ack and not pc.opens_act and not any(c.act_id for c in seen):
            return True
        if all(c.ack for c in seen) and pc.opens_act and not pc.ack:
            return True
    strong_start = pc.scores["deliberation"] >= 9
    return not strong_start and pc.title == "deliberation" and pc.scores["deliberation"] < 7
