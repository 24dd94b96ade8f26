"""Every real-world and malformed PDF of ``../shared/pdf-samples`` through filing: each is
stored, comes out as a clearly flagged item (unreadable, or no piece of the campaign
recognised), and the batch goes on — never a crash, never a lost file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from config.campaign import load_campaign
from config.settings import DEFAULT_CAMPAIGN
from flows import filing
from storage import crud
from storage.db import connect, session
from storage.files import FileStore

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "pdf-samples"
CAMPAIGN = load_campaign(DEFAULT_CAMPAIGN)


def test_every_shared_pdf_is_kept_and_flagged(tmp_path: Path) -> None:
    if not SAMPLES.is_dir():
        pytest.fail(f"the shared PDF samples are expected at {SAMPLES} (../shared from the repo)")
    # The four real-world files over 400 KB (long, image-heavy) are read by the extraction
    # tests (tests/test_extract_realworld.py, at low resolution); here the rest, all the
    # malformed ones included, go through the whole filing, OCR at full resolution.
    files = sorted(
        p
        for p in [*SAMPLES.glob("*.pdf"), *SAMPLES.glob("malformed/*.pdf")]
        if p.stat().st_size <= 400_000
    )
    assert len(files) > 95
    engine = connect(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    f = filing.Filing.open(engine, FileStore(tmp_path / "files"), CAMPAIGN)
    mtime = dt.datetime(2022, 1, 3, tzinfo=dt.UTC)
    refs: list[str] = []
    for path in files:
        data = path.read_bytes()
        ref = f"{path.name}#{filing.sha256_of(data)}"
        refs.append(ref)
        reading = filing.read_file(data, path.name, CAMPAIGN)
        filing.file_scan(f, origin_ref=ref, data=data, name=path.name, mtime=mtime, reading=reading)
    with session(engine, readonly=True) as s:
        items = {i.origin_ref: i for i in crud.list_source_items(s, origin="scan")}
        assert set(items) == set(refs)  # nothing lost
        flagged = {fl.source_item_id for fl in crud.list_open_flags(s, origin="ingest")}
        for ref, item in items.items():
            assert item.status == "processed", ref
            assert f.store.verify(item.sha256), ref  # the original is kept, intact
            docs = crud.list_documents_for_item(s, item.id or 0)
            assert all(d.collectivity_id is None for d in docs), ref  # none is a convention
            if item.duplicate_of_id is None:
                assert item.id in flagged, f"{ref}: neither flagged nor filed"
