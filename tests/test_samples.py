"""The sample generator: determinism, ground truth faithful to the files, every scenario.

Most checks run on a vector corpus (``scans=False``, seconds); the scanned formats
(image-only PDF, PNG, JPEG, TIFF, OCR'd PDF, scanned mail attachments) are checked on a
small scanned corpus.
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from extractors.model import COMMON_FIELDS, FIELD_NAMES
from samples import SCENARIOS, Manifest, generate
from samples.generator import scenario_list
from samples.roster import RosterError

# image_files and multipage_tiff first: test_scans_are_reproducible replays them alone.
SCANNED_SCENARIOS = [
    "image_files",
    "multipage_tiff",
    "rotated_pages",
    "digital_ocr",
    "convention_by_plain_email",
]


@pytest.fixture(scope="module")
def vector(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(tmp_path_factory.mktemp("vector"), count=40, scans=False)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(tmp_path_factory.mktemp("scanned"), scenarios=SCANNED_SCENARIOS)


def _hashes(root: Path) -> dict[str, tuple[str, int]]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            out[str(path.relative_to(root))] = (
                hashlib.sha256(data).hexdigest(),
                int(path.stat().st_mtime),
            )
    return out


def _parse_eml(path: Path) -> EmailMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _pdf_attachments(msg: EmailMessage, prefix: str = "") -> Iterator[tuple[str, bytes]]:
    """(name as the truth writes it, bytes) of every PDF, inside ZIPs and attached mail."""
    for part in msg.iter_attachments():
        name = prefix + (part.get_filename() or "")
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_content()
            yield from _pdf_attachments(inner, name + "/")
        elif ctype == "application/zip":
            with zipfile.ZipFile(io.BytesIO(part.get_content())) as zf:
                for member in zf.namelist():
                    yield name + "/" + member, zf.read(member)
        else:
            assert ctype == "application/pdf"
            yield name, part.get_content()


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------- roster


def test_roster_has_the_whole_academie(vector: Manifest) -> None:
    with vector.roster_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1299 == vector.roster_rows
    assert list(rows[0])[:8] == [
        "code", "name", "department", "kind", "siren", "population", "ecollectivites", "email",
    ]  # fmt: skip
    assert sum(r["kind"] == "epci" for r in rows) == 71
    members = [r for r in rows if r["ecollectivites"] == "true"]
    assert 7 <= len(members) <= 20  # a handful
    assert {r["ecollectivites"] for r in rows} == {"true", "false"}
    with_mail = [r for r in rows if r["email"]]
    assert 100 < len(with_mail) < len(rows)
    assert all(re.fullmatch(r"(mairie|accueil)@[a-z0-9-]+\.fr", r["email"]) for r in with_mail)
    assert next(r for r in rows if r["code"] == "44190")["email"] == (
        "mairie@saint-sebastien-sur-loire.fr"
    )
    by_code = {r["code"]: r for r in rows}
    for coll in vector.collectivities.values():
        row = by_code[coll.code]
        assert (row["ecollectivites"] == "true") == (coll.route == "ecollectivites")
        assert row["email"] == coll.email


# --------------------------------------------------------------------------- scenarios


def test_every_scenario_is_played_with_count_40(vector: Manifest) -> None:
    played = vector.scenarios()
    assert set(SCENARIOS) <= set(played), set(SCENARIOS) - set(played)
    assert len(vector.collectivities) == 40
    assert sum(len(v) for v in played.values()) == 40
    assert scenario_list(3) == list(SCENARIOS[:3])
    assert scenario_list(len(SCENARIOS) + 2)[-2:] == ["complete_on_time", "envelope"]
    assert len(played["convention_by_plain_email"]) == 2


def _docs(m: Manifest, scenario: str, doc_type: str) -> list[dict[str, object]]:
    codes = set(m.scenarios()[scenario])
    return [
        d.fields
        for f in m.files.values()
        if f.collectivity in codes
        for d in f.documents
        if d.type == doc_type
    ]


def test_scenarios_show_in_the_truth(vector: Manifest) -> None:
    m = vector
    assert [d["signed"] for d in _docs(m, "unsigned_convention", "convention")] == [False]
    assert _docs(m, "unsigned_convention", "convention")[0]["signature_date"] is None
    assert [d["act_id"] for d in _docs(m, "deliberation_without_ack", "deliberation")] == [None]
    for scenario in ("deliberation_postponed", "deliberation_refused"):
        assert [d["authorizes_signature"] for d in _docs(m, scenario, "deliberation")] == [False]
    assert _docs(m, "deliberation_refused", "convention") == []
    blank = _docs(m, "needs_form_blank", "needs_form")[0]
    assert blank["schools"] is None and blank["student_accounts"] is None
    assert _docs(m, "missing_needs_form", "needs_form") == []
    assert _docs(m, "missing_deliberation", "deliberation") == []
    (conv,) = _docs(m, "deliberation_after_signature", "convention")
    (delib,) = _docs(m, "deliberation_after_signature", "deliberation")
    assert str(conv["signature_date"]) < str(delib["meeting_date"])
    (code,) = m.scenarios()["name_written_abbreviated"]
    assert code == "44190"
    assert [d["collectivity"] for d in _docs(m, "name_written_abbreviated", "convention")] == [
        "ST SEBASTIEN SUR LOIRE"
    ]
    (code,) = m.scenarios()["name_mismatch"]
    (conv,) = _docs(m, "name_mismatch", "convention")
    assert conv["collectivity"] != m.collectivities[code].name
    for f in m.files_of(m.scenarios()["no_stamp"][0]):
        assert all("arrival_stamp_date" not in d.fields for d in f.documents)
    dups = [f for f in m.files.values() if f.duplicate_of]
    assert len(dups) == 1 and dups[0].duplicate_of in m.files
    assert m.collectivities[dups[0].collectivity or ""].scenario == "duplicate_rescan"
    assert {m.collectivities[c].kind for c in m.scenarios()["epci_complete"]} == {"epci"}
    epci_delib = _docs(m, "epci_complete", "deliberation")
    assert epci_delib and all(d["authorizes_signature"] for d in epci_delib)


def test_acts_ids_and_dates_are_consistent(vector: Manifest) -> None:
    mismatch = set(vector.scenarios()["siren_mismatch"])
    seen_mismatch = 0
    for f in vector.files.values():
        coll = vector.collectivities[f.collectivity or ""]
        for d in f.documents:
            if d.type != "deliberation" or d.fields["act_id"] is None:
                continue
            act = str(d.fields["act_id"])
            dept, siren, day, number, nature = act.split("-")
            assert dept[1:] in coll.department.split("/")
            assert re.fullmatch(r"[A-Z0-9_]{1,15}", number) and nature == "DE"
            assert day == str(d.fields["meeting_date"]).replace("-", "")
            assert str(d.fields["prefecture_receipt_date"]) > str(d.fields["meeting_date"])
            if coll.code in mismatch:
                assert siren != coll.siren
                seen_mismatch += 1
            else:
                assert siren == coll.siren
    assert seen_mismatch == 1


def test_receipt_dates(vector: Manifest) -> None:
    received = [p.received_on for c in vector.collectivities.values() for p in c.pieces]
    assert min(received) >= "2021-11-22" and max(received) <= "2022-01-28"
    late = vector.scenarios()["complete_late"]
    assert all(p.received_on > "2022-01-15" for c in late for p in vector.collectivities[c].pieces)
    (day,) = vector.scenarios()["complete_on_deadline_day"]
    assert {p.received_on for p in vector.collectivities[day].pieces} == {"2022-01-15"}
    (night,) = vector.scenarios()["ecollectivites_email_deadline_night"]
    (mail,) = vector.files_of(night)
    assert mail.delivered_at == "2022-01-15T23:30:00+01:00"
    msg = _parse_eml(vector.out_dir / mail.path)
    assert "Sat, 15 Jan 2022 23:30:00 +0100" in str(msg["Received"])
    for f in vector.files.values():
        if f.kind != "mail":
            mtime = dt.datetime.fromisoformat(f.mtime)
            stamped = [d.fields["arrival_stamp_date"] for d in f.documents if d.fields.get(
                "arrival_stamp_date")]  # fmt: skip
            assert all(mtime.date().isoformat() > str(s) for s in stamped)
            assert mtime.weekday() < 5  # scanned on a working day


# --------------------------------------------------------------------------- files


def test_truth_fields_follow_the_extraction_contract(vector: Manifest) -> None:
    for f in vector.files.values():
        for d in f.documents:
            expected = set(FIELD_NAMES[d.type])
            assert expected <= set(d.fields) <= expected | set(COMMON_FIELDS), (f.path, d)
            for name, value in d.values().items():
                if name.endswith("_date"):
                    assert value is None or isinstance(value, dt.date)
            if d.type == "needs_form" and d.fields["schools"] is not None:
                assert isinstance(d.fields["schools"], int) and d.fields["schools"] >= 1
                assert isinstance(d.fields["student_accounts"], int)


def test_files_exist_with_their_truth_and_mtime(vector: Manifest) -> None:
    on_disk = {
        str(p.relative_to(vector.out_dir))
        for p in vector.out_dir.rglob("*")
        if p.is_file() and p.name not in ("truth.json", "roster.csv")
    }
    assert on_disk == set(vector.files)
    kinds = {f.kind for f in vector.files.values()}
    assert kinds == {"scan", "digital", "mail"}
    for f in vector.files.values():
        st = (vector.out_dir / f.path).stat()
        assert st.st_mtime == dt.datetime.fromisoformat(f.mtime).timestamp()
        assert f.path.startswith({"scan": "scans/", "digital": "digital/", "mail": "mail/"}[f.kind])


def test_pdf_pages_and_text_match_the_truth(vector: Manifest) -> None:
    for f in vector.files.values():
        if f.format != "pdf":
            continue
        data = (vector.out_dir / f.path).read_bytes()
        reader = PdfReader(io.BytesIO(data))
        assert len(reader.pages) == f.pages, f.path
        covered = sorted(p for d in f.documents for p in d.pages)
        assert covered == list(range(1, f.pages + 1)), f.path
        for d in f.documents:
            text = _squash("\n".join(reader.pages[p - 1].extract_text() or "" for p in d.pages))
            if d.type == "convention":
                assert "Convention d'adhésion à un groupement de commandes" in text
                assert "Nom de la collectivité adhérente" in text
            elif d.type == "deliberation":
                assert "groupement de commandes" in text
                if d.fields["act_id"]:
                    assert str(d.fields["act_id"]) in text.replace(" ", "")
            elif d.type == "needs_form":
                assert "ANNEXE 2" in text and "expression des besoins" in text
            else:
                assert "Objet : Adhésion au groupement de commandes e-primo" in text


def test_typed_values_are_in_the_text_layer(vector: Manifest) -> None:
    """Digital PDFs (saved from mail) are typed: their values read back from the text."""
    by_mail = {
        p.file for c in vector.collectivities.values() for p in c.pieces if p.channel == "email"
    }
    saved = [f for f in vector.files.values() if f.kind == "digital" and f.path in by_mail]
    assert saved
    for f in saved:
        text = _squash(_pdf_text((vector.out_dir / f.path).read_bytes()))
        (d,) = f.documents
        assert d.type == "needs_form"
        assert str(d.fields["collectivity"]) in text
        assert str(d.fields["student_accounts"]) in text


def test_mails_parse_and_their_attachments_open(vector: Manifest) -> None:
    mails = [f for f in vector.files.values() if f.kind == "mail"]
    assert len(mails) >= 8
    without = [f for f in mails if not f.attachments]
    assert len(without) == 1 and without[0].documents == []
    types = set()
    for f in mails:
        msg = _parse_eml(vector.out_dir / f.path)
        assert msg["Message-ID"] == f.message_id
        assert msg["Subject"] == f.subject
        assert email.utils.parseaddr(str(msg["From"]))[1] == f.sender
        assert f.sender == vector.collectivities[f.collectivity or ""].email
        sent = email.utils.parsedate_to_datetime(str(msg["Date"]))
        assert sent <= dt.datetime.fromisoformat(f.delivered_at or "")
        found = dict(_pdf_attachments(msg))
        for d in f.documents:
            assert d.attachment in found
            reader = PdfReader(io.BytesIO(found[d.attachment]))
            assert max(d.pages) <= len(reader.pages)
        for att in f.attachments:
            types.add(att.content_type)
            if att.content_type == "application/pdf":
                assert len(PdfReader(io.BytesIO(found[att.name])).pages) == att.pages
    assert types == {"application/pdf", "application/zip", "message/rfc822"}
    nested = [d.attachment or "" for f in mails for d in f.documents]
    nested = [a for a in nested if "/" in a]
    assert any(a.split("/")[0].endswith(".zip") for a in nested)
    assert any(a.split("/")[0].endswith(".eml") for a in nested)


def test_manifest_round_trip_and_errors(vector: Manifest, tmp_path: Path) -> None:
    loaded = Manifest.load(vector.out_dir)
    assert loaded.to_json() == vector.to_json()
    with pytest.raises(ValueError, match="no sample ground truth"):
        Manifest.load(tmp_path)
    (tmp_path / "truth.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="invalid JSON"):
        Manifest.load(tmp_path)
    with pytest.raises(ValueError, match="count"):
        generate(tmp_path / "x", count=-1)
    with pytest.raises(ValueError, match="unknown scenarios"):
        generate(tmp_path / "x", scenarios=["complete_on_time", "bogus"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RosterError, match="no roster file"):
        generate(tmp_path / "x", roster_dir=empty)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "academie-nantes-communes.csv").write_text("code,name\n1,X\n", encoding="utf-8")
    with pytest.raises(RosterError, match="missing columns"):
        generate(tmp_path / "x", roster_dir=bad)


def _check_dates(m: Manifest) -> None:
    """Every date a document shows lies in the campaign, in a plausible order."""
    for f in m.files.values():
        coll = m.collectivities[f.collectivity or ""]
        received = {p.received_on for p in coll.pieces if p.file == f.path}
        for d in f.documents:
            for name, value in d.fields.items():
                if name.endswith("_date") and value is not None:
                    assert "2021-10-21" <= str(value) <= "2022-01-28", (f.path, name, value)
                    assert str(value) <= max(received), (f.path, name, value)
            if d.type == "deliberation":
                assert str(d.fields["meeting_date"]) >= "2021-10-25"


def test_same_seed_same_bytes_other_seed_other_corpus(vector: Manifest, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", count=40, scans=False)
    assert _hashes(again.out_dir) == _hashes(vector.out_dir)
    other = generate(tmp_path / "other", count=60, scans=False, seed=7)
    assert len(other.collectivities) == 60
    assert set(other.collectivities) != set(vector.collectivities)
    assert set(SCENARIOS) <= set(other.scenarios())
    _check_dates(vector)
    _check_dates(other)


def test_regenerating_replaces_the_previous_corpus(tmp_path: Path) -> None:
    first = generate(tmp_path, count=30, scans=False)
    keep = tmp_path / "notes.txt"
    keep.write_text("mine", encoding="utf-8")
    second = generate(tmp_path, count=3, scans=False)
    left = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert left == set(second.files) | {"truth.json", "roster.csv", "notes.txt"}
    assert len(first.files) > len(second.files)


# --------------------------------------------------------------------------- scans


def test_scanned_files_are_images_with_the_truths_pages(scanned: Manifest) -> None:
    formats = set()
    for f in scanned.files.values():
        path = scanned.out_dir / f.path
        formats.add(f.format)
        if f.kind == "mail":
            continue
        assert f.scanned
        if f.format == "pdf":
            reader = PdfReader(path)
            assert len(reader.pages) == f.pages
            for page, rotation in zip(reader.pages, f.rotation, strict=True):
                text = page.extract_text() or ""
                ops = page.get_contents().get_data()  # type: ignore[union-attr]
                if f.kind == "scan":  # no text drawn at all
                    assert b"BT" not in ops and not text.strip(), f.path
                else:
                    assert b"BT" in ops and text.strip(), f.path
                xobjects = page["/Resources"]["/XObject"]  # type: ignore[index]
                (image,) = [xobjects[k].get_object() for k in xobjects]
                filters = image["/Filter"]
                assert list(filters) if isinstance(filters, list) else [filters] == ["/DCTDecode"]
                assert len(image.get_data()) < 400_000
                width, height = float(page.mediabox.width), float(page.mediabox.height)
                assert (width > height) == (rotation in (90, 270))
        else:
            with Image.open(path) as img:
                assert getattr(img, "n_frames", 1) == f.pages
        assert len(f.rotation) == len(f.skew) == f.pages
        assert all(0.3 <= abs(s) <= 3.0 for s in f.skew) or f.kind == "digital"
    assert formats == {"pdf", "png", "jpeg", "tiff", "eml"}
    rotations = [r for f in scanned.files.values() for r in f.rotation]
    assert 90 in rotations and 180 in rotations


def test_ocr_scans_have_a_text_layer_over_the_image(scanned: Manifest) -> None:
    (f,) = [f for f in scanned.files.values() if f.kind == "digital"]
    assert f.scanned and f.path.startswith("digital/")
    reader = PdfReader(scanned.out_dir / f.path)
    for d in f.documents:
        text = _squash(" ".join(reader.pages[p - 1].extract_text() or "" for p in d.pages))
        if d.type == "deliberation" and d.fields["act_id"]:
            assert str(d.fields["act_id"]) in text
        if d.type == "convention":
            assert "Nom de la collectivité adhérente" in text


def test_scanned_mail_attachments(scanned: Manifest, vector: Manifest) -> None:
    (f,) = [f for f in scanned.files.values() if f.kind == "mail"]
    assert f.scanned
    found = dict(_pdf_attachments(_parse_eml(scanned.out_dir / f.path)))
    for att in f.attachments:
        text = _pdf_text(found[att.name]).strip()
        assert (text == "") == att.scanned
        assert len(PdfReader(io.BytesIO(found[att.name])).pages) == att.pages
    assert {d.type for d in f.documents} == {"convention", "deliberation", "needs_form"}
    plain = vector.scenarios()["convention_by_plain_email"]
    assert len(plain) == 2  # a few, in both variants: one PDF per piece, or one for all
    counts = sorted(len(f.attachments) for c in plain for f in vector.files_of(c))
    assert counts == [1, 3]


def test_scans_are_reproducible(scanned: Manifest, tmp_path: Path) -> None:
    """The first collectivities of a scenario list get the same files whatever follows
    them, and whatever the number of processes: replay two of them in one process."""
    again = generate(tmp_path, scenarios=SCANNED_SCENARIOS[:2], workers=1)
    assert {f.format for f in again.files.values()} == {"pdf", "png", "jpeg", "tiff"}
    replayed = {p: h for p, h in _hashes(again.out_dir).items() if p.startswith("scans/")}
    assert len(replayed) == len(again.files) == 4
    original = _hashes(scanned.out_dir)
    assert {p: original[p] for p in replayed} == replayed
    for path, truth in again.files.items():
        assert truth.to_json() == scanned.files[path].to_json()
    stamped = [
        d.fields["arrival_stamp_date"]
        for f in again.files.values()
        for d in f.documents
        if "arrival_stamp_date" in d.fields
    ]
    assert len(stamped) == 4  # each piece of image_files, the envelope of the TIFF
