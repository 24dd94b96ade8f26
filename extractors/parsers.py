"""One parser per kind of input, behind one interface, chosen by content sniffing (the
first bytes), never by the file name — in the spirit of paperless-ngx's parsers.

A parser opens a file's bytes and hands out ``PageSource`` objects: the page size in PDF
points, its usable text layer if any, whether it holds images, and a renderer. It does not
OCR; ``extractors.pipeline`` decides what to do with each page.
"""

from __future__ import annotations

import ctypes
import io
import threading
import unicodedata
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, UnidentifiedImageError

from extractors.errors import ExtractionError
from extractors.limits import DEFAULT_LIMITS, Limits
from extractors.pages import Word

# PDFium is not thread-safe, even across documents: every call goes through this lock.
PDFIUM_LOCK = threading.RLock()


@dataclass
class Rendered:
    image: Image.Image  # RGB; L when the source is a grey image (no colour to look at)
    px_per_pt: float  # pixels per PDF point of the page


class PageSource(ABC):
    number: int  # 1-based
    width: float  # points, as displayed
    height: float

    @abstractmethod
    def text_layer(self) -> str | None:
        """The page's text when its text layer is usable, else None (the page is a scan)."""

    @abstractmethod
    def has_images(self) -> bool: ...

    @abstractmethod
    def render(self, dpi: int) -> Rendered: ...

    def words_loader(self) -> Callable[[], list[Word]] | None:
        return None


class Parser(ABC):
    """Opens one file. ``sniff`` looks at the first bytes only."""

    kind: ClassVar[str]

    @classmethod
    @abstractmethod
    def sniff(cls, head: bytes) -> bool: ...

    def __init__(self, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
        self.data = data
        self.limits = limits

    @abstractmethod
    def page_count(self) -> int: ...

    @abstractmethod
    def page(self, index: int) -> PageSource: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> Parser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- text layer


def usable_text(text: str) -> bool:
    """A text layer is usable when it holds real letters and little garbage."""
    letters = bad = 0
    for c in text:
        if c.isalpha():
            letters += 1
        cat = unicodedata.category(c)
        if c == "\ufffd" or cat in ("Co", "Cs", "Cn") or (cat == "Cc" and c not in "\r\n\t"):
            bad += 1
    total = len(text.strip())
    if letters < 8 or total == 0:
        return False
    return bad / total < 0.1


# --------------------------------------------------------------------------- PDF


class PdfPageSource(PageSource):
    def __init__(self, parser: PdfParser, index: int) -> None:
        self.parser = parser
        self.index = index
        self.number = index + 1
        with PDFIUM_LOCK:
            page = parser.pdf[index]
            try:
                self.width, self.height = page.get_size()
                self.rotation = page.get_rotation()
                if self.rotation in (90, 270):
                    self.width, self.height = self.height, self.width
                tp = page.get_textpage()
                try:
                    raw = tp.get_text_range()
                    self.head: str | None = None
                    if self.rotation == 0:
                        # the top of the page, where a title is (content order may differ)
                        left, bottom, right, top = page.get_bbox()
                        cut = top - 0.4 * (top - bottom)
                        self.head = tp.get_text_bounded(left, cut, right, top)
                finally:
                    tp.close()
                area = _image_area(page)
                self._images = area > 0.0
                self._image_share = area / max(self.width * self.height, 1.0)
            finally:
                page.close()
        if (
            max(self.width, self.height) > parser.limits.max_page_points
            or min(self.width, self.height) <= 1
        ):
            raise ExtractionError(
                f"La page {self.number} du PDF a des dimensions aberrantes.", "too_many_pixels"
            )
        self._text = raw.replace("\r\n", "\n").replace("\r", "\n")
        letters = sum(c.isalpha() for c in self._text)
        # a scan with a tiny text layer (page number, stamp) is still a scan
        self._usable = usable_text(self._text) and not (self._image_share > 0.5 and letters < 80)

    def text_layer(self) -> str | None:
        return self._text if self._usable else None

    def has_images(self) -> bool:
        return self._images

    def render(self, dpi: int) -> Rendered:
        limits = self.parser.limits
        scale = dpi / 72.0
        pixels = self.width * self.height * scale * scale
        if pixels > limits.max_page_pixels:
            scale *= (limits.max_page_pixels / pixels) ** 0.5
        with PDFIUM_LOCK:
            page = self.parser.pdf[self.index]
            try:
                bitmap = page.render(scale=scale, may_draw_forms=True)
                img = bitmap.to_pil().convert("RGB")
                bitmap.close()
            finally:
                page.close()
        return Rendered(img, img.width / self.width)

    def words_loader(self) -> Callable[[], list[Word]] | None:
        return lambda: self.parser.words(self.index, self.width, self.height)


def _image_area(page: pdfium.PdfPage) -> float:
    area = 0.0
    try:
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
            x0, y0, x1, y1 = obj.get_bounds()
            area += max(0.0, x1 - x0) * max(0.0, y1 - y0)
    except pdfium.PdfiumError:
        return 0.0
    return area


class PdfParser(Parser):
    kind = "pdf"

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return b"%PDF-" in head[:1024]

    def __init__(self, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(data, limits)
        with PDFIUM_LOCK:
            try:
                self.pdf = pdfium.PdfDocument(data)
            except pdfium.PdfiumError as exc:
                code = getattr(exc, "err_code", None)
                if code == pdfium_c.FPDF_ERR_PASSWORD:
                    raise ExtractionError(
                        "Le PDF est protégé par un mot de passe : il ne peut pas être lu. "
                        "Demander à l'expéditeur une version sans mot de passe.",
                        "encrypted",
                    ) from exc
                if code == pdfium_c.FPDF_ERR_SECURITY:
                    raise ExtractionError(
                        "Le PDF utilise un chiffrement non pris en charge : il ne peut pas "
                        "être lu.",
                        "encrypted",
                    ) from exc
                raise ExtractionError(
                    "Le PDF est endommagé ou incomplet : il ne peut pas être lu.", "corrupt"
                ) from exc
            self._count = len(self.pdf)
        if self._count == 0:
            self.close()
            raise ExtractionError("Le PDF ne contient aucune page.", "empty")
        if self._count > limits.max_pages:
            self.close()
            raise ExtractionError(
                f"Le PDF compte {self._count} pages, au-delà de la limite de "
                f"{limits.max_pages} pages par fichier.",
                "too_many_pages",
            )

    def page_count(self) -> int:
        return self._count

    def page(self, index: int) -> PageSource:
        try:
            return PdfPageSource(self, index)
        except pdfium.PdfiumError as exc:
            raise ExtractionError(
                f"La page {index + 1} du PDF est endommagée : elle ne peut pas être lue.",
                "corrupt",
            ) from exc

    def words(self, index: int, width: float, height: float) -> list[Word]:
        with PDFIUM_LOCK:
            page = self.pdf[index]
            try:
                tp = page.get_textpage()
                try:
                    return _text_words(page, tp, width, height)
                finally:
                    tp.close()
            finally:
                page.close()

    def close(self) -> None:
        with PDFIUM_LOCK:
            pdf = getattr(self, "pdf", None)
            if pdf is not None:
                pdf.close()
                self.pdf = None  # type: ignore[assignment]


def _text_words(
    page: pdfium.PdfPage, tp: pdfium.PdfTextPage, width: float, height: float
) -> list[Word]:
    """Words of a text layer with boxes in displayed points (origin top-left)."""
    n = tp.count_chars()
    raw_page = page.raw
    dx = ctypes.c_int()
    dy = ctypes.c_int()
    # device coordinates at 16 units per point keep sub-point precision in integers
    k = 16
    sx, sy = round(width * k), round(height * k)

    def to_device(x: float, y: float) -> tuple[float, float]:
        pdfium_c.FPDF_PageToDevice(raw_page, 0, 0, sx, sy, 0, x, y, dx, dy)
        return dx.value / k, dy.value / k

    words: list[Word] = []
    chars: list[str] = []
    box: list[float] | None = None
    last_x1 = 0.0

    def flush() -> None:
        nonlocal box
        if chars and box is not None:
            words.append(Word("".join(chars), (box[0], box[1], box[2], box[3]), 100.0))
        chars.clear()
        box = None

    for i in range(n):
        code = pdfium_c.FPDFText_GetUnicode(tp.raw, i)
        c = chr(code) if 0 < code < 0x110000 else ""
        if not c or c.isspace() or code in (0xFFFE, 0xFFFF, 2):
            flush()
            continue
        left, bottom, right, top = tp.get_charbox(i)
        ax, ay = to_device(left, top)
        bx, by = to_device(right, bottom)
        x0, x1 = min(ax, bx), max(ax, bx)
        y0, y1 = min(ay, by), max(ay, by)
        if box is not None:
            h = max(box[3] - box[1], 1.0)
            if x0 - last_x1 > 0.6 * h or abs((y0 + y1) / 2 - (box[1] + box[3]) / 2) > 0.7 * h:
                flush()
        if box is None:
            box = [x0, y0, x1, y1]
        else:
            box = [min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)]
        chars.append(c)
        last_x1 = x1
    flush()
    return words


# --------------------------------------------------------------------------- images


class ImagePageSource(PageSource):
    def __init__(self, parser: ImageParser, index: int) -> None:
        self.parser = parser
        self.index = index
        self.number = index + 1
        w, h, dpi = parser.frame_info(index)
        self.dpi = dpi
        self.width = w * 72.0 / dpi
        self.height = h * 72.0 / dpi

    def text_layer(self) -> str | None:
        return None

    def has_images(self) -> bool:
        return True

    def render(self, dpi: int) -> Rendered:
        img = self.parser.frame(self.index)
        if self.dpi > dpi * 1.25:
            factor = dpi / self.dpi
            img = img.resize(
                (max(1, round(img.width * factor)), max(1, round(img.height * factor))),
                Image.Resampling.LANCZOS,
            )
        return Rendered(img, img.width / self.width)


class ImageParser(Parser):
    """JPEG, PNG, TIFF (multi-page), BMP, WebP: every frame is a scanned page."""

    kind = "image"
    _MAGIC: ClassVar[tuple[bytes, ...]] = (
        b"\xff\xd8\xff",  # JPEG
        b"\x89PNG\r\n\x1a\n",
        b"II*\x00",  # TIFF little-endian
        b"MM\x00*",  # TIFF big-endian
        b"BM",  # BMP
    )

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        if any(head.startswith(m) for m in cls._MAGIC):
            return True
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"

    def __init__(self, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(data, limits)
        self._lock = threading.Lock()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                self.img = Image.open(io.BytesIO(data))
                self._count = getattr(self.img, "n_frames", 1)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ExtractionError(
                "L'image est endommagée ou dans un format illisible.", "corrupt"
            ) from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ExtractionError(
                "L'image est trop grande pour être traitée.", "too_many_pixels"
            ) from exc
        if self._count < 1:
            raise ExtractionError("L'image ne contient aucune page.", "empty")
        if self._count > limits.max_pages:
            raise ExtractionError(
                f"L'image compte {self._count} pages, au-delà de la limite de "
                f"{limits.max_pages} pages par fichier.",
                "too_many_pages",
            )
        self._info: dict[int, tuple[int, int, float]] = {}

    def page_count(self) -> int:
        return self._count

    def page(self, index: int) -> PageSource:
        return ImagePageSource(self, index)

    def frame_info(self, index: int) -> tuple[int, int, float]:
        if index in self._info:
            return self._info[index]
        with self._lock:
            try:
                self.img.seek(index)
            except (EOFError, OSError, ValueError) as exc:
                raise ExtractionError(
                    f"La page {index + 1} de l'image est illisible.", "corrupt"
                ) from exc
            w, h = self.img.size
            if w * h > self.limits.max_page_pixels:
                raise ExtractionError(
                    f"La page {index + 1} de l'image est trop grande ({w}×{h} pixels).",
                    "too_many_pixels",
                )
            if w < 16 or h < 16:
                raise ExtractionError(
                    f"La page {index + 1} de l'image est trop petite pour être lue.", "corrupt"
                )
            dpi = _image_dpi(self.img.info.get("dpi"), w, h)
        self._info[index] = (w, h, dpi)
        return self._info[index]

    def frame(self, index: int) -> Image.Image:
        self.frame_info(index)
        with self._lock:
            try:
                self.img.seek(index)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    frame = ImageOps.exif_transpose(self.img.copy())
                    # a grey scan stays grey: no colour to look for, a third of the pixels
                    grey = frame.mode in ("1", "L", "LA", "I", "I;16", "F") or (
                        frame.mode == "P" and _grey_palette(frame)
                    )
                    return frame.convert("L" if grey else "RGB")
            except (OSError, ValueError, SyntaxError, EOFError) as exc:
                raise ExtractionError(
                    f"La page {index + 1} de l'image est endommagée.", "corrupt"
                ) from exc

    def close(self) -> None:
        self.img.close()


def _grey_palette(img: Image.Image) -> bool:
    pal = img.getpalette() or []
    return all(pal[i] == pal[i + 1] == pal[i + 2] for i in range(0, len(pal) - 2, 3))


def _image_dpi(info_dpi: object, w: int, h: int) -> float:
    try:
        dpi = float(info_dpi[0])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        dpi = 0.0
    if 50 <= dpi <= 1200:
        return dpi
    # no usable resolution: assume an A4 page (297 mm on the long side)
    guess = max(w, h) / 11.69
    return float(min(max(guess, 72.0), 600.0))


# --------------------------------------------------------------------------- sniffing

PARSERS: tuple[type[Parser], ...] = (PdfParser, ImageParser)

_KNOWN_UNSUPPORTED: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "un document bureautique ou une archive ZIP (Word, LibreOffice…)"),
    (b"\xd0\xcf\x11\xe0", "un ancien document Word ou Excel"),
    (b"{\\rtf", "un document RTF"),
    (b"GIF8", "une image GIF"),
    (b"Rar!", "une archive RAR"),
    (b"7z\xbc\xaf", "une archive 7z"),
)


def _pdfish(data: bytes) -> bool:
    head = data[:65536]
    return b" obj" in head and any(k in data for k in (b"endobj", b"xref", b"trailer"))


def choose_parser(data: bytes) -> type[Parser]:
    """The parser for these bytes, by their content; ExtractionError when none fits."""
    if not data or not data.strip():
        raise ExtractionError("Le fichier est vide.", "empty")
    head = data[:2048]
    for parser in PARSERS:
        if parser.sniff(head):
            return parser
    if _pdfish(data):
        return PdfParser  # a PDF without its header: let PDFium try, it repairs some
    from extractors.sheets import SheetParser, broken_sheet, sheet_format

    if sheet_format(data) is not None:
        return SheetParser  # a town hall's own spreadsheet (xlsx, ods, csv)
    if broken_sheet(data):
        raise ExtractionError(
            "Le tableur est endommagé (archive ZIP tronquée ou corrompue) : il ne peut pas "
            "être lu.",
            "corrupt",
        )
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        what = "une photo HEIC (iPhone)"
    else:
        what = next((label for magic, label in _KNOWN_UNSUPPORTED if head.startswith(magic)), "")
    hint = f"Le fichier est {what}, " if what else "Le fichier n'est "
    return _raise_unsupported(hint)


def _raise_unsupported(hint: str) -> type[Parser]:
    if hint.startswith("Le fichier est"):
        msg = hint + "non pris en charge : seuls les PDF et les images (JPEG, PNG, TIFF) le sont."
    else:
        msg = "Le fichier n'est ni un PDF ni une image (JPEG, PNG, TIFF) : il ne peut pas être lu."
    raise ExtractionError(msg, "not_supported")
