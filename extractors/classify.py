"""Page types and the splitting of a file's pages into documents.

Each page is scored per type from the words that identify it (the campaign's
``pieces.*.keywords`` plus built-in cues), with a strong weight for a *title* near the top
of the page. A new document starts at a title page or where the page's strong type changes;
other pages continue the current document (a convention spans several pages).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from extractors.actid import find_act_ids
from extractors.dates import fold
from extractors.pages import Page

TYPES = ("convention", "deliberation", "needs_form")

# Titles: phrases that open a piece, searched in the top part of a page.
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
        r"^\s*(conseil municipal|conseil communautaire|conseil syndical)\s*$",
        r"seance du",
        r"^(conseil municipal|conseil communautaire|conseil syndical) du \d",
    ),
    "needs_form": (
        r"expression des b",
        r"fiche d'expression",
        r"tableau d'engagement",
        r"^\s*annexe\s*2\b",
        r"fiche (de |d'expression des )?besoins",
    ),
}

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


@dataclass
class PageClass:
    scores: dict[str, float]
    title: str | None
    letter: bool
    blank: bool
    page_of: tuple[int, int] | None = None

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


def classify_page(page: Page, keywords: Mapping[str, Sequence[str]] | None = None) -> PageClass:
    text = fold(page.text)
    flat = " ".join(text.split())
    blank = len(re.sub(r"[^a-z0-9]", "", flat)) < 12
    head = fold(_head_text(page))
    scores: dict[str, float] = {}
    title: str | None = None
    title_pos = 0
    for t in TYPES:
        s = 0.0
        for cue in CUES[t]:
            if re.search(cue, flat):
                s += 1
        for kw in (keywords or {}).get(t, ()):
            k = " ".join(fold(kw).split())
            if k and k in flat:
                s += 1
        first = None
        for pat in TITLES[t]:
            m = re.search(pat, head, re.M)
            if m:
                s += 3
                first = m.start() if first is None else min(first, m.start())
        if first is not None and (title is None or first < title_pos):
            title, title_pos = t, first
        scores[t] = s
    if find_act_ids(page.text):
        scores["deliberation"] += 3
    letter = bool(LETTER.search(flat)) and scores["convention"] < 6
    if letter:
        title = None
    page_of = None
    for m in PAGE_NO.finditer(text):
        a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        num, of = int(a), int(b or 200)
        if 1 <= num <= of <= 200:
            page_of = (num, of)
    # a title found at the top only counts when the page is not a continuation
    return PageClass(scores, title, letter, blank, page_of)


def split_pages(
    pages: Sequence[Page], keywords: Mapping[str, Sequence[str]] | None = None
) -> list[Split]:
    docs: list[Split] = []
    for page in pages:
        pc = classify_page(page, keywords)
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
        if pc.title and not (cur is not None and cur.type == pc.title and continuing):
            # a title of the current type on a page that goes on the same piece
            # (a running header) does not start a new one
            if cur is not None and cur.type == pc.title and _same_piece(cur, pc):
                cur.pages.append(page)
            else:
                docs.append(Split(pc.title, [page]))
            continue
        best = pc.best
        if cur is None:
            docs.append(Split(best or "other", [page], unsure=best is None))
        elif best is None and not continuing and cur.type == "other" and not cur.unsure:
            # after a letter, an unknown page starts something else (a piece whose
            # title the scan lost), not a second page of the letter
            docs.append(Split("other", [page], unsure=True))
        elif continuing or best is None or best == cur.type:
            cur.pages.append(page)
            if cur.unsure and continuing and best is not None:
                # page 2 of 4 is clearly a convention: so was its page 1
                cur.type, cur.unsure = best, False
        else:
            docs.append(Split(best, [page]))
    return docs


def _same_piece(cur: Split, pc: PageClass) -> bool:
    """A deliberation's second page often repeats "conseil municipal" near its top."""
    if cur.type != "deliberation" or len(cur.pages) == 0:
        return False
    strong_start = pc.scores["deliberation"] >= 9
    return not strong_start and pc.title == "deliberation" and pc.scores["deliberation"] < 7
