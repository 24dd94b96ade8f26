"""PDF digital signatures (a ``/Sig`` field) and the marks a digital PDF draws (vector
paths, pasted images) in a signing zone.

Digital signatures are validated with pyHanko: the signed bytes' integrity (the digest
in the signature matches the file), the signer's certificate (its common name; trust is
*not* required: a town hall's certificate is rarely in our trust store) and whether the
file was changed after signing (the signature's coverage and pyHanko's diff analysis of
later revisions: form filling, annotations and further signatures are allowed, anything
else is a modification). A convention carrying an intact signature is signed; one whose
signature is broken goes to triage (unknown), with a French note.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.model import Evidence, FieldResult
from extractors.pages import Box, Page, normalize

log = logging.getLogger(__name__)

# pyHanko logs a self-signed certificate or a suspicious revision as an error with its
# traceback: what matters is returned in the status, quiet them unless configured
for _name in ("pyhanko", "pyhanko_certvalidator"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.CRITICAL)

MAX_SIGNATURES = 8
# the rectorat's side: a signature by the coordinator is not the collectivity's
_RECTOR = re.compile(r"\b(recteur|rectrice|rectorat|academie|ministere|education nationale)\b")


@dataclass(frozen=True)
class DigitalSignature:
    """One signature field of a PDF, as validated."""

    field: str
    intact: bool  # the signed bytes are those the signature was made on
    valid: bool  # the cryptographic signature checks out with the certificate
    trusted: bool  # the certificate chains to a trusted root (rarely, here)
    signer: str  # the certificate's common name (or its subject)
    organization: str
    signed_at: dt.datetime | None
    modified: bool  # the file was changed after signing beyond forms and annotations
    coverage: str  # pyHanko's coverage level name
    modification: str  # pyHanko's modification level name ("" when unknown)
    page: int | None  # 1-based page of its widget, when it has one
    box: Box | None  # the widget's rectangle, points, origin top-left
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and not self.modified and not self.error

    @property
    def rector(self) -> bool:
        return bool(_RECTOR.search(normalize(f"{self.signer} {self.organization}")))


def has_signature_field(data: bytes) -> bool:
    """Cheap test on a PDF's bytes: may it hold a signature? (a ``/ByteRange``)."""
    return b"/ByteRange" in data and b"/Sig" in data


# pyHanko and asn1crypto are not safe to use from two threads at once: each asn1crypto
# class sets itself up at its first use, and two files of a batch validated together in a
# new process failed ("No field numbered 1 is present in this …NameTypeAndValue"), a
# signed convention then read "unknown". Validations (rare, and ~20 ms each) take turns.
_PYHANKO_LOCK = threading.Lock()


def read_signatures(data: bytes) -> list[DigitalSignature]:
    """Every signature of a PDF, validated; [] when it has none or cannot be read."""
    if not has_signature_field(data):
        return []
    with _PYHANKO_LOCK:
        return _read_signatures(data)


def _read_signatures(data: bytes) -> list[DigitalSignature]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pyhanko.pdf_utils.reader import PdfFileReader

            reader = PdfFileReader(io.BytesIO(data), strict=False)
            embedded = list(reader.embedded_signatures)[:MAX_SIGNATURES]
    except Exception as exc:  # a damaged file: no signature we can speak for
        log.info("signatures unreadable: %s", exc)
        return []
    pages = _page_refs(reader)
    return [_validate(emb, pages) for emb in embedded]


def _page_refs(reader: object) -> dict[int, tuple[int, float]]:
    """Object number of each page -> (1-based number, height in points)."""
    out: dict[int, tuple[int, float]] = {}
    try:
        count = int(reader.root["/Pages"]["/Count"])  # type: ignore[attr-defined]
        for i in range(min(count, 2000)):
            ref, _res = reader.find_page_for_modification(i)  # type: ignore[attr-defined]
            page = ref.get_object()
            box = page.get("/MediaBox") or page.get("/CropBox") or [0, 0, 595, 842]
            out[int(ref.idnum)] = (i + 1, float(box[3]) - float(box[1]))
    except Exception as exc:
        log.debug("page tree: %s", exc)
    return out


def _validate(emb: object, pages: dict[int, tuple[int, float]]) -> DigitalSignature:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    name = str(getattr(emb, "field_name", "") or "")
    page, box = _widget(emb, pages)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            status = validate_pdf_signature(
                emb,  # type: ignore[arg-type]
                ValidationContext(allow_fetching=False),
                skip_diff=False,
            )
    except Exception as exc:
        return DigitalSignature(
            name, False, False, False, "", "", None, False, "", "", page, box, str(exc)[:200]
        )
    subject = status.signing_cert.subject.native if status.signing_cert is not None else {}
    signer = str(subject.get("common_name") or "") or ", ".join(str(v) for v in subject.values())
    level = status.modification_level
    modified = (level is not None and level.name == "OTHER") or status.docmdp_ok is False
    coverage = status.coverage.name if status.coverage is not None else ""
    if coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        modified = True  # the signature does not cover a whole revision of the file
    return DigitalSignature(
        field=name,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        signer=signer,
        organization=str(subject.get("organization_name") or ""),
        signed_at=status.signer_reported_dt,
        modified=modified,
        coverage=coverage,
        modification=level.name if level is not None else "",
        page=page,
        box=box,
    )


def _widget(emb: object, pages: dict[int, tuple[int, float]]) -> tuple[int | None, Box | None]:
    try:
        field = emb.sig_field  # type: ignore[attr-defined]
        p = field.raw_get("/P") if "/P" in field else None
        rect = [float(v) for v in field["/Rect"]] if "/Rect" in field else None
    except Exception:
        return None, None
    where = pages.get(int(p.idnum)) if p is not None and hasattr(p, "idnum") else None
    if where is None:
        return None, None
    number, height = where
    if rect is None or abs(rect[2] - rect[0]) < 1 or abs(rect[3] - rect[1]) < 1:
        return number, None  # an invisible signature
    x0, x1 = sorted((rect[0], rect[2]))
    y0, y1 = sorted((rect[1], rect[3]))
    return number, (x0, height - y1, x1, height - y0)


def _when(sig: DigitalSignature) -> str:
    if sig.signed_at is None:
        return ""
    return f", le {sig.signed_at.astimezone(dt.UTC).strftime('%d/%m/%Y %H:%M')} UTC"


def note(sig: DigitalSignature) -> str:
    """What staff read about one signature (French)."""
    who = sig.signer or "signataire inconnu"
    if sig.organization and sig.organization not in who:
        who = f"{who} ({sig.organization})"
    if sig.error:
        return f"Signature électronique illisible ({sig.field}) : à vérifier."
    if not sig.intact or not sig.valid:
        return (
            f"Signature électronique de {who}{_when(sig)} rompue : le contenu ne correspond "
            "plus à ce qui a été signé. À vérifier."
        )
    if sig.modified:
        return (
            f"Signature électronique de {who}{_when(sig)} intacte, mais le document a été "
            f"modifié après la signature ({sig.modification or sig.coverage}). À vérifier."
        )
    trust = "certificat reconnu" if sig.trusted else "certificat non vérifié"
    return (
        f"Signature électronique de {who}{_when(sig)} : intacte, document non modifié "
        f"depuis ({trust})."
    )


def signed_field(sigs: Sequence[DigitalSignature], pages: Sequence[Page]) -> FieldResult | None:
    """The ``signed`` field a convention's digital signatures give, or None when none of
    them is the collectivity's on these pages (the ink check then stands)."""
    numbers = {p.number for p in pages}
    mine = [s for s in sigs if (s.page is None or s.page in numbers) and not s.rector]
    if not mine:
        return None
    last = pages[-1].number if pages else 1
    good = [s for s in mine if s.ok]
    if good:
        s = good[-1]
        return FieldResult(True, 0.97, Evidence(s.page or last, _round(s.box), note(s)[:300]))
    s = mine[-1]
    return FieldResult(None, 0.3, Evidence(s.page or last, _round(s.box), note(s)[:300]))


def _round(box: Box | None) -> tuple[float, float, float, float] | None:
    if box is None:
        return None
    return (round(box[0], 1), round(box[1], 1), round(box[2], 1), round(box[3], 1))


# --------------------------------------------------------------------------- drawn marks


@dataclass(frozen=True)
class Marks:
    """What a digital page draws in a zone besides its text."""

    strokes: int  # vector paths with many segments (curves, polylines), not rules or boxes
    images: int  # pasted images of signature size
    scan: bool  # an image covers the zone: a scan under a text layer
    rings: int = 0  # round paths (a vector seal's rings)

    @property
    def drawn(self) -> bool:
        return bool(self.strokes or self.images or self.scan or self.rings)


def page_marks(source: object, zone: Box) -> Marks | None:
    """Vector paths and images of a PDF page (``source``: a PDF page source) that meet
    ``zone`` (points, origin top-left); None when the page cannot be inspected."""
    parser = getattr(source, "parser", None)
    pdf = getattr(parser, "pdf", None)
    index = getattr(source, "index", None)
    if pdf is None or index is None or getattr(source, "rotation", 0):
        return None
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    from extractors.parsers import PDFIUM_LOCK

    zx0, zy0, zx1, zy1 = zone
    zarea = max(1.0, (zx1 - zx0) * (zy1 - zy0))
    strokes = images = rings = 0
    scan = False
    with PDFIUM_LOCK:
        page = pdf[index]
        try:
            height = page.get_size()[1]
            kinds = [pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE]
            for n, obj in enumerate(page.get_objects(filter=kinds, max_depth=4)):
                if n > 5000:
                    break
                left, bottom, right, top = obj.get_bounds()
                x0, y0, x1, y1 = left, height - top, right, height - bottom
                ix = min(x1, zx1) - max(x0, zx0)
                iy = min(y1, zy1) - max(y0, zy0)
                if ix <= 0 or iy <= 0:
                    continue
                w, h = x1 - x0, y1 - y0
                if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                    if ix * iy >= 0.6 * zarea:
                        scan = True
                    elif w >= 15 and h >= 6 and y0 > 0.12 * height:
                        images += 1  # not a letterhead's logo at the top
                    continue
                segs = pdfium_c.FPDFPath_CountSegments(obj.raw)
                curves = 0
                for i in range(min(segs, 400)):
                    seg = pdfium_c.FPDFPath_GetPathSegment(obj.raw, i)
                    if pdfium_c.FPDFPathSegment_GetType(seg) == pdfium_c.FPDF_SEGMENT_BEZIERTO:
                        curves += 1
                if max(w, h) < 8 or min(w, h) < 1.5:
                    continue  # a dot, a rule
                if curves in (4, 5) and segs <= 7 and 0.85 <= w / max(h, 0.1) <= 1.18:
                    rings += 1  # a circle
                elif curves >= 3 or segs >= 10:
                    strokes += 1
        except pdfium.PdfiumError:
            return None
        finally:
            page.close()
    return Marks(strokes, images, scan, rings)
