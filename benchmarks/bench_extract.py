"""Extraction benchmark: speed and accuracy.

    .venv/bin/python benchmarks/bench_extract.py [--corpus DIR] [--count N] [--seed S]
                                                 [--no-speed] [--no-accuracy] [-v]

Speed: pages/s of text-layer pages and of scanned (OCR) pages, and the ratio of the
pipeline's seconds per scanned page to a plain ``tesseract page.png out -l fra`` on the
same page in the same run (target <= 1.3), with one thread (``OMP_THREAD_LIMIT=1``, as
the pipeline runs it) and with tesseract left alone. With the accuracy part, the same
ratio on the corpus's own first scanned pages (stamps, forms, signatures: the work beyond
one tesseract pass is there).

Accuracy: over the sample generator's corpus (``samples.generate``; made in a temporary
directory unless ``--corpus`` names one): page types, each field per document type, split
by digital and scanned files, and the two hard rules: never ``signed: true`` on an
unsigned convention, never an ``act_id`` on a délibération without one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.calibration import Calibration
from extractors import extract_file, extract_files
from extractors.model import Document, parse_field_value

# --------------------------------------------------------------------------- speed


def _text_pdf(pages: int) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    words = [
        "Vu",
        "le",
        "code",
        "général",
        "des",
        "collectivités",
        "territoriales",
        "le",
        "groupement",
        "de",
        "commandes",
        "passera",
        "un",
        "marché",
        "public",
        "dont",
        "la",
        "finalité",
        "sera",
        "de",
        "mettre",
        "à",
        "disposition",
        "des",
        "écoles",
    ]
    for p in range(pages):
        c.setFont("Times-Roman", 10)
        for i in range(60):
            line = " ".join(words[(i + p + k) % len(words)] for k in range(14))
            c.drawString(60, 800 - i * 12.5, line)
        c.showPage()
    c.save()
    return buf.getvalue()


def _scan_page_png(out: Path) -> Path:
    """A realistic scanned page: a text PDF rendered at 300 dpi, slightly rotated, grey."""
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument(_text_pdf(1))
    img = pdf[0].render(scale=300 / 72).to_pil().convert("L")
    pdf.close()
    img = img.rotate(-1.2, resample=Image.Resampling.BILINEAR, fillcolor=255)
    path = out / "page.png"
    img.save(path, dpi=(300, 300))
    return path


def _plain_tesseract(png: Path, tmp: Path, env: dict[str, str]) -> float:
    """Seconds of a plain ``tesseract page.png out -l fra``."""
    t0 = time.perf_counter()
    subprocess.run(
        ["tesseract", str(png), str(tmp / "out"), "-l", "fra"],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t0


def speed(tmp: Path) -> dict[str, float]:
    res: dict[str, float] = {}
    data = _text_pdf(50)
    extract_file(data, filename="warm.pdf")
    t = time.perf_counter()
    docs = extract_file(data, filename="text.pdf")
    el = time.perf_counter() - t
    pages = sum(len(d.pages) for d in docs)
    res["text_pages_per_s"] = pages / el
    print(f"text-layer pages: {pages} in {el:.2f} s = {pages / el:.0f} pages/s")

    png = _scan_page_png(tmp)
    png_bytes = png.read_bytes()
    env1 = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    runs = 3

    def plain(env: dict[str, str]) -> float:
        return _plain_tesseract(png, tmp, env)

    import extractors.ocr as ocr_mod
    import extractors.scan as scan_mod

    in_tesseract = [0.0]
    real_run = ocr_mod.run_tesseract

    def timed_run(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return real_run(*args, **kwargs)
        finally:
            in_tesseract[0] += time.perf_counter() - t0

    def ours() -> tuple[float, float]:
        in_tesseract[0] = 0.0
        scan_mod.run_tesseract = timed_run  # type: ignore[assignment]
        try:
            t0 = time.perf_counter()
            extract_file(png_bytes, filename="page.png", workers=1)
            return time.perf_counter() - t0, in_tesseract[0]
        finally:
            scan_mod.run_tesseract = real_run

    # interleaved, best of each: other load on the machine hits both alike
    samples = [(plain(env1), ours()) for _ in range(runs)]
    base1 = min(s[0] for s in samples)
    mine, mine_tess = min((s[1] for s in samples), key=lambda x: x[0])
    base_free = min(plain(dict(os.environ)) for _ in range(2))
    res["ocr_seconds_per_page"] = mine
    res["tesseract_1thread_s"] = base1
    res["tesseract_default_s"] = base_free
    res["ratio_vs_tesseract_1thread"] = mine / base1
    res["ratio_vs_tesseract_default"] = mine / base_free
    print(
        f"scanned page: pipeline {mine:.2f} s; plain tesseract {base1:.2f} s with "
        f"OMP_THREAD_LIMIT=1, {base_free:.2f} s left alone"
    )
    print(
        f"ratio pipeline / plain tesseract: {mine / base1:.2f} (same thread setting; "
        f"target <= 1.3), {mine / base_free:.2f} (tesseract left alone)"
    )
    res["pipeline_outside_tesseract_s"] = mine - mine_tess
    print(
        f"pipeline time outside tesseract (render, orientation, deskew, stamps, fields): "
        f"{mine - mine_tess:.2f} s of {mine:.2f} s"
    )

    # throughput of a multi-page scan with every core
    from PIL import Image

    frames = [Image.open(png).convert("L") for _ in range(2 * (os.cpu_count() or 1))]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))
    t = time.perf_counter()
    docs = extract_file(buf.getvalue(), filename="scan.tif")
    el = time.perf_counter() - t
    n = sum(len(d.pages) for d in docs)
    res["ocr_pages_per_s"] = n / el
    print(f"scanned pages, all cores: {n} in {el:.1f} s = {n / el:.2f} pages/s")
    return res


def corpus_speed(corpus: Path, tmp: Path, pages: int = 12) -> dict[str, float]:
    """The ratio on the corpus's own scanned pages (stamps, signatures, forms: the work
    beyond one tesseract pass is there), page by page: the pipeline on the page alone
    against a plain ``tesseract page.png out -l fra`` on the same page rendered at the
    pipeline's resolution."""
    from extractors.limits import DEFAULT_LIMITS
    from extractors.parsers import choose_parser
    from samples import Manifest

    manifest = Manifest.load(corpus)
    env1 = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    picked: list[tuple[str, int]] = []
    for rel, ft in sorted(manifest.files.items()):
        if ft.scanned and rel.endswith(".pdf") and not rel.startswith("mail/"):
            picked += [(rel, i) for i in range(min(2, ft.pages or 1))]
        if len(picked) >= pages:
            break
    mine = base = 0.0
    for rel, index in picked[:pages]:
        data = (corpus / rel).read_bytes()
        with choose_parser(data)(data) as parser:
            img = parser.page(index).render(DEFAULT_LIMITS.ocr_dpi).image.convert("L")
        png = tmp / "corpus-page.png"
        img.save(png, dpi=(DEFAULT_LIMITS.ocr_dpi,) * 2)
        one = png.read_bytes()  # the page alone through the pipeline, as an image file
        base += _plain_tesseract(png, tmp, env1)
        t1 = time.perf_counter()
        extract_file(one, filename="page.png", workers=1)
        mine += time.perf_counter() - t1
    n = len(picked[:pages])
    print(
        f"corpus scanned pages ({n}, stamps and signatures included): pipeline "
        f"{mine / n:.2f} s/page, plain tesseract {base / n:.2f} s/page, ratio {mine / base:.2f}"
    )
    return {"corpus_ratio": mine / base, "corpus_pipeline_s": mine / n}


# --------------------------------------------------------------------------- accuracy


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split()).upper()
    return value


def _match(truth: list[Any], found: list[Document]) -> dict[int, Document | None]:
    """Truth document index -> the found document covering its first page."""
    out: dict[int, Document | None] = {}
    for i, t in enumerate(truth):
        cands = [d for d in found if d.attachment == t.attachment and t.pages[0] in d.pages]
        if not cands and t.pages == []:
            cands = [d for d in found if d.attachment == t.attachment]
        out[i] = cands[0] if cands else None
    return out


def accuracy(corpus: Path, verbose: bool = False) -> dict[str, Any]:
    from config.campaign import load_campaign
    from config.settings import DEFAULT_CAMPAIGN
    from samples import Manifest

    campaign = load_campaign(DEFAULT_CAMPAIGN)
    manifest = Manifest.load(corpus)
    paths = [corpus / p for p in manifest.files]
    t = time.perf_counter()
    # the roster's names, as the nightly run passes them (OCR'd names' accents)
    from extractors import Gazetteer
    from storage.roster import parse_roster_csv, read_roster_file

    roster = corpus / "roster.csv"
    places = Gazetteer(r.name for r in parse_roster_csv(read_roster_file(roster))[0])
    results = extract_files(paths, places=places, **campaign.extraction_options())
    elapsed = time.perf_counter() - t
    print(f"\ncorpus: {len(paths)} files in {elapsed:.0f} s")

    stats: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    calibration = Calibration()
    violations: list[str] = []
    errors = 0
    for rel, res in zip(manifest.files, results, strict=True):
        ft = manifest.files[rel]
        group = "scanned" if ft.scanned else "digital"
        if res.error is not None:
            errors += 1
            print(f"  ERROR {rel}: {res.error.message_fr}")
        found = res.documents
        # page types
        truth_pages: dict[tuple[str | None, int], str] = {}
        for d in ft.documents:
            for p in d.pages:
                truth_pages[(d.attachment, p)] = d.type
        got_pages = {(d.attachment, p): d.type for d in found for p in d.pages}
        for key, typ in truth_pages.items():
            ok = got_pages.get(key) == typ
            stats[group]["page_type"][0] += ok
            stats[group]["page_type"][1] += 1
            if not ok and verbose:
                print(f"  page {rel} {key}: truth {typ}, got {got_pages.get(key)}")
        matched = _match(ft.documents, found)
        for i, td in enumerate(ft.documents):
            doc = matched[i]
            for name, raw in td.fields.items():
                want = parse_field_value(name, raw)
                got = doc.value(name) if doc is not None and doc.type == td.type else None
                if doc is not None and doc.type != td.type:
                    got = "<wrong type>"
                ok = _norm(got) == _norm(want)
                key = f"{td.type}.{name}"
                f = doc.fields.get(name) if doc is not None and doc.type == td.type else None
                calibration.add(
                    key,
                    ok,
                    f.confidence if f is not None else None,
                    campaign.confidence_threshold(td.type, name),
                )
                stats[group][key][0] += ok
                stats[group][key][1] += 1
                stats[group]["fields"][0] += ok
                stats[group]["fields"][1] += 1
                if not ok and verbose:
                    print(f"  field {rel} p{td.pages} {key}: truth {want!r}, got {got!r}")
                if name == "signed" and want is False and got is True:
                    violations.append(f"{rel}: signed=true on an unsigned convention")
                if name == "act_id" and want is None and got not in (None, "<wrong type>"):
                    violations.append(f"{rel}: act_id {got!r} on a délibération without one")
    print()
    for group in ("digital", "scanned"):
        if group not in stats:
            continue
        print(f"{group}:")
        for key in sorted(stats[group], key=lambda k: (k not in ("page_type", "fields"), k)):
            ok, n = stats[group][key]
            print(f"  {key:38} {ok:4}/{n:<4} {100 * ok / n:6.1f} %")
    calibration.print_table()
    print(f"files with an extraction error: {errors}")
    print(f"hard-rule violations: {len(violations)}")
    for v in violations:
        print("  " + v)
    return {"stats": stats, "violations": violations, "seconds": elapsed}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, help="an existing corpus (truth.json) to score")
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-accuracy", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmpd:
        tmp = Path(tmpd)
        if not args.no_speed:
            speed(tmp)
        if not args.no_accuracy:
            corpus = args.corpus
            if corpus is None:
                try:
                    from samples import generate
                except ImportError:
                    print("samples.generate is not available: accuracy skipped")
                    return 0
                corpus = tmp / "corpus"
                t = time.perf_counter()
                generate(corpus, seed=args.seed, count=args.count)
                print(f"\ngenerated {args.count} dossiers in {time.perf_counter() - t:.0f} s")
            if not args.no_speed:
                corpus_speed(corpus, tmp)
            accuracy(corpus, verbose=args.verbose)
    print(f"done {dt.datetime.now():%H:%M:%S}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
