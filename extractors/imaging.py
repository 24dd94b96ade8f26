"""Image work before and around OCR, with numpy only: binarization, page orientation
(0/90/180/270), skew (±5°), coloured-ink isolation and ink measurement.

Every function takes and returns plain arrays or PIL images; none keeps state.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
from PIL import Image

Box = tuple[float, float, float, float]


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Affine:
    """``(x, y) -> (a*x + b*y + c, d*x + e*y + f)``."""

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0
    e: float = 1.0
    f: float = 0.0

    def __matmul__(self, o: Affine) -> Affine:  # self after o
        return Affine(
            self.a * o.a + self.b * o.d,
            self.a * o.b + self.b * o.e,
            self.a * o.c + self.b * o.f + self.c,
            self.d * o.a + self.e * o.d,
            self.d * o.b + self.e * o.e,
            self.d * o.c + self.e * o.f + self.f,
        )

    def apply(self, x: float, y: float) -> tuple[float, float]:
        return (self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f)

    def inverse(self) -> Affine:
        det = self.a * self.e - self.b * self.d
        a, b, d, e = self.e / det, -self.b / det, -self.d / det, self.a / det
        return Affine(a, b, -(a * self.c + b * self.f), d, e, -(d * self.c + e * self.f))

    def map_box(self, box: Box) -> Box:
        x0, y0, x1, y1 = box
        pts = [self.apply(x, y) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        return (min(xs), min(ys), max(xs), max(ys))


def scale(s: float) -> Affine:
    return Affine(a=s, e=s)


def quarter_turn(rotation: int, width: int, height: int) -> Affine:
    """Pixel mapping of ``Image.rotate(rotation, expand=True)`` for 0/90/180/270
    (counter-clockwise, as PIL)."""
    rotation %= 360
    if rotation == 90:
        return Affine(a=0, b=1, c=0, d=-1, e=0, f=width)
    if rotation == 180:
        return Affine(a=-1, b=0, c=width, d=0, e=-1, f=height)
    if rotation == 270:
        return Affine(a=0, b=-1, c=height, d=1, e=0, f=0)
    return Affine()


def small_rotation(angle: float, width: int, height: int) -> Affine:
    """Pixel mapping of ``Image.rotate(angle)`` (counter-clockwise, about the centre,
    same size)."""
    t = math.radians(angle)
    cs, sn = math.cos(t), math.sin(t)
    cx, cy = width / 2.0, height / 2.0
    # x' = cx + (x-cx)cos + (y-cy)sin ; y' = cy - (x-cx)sin + (y-cy)cos
    return Affine(a=cs, b=sn, c=cx - cx * cs - cy * sn, d=-sn, e=cs, f=cy + cx * sn - cy * cs)


def rotate_image(img: Image.Image, rotation: int) -> Image.Image:
    rotation %= 360
    if rotation == 90:
        return img.transpose(Image.Transpose.ROTATE_90)
    if rotation == 180:
        return img.transpose(Image.Transpose.ROTATE_180)
    if rotation == 270:
        return img.transpose(Image.Transpose.ROTATE_270)
    return img


# --------------------------------------------------------------------------- binarization


def otsu_threshold(gray: np.ndarray) -> int:
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128
    levels = np.arange(256, dtype=np.float64)
    w0 = np.cumsum(hist)
    w1 = total - w0
    m0 = np.cumsum(hist * levels)
    mt = m0[-1]
    # a threshold with every pixel on one side splits nothing: left out, or the rounding of
    # ``mt * w0 / total - m0`` over an empty class divides a crumb by zero and wins (255)
    both = (w0 > 0) & (w1 > 0)
    if not both.any():
        return 128
    between = np.zeros(256, dtype=np.float64)
    between[both] = (mt * w0[both] / total - m0[both]) ** 2 / (w0[both] * w1[both])
    return int(np.argmax(between))


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark pixels of a grayscale page (text, lines, signatures)."""
    t = otsu_threshold(gray)
    t = min(max(t, 90), 190)
    return gray < t


def downscale(img: Image.Image, factor: float) -> Image.Image:
    if factor >= 1.0:
        return img
    w = max(1, round(img.width * factor))
    h = max(1, round(img.height * factor))
    return img.resize((w, h), Image.Resampling.BOX)


def despeckle(mask: np.ndarray) -> np.ndarray:
    """Drop isolated ink pixels (fewer than two of eight neighbours inked)."""
    m = mask.astype(np.uint8)
    p = np.pad(m, 1)
    n = (
        p[:-2, :-2] + p[:-2, 1:-1] + p[:-2, 2:] + p[1:-1, :-2]
        + p[1:-1, 2:] + p[2:, :-2] + p[2:, 1:-1] + p[2:, 2:]
    )  # fmt: skip
    return mask & (n >= 2)


def is_blank(gray_small: np.ndarray) -> bool:
    """A page with (almost) no dark ink: nothing to OCR."""
    dark = gray_small < 128
    if dark.mean() < 0.0005:
        return True
    return bool(despeckle(dark).mean() < 0.0004)


# --------------------------------------------------------------------------- orientation


def _peakiness(profile: np.ndarray) -> float:
    nz = np.nonzero(profile)[0]
    if len(nz) < 2:
        return 0.0
    p = profile[nz[0] : nz[-1] + 1].astype(np.float64)
    n = p.sum()
    return float((p * p).sum() * len(p) / (n * n)) if n else 0.0


def true_runs(on: np.ndarray) -> list[tuple[int, int]]:
    """The runs of consecutive True values of a 1-D boolean array, as [start, end)."""
    edges = np.diff(np.concatenate(([0], on.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def _up_down_ratio(mask: np.ndarray) -> tuple[float, int]:
    """Ink above the x-height band versus below the baseline, over the text lines of a
    page with horizontal text: > 1 for upright Latin text, < 1 upside down."""
    rows = mask.sum(axis=1).astype(np.float64)
    if rows.max() <= 0:
        return 1.0, 0
    on = rows > max(1.0, 0.02 * rows.max())
    above = below = 0.0
    lines = 0
    for i, j in true_runs(on):
        seg = rows[i:j]
        if 4 <= len(seg) <= 80 and seg.max() > 0:
            core = np.nonzero(seg >= 0.45 * seg.max())[0]
            c0, c1 = core[0], core[-1]
            if c1 - c0 >= 1:
                above += float(seg[:c0].sum())
                below += float(seg[c1 + 1 :].sum())
                lines += 1
    if below <= 0:
        return (10.0 if above > 0 else 1.0), lines
    return above / below, lines


@dataclass(frozen=True)
class Orientation:
    rotation: int  # counter-clockwise degrees to apply to make the page upright
    confidence: float  # 0..1
    skew: float = 0.0  # then this small counter-clockwise rotation straightens the lines


def detect_orientation(gray_small: np.ndarray) -> Orientation:
    """Orientation of a page from a grayscale image of about 100-150 dpi: text lines
    horizontal or vertical (projection profiles), then, once the lines are straightened
    (deskew), which way up (ascenders versus descenders)."""
    mask = despeckle(ink_mask(gray_small))
    if mask.mean() < 0.002:
        return Orientation(0, 0.0)
    ph = _peakiness(mask.sum(axis=1))
    pv = _peakiness(mask.sum(axis=0))
    vertical = pv > ph * 1.15
    if vertical:
        mask = np.rot90(mask)  # counter-clockwise 90: text now horizontal (or upside down)
    angle = estimate_skew(mask)
    if angle:
        img = Image.fromarray(mask.astype(np.uint8) * 255).rotate(
            angle, resample=Image.Resampling.NEAREST, fillcolor=0
        )
        mask = np.asarray(img) > 127
    ratio, lines = _up_down_ratio(mask)
    hv_conf = min(1.0, abs(math.log(max(ph, 1e-6) / max(pv, 1e-6))) / 0.3)
    ud_conf = min(1.0, abs(math.log(max(ratio, 1e-6))) / 0.4) * min(1.0, lines / 4)
    base = 90 if vertical else 0
    rotation = base if ratio >= 1.0 else (base + 180) % 360
    return Orientation(rotation, min(hv_conf, ud_conf), angle)


# --------------------------------------------------------------------------- skew


def _projection_score(ys: np.ndarray, xs: np.ndarray, angle: float) -> float:
    t = math.tan(math.radians(angle))
    proj = np.round(ys + xs * t).astype(np.int64)
    proj -= proj.min()
    hist = np.bincount(proj)
    return float((hist.astype(np.float64) ** 2).sum())


def estimate_skew(mask: np.ndarray, max_angle: float = 5.0) -> float:
    """Angle (degrees) to pass to ``Image.rotate`` so that text lines become horizontal."""
    ys, xs = np.nonzero(mask)
    if len(ys) < 200:
        return 0.0
    if len(ys) > 150_000:
        idx = np.random.default_rng(0).choice(len(ys), 150_000, replace=False)
        ys, xs = ys[idx], xs[idx]
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64)
    best, best_score = 0.0, -1.0
    for a in np.arange(-max_angle, max_angle + 1e-9, 0.5):
        s = _projection_score(ys, xs, float(a))
        if s > best_score:
            best, best_score = float(a), s
    center = best
    for a in np.arange(center - 0.5, center + 0.5 + 1e-9, 0.1):
        s = _projection_score(ys, xs, float(a))
        if s > best_score:
            best, best_score = float(a), s
    # lines y = y0 - x*tan(best) are horizontal after shearing: they rise by ``best``
    # degrees to the right, so rotating clockwise by that angle flattens them.
    return -best if abs(best) >= 0.15 else 0.0


def estimate_line_angle(mask: np.ndarray, max_angle: int = 90) -> float:
    """Dominant direction of text lines over the full half turn (or within
    ``±max_angle``), for a stamp crop: the counter-clockwise rotation (degrees) that
    makes them horizontal."""
    ys, xs = np.nonzero(mask)
    if len(ys) < 50:
        return 0.0
    if len(ys) > 60_000:
        idx = np.random.default_rng(0).choice(len(ys), 60_000, replace=False)
        ys, xs = ys[idx], xs[idx]
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64)

    def score(angle: float) -> float:
        t = math.radians(angle)
        proj = np.round(ys * math.cos(t) + xs * math.sin(t)).astype(np.int64)
        proj -= proj.min()
        hist = np.bincount(proj).astype(np.float64)
        return float((hist**2).sum())

    best, best_score = 0.0, -1.0
    for coarse in range(-max_angle, max_angle if max_angle == 90 else max_angle + 1, 3):
        s = score(float(coarse))
        if s > best_score:
            best, best_score = float(coarse), s
    center = best
    for fine in np.arange(center - 3, center + 3 + 1e-9, 0.5):
        s = score(float(fine))
        if s > best_score:
            best, best_score = float(fine), s
    # projecting on (sin a, cos a) is constant along lines rising by ``a`` degrees;
    # rotating clockwise by ``a`` flattens them.
    return -best


# --------------------------------------------------------------------------- colour ink


def coloured_ink_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels of saturated, not-too-light ink (red, blue, green, violet stamps and pens);
    black, grey and paper tints are left out."""
    r = rgb[..., 0].astype(np.int16)
    g = rgb[..., 1].astype(np.int16)
    b = rgb[..., 2].astype(np.int16)
    mx = np.maximum(np.maximum(r, g), b)
    mn = np.minimum(np.minimum(r, g), b)
    lum = (299 * r + 587 * g + 114 * b) // 1000
    chroma = mx - mn
    return (chroma >= 32) & (lum <= 215) & (mx >= 60)


def components(mask: np.ndarray, min_cells: int = 1) -> list[tuple[int, int, int, int, int]]:
    """Connected regions of a small boolean grid (8-connectivity):
    ``(x0, y0, x1, y1, cells)`` with exclusive ends."""
    h, w = mask.shape
    seen = np.zeros_like(mask, dtype=bool)
    out: list[tuple[int, int, int, int, int]] = []
    ys, xs = np.nonzero(mask)
    for y, x in zip(ys.tolist(), xs.tolist(), strict=True):
        if seen[y, x]:
            continue
        seen[y, x] = True
        q = deque([(y, x)])
        x0, y0, x1, y1, n = x, y, x, y, 0
        while q:
            cy, cx = q.popleft()
            n += 1
            x0, x1 = min(x0, cx), max(x1, cx)
            y0, y1 = min(y0, cy), max(y1, cy)
            for dy in (-1, 0, 1):
                ny = cy + dy
                if ny < 0 or ny >= h:
                    continue
                for dx in (-1, 0, 1):
                    nx = cx + dx
                    if 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        q.append((ny, nx))
        if n >= min_cells:
            out.append((x0, y0, x1 + 1, y1 + 1, n))
    return out


def label_components(mask: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int, int, int]]]:
    """Connected regions of a boolean image (8-connectivity), labelled: ``labels`` holds
    ``i + 1`` on the pixels of ``boxes[i]`` (``(x0, y0, x1, y1, pixels)``, exclusive
    ends), 0 elsewhere. Runs are joined row by row (union-find), so large images are
    fine."""
    h, w = mask.shape
    m = np.ascontiguousarray(mask, dtype=bool)
    # horizontal runs of each row
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = m
    diff = np.diff(padded, axis=1)
    rs, cs = np.nonzero(diff == 1)
    _, ce = np.nonzero(diff == -1)
    n = len(rs)
    labels = np.zeros((h, w), dtype=np.int32)
    if n == 0:
        return labels, []
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    row_start = np.searchsorted(rs, np.arange(h + 1))
    rs_l, cs_l, ce_l = rs.tolist(), cs.tolist(), ce.tolist()
    for y in range(1, h):
        a, b = row_start[y - 1], row_start[y]
        c, d = row_start[y], row_start[y + 1]
        i, j = a, c
        while i < b and j < d:
            # runs [cs, ce) touch with 8-connectivity when they overlap widened by one
            if cs_l[i] <= ce_l[j] and cs_l[j] <= ce_l[i]:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
            if ce_l[i] < ce_l[j]:
                i += 1
            else:
                j += 1
    roots = [find(i) for i in range(n)]
    ids: dict[int, int] = {}
    boxes: list[list[int]] = []
    for k in range(n):
        r = roots[k]
        if r not in ids:
            ids[r] = len(boxes)
            boxes.append([cs_l[k], rs_l[k], ce_l[k], rs_l[k] + 1, 0])
        bx = boxes[ids[r]]
        y, x0, x1 = rs_l[k], cs_l[k], ce_l[k]
        bx[0], bx[1] = min(bx[0], x0), min(bx[1], y)
        bx[2], bx[3] = max(bx[2], x1), max(bx[3], y + 1)
        bx[4] += x1 - x0
        labels[y, x0:x1] = ids[r] + 1
    return labels, [(b[0], b[1], b[2], b[3], b[4]) for b in boxes]


def grid_density(mask: np.ndarray, cell: int) -> np.ndarray:
    """Fraction of ink per ``cell`` x ``cell`` block."""
    h, w = mask.shape
    gh, gw = max(1, h // cell), max(1, w // cell)
    m = mask[: gh * cell, : gw * cell].astype(np.float32)
    return m.reshape(gh, cell, gw, cell).mean(axis=(1, 3))


def dilate(mask: np.ndarray, r: int = 1) -> np.ndarray:
    out = mask.copy()
    for _ in range(r):
        p = np.pad(out, 1)
        out = (
            p[1:-1, 1:-1] | p[:-2, 1:-1] | p[2:, 1:-1] | p[1:-1, :-2] | p[1:-1, 2:]
            | p[:-2, :-2] | p[:-2, 2:] | p[2:, :-2] | p[2:, 2:]
        )  # fmt: skip
    return out


def erode(mask: np.ndarray, r: int = 1) -> np.ndarray:
    return ~dilate(~mask, r)


def open_(mask: np.ndarray, r: int = 1) -> np.ndarray:
    """Keep strokes at least ``2r + 1`` pixels thick (bold print), drop thinner ones."""
    return dilate(erode(mask, r), r)


def close(mask: np.ndarray, r: int = 1) -> np.ndarray:
    """Fill pinholes and hairline gaps (where black print crossed coloured ink)."""
    return erode(dilate(mask, r), r)


def remove_rules(mask: np.ndarray, frac: float = 0.5) -> np.ndarray:
    """Clear rows and columns that are mostly ink (table borders, underlines)."""
    m = mask.copy()
    if m.size == 0:
        return m
    h, w = m.shape
    rows = m.sum(axis=1) > frac * w
    cols = m.sum(axis=0) > frac * h
    m[rows, :] = False
    m[:, cols] = False
    return m


def row_runs(mask: np.ndarray, length: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The unbroken runs of ``mask`` along each row at least ``length`` long: their rows,
    starts and (exclusive) ends, in row-major order."""
    h, w = mask.shape
    p = np.zeros((h, w + 2), dtype=np.int8)
    p[:, 1:-1] = mask
    d = np.diff(p, axis=1)
    rows, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)  # row-major: each run's end follows its start
    keep = (ends - starts) >= max(1, length)
    return rows[keep], starts[keep], ends[keep]


def long_runs(mask: np.ndarray, length: int, axis: int = 1) -> np.ndarray:
    """The pixels of ``mask`` in an unbroken run of at least ``length`` along ``axis``
    (1: rows, a rule or a frame's top; 0: columns, a frame's side). Letters are shorter."""
    m = mask if axis == 1 else np.ascontiguousarray(mask.T)
    h, w = m.shape
    if length < 1 or w < length:
        return np.zeros_like(mask)
    rows, starts, ends = row_runs(m, length)
    delta = np.zeros((h, w + 1), dtype=np.int32)
    np.add.at(delta, (rows, starts), 1)
    np.add.at(delta, (rows, ends), -1)
    out = np.cumsum(delta[:, :w], axis=1) > 0
    return out if axis == 1 else out.T


def shift(m: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``m`` moved by ``dy`` rows and ``dx`` columns; what comes in at the edges is
    empty (``np.roll`` would wrap the other edge round)."""
    out = np.zeros_like(m)
    h, w = m.shape
    out[max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)] = m[
        max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)
    ]
    return out


# --------------------------------------------------------------------------- lost text


def text_stems(mask: np.ndarray, px_per_pt: float) -> np.ndarray:
    """The ink of ``mask`` in the vertical strokes of letters: runs at least ~2 pt tall,
    shorter than a frame's side (30 pt). Leader dots, dotted and underscore rules,
    specks and horizontal rules are thinner and drop out."""
    stems = long_runs(mask, max(2, round(2.2 * px_per_pt)), axis=0)
    return stems & ~long_runs(mask, max(3, round(30 * px_per_pt)), axis=0)


def uncovered_bands(
    stems: np.ndarray,
    covered: np.ndarray,
    line_height: float,
) -> list[tuple[int, int, int, int]]:
    """Lines of letters no read word covers: the bands of rows (as tall as a line of
    text, ``line_height`` pixels: 0.45 to 3 times it) holding stems outside ``covered``,
    each with the span of its uncovered ink, as ``(x0, y0, x1, y1)`` (exclusive ends).
    A band counts when some of its uncovered ink runs at least twice its height
    (gaps under its height bridged): a word, not a checkbox or an accent; its span then
    holds all its uncovered ink (a short label before the value)."""
    lost = stems & ~covered
    rows = lost.sum(axis=1) >= 2
    runs: list[list[int]] = []
    for a, b in true_runs(rows):
        if runs and a - runs[-1][1] <= 1:
            runs[-1][1] = b
        else:
            runs.append([a, b])
    out: list[tuple[int, int, int, int]] = []
    for a, b in runs:
        h = b - a
        if not 0.45 * line_height <= h <= 3.0 * line_height:
            continue
        cols = lost[a:b].any(axis=0)
        spans: list[list[int]] = []
        for s, e in true_runs(cols):
            if spans and s - spans[-1][1] < h:
                spans[-1][1] = e
            else:
                spans.append([s, e])
        if any(e - s >= 2 * h for s, e in spans):
            out.append((spans[0][0], a, spans[-1][1], b))
    return out


def erase_leader_dots(gray: np.ndarray, px_per_pt: float, level: int = 170) -> np.ndarray:
    """A copy of ``gray`` without the dots of leader and dotted lines: marks under 1.6 pt
    each way in a row of at least three such marks on one line. A colon, an accent, the
    dot of an i or a full stop stay (tesseract needs them); specks alone stay too. What
    is lighter than ``level`` is paper, made white: the faint rings JPEG leaves round
    dots, a scan's grey (tesseract read an italic "Maire" as "M. aire" on grey)."""
    arr = np.array(gray)
    mask = arr < level
    labels, boxes = label_components(mask)
    if not boxes:
        arr[:] = 255
        return arr
    b = np.array(boxes, dtype=np.float64)
    small = 1.6 * px_per_pt
    speck = ((b[:, 2] - b[:, 0]) <= small) & ((b[:, 3] - b[:, 1]) <= small)
    idx = np.flatnonzero(speck)
    if len(idx) < 3:
        arr[~mask] = 255
        return arr
    cx = (b[idx, 0] + b[idx, 2]) / 2
    cy = (b[idx, 1] + b[idx, 3]) / 2
    # marks on one line: centres within 0.8 pt up or down; a dot of a row of three or
    # more has a neighbour within 6 pt and at least two within 12 pt
    tol, reach = 0.8 * px_per_pt, 6.0 * px_per_pt
    order = np.argsort(cy)
    ys = cy[order]
    lo = np.searchsorted(ys, cy - tol, "left")
    hi = np.searchsorted(ys, cy + tol, "right")
    chain = np.zeros(len(idx), dtype=bool)
    for i in range(len(idx)):
        dx = np.abs(cx[order[lo[i] : hi[i]]] - cx[i])
        chain[i] = int((dx <= 2 * reach).sum()) >= 3 and int((dx <= reach).sum()) >= 2
    erase = np.zeros(len(boxes) + 1, dtype=bool)
    erase[idx[chain] + 1] = True
    arr[erase[labels] | ~mask] = 255
    return arr
