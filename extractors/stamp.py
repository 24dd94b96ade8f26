"""Arrival stamps: the mail room's rubber stamp, in red, blue or violet ink, often rotated.

The coloured ink is isolated from the black print by colour, each coloured region is
straightened (its text lines' direction over the half turn, then both ways up) and OCR'd
alone. The caller decides which reads are arrival stamps (``fields.arrival_stamp``).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from extractors import imaging
from extractors.dates import find_dates
from extractors.ocr import run_tesseract
from extractors.pages import StampRead

# coloured regions smaller than this (mm) are pen marks or logos' details, not stamps
_MIN_SIDE_MM = 12.0
_MAX_REGIONS = 4


def find_stamps(rgb: Image.Image, px_per_pt: float, *, timeout: float = 60.0) -> list[StampRead]:
    """Reads of the coloured-ink regions of a page image; boxes in points of that image."""
    # find regions on a ~75 dpi copy
    factor = min(1.0, (75.0 / 72.0) / px_per_pt)
    small = np.asarray(imaging.downscale(rgb, factor))
    mask = imaging.coloured_ink_mask(small)
    if mask.mean() < 0.0004:
        return []
    spp = px_per_pt * factor  # small pixels per point
    cell = max(2, round(2.0 * 72 / 25.4 * spp))  # ~2 mm cells
    dens = imaging.grid_density(mask, cell)
    grid = imaging.dilate(dens > 0.03, 2)
    regions = imaging.components(grid, min_cells=4)
    mm_per_cell = cell / spp * 25.4 / 72
    page_cells = grid.shape[0] * grid.shape[1]
    good = []
    for x0, y0, x1, y1, n in regions:
        w_mm, h_mm = (x1 - x0) * mm_per_cell, (y1 - y0) * mm_per_cell
        if max(w_mm, h_mm) < _MIN_SIDE_MM or min(w_mm, h_mm) < 5.0:
            continue
        if (x1 - x0) * (y1 - y0) > 0.35 * page_cells:
            continue  # a coloured background or a photo, not a stamp
        good.append((n, x0, y0, x1, y1))
    good.sort(reverse=True)
    reads: list[StampRead] = []
    full = np.asarray(rgb)
    k = cell / factor  # full-resolution pixels per cell
    for _, x0, y0, x1, y1 in good[:_MAX_REGIONS]:
        fx0, fy0 = int(x0 * k), int(y0 * k)
        fx1, fy1 = min(full.shape[1], int(x1 * k)), min(full.shape[0], int(y1 * k))
        read = read_region(full[fy0:fy1, fx0:fx1], px_per_pt, timeout=timeout)
        if read is None:
            continue
        text, conf = read
        box = (fx0 / px_per_pt, fy0 / px_per_pt, fx1 / px_per_pt, fy1 / px_per_pt)
        reads.append(StampRead(text, box, conf))
    return reads


def read_region(
    rgb: np.ndarray, px_per_pt: float, *, timeout: float = 60.0
) -> tuple[str, float] | None:
    mask = imaging.coloured_ink_mask(rgb)
    if mask.sum() < 50:
        return None
    ink = np.where(mask, 0, 255).astype(np.uint8)
    img = Image.fromarray(ink, "L")
    # OCR wants ~300 dpi; stamps scanned lower are upscaled
    dpi = px_per_pt * 72
    if dpi < 250:
        f = 300 / dpi
        img = img.resize((round(img.width * f), round(img.height * f)), Image.Resampling.BICUBIC)
        dpi = 300
    small = imaging.downscale(img, 0.35)
    angle = imaging.estimate_line_angle(np.asarray(small) < 128)
    straight = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    straight = _pad(straight)
    best: tuple[float, str, float] | None = None
    for turn in (0, 180):
        candidate = imaging.rotate_image(straight, turn)
        words = run_tesseract(candidate, psm=6, dpi=int(dpi), timeout=timeout)
        words = [w for w in words if w.conf >= 0]
        if not words:
            continue
        text = _lines_text(words)
        conf = float(np.mean([w.conf for w in words]))
        score = conf + (40.0 if find_dates(text) else 0.0)
        if best is None or score > best[0]:
            best = (score, text, conf / 100.0)
        if find_dates(text) and conf > 70:
            break
    if best is None:
        return None
    return best[1], best[2]


def _pad(img: Image.Image, margin: int = 20) -> Image.Image:
    out = Image.new("L", (img.width + 2 * margin, img.height + 2 * margin), 255)
    out.paste(img, (margin, margin))
    return out


def _lines_text(words: list) -> str:  # type: ignore[type-arg]
    out: list[str] = []
    key = None
    for w in words:
        k = (w.block, w.par, w.line)
        if k != key:
            out.append("\n" if out else "")
            key = k
        else:
            out.append(" ")
        out.append(w.text)
    return "".join(out)
