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
        ("fiche.pdf", T.needs_form_pdf(), "application", "pdf"),
    )
    # a signature logo shown in the body (inline, with a Content-ID): not a piece
    msg.add_attachment(
        b"GIF89a....", maintype="image", subtype="gif", filename="logo.gif", cid="<logo@mairie>"
    )
    logo = msg.get_payload()[-1]  # type: ignore[index]
    logo.replace_header("Content-Disposition", 'inline; filename="logo.gif"')
    docs = extract_message(msg.as_bytes())
    bad = [d for d in docs if d.error]
    assert [d.attachment for d in bad] == ["convention.pdf"]
    assert bad[0].type == "other" and "PDF" in bad[0].error
    assert [d.type for d in docs if not d.error] == ["needs_form"]


def test_an_attached_gif_is_reported_like_the_intake_does() -> None:
    """Sent as an attachment, a GIF was meant as a piece: staff must see it cannot be
    read (the same verdict as the nightly intake's, ``sources.mail``)."""
    msg = _mail(("scan.gif", b"GIF89a....", "image", "gif"))
    (doc,) = extract_message(msg.as_bytes())
    assert doc.attachment == "scan.gif" and doc.type == "other"
    assert doc.error is not None and "GIF" in doc.error and doc.error[0].isupper()


def test_message_level_problem_is_a_document_without_attachment() -> None:
    msg = _mail(*[(f"p{i}.pdf", T.needs_form_pdf(), "application", "pdf") for i in range(3)])
    from extractors.limits import Limits

    docs = extract_message(msg.as_bytes(), limits=Limits(max_message_attachments=2))
    assert [d.attachment for d in docs if not d.error] == ["p0.pdf", "p1.pdf"]
    (problem,) = [d for d in docs if d.error]
    assert problem.attachment is None
    assert "trop de pièces jointes" in (problem.error or "").lower()


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
