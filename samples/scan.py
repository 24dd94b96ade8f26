"""What the mail room's scanners make of paper: the vector documents are rendered with
pdfium at 300 dpi, then degraded the way scans are (paper tone and uneven lighting,
softened contrast, small skew, sometimes a page turned 90/180 degrees, sensor noise and
dust, JPEG compression) and written as image-only PDFs, single-page PNG/JPEG files, a
multi-page TIFF, or, for a scanner that runs OCR, a PDF with an invisible text layer.

Everything is a pure function of the job (seeded), so outputs are byte-identical from one
run to the next, whatever the process that computes them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops, ImageDraw, ImageStat
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from samples.documents import binary_streams

log = logging.getLogger(__name__)

RENDER_DPI = 300  # the mail room's scanners; a few files come from a 200 dpi copier
MAX_PAGE_BYTES = 390_000  # keep a scanned page (JPEG) under ~400 KB
_FIELD_SIDE = 4300  # more than an A4 page at 300 dpi (2481 x 3508), either way up


@dataclass(frozen=True)
class ScanPage:
    source: int  # index into ScanJob.sources
    index: int  # 0-based page of that source PDF
    rotation: int = 0  # 0, 90, 180, 270: clockwise turn of the content
    skew: float = 0.0  # degrees, + = clockwise


@dataclass(frozen=True)
class ScanJob:
    path: str  # absolute output path
    format: str  # pdf | pdf_ocr | png | jpeg | tiff
    sources: tuple[bytes, ...]
    pages: tuple[ScanPage, ...]
    seed: int
    colour: bool = False
    dpi: int = RENDER_DPI
    quality: int = 60
    mtime: float | None = None
    title: str = "Numérisation"


@dataclass
class ScanResult:
    path: str
    pages: int
    page_bytes: list[int] = field(default_factory=list)


@lru_cache(maxsize=2)
def _paper_field(seed: int) -> Image.Image:
    """Sensor grain (mean 128) plus smooth uneven lighting (up to ~22 levels darker),
    larger than a page: each page adds a window of it taken at a random offset."""
    rng = np.random.default_rng(seed)
    tile = rng.normal(0.0, 2.5, (997, 1009)).astype(np.float32)
    reps = (_FIELD_SIDE // tile.shape[0] + 1, _FIELD_SIDE // tile.shape[1] + 1)
    grain = np.tile(tile, reps)[:_FIELD_SIDE, :_FIELD_SIDE]
    coarse = Image.fromarray(rng.uniform(0, 22, (9, 9)).astype(np.uint8))
    shade = np.asarray(coarse.resize((_FIELD_SIDE, _FIELD_SIDE), Image.Resampling.BICUBIC))
    field_ = np.clip(128.0 + grain - shade, 0, 255).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(field_))


def degrade(img: Image.Image, rng: random.Random, paper_field: Image.Image) -> Image.Image:
    """Turn a clean rendering (``L`` or ``RGB``, already turned) into a scanned-looking
    page: paper tone and greyish ink, uneven lighting and grain, dust, a hair."""
    colour = img.mode == "RGB"
    ink = rng.randint(40, 75)  # scanned "black" is a dark grey
    paper = rng.randint(230, 250)
    lut = [int(ink + (paper - ink) * v / 255) for v in range(256)]
    if colour:
        tint = (0, rng.randint(0, 3), rng.randint(3, 9))  # slightly yellow paper
        img = img.point([max(0, v - tint[c]) for c in range(3) for v in lut])
    else:
        img = img.point(lut)
    w, h = img.size
    ox, oy = rng.randint(0, _FIELD_SIDE - w), rng.randint(0, _FIELD_SIDE - h)
    grain = paper_field.crop((ox, oy, ox + w, oy + h))
    if colour:
        grain = Image.merge("RGB", (grain, grain, grain))
    img = ImageChops.add(img, grain, scale=1.0, offset=-128)
    draw = ImageDraw.Draw(img)
    dark = (70, 70, 70) if colour else 70
    scale = w / 2481
    for _ in range(rng.randint(3, 25)):  # dust
        x, y, r = rng.randrange(w), rng.randrange(h), rng.uniform(0.8, 3.0) * scale
        draw.ellipse((x - r, y - r, x + r, y + r), fill=dark)
    if rng.random() < 0.3:  # a hair or a fold
        x, y = rng.randrange(w), rng.randrange(h)
        draw.line(
            (x, y, x + rng.randint(-300, 300), y + rng.randint(-300, 300)),
            fill=(150, 150, 150) if colour else 150,
            width=2,
        )
    return img


# The JPEG standard's quantisation tables; scanners' encoders drop fine detail harder
# (the optics blur it anyway): high frequencies get coarser steps.
_LUMA = (16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57,
         69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55,
         64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100,
         103, 99)  # fmt: skip
_CHROMA = (17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99,
           99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, *([99] * 32))  # fmt: skip


def _qtable(base: tuple[int, ...], quality: int, slope: float = 3.0) -> list[int]:
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    out = []
    for i, v in enumerate(base):
        u, w = divmod(i, 8)
        step = (v * scale / 100 + 0.5) * (1 + slope * (u + w) / 14)
        out.append(max(1, min(255, int(step))))
    return out


def ink_cover(img: Image.Image) -> float:
    """How much of a clean rendering is ink (0..1): dense text pages are ~0.05."""
    return 1.0 - ImageStat.Stat(img.convert("L").reduce(8)).mean[0] / 255


def _encode_jpeg(img: Image.Image, quality: int, dpi: int) -> bytes:
    """JPEG at ``quality``, lowered until the page fits the cap."""
    while True:
        buf = io.BytesIO()
        tables = [_qtable(_LUMA, quality)]
        if img.mode == "RGB":
            tables.append(_qtable(_CHROMA, quality))
        img.save(buf, "JPEG", qtables=tables, optimize=True, dpi=(dpi, dpi))
        data = buf.getvalue()
        if len(data) <= MAX_PAGE_BYTES or quality <= 20:
            return data
        quality -= 5


def render_page(
    doc: pdfium.PdfDocument,
    index: int,
    *,
    dpi: int = RENDER_DPI,
    rotation: int = 0,
    skew: float = 0.0,
    colour: bool = False,
) -> Image.Image:
    """Render a page as a scanner sees it: at ``dpi``, turned ``rotation`` + ``skew``
    degrees clockwise about its centre (pdfium draws the turned vector page directly,
    so there is no resampling), on white."""
    page = doc[index]
    w_pt, h_pt = page.get_width(), page.get_height()
    out_w, out_h = (h_pt, w_pt) if rotation in (90, 270) else (w_pt, h_pt)
    s = dpi / 72
    w_px, h_px = math.ceil(out_w * s), math.ceil(out_h * s)
    theta = math.radians(rotation + skew)
    co, si = math.cos(theta), math.sin(theta)
    cx, cy, ox, oy = w_pt / 2, h_pt / 2, out_w / 2, out_h / 2
    # pdfium applies this after its own page-to-device matrix (72 dpi, y down), so a
    # positive angle turns the page clockwise.
    matrix = pdfium_c.FS_MATRIX(
        s * co, s * si, -s * si, s * co, s * (ox - co * cx + si * cy), s * (oy - si * cx - co * cy)
    )
    clip = pdfium_c.FS_RECTF(0, 0, w_px, h_px)
    fmt = pdfium_c.FPDFBitmap_BGR if colour else pdfium_c.FPDFBitmap_Gray
    bitmap = pdfium.PdfBitmap.new_native(w_px, h_px, format=fmt, rev_byteorder=colour)
    bitmap.fill_rect((255, 255, 255, 255), 0, 0, w_px, h_px)
    flags = pdfium_c.FPDF_ANNOT | (
        pdfium_c.FPDF_REVERSE_BYTE_ORDER if colour else pdfium_c.FPDF_GRAYSCALE
    )
    pdfium_c.FPDF_RenderPageBitmapWithMatrix(bitmap, page, matrix, clip, flags)
    img = bitmap.to_pil()
    page.close()
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB" if colour else "L")
    return img


def _ocr_lines(pdf: bytes, index: int) -> list[tuple[float, float, float, float, str]]:
    """Upright text lines of a vector page (x0, bottom, x1, size, text), for an OCR layer."""
    import pdfplumber

    out = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[index]
        height = float(page.height)
        for line in page.extract_text_lines(return_chars=True):
            chars = [c for c in line["chars"] if c.get("upright", True)]
            if not chars or len(chars) < len(line["chars"]) / 2:
                continue  # the stamp's or the seal's turned letters: OCR misses them
            size = max(float(c["size"]) for c in chars)
            bottom = height - float(line["bottom"])
            out.append((float(line["x0"]), bottom, float(line["x1"]), size, line["text"]))
    return out


@binary_streams()
def run_job(job: ScanJob) -> ScanResult:
    """Render, degrade and write one scanned file; set its modification time."""
    rng = random.Random(job.seed)
    paper_field = _paper_field(20220115)
    docs = [pdfium.PdfDocument(src) for src in job.sources]
    images: list[Image.Image] = []
    qualities: list[int] = []
    try:
        for page in job.pages:
            img = render_page(
                docs[page.source],
                page.index,
                dpi=job.dpi,
                rotation=page.rotation,
                skew=page.skew,
                colour=job.colour,
            )
            dense = ink_cover(img) > 0.04
            images.append(degrade(img, rng, paper_field))
            qualities.append(job.quality - 6 if dense else job.quality)
    finally:
        for doc in docs:
            doc.close()
    path = Path(job.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sizes: list[int] = []
    if job.format == "pdf":
        encoded = [_encode_jpeg(img, q, job.dpi) for img, q in zip(images, qualities, strict=True)]
        sizes = [len(data) for data in encoded]
        pages = [(data, img.width, img.height) for data, img in zip(encoded, images, strict=True)]
        path.write_bytes(image_pdf(pages, job.dpi, colour=job.colour))
    elif job.format == "pdf_ocr":
        buf = io.BytesIO()
        canv = Canvas(buf, invariant=1, pageCompression=1)
        canv.setTitle(job.title)
        canv.setCreator("Scanner du service courrier (OCR)")
        canv.setAuthor("")
        for page, img, quality in zip(job.pages, images, qualities, strict=True):
            data = _encode_jpeg(img, quality, job.dpi)
            sizes.append(len(data))
            w_pt, h_pt = img.width * 72 / job.dpi, img.height * 72 / job.dpi
            canv.setPageSize((w_pt, h_pt))
            canv.drawImage(_JpegReader(data), 0, 0, w_pt, h_pt)
            _text_layer(canv, job.sources[page.source], page.index)
            canv.showPage()
        canv.save()
        path.write_bytes(buf.getvalue())
    elif job.format == "tiff":
        bilevel = [_bilevel(img) for img in images]
        bilevel[0].save(
            path,
            "TIFF",
            save_all=True,
            append_images=bilevel[1:],
            compression="group4",
            dpi=(job.dpi, job.dpi),
        )
        sizes = [0] * len(images)
    elif job.format == "png":
        if len(images) != 1:
            raise ValueError("a PNG scan holds one page")
        _bilevel(images[0]).save(path, "PNG", optimize=True, dpi=(job.dpi, job.dpi))
        sizes = [path.stat().st_size]
    elif job.format == "jpeg":
        if len(images) != 1:
            raise ValueError("a JPEG scan holds one page")
        data = _encode_jpeg(images[0], qualities[0], job.dpi)
        path.write_bytes(data)
        sizes = [len(data)]
    else:
        raise ValueError(f"unknown scan format {job.format!r}")
    if job.mtime is not None:
        os.utime(path, (job.mtime, job.mtime))
    return ScanResult(str(path), len(images), sizes)


def image_pdf(pages: list[tuple[bytes, int, int]], dpi: int, *, colour: bool) -> bytes:
    """A PDF as scanners write them: one JPEG (DCTDecode) per page, nothing else (no
    fonts, no text). ``pages``: (JPEG bytes, width px, height px)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []

    def obj(body: bytes, stream: bytes | None = None) -> int:
        offsets.append(len(out))
        out.extend(f"{len(offsets)} 0 obj\n".encode())
        out.extend(body)
        if stream is not None:
            out.extend(b"\nstream\n" + stream + b"\nendstream")
        out.extend(b"\nendobj\n")
        return len(offsets)

    n = len(pages)
    kids = " ".join(f"{3 + 3 * i} 0 R" for i in range(n))
    obj(b"<< /Type /Catalog /Pages 2 0 R >>")
    obj(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
    space = "/DeviceRGB" if colour else "/DeviceGray"
    for i, (data, w_px, h_px) in enumerate(pages):
        w, h = w_px * 72 / dpi, h_px * 72 / dpi
        page_no = 3 + 3 * i
        obj(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w:.2f} {h:.2f}] "
            f"/Resources << /XObject << /Im0 {page_no + 2} 0 R >> >> "
            f"/Contents {page_no + 1} 0 R >>".encode()
        )
        content = f"q {w:.2f} 0 0 {h:.2f} 0 0 cm /Im0 Do Q".encode()
        obj(f"<< /Length {len(content)} >>".encode(), content)
        obj(
            f"<< /Type /XObject /Subtype /Image /Width {w_px} /Height {h_px} "
            f"/ColorSpace {space} /BitsPerComponent 8 /Filter /DCTDecode "
            f"/Length {len(data)} >>".encode(),
            data,
        )
    info = obj(b"<< /Producer (Scanner du service courrier) >>")
    xref = len(out)
    out.extend(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.extend(f"{offset:010d} 00000 n \n".encode())
    out.extend(
        f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R /Info {info} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


class _JpegReader(ImageReader):
    """Hands a JPEG to reportlab as is (DCTDecode). reportlab names images after their
    decoded pixels; a hash of the JPEG bytes does as well and avoids decoding."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._jpeg = data
        self._dataA = None  # no soft mask

    def getRGBData(self) -> bytes:
        return hashlib.sha256(self._jpeg).digest()


def _bilevel(img: Image.Image) -> Image.Image:
    gray = img.convert("L") if img.mode != "L" else img
    return gray.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.Dither.NONE)


def _text_layer(canv: Canvas, pdf: bytes, index: int) -> None:
    """Invisible text (render mode 3) where the words are, as OCR software adds."""
    for x0, y, x1, size, text in _ocr_lines(pdf, index):
        size = max(1.0, size)
        natural = canv.stringWidth(text, "Helvetica", size)
        t = canv.beginText(x0, y + size * 0.2)
        t.setTextRenderMode(3)
        t.setFont("Helvetica", size)
        if natural > 0:
            t.setHorizScale(100.0 * (x1 - x0) / natural)
        t.textOut(text)
        canv.drawText(t)


def run_jobs(jobs: list[ScanJob], workers: int = 1) -> list[ScanResult]:
    """Run the jobs, in worker processes when ``workers`` > 1 (results in job order).
    Falls back to this process when worker processes cannot start."""
    if workers <= 1 or len(jobs) <= 1:
        return [run_job(job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Longest first, so that the workers end together.
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].pages))
    ctx = multiprocessing.get_context("spawn")
    results: dict[int, ScanResult] = {}
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = {i: pool.submit(run_job, jobs[i]) for i in order}
            for i, fut in futures.items():
                results[i] = fut.result()
    except (BrokenProcessPool, RuntimeError, OSError) as exc:
        log.warning("scan workers unavailable (%s); rendering in this process", exc)
    for i, job in enumerate(jobs):
        if i not in results:
            results[i] = run_job(job)
    return [results[i] for i in range(len(jobs))]
