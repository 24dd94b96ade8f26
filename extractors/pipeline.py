"""Public entry points: ``extract_file`` (bytes of one PDF or image) and ``extract_files``
(a batch of paths, all cores).

Pages are processed by a pool of threads: PDFium calls are serialized by a lock, OCR runs
in tesseract subprocesses (one thread each), and at most ``PAGE_SLOTS`` page images exist
at any time across all threads, so a 300-page scan is rendered, OCR'd and dropped page by
page.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from extractors import fields as F
from extractors import pdfsig
from extractors.classify import Split, split_pages
from extractors.errors import ExtractionError
from extractors.limits import DEFAULT_LIMITS, Limits
from extractors.model import Document
from extractors.names import Gazetteer, restore_person, restore_place
from extractors.pages import Page
from extractors.parsers import Parser, choose_parser
from extractors.scan import process_page
from extractors.signature import DEFAULT_LABELS

log = logging.getLogger(__name__)

CPUS = os.cpu_count() or 1
# label wordings per piece and field: {"needs_form": {"schools": ["Nb d'écoles"]}}
Vocabulary = Mapping[str, Mapping[str, Sequence[str]]]
# page images alive at once, over every file and thread of the process
PAGE_SLOTS = threading.BoundedSemaphore(CPUS + 1)


def _labels(signatory_labels: Mapping[str, str] | None) -> dict[str, str]:
    return {**DEFAULT_LABELS, **(signatory_labels or {})}


def _one_page(parser: Parser, index: int, limits: Limits, labels: Mapping[str, str]) -> Page:
    with PAGE_SLOTS:
        source = parser.page(index)
        return process_page(source, limits, labels)


def read_pages(
    parser: Parser,
    limits: Limits,
    labels: Mapping[str, str],
    workers: int | None = None,
) -> list[Page]:
    """Every page of an open file, in order (OCR in parallel, bounded memory)."""
    n = parser.page_count()
    workers = max(1, min(workers or CPUS, n))
    pages: list[Page | None] = [None] * n
    errors: list[ExtractionError] = []

    def done(i: int, fut: Future[Page]) -> None:
        try:
            pages[i] = fut.result()
        except ExtractionError as exc:
            log.warning("page %d unreadable: %s", i + 1, exc.message_fr)
            errors.append(exc)
        except Exception as exc:  # a broken page must not lose the others
            log.exception("page %d failed", i + 1)
            errors.append(
                ExtractionError(
                    f"La page {i + 1} n'a pas pu être lue ({type(exc).__name__}).", "corrupt"
                )
            )

    if workers == 1:
        for i in range(n):
            fut: Future[Page] = Future()
            try:
                fut.set_result(_one_page(parser, i, limits, labels))
            except BaseException as exc:
                fut.set_exception(exc)
            done(i, fut)
    else:
        window: deque[tuple[int, Future[Page]]] = deque()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="page") as pool:
            for i in range(n):
                window.append((i, pool.submit(_one_page, parser, i, limits, labels)))
                if len(window) >= 2 * workers:
                    j, f = window.popleft()
                    done(j, f)
            while window:
                j, f = window.popleft()
                done(j, f)
    if all(p is None for p in pages):
        raise errors[0] if errors else ExtractionError("Aucune page lisible.", "corrupt")
    out: list[Page] = []
    for i, p in enumerate(pages):
        out.append(p if p is not None else Page(number=i + 1, width=595.0, height=842.0, text=""))
    return out


def build_document(
    split: Split,
    labels: Mapping[str, str],
    attachment: str | None = None,
    places: Gazetteer | None = None,
    digital: Sequence[pdfsig.DigitalSignature] = (),
    pdf: bytes | None = None,
    vocabulary: Vocabulary | None = None,
) -> Document:
    """``digital``: the file's PDF signatures (``pdfsig.read_signatures``); ``pdf``: the
    file's bytes when it is a PDF (its ruled tables, by pdfplumber); ``vocabulary``: label
    wordings per piece and field (the campaign's), added to the readers' own."""
    vocab = vocabulary or {}
    pages = split.pages
    doc = Document(
        type=split.type,
        pages=[p.number for p in pages],
        ocr=any(p.ocr for p in pages),
        attachment=attachment,
    )
    try:
        if split.type == "convention":
            doc.fields.update(
                F.convention_fields(pages, labels, vocabulary=vocab.get("convention"))
            )
            sig = pdfsig.signed_field(digital, pages) if digital else None
            if sig is not None:  # a PDF signature outweighs the look of the page
                doc.fields["signed"] = sig
        elif split.type == "deliberation":
            doc.fields.update(F.deliberation_fields(pages, vocabulary=vocab.get("deliberation")))
        elif split.type == "needs_form":
            doc.fields.update(F.needs_fields(pages, vocab.get("needs_form"), pdf=pdf))
        stamp = F.arrival_stamp(pages[0], pages[1:])
        if stamp is not None:
            doc.fields["arrival_stamp_date"] = stamp
        if doc.ocr:
            _restore_names(doc, places)
    except Exception:  # a field reader's bug must not lose the document
        log.exception("field extraction failed on pages %s", doc.pages)
    return doc


def _restore_names(doc: Document, places: Gazetteer | None) -> None:
    """OCR'd names get the accents and hyphens of their known spelling back."""
    for name, restore in (
        ("collectivity", lambda v: restore_place(v, places)),
        ("signatory_name", restore_person),
    ):
        f = doc.fields.get(name)
        if f is not None and isinstance(f.value, str):
            mended = restore(f.value)
            if mended != f.value:
                doc.fields[name] = replace(f, value=mended)


def extract_file(
    data: bytes,
    *,
    filename: str,
    keywords: dict[str, list[str]] | None = None,
    signatory_labels: dict[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    workers: int | None = None,
    attachment: str | None = None,
    places: Gazetteer | None = None,
    vocabulary: Vocabulary | None = None,
) -> list[Document]:
    """Documents found in one file (PDF or image, recognised by content, not by
    ``filename``, which is only used in logs). ``places``: known spellings of place names
    (the roster), to give OCR'd collectivity names their accents back. Raises
    ``ExtractionError`` for files that cannot be read."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ExtractionError("Le contenu du fichier est invalide.", "not_supported")
    data = bytes(data)
    if len(data) > limits.max_bytes:
        raise ExtractionError(
            f"Le fichier dépasse la taille maximale de {limits.max_bytes // (1024 * 1024)} Mo.",
            "too_large",
        )
    parser_cls = choose_parser(data)
    labels = _labels(signatory_labels)
    log.debug("extracting %s as %s", filename, parser_cls.kind)
    parser = parser_cls(data, limits)
    try:
        pages = read_pages(parser, limits, labels, workers)
        splits = split_pages(pages, keywords)
        digital = pdfsig.read_signatures(data) if parser_cls.kind == "pdf" else []
        pdf = data if parser_cls.kind == "pdf" else None
        return [
            build_document(s, labels, attachment, places, digital, pdf, vocabulary) for s in splits
        ]
    finally:
        parser.close()


@dataclass
class FileExtraction:
    path: Path
    documents: list[Document]
    error: ExtractionError | None = None


def extract_files(
    paths: Iterable[str | os.PathLike[str]],
    workers: int | None = CPUS,
    *,
    keywords: dict[str, list[str]] | None = None,
    signatory_labels: dict[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    places: Gazetteer | None = None,
    vocabulary: Vocabulary | None = None,
) -> list[FileExtraction]:
    """Extract many files with every core; results in the order of ``paths``. E-mails
    (``.eml`` content) are read with ``extract_message``."""
    from extractors.message import extract_message, looks_like_message

    todo: Sequence[Path] = [Path(p) for p in paths]
    workers = max(1, workers or CPUS)

    def one(path: Path) -> FileExtraction:
        try:
            size = path.stat().st_size
            if size > limits.max_bytes:
                raise ExtractionError(
                    f"Le fichier dépasse la taille maximale de "
                    f"{limits.max_bytes // (1024 * 1024)} Mo.",
                    "too_large",
                )
            data = path.read_bytes()
            if looks_like_message(data):
                docs = extract_message(
                    data,
                    keywords=keywords,
                    signatory_labels=signatory_labels,
                    limits=limits,
                    places=places,
                    vocabulary=vocabulary,
                )
            else:
                docs = extract_file(
                    data,
                    filename=path.name,
                    keywords=keywords,
                    signatory_labels=signatory_labels,
                    limits=limits,
                    workers=workers,
                    places=places,
                    vocabulary=vocabulary,
                )
            return FileExtraction(path, docs)
        except ExtractionError as exc:
            return FileExtraction(path, [], exc)
        except OSError as exc:
            return FileExtraction(
                path,
                [],
                ExtractionError(f"Le fichier n'a pas pu être ouvert ({exc.strerror}).", "corrupt"),
            )

    if workers == 1 or len(todo) <= 1:
        return [one(p) for p in todo]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="file") as pool:
        return list(pool.map(one, todo))
