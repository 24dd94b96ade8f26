"""Scanned pages with real tesseract: orientation, skew, the coloured arrival stamp,
signature ink judged on the image, evidence boxes back on the original page, image files
(JPEG, multi-page TIFF) and batches. Few pages: OCR costs seconds per page."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from extractors import ExtractionError, extract_file, extract_files
from extractors import testing as T
from extractors.ocr import run_tesseract

D = dt.date
RED = (200, 30, 35)
BLUE = (30, 55, 170)


@pytest.fixture(scope="module")
def deliberation_scan() -> list[Image.Image]:
    # upside down, 1.5° askew, with a red stamp turned 12°
    pdf = T.deliberation_pdf()
    return T.scan(pdf, rotation=180, skew=1.5, stamp=(D(2022, 1, 12), RED, 12), seed=3)


def test_upside_down_skewed_scan_with_red_stamp(deliberation_scan: list[Image.Image]) -> None:
    data = T.images_to_pdf(deliberation_scan)
    (doc,) = extract_file(data, filename="scan.pdf")
    assert doc.ocr and doc.type == "deliberation"
    values = doc.values()
    assert values["act_id"] == "044-214400350-20211213-DEL2021_58-DE"
    assert values["meeting_date"] == D(2021, 12, 13)
    assert values["prefecture_receipt_date"] == D(2021, 12, 15)
    assert values["authorizes_signature"] is True
    assert values["arrival_stamp_date"] == D(2022, 1, 12)
    # evidence is on the page as filed (upside down): the acknowledgment block, printed
    # at the bottom of the page, is at the top of the scanned image
    ev = doc.fields["act_id"].evidence
    assert ev is not None and ev.box is not None
    assert ev.box[3] < 200, ev.box
    stamp = doc.fields["arrival_stamp_date"].evidence
    assert stamp is not None and stamp.box is not None


def test_jpeg_turned_a_quarter_with_blue_stamp() -> None:
    pdf = T.needs_form_pdf(total=True)
    (img,) = T.scan(pdf, rotation=90, skew=-1.0, stamp=(D(2021, 12, 20), BLUE, -8), seed=5)
    (doc,) = extract_file(T.to_jpeg(img), filename="photo.jpg")
    assert doc.type == "needs_form" and doc.ocr
    assert doc.value("student_accounts") == 205
    assert doc.value("schools") == 2
    assert doc.value("arrival_stamp_date") == D(2021, 12, 20)


@pytest.mark.parametrize("signed", [True, False])
def test_signature_judged_on_the_image_of_a_scan(signed: bool) -> None:
    # the last page alone, from a 200 dpi copier; the rector's side is signed either way
    page = T.scan(T.convention_pdf(body_pages=0, signed=signed), dpi=200, seed=int(signed))[-1]
    (doc,) = extract_file(T.images_to_tiff([page], dpi=200), filename="page.tif")
    assert doc.type == "convention"
    assert doc.value("signed") is signed
    assert doc.value("signatory_name") == "Laurent TURQUOIS"
    assert doc.value("signature_date") == D(2021, 12, 14)
    ev = doc.fields["signed"].evidence
    assert ev is not None and ev.box is not None and ev.box[0] > 250  # the right column


def test_blank_scanned_page_is_not_ocred() -> None:
    img = Image.new("RGB", (1240, 1754), (245, 245, 240))
    t = time.perf_counter()
    (doc,) = extract_file(T.to_jpeg(img, dpi=150), filename="blank.jpg")
    assert doc.type == "other" and doc.fields == {}
    assert time.perf_counter() - t < 2


def test_tesseract_runs_with_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str | None] = []
    real = subprocess.run

    def spy(*args: object, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        env = kwargs.get("env")
        seen.append(env.get("OMP_THREAD_LIMIT") if isinstance(env, dict) else None)
        return real(*args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(subprocess, "run", spy)
    words = run_tesseract(Image.new("L", (200, 60), 255))
    assert words == []
    assert seen == ["1"]
    assert "OMP_THREAD_LIMIT" not in os.environ or os.environ["OMP_THREAD_LIMIT"] == "1"


def test_several_rows_are_read_in_one_tesseract_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import ImageDraw, ImageFont

    from extractors.ocr import run_tesseract_many

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 50)
    rows = []
    for text in ("12 JAN. 2022", "RECTORAT", "07.01.2022"):
        img = Image.new("L", (700, 110), 255)
        ImageDraw.Draw(img).text((30, 25), text, fill=0, font=font)
        rows.append(img)
    rows.insert(2, Image.new("L", (700, 110), 255))  # a blank row keeps its place
    starts: list[object] = []
    real = subprocess.run

    def spy(*args: object, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        starts.append(args[0])
        return real(*args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(subprocess, "run", spy)
    read = run_tesseract_many(rows, psm=7)
    assert len(starts) == 1
    assert [" ".join(w.text for w in words if w.conf > 0) for words in read] == [
        "12 JAN. 2022",
        "RECTORAT",
        "",
        "07.01.2022",
    ]
    # the same words, boxes included, as one run per row
    for together, row in zip(read, rows, strict=True):
        alone = run_tesseract(row, psm=7)
        assert [(w.text, w.box) for w in together] == [(w.text, w.box) for w in alone]


def test_images_go_to_disk_when_memory_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import extractors.ocr as ocr

    real = ocr._write_inputs
    folders: list[str] = []

    def full_once(folder: str, data: object) -> str:
        folders.append(folder)
        if len(folders) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(folder, data)  # type: ignore[arg-type]

    monkeypatch.setattr(ocr, "_scratch", lambda: "/dev/shm")
    monkeypatch.setattr(ocr, "_write_inputs", full_once)
    img = Image.new("L", (700, 110), 255)
    from PIL import ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 50)
    ImageDraw.Draw(img).text((30, 25), "RECTORAT", fill=0, font=font)
    assert [w.text for w in run_tesseract(img, psm=7)] == ["RECTORAT"]
    assert folders[0].startswith("/dev/shm/") and not folders[1].startswith("/dev/shm/")


def test_pages_of_a_scan_are_ocred_in_parallel_with_bounded_images(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from extractors import pipeline

    live = 0
    peak = 0
    lock = threading.Lock()
    real = pipeline.process_page

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal live, peak
        with lock:
            live += 1
            peak = max(peak, live)
        try:
            return real(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                live -= 1

    monkeypatch.setattr(pipeline, "process_page", counting)
    pages = [Image.new("L", (850, 1100), 255) for _ in range(12)]
    pages[3] = T.scan(T.letter_pdf(), dpi=100)[0].convert("L")
    docs = extract_file(T.images_to_tiff(pages, dpi=100), filename="x.tif", workers=2)
    assert sum(len(d.pages) for d in docs) == 12
    assert peak <= pipeline.CPUS + 1


def test_extract_files_batch_in_order(tmp_path: Path) -> None:
    a = tmp_path / "a.pdf"
    a.write_bytes(T.needs_form_pdf())
    b = tmp_path / "b.bin"
    b.write_bytes(b"not a document")
    c = tmp_path / "c.jpg"
    c.write_bytes(T.to_jpeg(Image.new("RGB", (600, 800), "white"), dpi=72))
    results = extract_files([a, b, c], workers=2)
    assert [r.path for r in results] == [a, b, c]
    assert results[0].documents[0].type == "needs_form"
    assert results[1].error is not None and results[1].error.code == "not_supported"
    assert results[2].error is None and results[2].documents[0].type == "other"


def test_decompression_bomb_is_refused() -> None:
    from extractors.limits import Limits

    img = Image.new("1", (12000, 12000), 1)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    with pytest.raises(ExtractionError) as exc:
        extract_file(buf.getvalue(), filename="bomb.png", limits=Limits(max_page_pixels=50_000_000))
    assert exc.value.code == "too_many_pixels"


def test_corrupt_image_is_a_clean_error() -> None:
    data = T.to_jpeg(Image.new("RGB", (400, 400), "white"))
    with pytest.raises(ExtractionError) as exc:
        extract_file(data[:200], filename="cut.jpg")
    assert exc.value.code == "corrupt"


def test_ocr_names_take_the_spelling_of_the_roster() -> None:
    # the town hall typed no accents; on a scan OCR cannot tell a dropped accent from a
    # missing one, so the roster's spelling is given; a text layer is kept as written
    from extractors import Gazetteer

    places = Gazetteer(["Couëron", "Vertou"])
    pdf = T.needs_form_pdf(collectivity="Commune de Coueron", total=True)
    (img,) = T.scan(pdf, seed=11)
    (scanned,) = extract_file(T.to_jpeg(img), filename="scan.jpg", places=places)
    assert scanned.ocr and scanned.value("collectivity") == "Commune de Couëron"
    ev = scanned.fields["collectivity"].evidence
    assert ev is not None and "Coueron" in ev.raw  # the evidence keeps what was read
    (digital,) = extract_file(pdf, filename="form.pdf", places=places)
    assert digital.value("collectivity") == "Commune de Coueron"


def _form_lines(lines: list[tuple[str, str]]) -> Image.Image:
    """A form's rows at 300 dpi: label at the left, value in a column at the right."""
    from PIL import ImageDraw, ImageFont

    img = Image.new("L", (2000, 120 + 110 * len(lines)), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 42)
    for i, (label, value) in enumerate(lines):
        y = 60 + 110 * i
        d.text((80, y), label, fill=0, font=font)
        d.text((1100, y), value, fill=0, font=font)
    return img


def test_a_garbled_count_is_read_again_as_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    import extractors.scan as scan_mod
    from extractors.fields import COUNT_LABELS
    from extractors.limits import DEFAULT_LIMITS
    from extractors.ocr import OcrWord

    img = _form_lines(
        [
            ("Nombre d'écoles", "8"),
            ("Nombre de comptes élèves", "1648"),
            ("Le nombre de comptes élèves correspond à l'effectif.", ""),
        ]
    )
    words = run_tesseract(img, dpi=300)
    assert any(w.text == "8" for w in words) and any(w.text == "1648" for w in words)
    # the page's OCR read the 8 as "&" (as it does on a smudged italic 8)
    garbled = [
        OcrWord("&", w.left, w.top, w.width, w.height, 31.0, w.block, w.par, w.line)
        if w.text == "8"
        else w
        for w in words
    ]
    calls: list[tuple[int, tuple[str, ...]]] = []
    real = scan_mod.run_tesseract_many

    def spy(images: list[object], **kwargs: object) -> list[list[OcrWord]]:
        calls.append((len(images), tuple(kwargs.get("extra", ()))))  # type: ignore[arg-type]
        return real(images, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scan_mod, "run_tesseract_many", spy)
    targets = [(label, "0123456789") for label in sorted(COUNT_LABELS, key=len, reverse=True)]
    out = scan_mod._read_label_values(img, garbled, 300 / 72, 300, targets, DEFAULT_LIMITS)
    texts = [w.text for w in out]
    assert "&" not in texts and "8" in texts
    assert "1648" in texts
    # only the garbled count was read again: not the clean one, not the sentence
    assert len(calls) == 1 and calls[0][0] == 1
    assert "tessedit_char_whitelist=0123456789" in calls[0][1]


def test_dotted_leader_is_erased_faint_rings_included() -> None:
    import numpy as np
    from PIL import ImageDraw, ImageFont

    from extractors.scan import _without_dots

    strip = Image.new("L", (1200, 100), 235)
    d = ImageDraw.Draw(strip)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 48)
    d.text((200, 10), "Maire", fill=50, font=font)
    for x in range(10, 1190, 14):
        d.ellipse((x, 80, x + 5, 85), outline=190)  # a JPEG's faint ring of a dot
        d.ellipse((x + 7, 80, x + 10, 83), fill=60)  # a dark dot
    out = np.asarray(_without_dots(strip, 300 / 72))
    assert (out[75:, :] == 255).all()  # the leader line, dark or faint, is gone
    assert (out[:70, 200:400] < 128).sum() > 500  # the word is kept
    assert run_tesseract(Image.fromarray(out), psm=7)[0].text == "Maire"


def _heading_beside_acknowledgment() -> Image.Image:
    """The top of a délibération: the collectivity's heading and its rule on the left, the
    prefecture's boxed acknowledgment on the right, the rule running into the box."""
    from PIL import ImageDraw, ImageFont

    img = Image.new("L", (2480, 700), 235)
    d = ImageDraw.Draw(img)
    sans = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    font = ImageFont.truetype(sans, 38)
    d.text((200, 170), "Commune du Pellerin", fill=40, font=ImageFont.truetype(sans, 60))
    d.rounded_rectangle((1540, 110, 2330, 320), radius=18, outline=40, width=4)
    rows = (
        "Envoyé en préfecture le 29/10/2021",
        "Reçu en préfecture le 29/10/2021",
        "Affiché le",
        "ID : 044-214401200-20211026-2021_126-DE",
    )
    for i, row in enumerate(rows):
        d.text((1565, 130 + 46 * i), row, fill=40, font=font)
    d.line((200, 250, 1650, 262), fill=40, width=9)
    return img


def test_acknowledgment_garbled_by_the_layout_is_read_again() -> None:
    from extractors.fields import acknowledgment_missing
    from extractors.limits import DEFAULT_LIMITS
    from extractors.ocr import OcrWord, ocr_text
    from extractors.scan import _reread_acknowledgment

    img = _heading_beside_acknowledgment()
    words = [w for w in run_tesseract(img, dpi=300) if w.conf >= 0]
    # what the page's read made of the receipt line when merged with the heading's
    receipt = [w for w in words if w.left > 1500 and 170 <= w.top <= 200]
    assert [w.text for w in receipt][:2] == ["Reçu", "en"]
    garbled = [
        OcrWord("aan", w.left, w.top, w.width, w.height, 17.0, w.block, w.par, w.line)
        if w.text == "Reçu"
        else w
        for w in words
        if not (w in receipt and w.text == "en")
    ]
    missing = acknowledgment_missing(ocr_text(garbled))
    assert "prefecture_receipt_date" in missing
    out = _reread_acknowledgment(img, garbled, 300 / 72, 300, missing, DEFAULT_LIMITS)
    assert acknowledgment_missing(ocr_text(out)) == missing - {"prefecture_receipt_date"}
    # the heading beside the block is left as read
    assert "Pellerin" in [w.text for w in out]


def test_a_lone_stroke_in_a_count_field_is_read_as_one() -> None:
    """A handwritten or italic "1" is one slanted stroke, which tesseract reads as
    nothing; in a count's field, alone and as tall as the label, it is a 1."""
    from PIL import ImageDraw, ImageFont

    from extractors.fields import COUNT_LABELS
    from extractors.limits import DEFAULT_LIMITS
    from extractors.scan import _read_label_values

    sans = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 42)
    targets = [(label, "0123456789") for label in sorted(COUNT_LABELS, key=len, reverse=True)]

    def field(mark: tuple[int, int, int, int] | None) -> list[str]:
        img = Image.new("L", (2000, 300), 235)
        d = ImageDraw.Draw(img)
        d.text((80, 100), "Nombre d'écoles :", fill=30, font=sans)
        if mark is not None:
            d.line(mark, fill=30, width=6)
        words = [w for w in run_tesseract(img, dpi=300) if w.conf >= 0 and w.left < 540]
        out = _read_label_values(img, words, 300 / 72, 300, targets, DEFAULT_LIMITS)
        return [w.text for w in out if w.left >= 540]

    assert field((588, 98, 578, 140)) == ["1"]  # slanted, as tall as the label
    assert field(None) == []
    assert field((560, 120, 640, 124)) == []  # a dash is not a 1
    assert field((588, 128, 586, 134)) == []  # a speck is not either


def test_the_values_read_again_go_to_tesseract_together(monkeypatch: pytest.MonkeyPatch) -> None:
    import extractors.scan as scan_mod
    from extractors.fields import COUNT_LABELS
    from extractors.limits import DEFAULT_LIMITS
    from extractors.ocr import OcrWord

    img = _form_lines([("Nombre d'écoles", "3"), ("Nombre de comptes élèves", "245")])
    words = run_tesseract(img, dpi=300)
    # the page's OCR read neither count
    garbled = [
        OcrWord("&", w.left, w.top, w.width, w.height, 20.0, w.block, w.par, w.line)
        if w.text in ("3", "245")
        else w
        for w in words
    ]
    calls: list[int] = []
    real = scan_mod.run_tesseract_many

    def spy(images: list[object], **kwargs: object) -> list[list[OcrWord]]:
        calls.append(len(images))
        return real(images, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scan_mod, "run_tesseract_many", spy)
    targets = [(label, "0123456789") for label in sorted(COUNT_LABELS, key=len, reverse=True)]
    out = scan_mod._read_label_values(img, garbled, 300 / 72, 300, targets, DEFAULT_LIMITS)
    texts = [w.text for w in out]
    assert "3" in texts and "245" in texts and "&" not in texts
    assert calls == [2]  # one tesseract start for both strips
