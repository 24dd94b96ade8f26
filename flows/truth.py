"""Load a sample corpus's ground truth into storage, as if every piece had been read
perfectly. It stands in for extraction where reading is not the point: the demo until
the ingestion flow reads the files itself, and benchmarks of the dossier rules and the
web app. Every stored document says so (``match_method = "truth"``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

from extractors.model import Document as ExtractedDocument
from extractors.model import FieldResult
from samples.model import FileTruth, Manifest
from sources.mail import parse_message
from storage import crud
from storage.files import FileStore

ACTOR = "system:truth-loader"


def _attachments(raw: bytes) -> dict[str, bytes]:
    """Every usable attachment of a message by name, those inside an attached message or
    ZIP file named ``outer/inner`` as in the truth (``sources.mail`` does the walking)."""
    return {a.name: a.data for a in parse_message(raw).usable}


def _extracted(file: FileTruth, attachment: str | None) -> list[ExtractedDocument]:
    return [
        ExtractedDocument(
            type=d.type,
            pages=list(d.pages),
            fields={k: FieldResult(v, 1.0) for k, v in d.values().items()},
            ocr=file.scanned,
            attachment=d.attachment,
        )
        for d in file.documents
        if d.attachment == attachment
    ]


def load_truth(
    session: Session,
    store: FileStore,
    manifest: Manifest,
    on_progress: Callable[[int, int], None] | None = None,
) -> set[int]:
    """Store every file of the corpus with its true documents, attached to the
    collectivity that sent it. Returns the ids of the collectivities touched.
    ``on_progress(done, total)`` follows along."""
    touched: set[int] = set()
    docs_by_file: dict[str, list[int]] = {}
    for n, (path, file) in enumerate(sorted(manifest.files.items()), 1):
        if on_progress:
            on_progress(n, len(manifest.files))
        raw = (manifest.out_dir / path).read_bytes()
        sha = store.put(raw)
        mtime = dt.datetime.fromisoformat(file.mtime)
        if crud.find_source_item(session, _origin(file), path):
            continue  # loaded already
        collectivity = crud.get_collectivity_by_code(session, file.collectivity or "")
        item = crud.add_source_item(
            session,
            sha256=sha,
            size=len(raw),
            origin=_origin(file),
            origin_ref=path,
            channel="email" if file.kind == "mail" else "registered_mail",
            actor=ACTOR,
            original_name=Path(path).name,
            sender=file.sender,
            subject=file.subject,
            received_at=dt.datetime.fromisoformat(file.delivered_at) if file.delivered_at else None,
            received_at_source="mail" if file.delivered_at else None,
            file_mtime=mtime,
        )
        groups: list[tuple[int, list[ExtractedDocument]]] = []
        if file.kind == "mail":
            for name, data in sorted(_attachments(raw).items()):
                docs = _extracted(file, name)
                if not docs:
                    continue
                child_sha = store.put(data)
                child = crud.add_source_item(
                    session,
                    sha256=child_sha,
                    size=len(data),
                    origin="attachment",
                    origin_ref=f"{path}/{name}",
                    channel="email",
                    actor=ACTOR,
                    parent_id=item.id,
                    original_name=name,
                )
                assert child.id is not None
                groups.append((child.id, docs))
        else:
            assert item.id is not None
            groups.append((item.id, _extracted(file, None)))
        original = docs_by_file.get(file.duplicate_of or "")
        ids: list[int] = []
        for item_id, docs in groups:
            for doc in docs:
                stored = crud.add_document(session, item_id, doc, actor=ACTOR)
                assert stored.id is not None
                if original and len(ids) < len(original):
                    crud.set_document_duplicate(session, stored, original[len(ids)], actor=ACTOR)
                ids.append(stored.id)
                if collectivity is not None:
                    crud.attach_document(
                        session, stored, collectivity.id, method="truth", score=1.0, actor=ACTOR
                    )
        docs_by_file[path] = ids
        if collectivity is not None and collectivity.id is not None:
            touched.add(collectivity.id)
    return touched


def _origin(file: FileTruth) -> str:
    return "eml" if file.kind == "mail" else "scan"
