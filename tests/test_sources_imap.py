"""sources.imap against a real Dovecot server (tests/dovecot.py): messages are put there
by a real client (IMAPClient ``append``), then listed, fetched and moved by the source."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from samples import generate
from sources.imap import ImapError, ImapMailbox
from sources.limits import SourceLimits
from sources.mail import NO_ATTACHMENT
from tests.dovecot import DovecotServer, ImapAccount
from tests.test_sources_mail import PDF, message

PARIS = dt.timezone(dt.timedelta(hours=1))
DEADLINE_NIGHT = dt.datetime(2022, 1, 15, 23, 30, tzinfo=PARIS)


def crlf(raw: bytes) -> bytes:
    """IMAP speaks CRLF: what the server returns for a message appended with LF ends."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def raw_message(subject: str = "Convention e-primo", *, attach: bool = True) -> bytes:
    msg = message(subject=subject)
    if attach:
        msg.add_attachment(PDF, "application", "pdf", filename="convention.pdf")
    return crlf(msg.as_bytes())


def mailbox(account: ImapAccount, **kw: object) -> ImapMailbox:
    return ImapMailbox(account.host, account.port, account.user, account.password, **kw)  # type: ignore[arg-type]


def test_list_fetch_and_move_to_the_accented_done_folder(imap_account: ImapAccount) -> None:
    first, second = raw_message("Premier"), raw_message("Second", attach=False)
    with imap_account.client() as client:
        client.append("INBOX", first, msg_time=DEADLINE_NIGHT)
        client.append("INBOX", second, msg_time=DEADLINE_NIGHT + dt.timedelta(days=2))
        expected_validity = client.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"]
        assert not client.folder_exists("Traités")

    with mailbox(imap_account) as box:
        assert box.uidvalidity() == expected_validity
        uids = box.list_uids()
        assert len(uids) == 2
        fetched = box.fetch(uids[0])
        assert fetched is not None
        assert fetched.raw == first
        assert fetched.size == len(first)
        assert fetched.internaldate == DEADLINE_NIGHT
        assert fetched.internaldate.tzinfo is not None
        assert fetched.problem is None
        assert fetched.uidvalidity == expected_validity
        assert fetched.origin_ref == (
            f"imap://{imap_account.user}@127.0.0.1/INBOX;"
            f"UIDVALIDITY={expected_validity}/;UID={uids[0]}"
        )
        parsed = fetched.parse()
        assert parsed.subject == "Premier" and parsed.sender == "mairie@vallet.fr"
        assert [a.name for a in parsed.usable] == ["convention.pdf"]
        later = box.fetch(uids[1])
        assert later is not None and later.parse().problems == [NO_ATTACHMENT]
        assert box.fetch(uids[1] + 100) is None  # no such message

        box.move_to_done([uids[0]])
        assert box.list_uids() == [uids[1]]
        box.move_to_done([])  # nothing to do

    with imap_account.client() as client:
        folders = [name for _flags, _sep, name in client.list_folders()]
        assert "Traités" in folders
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search("ALL"))
        assert all(b"\\Seen" not in f for f in flags.values())  # BODY.PEEK: nothing read
        done = client.select_folder("Traités", readonly=True)
        assert done[b"EXISTS"] == 1
        moved = client.fetch(client.search("ALL"), ["BODY.PEEK[]", "INTERNALDATE"])
        [(_uid, data)] = moved.items()
        assert data[b"BODY[]"] == first
    # the folder name went over the wire in modified UTF-7 (RFC 3501), as Dovecot stores it
    assert any("Trait&AOk-s" in p.name for p in imap_account.maildir.parent.rglob("*"))

    with mailbox(imap_account) as box:  # a second run only finds what was not moved
        assert len(box.list_uids()) == 1
        box.move_to_done(box.list_uids())
        assert box.list_uids() == []


def test_copy_delete_expunge_when_move_is_not_used(imap_account: ImapAccount) -> None:
    with imap_account.client() as client:
        client.create_folder("Traités")  # already there: kept as is
        for i in range(3):
            client.append("INBOX", raw_message(f"m{i}"), msg_time=DEADLINE_NIGHT)
    with mailbox(imap_account, prefer_move=False) as box:
        uids = box.list_uids()
        box.move_to_done(uids[:2])
        assert box.list_uids() == uids[2:]
    with imap_account.client() as client:
        assert client.select_folder("Traités")[b"EXISTS"] == 2
        assert client.select_folder("INBOX")[b"EXISTS"] == 1  # expunged, not just flagged


def test_changed_uidvalidity_gives_new_references(imap_account: ImapAccount) -> None:
    raw = raw_message()
    with imap_account.client() as client:
        client.create_folder("Conventions")
        client.append("Conventions", raw, msg_time=DEADLINE_NIGHT)
    with mailbox(imap_account, folder="Conventions") as box:
        old_validity = box.uidvalidity()
        [uid] = box.list_uids()
        old_ref = box.origin_ref(uid)
    with imap_account.client() as client:  # the folder is recreated (a server migration…)
        client.delete_folder("Conventions")
        client.create_folder("Conventions")
        client.append("Conventions", raw, msg_time=DEADLINE_NIGHT)
    with mailbox(imap_account, folder="Conventions") as box:
        assert box.uidvalidity() != old_validity
        [uid] = box.list_uids()
        fetched = box.fetch(uid)
        assert fetched is not None
        assert fetched.origin_ref != old_ref
        assert fetched.raw == raw  # same bytes: the flow recognises it by its hash


def test_oversized_message_is_not_downloaded(imap_account: ImapAccount) -> None:
    raw = raw_message()
    with imap_account.client() as client:
        client.append("INBOX", raw, msg_time=DEADLINE_NIGHT)
    with mailbox(imap_account, limits=SourceLimits(max_message_bytes=1000)) as box:
        [uid] = box.list_uids()
        fetched = box.fetch(uid)
    assert fetched is not None and fetched.raw == b"" and fetched.size == len(raw)
    assert fetched.problem is not None and "non téléchargé" in fetched.problem
    assert fetched.internaldate == DEADLINE_NIGHT


def test_sample_mails_through_imap(imap_account: ImapAccount, tmp_path: Path) -> None:
    manifest = generate(
        tmp_path, scans=False, scenarios=["ecollectivites_forwarded_eml", "ecollectivites_zip"]
    )
    mails = {p: t for p, t in manifest.files.items() if t.kind == "mail"}
    with imap_account.client() as client:
        for rel, truth in sorted(mails.items()):
            delivered = dt.datetime.fromisoformat(str(truth.delivered_at))
            client.append("INBOX", (tmp_path / rel).read_bytes(), msg_time=delivered)
    settings = Settings(
        imap_host=imap_account.host,
        imap_port=imap_account.port,
        imap_user=imap_account.user,
        imap_password=imap_account.password,
    )
    with ImapMailbox.from_settings(settings, timeout=10) as box:
        got = [box.fetch(uid) for uid in box.list_uids()]
    assert len(got) == len(mails)
    for fetched, (_rel, truth) in zip(got, sorted(mails.items()), strict=True):
        assert fetched is not None
        assert fetched.internaldate == dt.datetime.fromisoformat(str(truth.delivered_at))
        parsed = fetched.parse()
        assert parsed.message_id == truth.message_id
        expected = [a.name for a in truth.attachments if a.content_type == "application/pdf"]
        assert [a.name for a in parsed.usable] == expected


# --------------------------------------------------------------------------- failures


def test_wrong_password_missing_folder_and_bad_configuration(imap_account: ImapAccount) -> None:
    with pytest.raises(ImapError) as err:
        ImapMailbox(imap_account.host, imap_account.port, imap_account.user, "faux").open()
    assert err.value.code == "auth" and not err.value.transient
    assert "identifiant ou mot de passe incorrect" in err.value.message_fr

    with pytest.raises(ImapError) as err, mailbox(imap_account, folder="Inexistant"):
        pass
    assert err.value.code == "folder"
    assert "« Inexistant » n'existe pas" in err.value.message_fr

    with pytest.raises(ImapError) as err:
        mailbox(imap_account, folder="INBOX", done_folder="INBOX")
    assert err.value.code == "config"
    with pytest.raises(ImapError) as err:
        ImapMailbox.from_settings(Settings(imap_host=None))
    assert err.value.code == "config"


def test_connection_refused_is_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once closed
    with pytest.raises(ImapError) as err:
        ImapMailbox("127.0.0.1", port, "u", "p", timeout=5).open()
    assert err.value.code == "connect" and err.value.transient
    assert "refuse la connexion" in err.value.message_fr


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never says anything."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []

    def accept() -> None:
        try:
            while True:
                conn, _ = server.accept()
                held.append(conn)
        except OSError:
            return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    server.close()
    for conn in held:
        conn.close()


def test_silent_server_times_out(silent_server: int) -> None:
    with pytest.raises(ImapError) as err:
        ImapMailbox("127.0.0.1", silent_server, "u", "p", timeout=0.3).open()
    assert err.value.code == "timeout" and err.value.transient
    assert "ne répond pas" in err.value.message_fr


def test_killed_connection_raises_a_transient_error(private_dovecot: DovecotServer) -> None:
    account = private_dovecot.add_account()
    with account.client() as client:
        client.append("INBOX", raw_message(), msg_time=DEADLINE_NIGHT)
    with mailbox(account, timeout=5) as box:
        [uid] = box.list_uids()
        private_dovecot.kick(account.user)  # the server drops the connection
        with pytest.raises(ImapError) as err:
            box.fetch(uid)
        assert err.value.code == "connection_lost" and err.value.transient
        assert "interrompue" in err.value.message_fr
        with pytest.raises(ImapError) as again:  # the mailbox stays unusable, clearly
            box.list_uids()
        assert again.value.transient
    with mailbox(account, timeout=5) as box:  # the next run reconnects
        assert box.list_uids() == [uid]
    private_dovecot.stop()
    with pytest.raises(ImapError) as down:
        mailbox(account, timeout=5).open()
    assert down.value.code == "connect" and down.value.transient
