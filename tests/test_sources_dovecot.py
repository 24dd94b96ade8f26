"""sources.dovecot: the local Dovecot of the demo and the tests, started for real."""

from __future__ import annotations

import datetime as dt
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from sources.dovecot import LocalDovecot, deliver, receipt_time


def mail(received: str | None, date: str = "Fri, 14 Jan 2022 09:00:00 +0100") -> bytes:
    msg = EmailMessage()
    if received:
        msg["Received"] = f"from relay.example.fr by mx.ac-nantes.fr; {received}"
    msg["From"] = "mairie@vertou.fr"
    msg["Date"] = date
    msg["Subject"] = "Convention e-primo"
    msg.set_content("Bonjour,")
    return msg.as_bytes()


def test_receipt_time_is_the_topmost_received_else_the_date() -> None:
    late_night = mail("Sat, 15 Jan 2022 23:59:30 +0100")
    assert receipt_time(late_night) == dt.datetime(
        2022, 1, 15, 23, 59, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))
    )
    assert receipt_time(mail(None)) == dt.datetime(
        2022, 1, 14, 9, tzinfo=dt.timezone(dt.timedelta(hours=1))
    )
    assert receipt_time(b"\x00\x01 not a message") is None


def test_delivered_mail_keeps_its_receipt_time_and_the_server_stops(tmp_path: Path) -> None:
    base = tmp_path / "demo-home" / "dovecot"
    with LocalDovecot(base) as server:
        assert server.running and server.host == "127.0.0.1"
        if os.geteuid() == 0:  # pytest's tmp_path is not reachable by the dovecot user
            assert server.base != base and str(server.base).startswith("/tmp/")
        account = server.add_account("demo")
        assert account.environment()["INTAKE_IMAP_PORT"] == str(server.port)
        raws = [mail("Sat, 15 Jan 2022 23:59:30 +0100"), mail(None)]
        assert deliver(account, raws) == 2
        client = account.client()
        client.normalise_times = False
        client.select_folder("INBOX")
        dates = sorted(
            v[b"INTERNALDATE"] for v in client.fetch(client.search(), ["INTERNALDATE"]).values()
        )
        client.logout()
        assert [d.astimezone(dt.UTC) for d in dates] == [
            dt.datetime(2022, 1, 14, 8, tzinfo=dt.UTC),
            dt.datetime(2022, 1, 15, 22, 59, 30, tzinfo=dt.UTC),
        ]
        used = server.base
    assert not server.running
    if used != base:
        assert not used.exists()  # a temporary folder is removed on stop
    else:
        assert (used / "dovecot.log").is_file()  # the demo home keeps its log


def test_account_names_are_checked() -> None:
    server = LocalDovecot()
    try:
        with pytest.raises(ValueError):
            server.add_account("../etc")
    finally:
        server.stop()
    assert not server.base.exists()
