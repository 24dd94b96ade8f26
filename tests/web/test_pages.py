"""Page images of stored files (``dashboard.pages``): real PDFs and images, the cache,
the page size that evidence boxes are drawn against, and hostile files refused."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from dashboard.pages import PageError, PageRenderer, PageSize, snap_width
from sources.limits import SourceLimits
from storage.files import FileStore


def _pdf(pages: int = 2) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for n in range(pages):
        if n == 1:
            c.setPageSize(landscape(A4))
        c.setFillColorRGB(0, 0, 0)
        c.rect(0, A4[1] - 100, 100, 100, fill=1)  # black square, top-left corner
        c.drawString(150, 700, f"Convention page {n + 1}")
        c.showPage()
    c.save()
    return out.getvalue()


def _png(w: int, h: int, dpi: int = 150) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), "white").save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _huge_png_header(w: int, h: int) -> bytes:
    """A PNG that claims w×h pixels (valid header, no real data): a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def renderer(tmp_path: Path) -> PageRenderer:
    return PageRenderer(FileStore(tmp_path / "files"), tmp_path / "cache" / "pages")


def test_pdf_page_size_render_and_cache(renderer: PageRenderer) -> None:
    sha = renderer.store.put(_pdf())
    size = renderer.size(sha, 1)
    assert size.count == 2
    assert size.width == pytest.approx(A4[0]) and size.height == pytest.approx(A4[1])
    wide = renderer.size(sha, 2)
    assert wide.width == pytest.approx(A4[1]) and wide.height == pytest.approx(A4[0])

    png = renderer.render(sha, 1, 300)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 320  # snapped up to a step
    assert image.height == round(320 * A4[1] / A4[0])
    # the black square is drawn top-left: the box (0, 0, 100, 100) in points
    box = size.percent_box((0, 0, 100, 100))
    assert box is not None
    x = int(box["width"] / 100 * image.width / 2)
    y = int(box["height"] / 100 * image.height / 2)
    assert image.convert("L").getpixel((x, y)) < 50
    assert image.convert("L").getpixel((image.width - 5, image.height - 5)) > 200

    cached = list(renderer.cache_dir.rglob("*.png"))
    assert len(cached) == 1 and cached[0].name == f"{sha}-p1-w320.png"
    assert renderer.render(sha, 1, 290) == png  # same step: served from the cache
    assert len(list(renderer.cache_dir.rglob("*.png"))) == 1
    # a cached size is read without opening the file again
    fresh = PageRenderer(renderer.store, renderer.cache_dir)
    assert fresh.size(sha, 1) == size
    assert Image.open(io.BytesIO(renderer.render(sha, 2, 160))).width == 160


def test_image_page_size_follows_its_resolution(renderer: PageRenderer) -> None:
    sha = renderer.store.put(_png(300, 600, dpi=150))
    size = renderer.size(sha, 1)
    assert size.count == 1
    assert (size.width, size.height) == (pytest.approx(144, abs=0.1), pytest.approx(288, abs=0.1))
    image = Image.open(io.BytesIO(renderer.render(sha, 1, 120)))
    assert image.size == (120, 240)


def test_percent_box() -> None:
    size = PageSize(1, 200.0, 400.0)
    assert size.percent_box((20, 40, 120, 80)) == {
        "left": 10.0,
        "top": 10.0,
        "width": 50.0,
        "height": 10.0,
    }
    clipped = size.percent_box((150, 390, 400, 500))
    assert clipped == {"left": 75.0, "top": 97.5, "width": 25.0, "height": 2.5}
    assert size.percent_box(None) is None
    assert size.percent_box((300, 10, 400, 20)) is None  # off the page
    assert PageSize(1, 0, 0).percent_box((1, 1, 2, 2)) is None


def test_snap_width() -> None:
    assert snap_width(None) == 1000
    assert snap_width(1) == 80
    assert snap_width(81) == 120
    assert snap_width(10**9) == 2000


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"Bonjour, ceci n'est pas un PDF.", 415, "ni un PDF ni une image"),
        (b"PK\x03\x04" + b"\x00" * 100, 415, "non pris en charge"),
        (b"%PDF-1.7\n1 0 obj garbage endobj\ntrailer\n", 422, "endommagé"),
        (_huge_png_header(12_000, 12_000), 422, "trop grande"),
    ],
)
def test_hostile_files_are_refused_in_french(
    renderer: PageRenderer, data: bytes, status: int, words: str
) -> None:
    sha = renderer.store.put(data)
    for call in (lambda: renderer.render(sha, 1, 200), lambda: renderer.size(sha, 1)):
        with pytest.raises(PageError) as info:
            call()
        assert info.value.status == status
        assert words in info.value.message
    assert not list(renderer.cache_dir.rglob("*.png"))


def test_missing_pages_and_files(renderer: PageRenderer, tmp_path: Path) -> None:
    sha = renderer.store.put(_pdf(1))
    for page in (0, 2, 99):
        with pytest.raises(PageError, match="introuvable") as info:
            renderer.render(sha, page, 200)
        assert info.value.status == 404
    with pytest.raises(PageError) as info:
        renderer.render("f" * 64, 1, 200)
    assert info.value.status == 404 and "stock" in info.value.message
    with pytest.raises(PageError) as info:
        renderer.size("../../etc/passwd", 1)
    assert info.value.status == 404


def test_files_beyond_the_size_limit_are_not_read(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    small = PageRenderer(store, tmp_path / "cache", SourceLimits(max_file_bytes=1000))
    sha = store.put(_pdf(1))
    with pytest.raises(PageError) as info:
        small.render(sha, 1, 200)
    assert info.value.status == 413 and "trop volumineux" in info.value.message


def test_unwritable_cache_still_renders(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache directory should be")
    renderer = PageRenderer(store, blocker / "pages")
    sha = store.put(_pdf(1))
    assert Image.open(io.BytesIO(renderer.render(sha, 1, 200))).width == 200
    assert renderer.size(sha, 1).count == 1
