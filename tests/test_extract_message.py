"""E-mails: documents of PDF/image attachments (each naming its attachment), forwarded
messages and ZIP archives opened with ``outer/inner`` names, unreadable attachments
reported in French, hostile input refused cleanly."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

import pytest

from extractors import ExtractionError, extract_message
from extractors import testing as T
from extractors.message import looks_like_message


def _mail(*attachments: tuple[str, bytes, str, str], body: str = "Bonjour,") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "mairie@vertou.fr"
    msg["To"] = "contact@ecollectivites.fr"
    msg["Subject"] = "Fiche de besoins e-primo"
    msg["Date"] = "Mon, 13 Dec 2021 10:12:00 +0100"
    msg.set_content(body)
    for name, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def test_pdf_attachment() -> None:
    msg = _mail(("fiche besoins.pdf", T.needs_form_pdf(total=True), "application", "pdf"))
    data = msg.as_bytes()
    assert looks_like_message(data)
    (doc,) = extract_message(data)
    assert doc.type == "needs_form"
    assert doc.attachment == "fiche besoins.pdf"
    assert doc.value("student_accounts") == 205 and doc.pages == [1]


def test_forwarded_message_and_zip() -> None:
    inner = _mail(("fiche.pdf", T.needs_form_pdf(), "application", "pdf"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("pieces/convention.pdf", T.convention_pdf(body_pages=1))
        zf.writestr("pieces/deliberation.pdf", T.deliberation_pdf())
        zf.writestr("__MACOSX/._convention.pdf", b"junk")
    outer = _mail(("pieces.zip", buf.getvalue(), "application", "zip"))
    outer.add_attachment(inner)  # message/rfc822
    docs = extract_message(outer.as_bytes())
    got = sorted((d.attachment or "", d.type) for d in docs)
    assert ("pieces.zip/convention.pdf", "convention") in got
    assert ("pieces.zip/deliberation.pdf", "deliberation") in got
    fwd = [d for d in docs if d.type == "needs_form"]
    assert len(fwd) == 1 and fwd[0].attachment is not None
    assert fwd[0].attachment.endswith("/fiche.pdf")
    assert not any(d.attachment and "__MACOSX" in d.attachment for d in docs)


def test_unreadable_attachment_is_reported_not_raised() -> None:
    msg = _mail(
        ("convention.pdf", b"%PDF-1.4\n garbage", "application", "pdf"),
        ("logo.gif", b"GIF89a....", "image", "gif"),
        ("fiche.pdf", T.needs_form_pdf(), "application", "pdf"),
    )
    docs = extract_message(msg.as_bytes())
    bad = [d for d in docs if d.error]
    assert [d.attachment for d in bad] == ["convention.pdf"]
    assert bad[0].type == "other" and "PDF" in bad[0].error
    assert [d.type for d in docs if not d.error] == ["needs_form"]


def test_message_without_attachment() -> None:
    assert extract_message(_mail().as_bytes()) == []


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"", "empty"), (b"\x00\x01\x02 binary junk", "bad_message")],
)
def test_not_a_message(data: bytes, code: str) -> None:
    with pytest.raises(ExtractionError) as exc:
        extract_message(data)
    assert exc.value.code == code
