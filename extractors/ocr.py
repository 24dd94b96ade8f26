"""Tesseract, run as a subprocess with one thread (``OMP_THREAD_LIMIT=1``): parallelism
comes from running one tesseract per core, which is several times faster here than one
tesseract using every core.

The image goes to tesseract as a temporary PGM file (no PNG encoding; a file reads faster
than stdin), in memory (``/dev/shm``) when the system has it; several small images (a
stamp's rows) go as a list of files read in one start. The TSV of ``image_to_data`` comes
back on stdout; pytesseract's TSV reading conventions are kept.

Tesseract itself can fail on an image: it dies of a floating-point exception (SIGFPE) on
some strips of pure scanner noise. A page's own OCR then fails with a French error; a
read that only adds to it (a stamp's rows, a form's cells, a label's value: ``optional``)
gives no words for the image that failed, and the others of its run are read again one
by one, so the page is not lost.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytesseract
from PIL import Image

from extractors.errors import ExtractionError

log = logging.getLogger(__name__)


class _TesseractFailed(ExtractionError):
    """Tesseract exited with an error or was killed by a signal (not a timeout)."""


@dataclass(frozen=True)
class OcrWord:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    block: int
    par: int
    line: int

    @property
    def key(self) -> tuple[int, int, int]:
        """The line tesseract put the word on: (block, paragraph, line)."""
        return (self.block, self.par, self.line)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (
            float(self.left),
            float(self.top),
            float(self.left + self.width),
            float(self.top + self.height),
        )


@functools.cache
def tesseract_cmd() -> str:
    cmd = pytesseract.pytesseract.tesseract_cmd
    found = shutil.which(cmd)
    if not found:
        raise ExtractionError(
            "Le moteur de reconnaissance de texte (tesseract) n'est pas installé sur le "
            "serveur : les documents numérisés ne peuvent pas être lus.",
            "ocr_failed",
        )
    return found


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


@functools.cache
def _scratch() -> str | None:
    """Where page images go for tesseract: memory (``/dev/shm``) when the system has it,
    writable (a 300-dpi page is 8.7 MB: 5 ms there, ~25 ms to a disk), else the usual
    temporary folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def to_pgm(gray: Image.Image | np.ndarray) -> bytes:
    arr = np.asarray(gray, dtype=np.uint8)
    if arr.ndim != 2:
        raise ValueError("to_pgm needs a grayscale image")
    h, w = arr.shape
    return b"P5\n%d %d\n255\n" % (w, h) + np.ascontiguousarray(arr).tobytes()


def run_tesseract(
    gray: Image.Image | np.ndarray,
    *,
    lang: str = "fra",
    psm: int = 3,
    dpi: int = 300,
    timeout: float = 180.0,
    extra: tuple[str, ...] = (),
    optional: bool = False,
) -> list[OcrWord]:
    """OCR a grayscale image; words with boxes in the image's pixels. ``optional``: no
    words, rather than an error, when tesseract fails on it (see the module's docstring)."""
    return run_tesseract_many(
        [gray], lang=lang, psm=psm, dpi=dpi, timeout=timeout, extra=extra, optional=optional
    )[0]


def run_tesseract_many(
    images: Sequence[Image.Image | np.ndarray],
    *,
    lang: str = "fra",
    psm: int = 3,
    dpi: int = 300,
    timeout: float = 180.0,
    extra: tuple[str, ...] = (),
    optional: bool = False,
) -> list[list[OcrWord]]:
    """OCR grayscale images in one tesseract run (a page, a stamp's rows): the words of
    each, in order. Starting tesseract and loading its French model costs ~0.09 s, more
    than reading a line; a list of image files is read in one start. ``optional``: an
    image tesseract fails on gives no words (the others are read one by one)."""
    if not images:
        return []
    try:
        return _run_many(images, lang, psm, dpi, timeout, extra)
    except _TesseractFailed as exc:
        if not optional:
            raise
        if len(images) == 1:
            log.warning("tesseract failed on an image of %dx%d: %s", *_size(images[0]), exc)
            return [[]]
    out: list[list[OcrWord]] = []
    for img in images:
        out += run_tesseract_many(
            [img], lang=lang, psm=psm, dpi=dpi, timeout=timeout, extra=extra, optional=True
        )
    return out


def _size(img: Image.Image | np.ndarray) -> tuple[int, int]:
    return img.size if isinstance(img, Image.Image) else (img.shape[1], img.shape[0])


def _run_many(
    images: Sequence[Image.Image | np.ndarray],
    lang: str,
    psm: int,
    dpi: int,
    timeout: float,
    extra: tuple[str, ...],
) -> list[list[OcrWord]]:
    # PGM files, not stdin: tesseract (leptonica) reads a PNM from stdin ~30 % slower
    # than the same bytes from a file (0.85 s against 0.63 s for a 300-dpi page here)
    data = [to_pgm(img) for img in images]
    tsv = ""
    for where in dict.fromkeys((_scratch(), None)):
        with tempfile.TemporaryDirectory(prefix="intake-ocr-", dir=where) as tmp:
            try:
                source = _write_inputs(tmp, data)
            except OSError:
                if where is None:
                    raise
                continue  # memory full: the temporary folder on disk
            tsv = _run(source, lang, psm, dpi, timeout * len(data), extra)
            break
    words = parse_tsv_pages(tsv)
    out: list[list[OcrWord]] = [[] for _ in images]
    for page, w in words:
        if 1 <= page <= len(out):
            out[page - 1].append(w)
    return out


def _write_inputs(folder: str, data: Sequence[bytes]) -> str:
    """The PGM files in ``folder``; what tesseract is given: the one file, or a list of
    the files (one image per line)."""
    names = []
    for k, pgm in enumerate(data):
        names.append(os.path.join(folder, f"{k}.pgm"))
        with open(names[-1], "wb") as fh:
            fh.write(pgm)
    if len(names) == 1:
        return names[0]
    listing = os.path.join(folder, "images.txt")
    with open(listing, "w", encoding="utf-8") as fh:
        fh.write("".join(f"{name}\n" for name in names))
    return listing


def _run(path: str, lang: str, psm: int, dpi: int, timeout: float, extra: tuple[str, ...]) -> str:
    """Tesseract's TSV for the image (or the list of images) at ``path``."""
    args = [
        tesseract_cmd(),
        path,
        "stdout",
        "-l",
        lang,
        "--psm",
        str(psm),
        "--dpi",
        str(dpi),
        *extra,
        "tsv",
    ]
    try:
        proc = subprocess.run(
            args,
            capture_output=True,
            env=_env(),
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(
            "La reconnaissance de texte d'une page a dépassé le temps permis.", "ocr_failed"
        ) from exc
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        if proc.returncode < 0:
            detail = [f"signal {-proc.returncode}"]
        raise _TesseractFailed(
            "La reconnaissance de texte a échoué sur une page"
            + (f" ({detail[0][:120]})." if detail else "."),
            "ocr_failed",
        )
    return proc.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str) -> list[OcrWord]:
    return [w for _, w in parse_tsv_pages(tsv)]


def parse_tsv_pages(tsv: str) -> list[tuple[int, OcrWord]]:
    """The words of tesseract's TSV with the number of the image (page) each is on."""
    words: list[tuple[int, OcrWord]] = []
    lines = tsv.splitlines()
    for row in lines[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        try:
            conf = float(cols[10])
            left, top, width, height = (int(c) for c in cols[6:10])
            page, block, par, line = int(cols[1]), int(cols[2]), int(cols[3]), int(cols[4])
        except ValueError:
            continue
        words.append((page, OcrWord(text, left, top, width, height, conf, block, par, line)))
    return words


def ocr_lines(words: Sequence[OcrWord], *, paragraphs: bool = False) -> list[list[OcrWord]]:
    """The words of each line tesseract found (of each paragraph with ``paragraphs``),
    in its reading order."""
    groups: dict[tuple[int, ...], list[OcrWord]] = {}
    for w in words:
        key = (w.block, w.par) if paragraphs else (w.block, w.par, w.line)
        groups.setdefault(key, []).append(w)
    return list(groups.values())


def read_quality(words: Sequence[OcrWord]) -> float:
    """Letters and digits read, weighed by their confidence: how well a strip was read."""
    return sum(len(re.sub(r"\W", "", w.text)) * max(w.conf, 0.0) / 100 for w in words)


def ocr_text(words: Sequence[OcrWord]) -> str:
    """Plain text in tesseract's reading order (blocks, paragraphs, lines)."""
    out: list[str] = []
    key: tuple[int, int, int] | None = None
    current: list[str] = []
    for w in words:
        k = (w.block, w.par, w.line)
        if k != key and current:
            out.append(" ".join(current))
            current = []
        key = k
        current.append(w.text)
    if current:
        out.append(" ".join(current))
    return "\n".join(out)
