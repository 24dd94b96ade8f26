"""CRUD functions and their audit entries, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from extractors.model import Document as Extracted
from extractors.model import Evidence, FieldResult
from rules.model import DossierFlag, Evaluation
from storage import audit, crud
from storage.db import session
from storage.models import Collectivity, SourceItem

PARIS = ZoneInfo("Europe/Paris")
SHA_A = "a" * 64
SHA_B = "b" * 64


def _nantes(s: object) -> Collectivity:
    row, status = crud.upsert_collectivity(
        s,  # type: ignore[arg-type]
        {
            "code": "44109",
            "name": "Nantes",
            "department": "44",
            "kind": "commune",
            "siren": "214401093",
        },
        actor="system:test",
    )
    assert status == "created"
    return row


def _mail(s: object, ref: str = "INBOX:1:10", sha: str = SHA_A) -> SourceItem:
    return crud.add_source_item(
        s,  # type: ignore[arg-type]
        sha256=sha,
        size=1234,
        origin="imap",
        origin_ref=ref,
        channel="email",
        sender="mairie@nantes.fr",
        subject="Convention e-primo",
        received_at=dt.datetime(2022, 1, 14, 9, 30, tzinfo=PARIS),
        received_at_source="mail",
        actor="system:ingest",
    )


def _convention() -> Extracted:
    return Extracted(
        type="convention",
        pages=[1, 2, 3],
        fields={
            "collectivity": FieldResult("Ville de Nantes", 0.92, Evidence(1, (10, 20, 200, 40))),
            "signature_date": FieldResult(dt.date(2022, 1, 10), 0.8, Evidence(3, None, "10/01")),
            "signed": FieldResult(True, 0.7),
        },
        ocr=True,
        attachment="convention.pdf",
    )


# ------------------------------------------------------------------ collectivities


def test_collectivity_upsert_and_audit(engine: Engine) -> None:
    with session(engine) as s:
        row = _nantes(s)
        same, status = crud.upsert_collectivity(
            s, {"code": "44109", "name": "Nantes"}, actor="system:test"
        )
        assert status == "unchanged" and same.id == row.id
        _, status = crud.upsert_collectivity(
            s, {"code": "44109", "email": "e-primo@nantes.fr"}, actor="alice"
        )
        assert status == "updated"
    with session(engine, readonly=True) as s:
        got = crud.get_collectivity_by_code(s, "44109")
        assert got is not None and got.email == "e-primo@nantes.fr"
        assert crud.get_collectivity_by_siren(s, "214401093") == got
        assert crud.get_collectivity_by_code(s, "99999") is None
        assert [c.code for c in crud.list_collectivities(s, department="44")] == ["44109"]
        log = audit.entries(s, entity="collectivity", entity_id=got.id)
        assert [(e.action, e.actor) for e in log] == [
            ("create", "system:test"),
            ("update", "alice"),
        ]
        assert log[0].after is not None and log[0].after["siren"] == "214401093"
        assert log[1].before == {"email": None}
        assert log[1].after == {"email": "e-primo@nantes.fr"}
        assert log[1].at.tzinfo == dt.UTC
        ref = got.to_ref()
        assert (ref.code, ref.siren, ref.kind) == ("44109", "214401093", "commune")
        assert ref.roster_flags == {"ecollectivites": False}


def test_ambiguous_siren_and_bad_values(engine: Engine) -> None:
    with session(engine) as s:
        for code in ("44109", "44110"):
            crud.upsert_collectivity(
                s,
                {
                    "code": code,
                    "name": code,
                    "department": "44",
                    "kind": "commune",
                    "siren": "214401093",
                },
                actor="system:test",
            )
        with pytest.raises(crud.AmbiguousError, match="plusieurs collectivités"):
            crud.get_collectivity_by_siren(s, "214401093")
        bad = [
            ({"code": "1", "name": "X", "department": "44", "kind": "ville"}, "type"),
            (
                {"code": "2", "name": "X", "department": "44", "kind": "epci", "siren": "12"},
                "SIREN",
            ),
            (
                {"code": "3", "name": "X", "department": "44", "kind": "epci", "mayor": "x"},
                "inconnus",
            ),
            ({"code": "4", "name": "X"}, "obligatoires manquants"),
            ({"name": "X"}, "code manquant"),
        ]
        for values, message in bad:
            with pytest.raises(crud.StorageError, match=message):
                crud.upsert_collectivity(s, values, actor="system:test")
        with pytest.raises(crud.StorageError, match="auteur"):
            crud.upsert_collectivity(
                s, {"code": "5", "name": "X", "department": "44", "kind": "epci"}, actor=""
            )


# ------------------------------------------------------------------ source items


def test_source_items_add_find_duplicates(engine: Engine) -> None:
    with session(engine) as s:
        mail = _mail(s)
        attachment = crud.add_source_item(
            s,
            sha256=SHA_B,
            size=10,
            origin="attachment",
            origin_ref="INBOX:1:10/2",
            parent_id=mail.id,
            channel="email",
            original_name="../../etc/passwd",
            actor="system:ingest",
        )
        assert attachment.duplicate_of_id is None
        with pytest.raises(crud.AlreadyExistsError) as info:
            _mail(s)
        assert info.value.existing_id == mail.id
        again = _mail(s, ref="INBOX:1:11")  # the same bytes, another message
        assert again.duplicate_of_id == mail.id
        third = _mail(s, ref="INBOX:1:12")
        assert third.duplicate_of_id == mail.id  # points at the original, not a copy
        explicit = _mail(s, ref="INBOX:1:13", sha="c" * 64)
        assert explicit.duplicate_of_id is None
    with session(engine, readonly=True) as s:
        found = crud.find_source_item(s, "imap", "INBOX:1:10")
        assert found is not None and found.id == mail.id
        assert found.received_at == dt.datetime(2022, 1, 14, 8, 30, tzinfo=dt.UTC)
        assert [i.id for i in crud.find_source_items_by_sha256(s, SHA_A)] == [
            mail.id,
            again.id,
            third.id,
        ]
        assert [i.id for i in crud.list_source_items(s, parent_id=mail.id)] == [attachment.id]
        assert len(crud.list_source_items(s, status="pending")) == 5
        child = crud.get_source_item(s, attachment.id)  # type: ignore[arg-type]
        assert child is not None and child.original_name == "../../etc/passwd"  # metadata only
        assert [e.action for e in audit.entries(s, entity="source_item")] == ["create"] * 5


def test_source_item_validation(engine: Engine) -> None:
    base = {
        "sha256": SHA_A,
        "size": 1,
        "origin": "scan",
        "origin_ref": SHA_A,
        "channel": "registered_mail",
        "actor": "system:ingest",
    }
    cases = [
        ({"sha256": "../x"}, "SHA-256"),
        ({"origin": "fax"}, "origine invalide"),
        ({"channel": "pigeon"}, "canal invalide"),
        ({"size": -1}, "taille"),
        ({"origin": "attachment"}, "parent"),
        ({"origin_ref": "x" * 513}, "trop longue"),
        ({"received_at": dt.datetime(2022, 1, 1), "received_at_source": "mail"}, "fuseau"),
        ({"received_at": dt.datetime(2022, 1, 1, tzinfo=dt.UTC)}, "vont ensemble"),
        ({"parent_id": 42}, "parent introuvable"),
    ]
    with session(engine) as s:
        for change, message in cases:
            with pytest.raises(crud.StorageError, match=message):
                crud.add_source_item(s, **{**base, **change})  # type: ignore[arg-type]
        item = crud.add_source_item(
            s,
            **{**base, "origin": "eml", "channel": "email"},  # type: ignore[arg-type]
            original_name="x" * 5000,
            subject="Convention\x00e-primo",  # PostgreSQL refuses NUL in text
            sender="<a@b.fr>\x00",
        )
        crud.mark_failed(s, item, "octet \x00 inattendu", actor="system:ingest")
    with session(engine, readonly=True) as s:
        got = crud.get_source_item(s, item.id)  # type: ignore[arg-type]
        assert got is not None and got.original_name is not None
        assert len(got.original_name) == 1024
        assert got.subject == "Convention\ufffde-primo" and got.error == "octet \ufffd inattendu"


def test_mark_processed_failed_and_received_at(engine: Engine) -> None:
    with session(engine) as s:
        item = _mail(s)
        crud.mark_failed(s, item, "PDF chiffré", actor="system:ingest")
        crud.mark_failed(s, item, "PDF chiffré", actor="system:ingest")  # no change, no entry
        crud.mark_pending(s, item, actor="alice")
        crud.mark_processed(s, item, actor="system:ingest")
        stamp = dt.datetime(2022, 1, 13, 0, 0, tzinfo=PARIS)
        crud.set_received_at(s, item, stamp, "manual", actor="alice", comment="cachet lu")
        with pytest.raises(crud.StorageError):
            crud.set_received_at(s, item, dt.datetime(2022, 1, 13), "manual", actor="alice")
    with session(engine, readonly=True) as s:
        got = crud.get_source_item(s, item.id)  # type: ignore[arg-type]
        assert got is not None and got.status == "processed" and got.error is None
        assert got.received_at == stamp and got.received_at_source == "manual"
        log = audit.entries(s, entity="source_item", entity_id=item.id)
        assert [(e.action, e.actor) for e in log] == [
            ("create", "system:ingest"),
            ("mark_failed", "system:ingest"),
            ("mark_pending", "alice"),
            ("mark_processed", "system:ingest"),
            ("set_received_at", "alice"),
        ]
        assert log[1].after == {"status": "failed", "error": "PDF chiffré"}
        assert log[4].comment == "cachet lu"


# ------------------------------------------------------------------ documents


def test_documents_round_trip_update_and_attach(engine: Engine) -> None:
    with session(engine) as s:
        nantes = _nantes(s)
        item = _mail(s)
        extracted = _convention()
        doc = crud.add_document(s, item, extracted, actor="system:ingest")
        assert doc.fields == extracted.fields_json()
        assert crud.list_unattached_documents(s) == [doc]
        crud.attach_document(s, doc, nantes.id, method="siren", score=0.98, actor="system:match")
    with session(engine) as s:
        doc2 = crud.get_document(s, doc.id)  # type: ignore[arg-type]
        assert doc2 is not None
        assert doc2.to_extracted() == extracted
        assert doc2.value("signature_date") == dt.date(2022, 1, 10)
        assert doc2.values() == {
            "collectivity": "Ville de Nantes",
            "signature_date": dt.date(2022, 1, 10),
            "signed": True,
        }
        assert doc2.confidence("signed") == 0.7 and doc2.confidence("missing") is None
        assert doc2.value("signatory_name") is None
        assert crud.list_documents(s, nantes.id) == [doc2]  # type: ignore[arg-type]
        crud.update_document_fields(
            s,
            doc2,
            {"signature_date": "2022-01-11", "signatory_name": "Johanna Rolland"},
            actor="alice",
            comment="lu sur le scan",
        )
        crud.update_document_fields(s, doc2, {"signed": True}, actor="alice")  # 0.7 → 1.0
        crud.update_document_fields(s, doc2, {"signed": True}, actor="alice")  # no change
        with pytest.raises(crud.StorageError, match="inconnu"):
            crud.update_document_fields(s, doc2, {"schools": 3}, actor="alice")
        with pytest.raises(crud.StorageError, match="date invalide"):
            crud.update_document_fields(s, doc2, {"signature_date": "31/12/2021"}, actor="a")
        with pytest.raises(crud.StorageError, match="oui ou non"):
            crud.update_document_fields(s, doc2, {"signed": "oui"}, actor="alice")
        crud.attach_document(s, doc2, None, method=None, actor="alice", comment="erreur")
    with session(engine, readonly=True) as s:
        doc3 = crud.get_document(s, doc.id)  # type: ignore[arg-type]
        assert doc3 is not None and doc3.collectivity_id is None
        assert doc3.value("signature_date") == dt.date(2022, 1, 11)
        assert doc3.fields["signature_date"]["confidence"] == 1.0
        assert doc3.fields["signature_date"]["evidence"] == {
            "page": 3,
            "box": None,
            "raw": "10/01",
        }  # where the value was read is kept
        assert doc3.fields["signed"]["confidence"] == 1.0
        log = audit.entries(s, entity="document", entity_id=doc.id)
        assert [(e.action, e.actor) for e in log] == [
            ("create", "system:ingest"),
            ("attach", "system:match"),
            ("update_fields", "alice"),
            ("update_fields", "alice"),
            ("detach", "alice"),
        ]
        assert log[2].before is not None and log[2].before["signatory_name"] is None
        assert log[2].after is not None
        assert log[2].after["signature_date"]["value"] == "2022-01-11"


def test_add_document_validation(engine: Engine) -> None:
    with session(engine) as s:
        item = _mail(s)
        bad = [
            (Extracted(type="invoice", pages=[1]), "type de pièce"),
            (Extracted(type="convention", pages=[0]), "page"),
            (
                Extracted(type="convention", pages=[1], fields={"schools": FieldResult(2)}),
                "inconnu",
            ),
            (
                Extracted(type="needs_form", pages=[1], fields={"schools": FieldResult("deux")}),
                "entier",
            ),
        ]
        for extracted, message in bad:
            with pytest.raises(crud.StorageError, match=message):
                crud.add_document(s, item, extracted, actor="system:ingest")
        with pytest.raises(crud.NotFoundError):
            crud.add_document(s, 999, Extracted(type="other", pages=[1]), actor="x")
        other = crud.add_document(
            s,
            item,
            Extracted(
                type="other", pages=[1], fields={"arrival_stamp_date": FieldResult(dt.date.today())}
            ),
            actor="system:ingest",
        )
        copy = crud.add_document(s, item, Extracted(type="other", pages=[2]), actor="x")
        crud.set_document_duplicate(s, copy, other.id, actor="system:ingest")
        assert copy.duplicate_of_id == other.id
        with pytest.raises(crud.StorageError):
            crud.set_document_duplicate(s, copy, copy.id, actor="x")


def test_pieces_for_rules(engine: Engine) -> None:
    with session(engine) as s:
        nantes = _nantes(s)
        mail = _mail(s)
        pdf = crud.add_source_item(
            s,
            sha256=SHA_B,
            size=10,
            origin="attachment",
            origin_ref="INBOX:1:10/2",
            parent_id=mail.id,
            channel="email",
            actor="system:ingest",
        )
        scan = crud.add_source_item(
            s,
            sha256="c" * 64,
            size=10,
            origin="scan",
            origin_ref="c" * 64,
            channel="registered_mail",
            file_mtime=dt.datetime(2022, 1, 16, 8, 0, tzinfo=dt.UTC),
            actor="system:ingest",
        )
        crud.set_received_at(
            s, scan, dt.datetime(2022, 1, 14, 23, 30, tzinfo=dt.UTC), "manual", actor="alice"
        )
        d1 = crud.add_document(s, pdf, _convention(), actor="system:ingest")
        d2 = crud.add_document(
            s,
            scan,
            Extracted(type="needs_form", pages=[1], fields={"schools": FieldResult(12)}),
            actor="system:ingest",
        )
        for d in (d1, d2):
            crud.attach_document(s, d, nantes.id, method="name", actor="system:match")
        pieces = crud.pieces_for(s, nantes.id, PARIS)  # type: ignore[arg-type]
    by_type = {p.doc_type: p for p in pieces}
    conv, form = by_type["convention"], by_type["needs_form"]
    assert conv.channel == "email" and conv.document_id == d1.id
    assert conv.delivered_at == dt.datetime(2022, 1, 14, 8, 30, tzinfo=dt.UTC)  # the mail's
    assert conv.fields["signature_date"] == dt.date(2022, 1, 10) and not conv.duplicate
    assert form.channel == "registered_mail" and form.fields == {"schools": 12}
    assert form.manual_received_on == dt.date(2022, 1, 15)  # 23:30 UTC is the 15th in Paris
    assert form.file_mtime == dt.datetime(2022, 1, 16, 8, 0, tzinfo=dt.UTC)
    assert form.delivered_at is None


# ------------------------------------------------------------------ flags


def test_flags_open_dedupe_resolve(engine: Engine) -> None:
    with session(engine) as s:
        nantes = _nantes(s)
        f1 = crud.open_flag(
            s,
            code="signature_missing",
            message="La convention n'est pas signée.",
            origin="rules",
            collectivity_id=nantes.id,
            actor="system:rules",
        )
        f2 = crud.open_flag(
            s,
            code="signature_missing",
            message="(autre texte)",
            origin="rules",
            collectivity_id=nantes.id,
            actor="system:rules",
        )
        assert f2.id == f1.id
        other = crud.open_flag(
            s, code="unreadable", message="Illisible.", origin="ingest", actor="system:ingest"
        )
        assert other.id != f1.id
        assert [f.id for f in crud.list_open_flags(s)] == [f1.id, other.id]
        assert [f.id for f in crud.list_open_flags(s, collectivity_id=nantes.id)] == [f1.id]
        crud.resolve_flag(s, f1, by="alice", comment="Signature vue page 3.")
        with pytest.raises(crud.StorageError, match="déjà résolu"):
            crud.resolve_flag(s, f1, by="bob")
        assert [f.id for f in crud.list_open_flags(s)] == [other.id]
        f3 = crud.open_flag(  # resolved: the same flag can be opened again
            s,
            code="signature_missing",
            message="La convention n'est pas signée.",
            origin="rules",
            collectivity_id=nantes.id,
            actor="system:rules",
        )
        assert f3.id != f1.id
        with pytest.raises(crud.StorageError):
            crud.open_flag(s, code="x", message="y", origin="robot", actor="system:rules")
    with session(engine, readonly=True) as s:
        got = crud.get_flag(s, f1.id)  # type: ignore[arg-type]
        assert got is not None and not got.is_open and got.resolved_by == "alice"
        assert got.resolved_at is not None and got.resolved_at.tzinfo == dt.UTC
        log = audit.entries(s, entity="flag", entity_id=f1.id)
        assert [(e.action, e.actor, e.comment) for e in log] == [
            ("open", "system:rules", None),
            ("resolve", "alice", "Signature vue page 3."),
        ]


def test_sync_rule_flags(engine: Engine) -> None:
    late = DossierFlag("late", "Reçu après la date limite.")
    unsigned = DossierFlag("signature_missing", "Convention non signée.", document_id=None)
    with session(engine) as s:
        cid = _nantes(s).id
        assert cid is not None
        opened, resolved = crud.sync_rule_flags(s, cid, [late, unsigned])
        assert sorted(f.code for f in opened) == ["late", "signature_missing"] and not resolved
        opened, resolved = crud.sync_rule_flags(s, cid, [late, unsigned])
        assert opened == [] and resolved == []
        opened, resolved = crud.sync_rule_flags(s, cid, [late])
        assert opened == [] and [f.code for f in resolved] == ["signature_missing"]
        assert resolved[0].resolved_by == "system:rules"
        opened, _ = crud.sync_rule_flags(s, cid, [late, unsigned])  # raised again: reopened
        assert [f.code for f in opened] == ["signature_missing"]
        (late_flag,) = crud.list_open_flags(s, code="late")
        crud.resolve_flag(s, late_flag, by="alice", comment="Dépôt au guichet le 14.")
        opened, _ = crud.sync_rule_flags(s, cid, [late, unsigned])
        assert opened == []  # staff closed it by hand: not reopened
        assert [f.code for f in crud.list_open_flags(s, collectivity_id=cid)] == [
            "signature_missing"
        ]


# ------------------------------------------------------------------ dossier states


def test_save_evaluation_and_status_table(engine: Engine) -> None:
    with session(engine) as s:
        nantes = _nantes(s)
        crud.upsert_collectivity(
            s,
            {"code": "44001", "name": "Abbaretz", "department": "44", "kind": "commune"},
            actor="system:test",
        )
        crud.upsert_collectivity(
            s,
            {"code": "49007", "name": "Angers", "department": "49", "kind": "commune"},
            actor="system:test",
        )
        assert nantes.id is not None
        evaluation = Evaluation(
            route="standard",
            status="incomplete",
            missing=["deliberation"],
            received_on=dt.date(2022, 1, 14),
            late=False,
            schools=12,
            student_accounts=None,
            flags=[DossierFlag("late", "x"), DossierFlag("act_id_missing", "y")],
        )
        state = crud.save_evaluation(s, nantes.id, evaluation)
        first_time = state.evaluated_at
        again = crud.save_evaluation(s, nantes.id, evaluation)  # same verdict
        assert again.id == state.id and again.evaluated_at >= first_time
        evaluation.status, evaluation.missing = "complete", []
        crud.save_evaluation(s, nantes.id, evaluation)
        with pytest.raises(crud.NotFoundError):
            crud.save_evaluation(s, 999, evaluation)
    with session(engine, readonly=True) as s:
        got = crud.get_dossier_state(s, nantes.id)
        assert got is not None and got.status == "complete" and got.missing == []
        assert got.received_on == dt.date(2022, 1, 14)
        assert got.flag_codes == ["act_id_missing", "late"]
        log = audit.entries(s, entity="dossier_state", entity_id=got.id)
        assert [e.action for e in log] == ["create", "update"]  # the no-op left no entry
        assert log[1].before == {"missing": ["deliberation"], "status": "incomplete"}
        table = crud.list_dossiers(s)
        assert [(c.code, st.status if st else None) for c, st in table] == [
            ("44001", None),
            ("44109", "complete"),
            ("49007", None),
        ]
        assert [c.code for c, _ in crud.list_dossiers(s, status="missing")] == ["44001", "49007"]
        assert [c.code for c, _ in crud.list_dossiers(s, status="complete")] == ["44109"]
        assert [c.code for c, _ in crud.list_dossiers(s, department="49")] == ["49007"]


# ------------------------------------------------------------------ web app (dossier page)


def test_flags_and_audit_of_a_dossier(engine: Engine) -> None:
    with session(engine) as s:
        nantes = _nantes(s)
        other, _ = crud.upsert_collectivity(
            s,
            {"code": "44184", "name": "Saint-Nazaire", "department": "44", "kind": "commune"},
            actor="system:test",
        )
        item = _mail(s)
        doc = crud.add_document(s, item, _convention(), actor="system:ingest")
        crud.attach_document(s, doc, nantes.id, method="siren", actor="system:ingest")
        on_doc = crud.open_flag(
            s,
            code="convention_unsigned",
            message="Pas signée.",
            origin="rules",
            document_id=doc.id,
            actor="system:rules",
        )
        on_dossier = crud.open_flag(
            s,
            code="name_mismatch",
            message="Nom discordant.",
            origin="rules",
            collectivity_id=nantes.id,
            actor="system:rules",
        )
        elsewhere = crud.open_flag(
            s,
            code="x",
            message="Ailleurs.",
            origin="rules",
            collectivity_id=other.id,
            actor="system:rules",
        )
        crud.resolve_flag(s, on_doc, by="user:alice", comment="Vu.")
        flags = crud.list_flags_of_dossier(s, nantes.id)  # type: ignore[arg-type]
        assert [f.id for f in flags] == [on_dossier.id, on_doc.id]  # open first
        assert elsewhere.id not in [f.id for f in flags]
        crud.update_document_fields(s, doc, {"signed": False}, actor="user:alice")
        log = crud.dossier_audit(s, nantes.id, limit=50)  # type: ignore[arg-type]
        assert log[0].action == "update_fields" and log[0].actor == "user:alice"
        assert [e.id for e in log] == sorted((e.id for e in log), reverse=True)
        seen = {(e.entity, e.entity_id) for e in log}
        assert ("source_item", item.id) in seen and ("flag", on_doc.id) in seen
        assert ("collectivity", nantes.id) in seen and ("flag", elsewhere.id) not in seen
        assert len(crud.dossier_audit(s, nantes.id, limit=2)) == 2  # type: ignore[arg-type]


def test_record_paper_piece(engine: Engine) -> None:
    with session(engine) as s:
        nantes = _nantes(s)
        assert nantes.id is not None
        at = dt.datetime(2022, 1, 14, 12, 0, tzinfo=PARIS)
        doc = crud.record_paper_piece(
            s,
            nantes.id,
            "needs_form",
            at,
            sha256=SHA_B,
            size=10,
            origin_ref="web:1",
            actor="user:bob",
            fields={"schools": 3, "student_accounts": 120, "collectivity": None},
            note="reçue au guichet",
        )
        item = crud.get_source_item(s, doc.source_item_id)
        assert item is not None and item.origin == "manual" and item.status == "processed"
        assert item.received_at_source == "manual" and item.duplicate_of_id is None
        assert item.channel == "registered_mail" and "guichet" in (item.original_name or "")
        assert doc.collectivity_id == nantes.id and doc.match_method == "manual"
        assert doc.values() == {"schools": 3, "student_accounts": 120}
        pieces = crud.pieces_for(s, nantes.id, PARIS)
        assert pieces[0].manual_received_on == dt.date(2022, 1, 14)
        # the same record bytes again are not a duplicate of the first one
        again = crud.record_paper_piece(
            s,
            nantes.id,
            "convention",
            at,
            sha256=SHA_B,
            size=10,
            origin_ref="web:2",
            actor="user:bob",
        )
        again_item = crud.get_source_item(s, again.source_item_id)
        assert again_item is not None and again_item.duplicate_of_id is None
        assert again.fields == {}
        with pytest.raises(crud.StorageError, match="oui ou non"):
            crud.record_paper_piece(
                s,
                nantes.id,
                "convention",
                at,
                sha256=SHA_B,
                size=10,
                origin_ref="web:3",
                actor="user:bob",
                fields={"signed": "peut-être"},
            )
        with pytest.raises(crud.NotFoundError):
            crud.record_paper_piece(
                s, 999_999, "convention", at, sha256=SHA_B, size=1, origin_ref="web:4", actor="u"
            )
        actions = [e.action for e in audit.entries(s, entity="document", entity_id=doc.id)]
        assert actions == ["create", "attach"]


def test_search_collectivities(engine: Engine) -> None:
    with session(engine) as s:
        _nantes(s)
        crud.upsert_collectivity(
            s,
            {"code": "44184", "name": "Saint-Nazaire", "department": "44", "kind": "commune"},
            actor="system:test",
        )
        assert [c.code for c in crud.search_collectivities(s, "nazaire")] == ["44184"]
        assert [c.code for c in crud.search_collectivities(s, "441")] == ["44109", "44184"]
        assert [c.code for c in crud.search_collectivities(s, "2144")] == ["44109"]
        assert crud.search_collectivities(s, "  ") == []
        assert crud.search_collectivities(s, "%") == []
        assert crud.search_collectivities(s, "_") == []


def test_roster_lists_for_the_web_app(engine: Engine) -> None:
    """Départements, (code, name) pairs and the roster's cache key, which changes with
    any roster change."""
    with session(engine) as s:
        assert crud.list_departments(s) == [] and crud.collectivity_codes_and_names(s) == []
        empty = crud.roster_stamp(s)
        _nantes(s)
        crud.upsert_collectivity(
            s,
            {"code": "49007", "name": "Angers", "department": "49", "kind": "commune"},
            actor="system:test",
        )
        assert crud.list_departments(s) == ["44", "49"]
        assert crud.collectivity_codes_and_names(s) == [("44109", "Nantes"), ("49007", "Angers")]
        two = crud.roster_stamp(s)
        assert two != empty and two[0] == 2
        angers = crud.get_collectivity_by_code(s, "49007")
        assert angers is not None
        crud.update_collectivity(s, angers, {"name": "Angers (ville)"}, actor="system:test")
        assert crud.roster_stamp(s) != two
