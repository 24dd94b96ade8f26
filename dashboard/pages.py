"""Page images of stored files for the web app: one page of a stored PDF or image as a
PNG at a given width, and the page's size in PDF points (the unit of the evidence boxes,
``extractors.model.Evidence.box``: x0, top, x1, bottom, origin top-left, of the page as
displayed), so that boxes can be drawn over the image in percent of the page.

Pure: bytes come from the content-addressed ``FileStore``, results go to a small on-disk
cache (``INTAKE_HOME/cache/pages/``) keyed by SHA-256, page and width. The file is opened
with the extraction's own parsers (``extractors.parsers``), which sniff the content and
refuse hostile files (damaged, encrypted, absurd page sizes, decompression bombs) with a
French message; files beyond the sources' size limit are refused before being read.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from extractors.errors import ExtractionError
from extractors.parsers import PageSource, Parser, choose_parser
from sources.limits import DEFAULT_SOURCE_LIMITS, SourceLimits, human_size
from storage.files import FileMissingError, FileStore, InvalidSha256Error, check_sha256

MIN_WIDTH = 80
MAX_WIDTH = 2000
WIDTH_STEP = 40  # widths are rounded up to a step: a bounded number of cached images
THUMB_WIDTH = 160
VIEW_WIDTH = 1000


class PageError(Exception):
    """A page that cannot be shown; ``message`` is French (staff read it), ``status`` the
    HTTP status that fits (404: no such file or page, 415: not a PDF or an image, 413:
    too large, 422: damaged)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class PageSize:
    count: int  # pages in the file
    width: float  # points, as displayed
    height: float

    def percent_box(self, box: tuple[float, float, float, float] | None) -> dict[str, float] | None:
        """An evidence box (points) as CSS percentages of the page, clipped to it."""
        if not box or self.width <= 0 or self.height <= 0:
            return None
        x0, top, x1, bottom = (float(v) for v in box)
        x0, x1 = sorted((x0, x1))
        top, bottom = sorted((top, bottom))
        left = min(max(x0 / self.width, 0.0), 1.0)
        right = min(max(x1 / self.width, 0.0), 1.0)
        up = min(max(top / self.height, 0.0), 1.0)
        down = min(max(bottom / self.height, 0.0), 1.0)
        if right <= left or down <= up:
            return None
        return {
            "left": round(left * 100, 3),
            "top": round(up * 100, 3),
            "width": round((right - left) * 100, 3),
            "height": round((down - up) * 100, 3),
        }


def snap_width(width: int | None, default: int = VIEW_WIDTH) -> int:
    """A requested width, bounded and rounded up to a step."""
    if width is None:
        width = default
    width = min(max(int(width), MIN_WIDTH), MAX_WIDTH)
    return min(-(-width // WIDTH_STEP) * WIDTH_STEP, MAX_WIDTH)


class PageRenderer:
    """Renders pages of stored files, with the cache under ``cache_dir``."""

    def __init__(
        self,
        store: FileStore,
        cache_dir: str | os.PathLike[str],
        limits: SourceLimits = DEFAULT_SOURCE_LIMITS,
    ) -> None:
        self.store = store
        self.cache_dir = Path(cache_dir)
        self.limits = limits

    # ------------------------------------------------------------------ public

    def size(self, sha256: str, page: int) -> PageSize:
        """Size of ``page`` (1-based) of a stored file and its page count."""
        sha = self._sha(sha256)
        sizes = self._sizes_cached(sha)
        if sizes is not None and str(page) in sizes["pages"]:
            w, h = sizes["pages"][str(page)]
            return PageSize(int(sizes["count"]), float(w), float(h))
        with self._open(sha) as parser:
            count = parser.page_count()
            self._check_page(page, count)
            source = self._page(parser, page)
            result = PageSize(count, float(source.width), float(source.height))
        self._remember_size(sha, page, result)
        return result

    def render(self, sha256: str, page: int, width: int | None = None) -> bytes:
        """PNG of ``page`` (1-based) of a stored file, ``width`` pixels wide (snapped)."""
        sha = self._sha(sha256)
        width = snap_width(width)
        cached = self._png_path(sha, page, width)
        with contextlib.suppress(OSError):
            return cached.read_bytes()
        with self._open(sha) as parser:
            count = parser.page_count()
            self._check_page(page, count)
            source = self._page(parser, page)
            size = PageSize(count, float(source.width), float(source.height))
            dpi = max(1, round(width * 72.0 / max(size.width, 1.0)))
            try:
                image = source.render(dpi).image
            except ExtractionError as exc:
                raise PageError(exc.message_fr, 422) from exc
            except Exception as exc:  # PDFium / Pillow failures on a hostile file
                raise PageError(
                    f"La page {page} ne peut pas être affichée : le fichier est endommagé.", 422
                ) from exc
        height = max(1, round(image.height * width / max(image.width, 1)))
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=False, compress_level=6)
        png = out.getvalue()
        self._remember_size(sha, page, size)
        self._write_atomic(cached, png)
        return png

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _sha(sha256: str) -> str:
        try:
            return check_sha256(sha256)
        except InvalidSha256Error as exc:
            raise PageError("Fichier introuvable.", 404) from exc

    @staticmethod
    def _check_page(page: int, count: int) -> None:
        if page < 1 or page > count:
            raise PageError(f"Page {page} introuvable : le fichier compte {count} page(s).", 404)

    @staticmethod
    def _page(parser: Parser, page: int) -> PageSource:
        try:
            return parser.page(page - 1)
        except ExtractionError as exc:
            raise PageError(exc.message_fr, 422) from exc
        except Exception as exc:
            raise PageError(f"La page {page} est endommagée : elle ne peut pas être lue.") from exc

    @contextlib.contextmanager
    def _open(self, sha: str) -> Iterator[Parser]:
        path = self.store.path(sha)
        try:
            size = path.stat().st_size
        except (FileNotFoundError, FileMissingError) as exc:
            raise PageError("Le fichier n'est plus dans le stock de fichiers.", 404) from exc
        if size > self.limits.max_file_bytes:
            raise PageError(
                f"Fichier trop volumineux pour être affiché ({human_size(size)} ; "
                f"limite : {human_size(self.limits.max_file_bytes)}).",
                413,
            )
        data = self.store.read(sha)
        try:
            parser = choose_parser(data)(data)
        except ExtractionError as exc:
            status = 415 if exc.code in ("not_supported", "empty") else 422
            raise PageError(exc.message_fr, status) from exc
        except Exception as exc:
            raise PageError("Le fichier est endommagé : il ne peut pas être affiché.") from exc
        try:
            yield parser
        finally:
            with contextlib.suppress(Exception):
                parser.close()

    def _png_path(self, sha: str, page: int, width: int) -> Path:
        return self.cache_dir / sha[:2] / f"{sha}-p{page}-w{width}.png"

    def _sizes_path(self, sha: str) -> Path:
        return self.cache_dir / sha[:2] / f"{sha}.json"

    def _sizes_cached(self, sha: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._sizes_path(sha).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("pages"), dict):
            return None
        return data

    def _remember_size(self, sha: str, page: int, size: PageSize) -> None:
        data = self._sizes_cached(sha) or {"count": size.count, "pages": {}}
        data["count"] = size.count
        data["pages"][str(page)] = [size.width, size.height]
        self._write_atomic(self._sizes_path(sha), json.dumps(data).encode())

    @staticmethod
    def _write_atomic(target: Path, data: bytes) -> None:
        """Best effort: a cache that cannot be written only costs speed."""
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            pass
