"""A real Dovecot IMAP server for the tests (Debian ``dovecot-imapd``), no IMAP mocks.

Registered from ``tests/conftest.py`` (``pytest_plugins``). Fixtures:

* ``dovecot`` (session): one server on 127.0.0.1 with its own configuration, run
  directory and throwaway maildirs under a temporary directory; plaintext LOGIN/PLAIN on
  loopback, no TLS, passwd-file accounts (one file each), a static userdb with a
  non-root uid, no delay after failed logins (no auth penalty).
* ``imap_account`` (function): a fresh account (user, password, empty mailbox) on that
  server, so that tests do not see each other's messages.
* ``private_dovecot`` (function): a server of the test's own, for tests that stop it;
  ``start_dovecot()`` starts one outside a fixture.

Run as root (the usual case in CI), the mail processes run as the ``dovecot`` user (uid 0
is refused by Dovecot) and the maildirs are chowned to it; run as another user, everything
runs as that user. Dovecot's output goes to a log file: a captured pipe would hang.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ImapAccount:
    host: str
    port: int
    user: str
    password: str
    maildir: Path

    def client(self, timeout: float = 10.0):  # type: ignore[no-untyped-def]
        """A logged-in IMAPClient (the tests' "real client" that puts messages there)."""
        from imapclient import IMAPClient  # type: ignore[import-untyped]

        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
        client.login(self.user, self.password)
        return client


@dataclass
class DovecotServer:
    base: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _users: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def conf(self) -> Path:
        return self.base / "dovecot.conf"

    @property
    def log(self) -> Path:
        return self.base / "dovecot.log"

    @property
    def passwd(self) -> Path:
        """One passwd-file per account (``users/<name>``): a new account is a new file,
        read when first used, so no reload of a shared file is needed."""
        return self.base / "users"

    @property
    def homes(self) -> Path:
        return self.base / "home"

    def _identity(self) -> tuple[str, str, int, int]:
        """(internal user, login user, mail uid, mail gid)."""
        if os.geteuid() == 0:
            try:
                internal = pwd.getpwnam("dovecot")
            except KeyError:
                pytest.fail("Dovecot's 'dovecot' user is missing: install dovecot-imapd.")
            try:
                login = pwd.getpwnam("dovenull").pw_name
            except KeyError:
                login = internal.pw_name
            return internal.pw_name, login, internal.pw_uid, internal.pw_gid
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid

    def _write_config(self) -> None:
        internal, login, uid, gid = self._identity()
        run, state = self.base / "run", self.base / "state"
        for d in (run, state, self.homes, self.passwd):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o755)  # the mail processes (uid ``uid``) must traverse it
        os.chown(self.homes, uid, gid)
        self.conf.write_text(
            f"""\
protocols = imap
listen = {HOST}
base_dir = {run}
state_dir = {state}
log_path = {self.log}
info_log_path = {self.log}
default_internal_user = {internal}
default_login_user = {login}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:~/Maildir
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.passwd}/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.homes}/%u
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
        )

    def start(self) -> None:
        if not Path(DOVECOT).is_file():
            pytest.fail(
                "Dovecot is needed by the IMAP tests but is not installed: install the Debian "
                "package dovecot-imapd (`make test` does).",
                pytrace=False,
            )
        for _attempt in range(5):
            self.port = _free_port()
            self._write_config()
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [DOVECOT, "-F", "-c", str(self.conf)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    with socket.create_connection((HOST, self.port), timeout=0.5):
                        return
                except OSError:
                    time.sleep(0.02)
            self.stop()
        pytest.fail(
            f"Dovecot did not start:\n{self.log.read_text(errors='replace')[-3000:]}",
            pytrace=False,
        )

    def stop(self) -> None:
        """Stop the server: its master process takes its children (and their
        connections) down with it."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def kick(self, user: str) -> None:
        """Drop every connection of ``user`` (``doveadm kick``), the server keeps running."""
        result = subprocess.run(
            [DOVEADM, "-c", str(self.conf), "kick", user],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"doveadm kick failed: {result.stdout}{result.stderr}", pytrace=False)

    def add_account(self, name: str | None = None) -> ImapAccount:
        """A new account with an empty mailbox (passwd-file is re-read when it changes)."""
        user = name or f"u{os.getpid()}x{next(self._users)}"
        password = f"pw-{user}"
        (self.passwd / user).write_text(f"{user}:{{PLAIN}}{password}\n")
        return ImapAccount(HOST, self.port, user, password, self.homes / user / "Maildir")


def start_dovecot() -> DovecotServer:
    """A running server of its own in a new temporary directory (``/tmp``'s children are
    reachable by the ``dovecot`` user, pytest's ``tmp_path`` is not). Stop it with
    ``.stop()``, then remove ``.base``."""
    server = DovecotServer(Path(tempfile.mkdtemp(prefix="intake-dovecot-")))
    try:
        server.start()
    except BaseException:
        shutil.rmtree(server.base, ignore_errors=True)
        raise
    return server


def _serve() -> Iterator[DovecotServer]:
    server = start_dovecot()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    yield from _serve()


@pytest.fixture
def private_dovecot() -> Iterator[DovecotServer]:
    yield from _serve()


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> ImapAccount:
    return dovecot.add_account()
