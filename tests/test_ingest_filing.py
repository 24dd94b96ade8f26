"""Filing source items (no Prefect): one transaction per item, matching, duplicates,
bad input flagged and kept, failures recorded for the next run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from config.campaign import load_campaign
from config.settings import DEFAULT_CAMPAIGN
from flows import filing
from samples import Manifest, generate
from sources import parse_message
from storage import crud
from storage.db import connect, session
from storage.files import FileStore
from storage.roster import import_roster_files

CAMPAIGN = load_campaign(DEFAULT_CAMPAIGN)
MTIME = dt.datetime(2022, 1, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(
        tmp_path_factory.mktemp("corpus"),
        scans=False,
        scenarios=["complete_on_time", "ecollectivites_email", "deliberation_without_ack"],
    )


@pytest.fixture
def filer(corpus: Manifest, db_url: str, tmp_path: Path) -> filing.Filing:
    engine = connect(db_url)
    with session(engine) as s:
        import_roster_files(s, [corpus.roster_path], actor="test")
    return filing.Filing.open(engine, FileStore(tmp_path / "files"), CAMPAIGN)


def _file(f: filing.Filing, corpus: Manifest, rel: str) -> filing.Filed:
    data = (corpus.out_dir / rel).read_bytes()
    return filing.file_scan(
        f,
        origin_ref=f"sha256:{filing.sha256_of(data)}",
        data=data,
        name=Path(rel).name,
        mtime=MTIME,
        reading=filing.read_file(data, Path(rel).name, CAMPAIGN),
    )


def test_a_scanned_envelope_is_filed_once_in_its_dossier(
    filer: filing.Filing, corpus: Manifest
) -> None:
    code = corpus.scenarios()["complete_on_time"][0]
    files = [f for f in corpus.files_of(code) if f.kind != "mail"]
    outcomes = [_file(filer, corpus, f.path) for f in files]
    assert all(o.status == "filed" for o in outcomes)
    with session(filer.engine, readonly=True) as s:
        coll = crud.get_collectivity_by_code(s, code)
        assert coll is not None and coll.id is not None
        cid = coll.id
        docs = crud.list_documents(s, cid)
        assert {d.doc_type for d in docs} >= {"convention", "deliberation", "needs_form"}
        assert all(d.match_method for d in docs)
        n_items = len(crud.list_source_items(s, origin="scan"))
    # Filing the same bytes again changes nothing.
    again = [_file(filer, corpus, f.path) for f in files]
    assert all(o.status == "already" for o in again)
    with session(filer.engine, readonly=True) as s:
        assert len(crud.list_source_items(s, origin="scan")) == n_items
        assert len(crud.list_documents(s, cid)) == len(docs)


def test_a_mail_is_filed_with_its_attachments(filer: filing.Filing, corpus: Manifest) -> None:
    code = corpus.scenarios()["ecollectivites_email"][0]
    mail = next(f for f in corpus.files_of(code) if f.kind == "mail")
    raw = (corpus.out_dir / mail.path).read_bytes()
    parsed = parse_message(raw)
    readings = {
        a.name: filing.read_file(a.data, a.name, CAMPAIGN, attachment=a.name) for a in parsed.usable
    }
    received = dt.datetime.fromisoformat(mail.delivered_at or "2022-01-05T10:00:00+01:00")
    out = filing.file_message(
        filer,
        origin="eml",
        origin_ref=f"sha256:{filing.sha256_of(raw)}",
        raw=raw,
        parsed=parsed,
        received_at=received,
        readings=readings,
    )
    assert out.status == "filed" and out.documents >= 1 and out.collectivity_ids
    with session(filer.engine, readonly=True) as s:
        item = crud.get_source_item(s, out.item_id or 0)
        assert item is not None and item.channel == "email" and item.received_at == received
        children = crud.list_source_items(s, parent_id=item.id)
        assert children and all(c.origin == "attachment" for c in children)


def test_bad_input_is_kept_and_flagged(filer: filing.Filing) -> None:
    for data, name in [(b"", "vide.pdf"), (b"<html>hello</html>", "page.pdf")]:
        reading = filing.read_file(data, name, CAMPAIGN)
        assert reading.problem  # a French reason
        out = filing.file_scan(
            filer,
            origin_ref=f"sha256:{filing.sha256_of(data)}",
            data=data,
            name=name,
            mtime=MTIME,
            reading=reading,
        )
        assert out.status == "filed" and out.flags == 1
        assert filer.store.read(filing.sha256_of(data)) == data  # the original is kept
    with session(filer.engine, readonly=True) as s:
        flags = crud.list_open_flags(s, code="unreadable_file")
        assert len(flags) == 2 and all("illisible" in fl.message for fl in flags)


def test_a_failure_is_recorded_then_retried(filer: filing.Filing, corpus: Manifest) -> None:
    rel = next(p for p, f in corpus.files.items() if f.kind == "digital" or f.kind == "scan")
    data = (corpus.out_dir / rel).read_bytes()
    ref = f"sha256:{filing.sha256_of(data)}"
    failed = filing.record_failure(
        filer,
        origin="scan",
        origin_ref=ref,
        data=data,
        name="x.pdf",
        error="boom",
        channel="registered_mail",
        mtime=MTIME,
    )
    assert failed.status == "failed"
    with session(filer.engine, readonly=True) as s:
        assert [fl.code for fl in crud.list_open_flags(s, source_item_id=failed.item_id)] == [
            "processing_failed"
        ]
    retried = _file(filer, corpus, rel)
    assert retried.status == "filed" and retried.item_id == failed.item_id
    with session(filer.engine, readonly=True) as s:
        item = crud.get_source_item(s, failed.item_id or 0)
        assert item is not None and item.status == "processed"
        assert not crud.list_open_flags(s, source_item_id=failed.item_id, code="processing_failed")


def test_an_unsure_field_goes_to_triage_with_its_box_until_a_person_confirms_it(
    filer: filing.Filing, corpus: Manifest
) -> None:
    """Real PDFs read by the real extraction; a campaign that wants the school count
    read at 0.99 or better sends this form's count (read at 0.95 on a digital PDF) to a
    person: the dossier is not complete, the flag names the field and its page, the
    evidence box is there, and confirming the value closes the flag."""
    from dashboard.views import field_changes
    from flows.dossiers import reevaluate_one
    from flows.triage import triage_queue
    from rules.flags import uncertain_code

    strict = CAMPAIGN.model_copy(
        update={
            "confidence": CAMPAIGN.confidence.model_copy(
                update={"fields": {"needs_form.schools": 0.99}}
            )
        }
    )
    code = corpus.scenarios()["complete_on_time"][0]
    for f in corpus.files_of(code):
        if f.kind != "mail":
            _file(filer, corpus, f.path)
    with session(filer.engine) as s:
        coll = crud.get_collectivity_by_code(s, code)
        assert coll is not None and coll.id is not None
        base = reevaluate_one(s, CAMPAIGN, coll, actor="system:test")
        assert "needs_form" not in base.missing and base.schools is not None
        ev = reevaluate_one(s, strict, coll, actor="system:test")
        assert ev.status != "complete" and "needs_form" in ev.missing
        assert ev.schools is None  # an unsure count is not the dossier's figure
        (flag,) = crud.list_open_flags(s, collectivity_id=coll.id, code=uncertain_code("schools"))
        assert flag.message.startswith("Nombre d'écoles illisible ou incertain")
        assert "page " in flag.message and "à vérifier" in flag.message
        doc = crud.get_document(s, flag.document_id or 0)
        assert doc is not None and doc.doc_type == "needs_form"
        evidence = doc.fields["schools"]["evidence"]
        assert evidence["page"] >= 1 and len(evidence["box"]) == 4
        (row,) = [r for r in triage_queue(s, strict) if r["flag_id"] == flag.id]
        assert (
            row["field"] == "schools" and row["reason_fr"] == "Champ à vérifier : nombre d'écoles"
        )
        # Staff tick "confirmed" beside the value as read (the web form's inputs).
        form = {"f_schools": str(doc.value("schools")), "ok_schools": "1"}
        changes = field_changes(doc, form)
        assert changes == {"schools": doc.value("schools")}
        assert field_changes(doc, {"f_schools": str(doc.value("schools"))}) == {}
        crud.update_document_fields(s, doc, changes, actor="agent.dane")
        assert doc.confidence("schools") == 1.0
        assert doc.fields["schools"]["evidence"] == evidence  # where it was read is kept
        ev = reevaluate_one(s, strict, coll, actor="system:test")
        assert "needs_form" not in ev.missing and ev.schools == doc.value("schools")
        assert ev.missing == base.missing and ev.status == base.status
        assert not crud.list_open_flags(s, collectivity_id=coll.id, code=uncertain_code("schools"))


def test_a_needs_form_mailed_as_a_spreadsheet_gives_the_dossier_its_numbers(
    filer: filing.Filing, corpus: Manifest
) -> None:
    """The e-collectivités route: a town hall mails its needs form in its own Excel
    workbook; it is read (not dropped as an office file) and settles the dossier."""
    import io
    from email.message import EmailMessage

    import openpyxl

    from flows.dossiers import reevaluate_one

    code = corpus.scenarios()["ecollectivites_email"][0]
    with session(filer.engine, readonly=True) as s:
        coll = crud.get_collectivity_by_code(s, code)
        assert coll is not None
        name = coll.name
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in [
        ["Annexe 2 : fiche d'expression des besoins"],
        ["Nom de la collectivité", name],
        ["Nombre d'écoles", 4],
        ["Nombre de comptes élèves", 530],
    ]:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    msg = EmailMessage()
    msg["From"] = "secretariat@mairie.example.fr"
    msg["To"] = "dane@ac-nantes.fr"
    msg["Subject"] = "Fiche de besoins ENT"
    msg["Date"] = "Wed, 05 Jan 2022 10:00:00 +0100"
    msg.set_content("Bonjour, ci-joint notre fiche de besoins.")
    msg.add_attachment(
        out.getvalue(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="besoins ENT.xlsx",
    )
    raw = msg.as_bytes()
    parsed = parse_message(raw)
    assert [a.name for a in parsed.usable] == ["besoins ENT.xlsx"]
    readings = {
        a.name: filing.read_file(a.data, a.name, CAMPAIGN, attachment=a.name) for a in parsed.usable
    }
    filed = filing.file_message(
        filer,
        origin="eml",
        origin_ref=f"sha256:{filing.sha256_of(raw)}",
        raw=raw,
        parsed=parsed,
        received_at=dt.datetime(2022, 1, 5, 9, 0, tzinfo=dt.UTC),
        readings=readings,
    )
    assert filed.status == "filed" and filed.documents == 1
    with session(filer.engine) as s:
        coll = crud.get_collectivity_by_code(s, code)
        assert coll is not None and coll.id in filed.collectivity_ids
        ev = reevaluate_one(s, CAMPAIGN, coll, actor="system:test")
        assert (ev.status, ev.missing, ev.schools, ev.student_accounts) == ("complete", [], 4, 530)
