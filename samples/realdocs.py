"""The real public documents of ``../shared/real-documents/`` (verbatim texts and their
``truth.json``) laid out as PDFs, wording kept: for ``benchmarks/bench_real.py`` and the
tests.

Each text is laid out twice (``layout_blocks`` checks that the blocks put back together
are the text, whitespace aside):

- *as found*: the text's own paragraphs (blank lines) and pages (a paragraph opening with
  the next page's number), each paragraph wrapped to the page width: run-together columns
  stay run together, as a text layer or an OCR of the original gives them;
- *laid out*: lines broken where a real document breaks them (heading lines, the title,
  the acknowledgment stamp's lines, the signature block), nothing else changed.

Each layout is made (a) as a digital PDF (reportlab, A4) and (b) as a scan of it (300 dpi,
grey, slight skew and noise, image-only PDF: ``extractors.testing.scan``). Expected types:
the délibération and the prefecture's acknowledgment stamp alone are ``deliberation`` (a
stamp filed alone is the délibération's acknowledgment), the convention ``convention``,
the minutes, compte rendu and convocation ``other``.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.model import FIELD_NAMES, parse_field_value

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "real-documents"

EXPECTED_TYPE = {
    "deliberation": "deliberation",
    "acknowledgment": "deliberation",
    "convention": "convention",
    "other": "other",
}
TRUTH_FIELD = {"receipt_date": "prefecture_receipt_date"}
LAYOUTS = ("found", "laid_out")

# Where a real document breaks its lines, per file: each phrase (verbatim, in the text)
# starts a new block; a style for the block it starts ("title", "head", "stamp", "right",
# "sign", "body"). Only used by the "laid_out" layout.
BREAKS: dict[str, list[tuple[str, str]]] = {
    "deliberation_tronget_2023-11-30_zaenr.txt": [
        ("EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS", "title"),
        ("République Française", "head"),
        ("L’an deux mil vingt-trois", "body"),
        ("Zones d’Accélération des Energies Renouvelables N°36/2023", "title"),
        ("La loi n° 2023-175", "body"),
        ("Monsieur le Maire précise", "body"),
        ("Compte tenu de ces éléments", "body"),
        ("Après en avoir délibéré", "body"),
        ("ONT VOTE POUR", "body"),
        ("ACTE EXECUTOIRE", "head"),
        ("Reçu par le représentant", "body"),
        ("Pour extrait conforme", "body"),
        ("Fait à Tronget", "sign"),
        ("Le Maire, UNS", "sign"),
        ("Jean-Marc DUMONT", "sign"),
    ],
    "acknowledgment_stamp_013-211301106_2021-02-09.txt": [
        ("Reçu en préfecture le", "stamp"),
        ("Affiché le", "stamp"),
        ("ID : 013-211301106", "stamp"),
    ],
    "convention_enc-hds_hauts-de-seine_colleges_excerpt.txt": [
        ("Entre C O N V E N T I O N", "title"),
        ("Le ministère de l Education", "body"),
        ("Et Le Département des Hauts-de-Seine", "body"),
        ("Et Le collège..", "body"),
        ("Vu la convention bipartite", "body"),
        ("PREAMBULE", "title"),
        ("Le déploiement du programme", "body"),
        ("Page 1 sur 15", "right"),
        ("Cet équipement en", "body"),
    ],
    "other_proces-verbal_bureau-cc-diois_2021-09-09_excerpt.txt": [
        ("PROCES-VERBAL DU BUREAU COMMUNAUTAIRE", "title"),
    ],
    "other_compte-rendu_pornic_2021-03-26_excerpt.txt": [
        ("CONSEIL MUNICIPAL DU 26 MARS 2021", "title"),
        ("COMPTE RENDU SOMMAIRE", "title"),
        ("L’an deux mille vingt et un", "body"),
        ("Présents : M. Jean-Michel BRARD", "body"),
        ("Pouvoirs : Mme Brigitte", "body"),
        ("Secrétaire de séance : Alexandra", "body"),
        ("Conseillers en exercice : 33", "body"),
        ("I - ADMINISTRATION GENERALE", "head"),
        ("1 - Composition des commissions", "head"),
        ("Suite à l’installation", "body"),
    ],
    "other_convocation_auray_2009-08-26_excerpt.txt": [
        ("Conseil Municipal du 26 août 2009 Page 1", "right"),
        ("Convocation du Conseil Municipal du Mercredi", "title"),
        ("Le Conseil Municipal d AURAY", "body"),
        ("Fait à AURAY", "sign"),
        ("Le Maire, M. LE SCOUARNEC", "sign"),
        ("Conseil Municipal du 26 août 2009 Page 2", "right"),
        ("ORDRE DU JOUR", "title"),
        ("M. LE MAIRE ~~~~~~", "body"),
        ("Conseil Municipal du 26 août 2009 Page 3", "right"),
        ("Mme POMMEREUIL 06", "body"),
    ],
}
# the block a file's first phrase-less text gets (its heading)
FIRST_STYLE = {
    "acknowledgment_stamp_013-211301106_2021-02-09.txt": "stamp",
    "other_compte-rendu_pornic_2021-03-26_excerpt.txt": "title",
    "deliberation_tronget_2023-11-30_zaenr.txt": "head",
}


@dataclass
class Block:
    style: str
    text: str


def _pages_of(text: str) -> list[list[str]]:
    """The text's pages (a paragraph opening with the next page's number starts one) as
    lists of paragraphs (blank-line separated)."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    pages: list[list[str]] = [[]]
    for p in paras:
        if re.match(rf"{len(pages) + 1}\s", p) and pages[0]:
            pages.append([])
        pages[-1].append(p)
    return pages


def layout_blocks(name: str, text: str, layout: str) -> list[list[Block]]:
    """Pages of blocks for one text; the wording is the text's (checked)."""
    out: list[list[Block]] = []
    breaks = BREAKS.get(name, []) if layout == "laid_out" else []
    for paras in _pages_of(text):
        blocks: list[Block] = []
        for i, para in enumerate(paras):
            head = re.match(r"(\d{1,2})\s+(?=\S)", para) if i == 0 else None
            if head:  # the page's number, printed at the top right
                blocks.append(Block("pageno", head.group(1)))
                para = para[head.end() :]
            style = FIRST_STYLE.get(name, "body") if not out and i == 0 else "body"
            pieces = [(0, style)]
            for phrase, st in breaks:
                j = para.find(phrase)
                if j > 0:
                    pieces.append((j, st))
            pieces.sort()
            for k, (start, st) in enumerate(pieces):
                end = pieces[k + 1][0] if k + 1 < len(pieces) else len(para)
                chunk = para[start:end].strip()
                if chunk:
                    blocks.append(Block(st, chunk))
        out.append(blocks)
    got = " ".join(b.text for page in out for b in page)
    if got.split() != text.split():
        raise AssertionError(f"{name}: layout changed the wording")
    return out


FONTS = {
    "title": ("Times-Bold", 12.5),
    "head": ("Times-Bold", 10.5),
    "body": ("Times-Roman", 10.5),
    "sign": ("Times-Roman", 10.5),
    "stamp": ("Helvetica", 8),
    "right": ("Times-Italic", 9),
    "pageno": ("Times-Roman", 9),
}


def digital_pdf(pages: list[list[Block]]) -> bytes:
    """A4 text PDF of the blocks: paragraphs wrapped to the page, overflow to a new page,
    a stamp's lines in a frame at the top right, titles centred."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    w, h = A4
    left, right, top, bottom = 60.0, w - 60.0, h - 60.0, 60.0
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    for pi, blocks in enumerate(pages):
        if pi:
            c.showPage()
        y = top
        stamps = [b for b in blocks if b.style == "stamp"]
        if stamps:
            font, size = FONTS["stamp"]
            x0, bw = right - 210, 210
            # each of the stamp's lines in its frame (a block "as found" holds them all,
            # one per line of the text: drawn as one string, they ran off the page)
            rows = [
                part
                for b in stamps
                for line in b.text.splitlines()
                for part in simpleSplit(line, font, size, bw - 14)
            ]
            bh = 12 * len(rows) + 8
            c.setLineWidth(0.8)
            c.roundRect(x0, top - bh + 10, bw, bh, 4)
            c.setFont(font, size)
            for k, row in enumerate(rows):
                c.drawString(x0 + 7, top - 2 - 12 * k, row)
            y = top - bh - 10
        for b in blocks:
            if b.style == "stamp":
                continue
            font, size = FONTS[b.style]
            c.setFont(font, size)
            if b.style == "pageno":
                c.drawRightString(right, h - 35, b.text)
                continue
            if b.style == "right":
                c.drawRightString(right, y, b.text)
                y -= size * 1.6
                continue
            lead = size * 1.25
            for line in simpleSplit(b.text, font, size, right - left):
                if y < bottom:
                    c.showPage()
                    c.setFont(font, size)
                    y = top
                if b.style == "title":
                    c.drawCentredString(w / 2, y, line)
                else:
                    c.drawString(left, y, line)
                y -= lead
            y -= size * (0.9 if b.style in ("title", "head") else 0.6)
    c.showPage()
    c.save()
    return buf.getvalue()


def scanned_pdf(pdf: bytes, seed: int = 0) -> bytes:
    """The PDF as a mail-room scan: 300 dpi, grey, slight skew, noise, image-only."""
    from extractors.testing import images_to_pdf, scan

    imgs = scan(pdf, dpi=300, skew=0.6 if seed % 2 == 0 else -0.5, noise=0.02, seed=seed)
    return images_to_pdf([im.convert("L") for im in imgs], dpi=300)


@dataclass
class Case:
    name: str
    kind: str
    truth: dict[str, Any]
    text: str

    @property
    def type(self) -> str:
        return EXPECTED_TYPE[self.kind]

    def scored_fields(self) -> dict[str, Any]:
        """Field name -> truth value, for the non-null truths the type carries."""
        out: dict[str, Any] = {}
        for key, raw in self.truth.items():
            name = TRUTH_FIELD.get(key, key)
            if raw is not None and name in FIELD_NAMES[self.type]:
                out[name] = parse_field_value(name, raw)
        return out

    def pdf(self, layout: str, scanned: bool, seed: int = 0) -> bytes:
        data = digital_pdf(layout_blocks(self.name, self.text, layout))
        return scanned_pdf(data, seed) if scanned else data


def load_cases(folder: Path = DEFAULT_DIR) -> list[Case]:
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return [
        Case(t["file"], t["kind"], t, (folder / t["file"]).read_text(encoding="utf-8"))
        for t in truth
    ]
