"""sources.mail: parsing messages built with the email package (nested messages and ZIP
files, odd names, hostile content) and the sample generator's real mails."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

from samples import generate
from sources.content import describe, safe_name, sniff
from sources.limits import MB, SourceLimits, human_size
from sources.mail import NO_ATTACHMENT, parse_mail_date, parse_message

PARIS = dt.timezone(dt.timedelta(hours=1))
MAIL_SCENARIOS = [
    "ecollectivites_email",
    "ecollectivites_email_deadline_night",
    "ecollectivites_email_late",
    "ecollectivites_forgot_attachment",
    "ecollectivites_forwarded_eml",
    "ecollectivites_zip",
    "convention_by_plain_email",
]


def make_pdf(text: str = "Convention d'adhésion") -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def make_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buf, "PNG")
    return buf.getvalue()


PDF = make_pdf()
PNG = make_png()
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"


def message(*, subject: str = "Convention e-primo", body: str = "Bonjour,") -> EmailMessage:
    msg = EmailMessage()
    msg["Received"] = (
        "from mx.example.fr by mx.ac-nantes.fr with ESMTPS id X1; Sat, 15 Jan 2022 23:30:00 +0100"
    )
    msg["Received"] = "from client by mx.example.fr; Sat, 15 Jan 2022 23:29:50 +0100"
    msg["From"] = "Mairie de Vallet <Mairie@Vallet.FR>"
    msg["To"] = "dane@ac-nantes.fr"
    msg["Reply-To"] = "secretariat@vallet.fr"
    msg["Subject"] = subject
    msg["Date"] = "Sat, 15 Jan 2022 23:28:11 +0100"
    msg["Message-ID"] = "<abc123@vallet.fr>"
    msg.set_content(body)
    return msg


def zip_of(members: dict[str, bytes], *, encrypted: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2022, 1, 10, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    out = bytearray(buf.getvalue())
    if encrypted:  # zipfile cannot encrypt: set the "encrypted" bit in both headers
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = out.index(signature)
            out[at + offset] |= 0x1
    return bytes(out)


def names(parsed) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.name for a in parsed.attachments]


# --------------------------------------------------------------------------- headers


def test_headers_sender_times_and_a_plain_pdf() -> None:
    msg = message(subject="Convention e-primo – Vallet")
    msg.add_attachment(PDF, "application", "pdf", filename="convention.pdf")
    parsed = parse_message(msg.as_bytes())
    assert parsed.sender == "mairie@vallet.fr"
    assert parsed.sender_name == "Mairie de Vallet"
    assert parsed.reply_to == "secretariat@vallet.fr"
    assert parsed.to == ("dane@ac-nantes.fr",)
    assert parsed.message_id == "<abc123@vallet.fr>"
    assert parsed.subject == "Convention e-primo – Vallet"
    assert parsed.received_at == dt.datetime(2022, 1, 15, 23, 30, tzinfo=PARIS)  # topmost
    assert parsed.date == dt.datetime(2022, 1, 15, 23, 28, 11, tzinfo=PARIS)
    assert parsed.receipt_time == parsed.received_at and parsed.receipt_source == "received"
    assert parsed.text.startswith("Bonjour")
    assert parsed.problems == []
    [att] = parsed.attachments
    assert (att.name, att.content_type, att.data, att.problem) == (
        "convention.pdf",
        "application/pdf",
        PDF,
        None,
    )


def test_receipt_time_falls_back_to_date_then_none() -> None:
    msg = message()
    del msg["Received"]
    msg["Received"] = "from nowhere by somewhere with SMTP id 1"  # no date: skipped
    parsed = parse_message(msg.as_bytes())
    assert parsed.received_at is None
    assert parsed.receipt_time == dt.datetime(2022, 1, 15, 23, 28, 11, tzinfo=PARIS)
    assert parsed.receipt_source == "date"
    del msg["Received"]
    del msg["Date"]
    msg["Date"] = "pas une date"
    parsed = parse_message(msg.as_bytes())
    assert parsed.receipt_time is None and parsed.receipt_source is None


def test_zone_less_dates_are_utc() -> None:
    when = parse_mail_date("Sat, 15 Jan 2022 22:30:00 -0000")
    assert when == dt.datetime(2022, 1, 15, 22, 30, tzinfo=dt.UTC)
    assert parse_mail_date("n'importe quoi") is None


def test_encoded_subject_and_sender_display_name() -> None:
    raw = (
        b"From: =?utf-8?q?Mairie_de_Montaigu-Vend=C3=A9e?= <MAIRIE@montaigu-vendee.fr>\r\n"
        b"Subject: =?utf-8?q?Fiche_besoins_=E2=80=93_Montaigu-Vend=C3=A9e?=\r\n"
        b"Date: Sat, 15 Jan 2022 23:28:11 +0100\r\n"
        b"\r\nBonjour\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.sender == "mairie@montaigu-vendee.fr"
    assert parsed.sender_name == "Mairie de Montaigu-Vendée"
    assert parsed.subject == "Fiche besoins – Montaigu-Vendée"
    assert parsed.problems == [NO_ATTACHMENT]


# --------------------------------------------------------------------------- attachments


def test_pdf_sent_as_octet_stream_counts_and_exe_named_pdf_does_not() -> None:
    msg = message()
    msg.add_attachment(PDF, "application", "octet-stream", filename="delib.pdf")
    msg.add_attachment(EXE, "application", "pdf", filename="convention.pdf")
    msg.add_attachment(PNG, "application", "octet-stream", filename="scan")
    parsed = parse_message(msg.as_bytes())
    by_name = {a.name: a for a in parsed.attachments}
    assert by_name["delib.pdf"].ok and by_name["delib.pdf"].content_type == "application/pdf"
    assert by_name["scan"].ok and by_name["scan"].content_type == "image/png"
    bad = by_name["convention.pdf"]
    assert bad.problem is not None and "programme Windows" in bad.problem
    assert "n'est pas ce que son nom annonce" in bad.problem
    assert bad.data == EXE  # kept, for staff to look at
    assert len(parsed.usable) == 2
    assert NO_ATTACHMENT not in parsed.problems


def test_mail_without_attachment_and_noise_only() -> None:
    msg = message()
    msg.add_attachment(
        b"BEGIN:VCARD\r\nFN:Mairie\r\nEND:VCARD\r\n", "text", "vcard", filename="m.vcf"
    )
    msg.add_attachment(
        b"0\x82\x01\x00signature", "application", "pkcs7-signature", filename="smime.p7s"
    )
    parsed = parse_message(msg.as_bytes())
    assert parsed.attachments == []
    assert parsed.problems == [NO_ATTACHMENT]
    assert sorted(parsed.ignored) == ["m.vcf", "smime.p7s"]


def test_office_documents_and_empty_attachments_have_problems() -> None:
    msg = message()
    docx = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    msg.add_attachment(docx, "application", "octet-stream", filename="convention.docx")
    msg.add_attachment(b"", "application", "pdf", filename="vide.pdf")
    msg.add_attachment(
        b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "application", "msword", filename="a.doc"
    )
    parsed = parse_message(msg.as_bytes())
    by_name = {a.name: a for a in parsed.attachments}
    assert "format non pris en charge (un document Word ou Excel)" in str(
        by_name["convention.docx"].problem
    )
    assert by_name["vide.pdf"].problem == "pièce jointe vide"
    assert "Word" in str(by_name["a.doc"].problem)
    assert parsed.problems == [NO_ATTACHMENT]


def test_inline_logo_of_an_html_body_is_not_a_piece() -> None:
    msg = message()
    msg.add_alternative("<html><body><p>Bonjour</p><img src='cid:logo'></body></html>", "html")
    html = msg.get_payload()[1]  # type: ignore[index]
    assert isinstance(html, EmailMessage)
    html.add_related(PNG, "image", "png", cid="<logo>")
    msg.add_attachment(PDF, "application", "pdf", filename="fiche.pdf")
    parsed = parse_message(msg.as_bytes())
    assert names(parsed) == ["fiche.pdf"]


def test_small_images_shown_in_the_body_are_not_pieces() -> None:
    """Mail clients send signature logos inline, named (``image001.gif``) and often
    outside any multipart/related: small inline images are ignored; an inline photo of
    a page (large) and an attached image, however small, are kept."""
    msg = message()
    msg.add_attachment(b"GIF89a" + b"\0" * 900, "image", "gif", filename="image001.gif")
    msg.add_attachment(PNG, "image", "png", filename="image002.png", cid="<image002>")
    photo = b"\xff\xd8\xff\xe0" + b"\0" * (40 * 1024)
    msg.add_attachment(photo, "image", "jpeg", filename="IMG_0001.jpeg")
    for part in msg.get_payload()[1:]:  # type: ignore[union-attr]
        assert isinstance(part, EmailMessage)
        part.replace_header("Content-Disposition", f'inline; filename="{part.get_filename()}"')
    msg.add_attachment(PNG, "image", "png", filename="scan.png")  # sent as an attachment
    parsed = parse_message(msg.as_bytes())
    assert names(parsed) == ["IMG_0001.jpeg", "scan.png"]
    assert parsed.ignored == ["image001.gif", "image002.png"]


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("raw", "expected", "corrected"),
    [
        ("../../etc/passwd", "passwd", True),
        ("C:\\x\\y.pdf", "y.pdf", True),
        ("/etc/cron.d/evil.pdf", "evil.pdf", True),
        ("conv\x00ention\r\n.pdf", "convention .pdf", True),
        ("facture\u202efdp.exe", "facturefdp.exe", True),  # right-to-left override removed
        ("..", "piece.pdf", True),
        ("...pdf", "pdf", True),
        ("Délibération n°12.pdf", "Délibération n°12.pdf", False),
        ("=?utf-8?b?RMOpbGliw6lyYXRpb24ucGRm?=", "Délibération.pdf", False),
        (b"D\xe9lib\xe9ration.pdf", "Délibération.pdf", False),
        ("a:b|c?.pdf", "a_b_c_.pdf", True),
    ],
)
def test_safe_name(raw: str | bytes, expected: str, corrected: bool) -> None:
    name, note = safe_name(raw, "piece.pdf")
    assert name == expected
    assert (note is not None) == corrected
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    if note:
        assert note.startswith("nom de fichier corrigé")
        assert "\x00" not in note and "\u202e" not in note


def test_odd_attachment_names_in_a_message() -> None:
    msg = message()
    # RFC 2231 (filename*=utf-8''...), written by the email package for non-ASCII names
    msg.add_attachment(PDF, "application", "pdf", filename="Délibération signée.pdf")
    msg.add_attachment(PDF, "application", "pdf", filename="../../etc/passwd")
    msg.add_attachment(PDF, "application", "pdf", filename="C:\\Users\\mairie\\convention.pdf")
    msg.add_attachment(PDF, "application", "pdf", filename="convention.pdf")
    raw = msg.as_bytes()
    assert b"filename*=utf-8''" in raw
    # an RFC 2047 encoded word inside a quoted name (Outlook does this)
    raw = raw.replace(
        b'filename="convention.pdf"', b'filename="=?utf-8?q?fiche_=C3=A9cole.pdf?="', 1
    )
    parsed = parse_message(raw)
    assert names(parsed) == [
        "Délibération signée.pdf",
        "passwd",
        "convention.pdf",
        "fiche école.pdf",
    ]
    assert parsed.attachments[0].notes == ()
    passwd, windows = parsed.attachments[1:3]
    assert passwd.ok and "« ../../etc/passwd » devient « passwd »" in passwd.notes[0]
    assert windows.ok and "C:\\Users\\mairie\\convention.pdf" in windows.notes[0]


def test_duplicate_names_are_made_unique() -> None:
    msg = message()
    for _ in range(3):
        msg.add_attachment(PDF, "application", "pdf", filename="scan.pdf")
    msg.add_attachment(PDF, "application", "pdf")  # no name at all
    parsed = parse_message(msg.as_bytes())
    assert names(parsed) == ["scan.pdf", "scan (2).pdf", "scan (3).pdf", "piece-1.pdf"]


# --------------------------------------------------------------------------- nesting


def test_forwarded_message_and_zip_inside_it() -> None:
    inner = message(subject="Fiche de besoins")
    inner.add_attachment(PDF, "application", "pdf", filename="fiche.pdf")
    annexes = zip_of({"annexes/delib.pdf": PDF, "photo.png": PNG})
    inner.add_attachment(annexes, "application", "zip", filename="annexes.zip")
    outer = message(subject="TR: Fiche de besoins")
    outer.add_attachment(inner, filename="Fiche de besoins.eml")
    parsed = parse_message(outer.as_bytes())
    assert names(parsed) == [
        "Fiche de besoins.eml/fiche.pdf",
        "Fiche de besoins.eml/annexes.zip/delib.pdf",
        "Fiche de besoins.eml/annexes.zip/photo.png",
    ]
    assert all(a.ok for a in parsed.attachments)
    assert parsed.attachments[2].content_type == "image/png"


def test_eml_attached_as_a_file_and_message_without_name() -> None:
    inner = message()
    inner.add_attachment(PDF, "application", "pdf", filename="convention.pdf")
    outer = message()
    outer.add_attachment(inner.as_bytes(), "application", "octet-stream", filename="mairie.eml")
    outer.add_attachment(inner)  # message/rfc822 without a file name
    parsed = parse_message(outer.as_bytes())
    assert names(parsed) == ["mairie.eml/convention.pdf", "piece-1.eml/convention.pdf"]


def test_zip_slip_names_are_display_names_only() -> None:
    data = zip_of(
        {
            "../../../../etc/cron.d/x.pdf": PDF,
            "/abs/path.pdf": PDF,
            "C:\\Windows\\y.pdf": PDF,
            "__MACOSX/._x.pdf": b"junk",
            ".DS_Store": b"junk",
        }
    )
    msg = message()
    msg.add_attachment(data, "application", "zip", filename="dossier.zip")
    parsed = parse_message(msg.as_bytes())
    assert names(parsed) == ["dossier.zip/x.pdf", "dossier.zip/path.pdf", "dossier.zip/y.pdf"]
    assert all(".." not in a.name for a in parsed.attachments)
    assert all(a.ok for a in parsed.attachments)


def test_zip_members_are_named_by_their_file_name() -> None:
    """``archive.zip/member.pdf`` whatever folders the archive holds (as ``intake
    extract`` names them too); the same name twice is told apart. A ZIP whose first
    member is a PDF stored uncompressed (its header is in the ZIP's first bytes) is
    opened as a ZIP, not taken for a PDF."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("Dossier e-primo/convention.pdf", PDF)
        zf.writestr("Dossier e-primo/annexes/convention.pdf", PDF)
        zf.writestr("Dossier e-primo/annexes/fiche.pdf", PDF)
    msg = message()
    msg.add_attachment(buf.getvalue(), "application", "zip", filename="pieces.zip")
    parsed = parse_message(msg.as_bytes())
    assert names(parsed) == [
        "pieces.zip/convention.pdf",
        "pieces.zip/convention (2).pdf",
        "pieces.zip/fiche.pdf",
    ]
    assert all(a.ok and a.content_type == "application/pdf" for a in parsed.attachments)


def test_zip_problems_corrupt_encrypted_empty_and_fake() -> None:
    msg = message()
    msg.add_attachment(zip_of({"a.pdf": PDF})[:60], "application", "zip", filename="coupe.zip")
    secret = zip_of({"secret.pdf": PDF}, encrypted=True)
    msg.add_attachment(secret, "application", "zip", filename="chiffre.zip")
    msg.add_attachment(zip_of({}), "application", "zip", filename="vide.zip")
    msg.add_attachment(EXE, "application", "zip", filename="faux.zip")
    good = zip_of({"ok.pdf": PDF})
    msg.add_attachment(good, "application", "zip", filename="ok.zip")
    parsed = parse_message(msg.as_bytes())
    problems = {a.name: a.problem for a in parsed.attachments}
    assert problems["coupe.zip"] == "archive ZIP illisible ou endommagée"
    assert problems["chiffre.zip/secret.pdf"] == "fichier chiffré (protégé par mot de passe)"
    assert problems["vide.zip"] == "archive ZIP vide"
    assert problems["faux.zip"] == "archive ZIP illisible (le fichier est un programme Windows)"
    assert problems["ok.zip/ok.pdf"] is None


def test_zip_with_a_damaged_member() -> None:
    data = bytearray(zip_of({"a.pdf": PDF * 3}))
    start = data.index(b"a.pdf") + len("a.pdf") + 20  # inside the compressed bytes
    data[start : start + 40] = b"\x00" * 40
    msg = message()
    msg.add_attachment(bytes(data), "application", "zip", filename="abime.zip")
    parsed = parse_message(msg.as_bytes())
    [att] = parsed.attachments
    assert att.name == "abime.zip/a.pdf"
    assert att.problem == "fichier endommagé dans l'archive ZIP"


def test_zip_bombs_are_capped() -> None:
    limits = SourceLimits(max_file_bytes=MB, max_unpacked_bytes=3 * MB, max_zip_members=10)
    zeros = b"\x00" * (2 * MB)  # compresses to ~2 kB
    msg = message()
    msg.add_attachment(zip_of({"big.pdf": zeros}), "application", "zip", filename="bombe.zip")
    many = zip_of({f"f{i}.pdf": PDF for i in range(11)})
    msg.add_attachment(many, "application", "zip", filename="nombreux.zip")
    parsed = parse_message(msg.as_bytes(), limits=limits)
    problems = {a.name: a.problem for a in parsed.attachments}
    assert (
        problems["bombe.zip/big.pdf"] == "pièce jointe trop volumineuse (2,0 Mo ; maximum 1,0 Mo)"
    )
    assert problems["nombreux.zip"] == "archive ZIP de 11 fichiers (maximum 10) : non ouverte"
    assert parsed.attachments[0].data == b""

    # many members within the per-file limit: the message's unpacked budget stops them
    members = {f"z{i}.pdf": b"%PDF-1.4\n" + zeros[: MB - 100] for i in range(8)}
    msg = message()
    msg.add_attachment(zip_of(members), "application", "zip", filename="z.zip")
    parsed = parse_message(msg.as_bytes(), limits=limits)
    assert len(parsed.attachments) < 8
    assert any("trop volumineux une fois décodé ou décompressé" in p for p in parsed.problems)


def test_nesting_depth_is_capped() -> None:
    data = PDF
    name = "x.pdf"
    for level in range(5):
        data = zip_of({name: data})
        name = f"niveau{level}.zip"
    msg = message()
    msg.add_attachment(data, "application", "zip", filename=name)
    parsed = parse_message(msg.as_bytes())
    [att] = parsed.attachments
    assert att.name == "niveau4.zip/niveau3.zip/niveau2.zip/niveau1.zip"
    assert "imbriqués" in str(att.problem)


def test_too_many_attachments() -> None:
    msg = message()
    for i in range(6):
        msg.add_attachment(PDF, "application", "pdf", filename=f"p{i}.pdf")
    parsed = parse_message(msg.as_bytes(), limits=SourceLimits(max_attachments=4))
    assert len(parsed.attachments) == 4
    assert parsed.problems == [
        "trop de pièces jointes (plus de 4) : les suivantes n'ont pas été lues"
    ]


# --------------------------------------------------------------------------- bad messages


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "message vide"),
        (b"   \r\n  ", "message vide"),
        (PDF, "ce n'est pas un message électronique (contenu : un PDF)"),
        (EXE, "ce n'est pas un message électronique (contenu : un programme Windows)"),
        (
            bytes(range(256)) * 4,
            "ce n'est pas un message électronique (contenu : un contenu non reconnu)",
        ),
    ],
)
def test_bad_messages_come_back_with_a_problem(raw: bytes, problem: str) -> None:
    parsed = parse_message(raw)
    assert parsed.problems == [problem]
    assert parsed.attachments == []


def test_oversized_message_is_not_parsed() -> None:
    msg = message()
    msg.add_attachment(PDF, "application", "pdf", filename="a.pdf")
    raw = msg.as_bytes()
    parsed = parse_message(raw, limits=SourceLimits(max_message_bytes=len(raw) - 1))
    assert parsed.problems == [
        f"message trop volumineux ({human_size(len(raw))} ; maximum "
        f"{human_size(len(raw) - 1)}) : non lu"
    ]


def test_garbled_mime_does_not_raise() -> None:
    raw = (
        b"From: x@y.fr\r\nSubject: test\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: application/pdf; name*=utf-8''%E9%ZZ.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment\r\n\r\n"
        b"JVBERi0xLj!!!@@@not base64\r\n--B\r\n"
        b"Content-Type: multipart/mixed\r\n\r\n--B--\r\n"
    )
    parsed = parse_message(raw)  # must not raise
    assert parsed.sender == "x@y.fr"
    [att] = parsed.attachments  # best-effort decoding of the broken base64 and name
    assert att.name.endswith("ZZ.pdf") and "/" not in att.name


def test_deeply_nested_multiparts_do_not_overflow() -> None:
    depth = 60
    head = b"From: x@y.fr\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    body = b""
    for i in range(depth):
        body += f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
    body += b"Content-Type: text/plain\r\n\r\nfond\r\n"
    for i in reversed(range(depth)):
        body += f"--b{i}--\r\n".encode()
    parsed = parse_message(head + body)
    assert NO_ATTACHMENT in parsed.problems


# --------------------------------------------------------------------------- content helpers


def test_sniff_and_describe() -> None:
    assert sniff(PDF[:2048]) == "application/pdf"
    assert sniff(PNG[:2048]) == "image/png"
    assert sniff(EXE) is None
    assert describe(EXE) == "un programme Windows"
    assert describe(b"<!DOCTYPE html><html>") == "une page HTML"
    assert describe(b"Bonjour, voici") == "un fichier texte"
    assert describe(b"") == "un fichier vide"


# --------------------------------------------------------------------------- sample corpus


@pytest.fixture(scope="module")
def sample_mail(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("sample-mail")
    manifest = generate(out, scans=False, scenarios=MAIL_SCENARIOS)
    return out, manifest


def test_sample_mails_match_their_ground_truth(sample_mail) -> None:  # type: ignore[no-untyped-def]
    out, manifest = sample_mail
    mails = {p: f for p, f in manifest.files.items() if f.kind == "mail"}
    assert len(mails) >= len(MAIL_SCENARIOS)
    for rel, truth in mails.items():
        parsed = parse_message((Path(out) / rel).read_bytes())
        assert parsed.sender == truth.sender.lower(), rel
        assert parsed.message_id == truth.message_id, rel
        assert parsed.subject == truth.subject, rel
        assert parsed.received_at == dt.datetime.fromisoformat(truth.delivered_at), rel
        expected = [a.name for a in truth.attachments if a.content_type == "application/pdf"]
        assert names(parsed) == expected, rel
        assert all(a.ok and a.content_type == "application/pdf" for a in parsed.attachments)
        assert (NO_ATTACHMENT in parsed.problems) == (not expected), rel
