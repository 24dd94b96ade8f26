"""A real Dovecot IMAP server for the tests (Debian ``dovecot-imapd``), no IMAP mocks.

The server itself is the product's ``sources.dovecot.LocalDovecot`` (also the mailbox of
``intake demo --read``); this module only makes fixtures of it. Registered from
``tests/conftest.py`` (``pytest_plugins``):

* ``dovecot`` (session): one server on 127.0.0.1 with its own configuration, run
  directory and throwaway maildirs under a temporary directory (``/tmp``'s children are
  reachable by the ``dovecot`` user, pytest's ``tmp_path`` is not).
* ``imap_account`` (function): a fresh account (user, password, empty mailbox) on that
  server, so that tests do not see each other's messages.
* ``private_dovecot`` (function): a server of the test's own, for tests that stop it;
  ``start_dovecot()`` starts one outside a fixture.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sources.dovecot import DovecotError, ImapAccount, LocalDovecot

DovecotServer = LocalDovecot
__all__ = ["DovecotServer", "ImapAccount", "start_dovecot"]


def start_dovecot() -> LocalDovecot:
    """A running server of its own in a new temporary directory; ``.stop()`` stops it
    and removes the directory. A missing or failing Dovecot fails the test clearly."""
    server = LocalDovecot()
    try:
        return server.start()
    except DovecotError as exc:
        pytest.fail(
            f"{exc}\nThe IMAP tests need a real Dovecot (`make test` installs dovecot-imapd).",
            pytrace=False,
        )


def _serve() -> Iterator[LocalDovecot]:
    server = start_dovecot()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[LocalDovecot]:
    yield from _serve()


@pytest.fixture
def private_dovecot() -> Iterator[LocalDovecot]:
    yield from _serve()


@pytest.fixture
def imap_account(dovecot: LocalDovecot) -> ImapAccount:
    return dovecot.add_account()
