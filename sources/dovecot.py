"""A local Dovecot IMAP server (Debian ``dovecot-imapd``) with its own configuration and
throwaway maildirs: the mailbox of ``intake demo --read`` and of the IMAP tests.

One implementation for both::

    with LocalDovecot(home / "dovecot") as server:     # 127.0.0.1, a free port
        account = server.add_account("demo")           # empty mailbox, plaintext login
        with account.client() as client:               # a logged-in IMAPClient
            client.append("INBOX", raw, msg_time=received_at)

Dovecot 2.3 runs as ``dovecot -F -c CONF``: ``protocols = imap``, ``listen = 127.0.0.1``,
its own ``base_dir``/``state_dir``/``log_path``, ``ssl = no``, imaps ``port = 0``,
passwd-file accounts (one file each: a new account needs no reload) and a static userdb
with a non-root uid. Run as root, the mail processes run as the ``dovecot`` user (uid 0
is refused) and the maildirs are chowned to it; the server's folder must then be
reachable by that user, else a private folder under the system's temporary directory is
used instead (see ``LocalDovecot.base``). Run as another user, everything runs as that
user. Dovecot's output goes to a log file: a captured pipe would hang the caller.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


class DovecotError(RuntimeError):
    """Dovecot is missing, or did not start (the message ends with its log's tail)."""


def dovecot_binary() -> str | None:
    """The ``dovecot`` program, or None when it is not installed."""
    found = shutil.which("dovecot") or "/usr/sbin/dovecot"
    return found if os.access(found, os.X_OK) else None


def doveadm_binary() -> str | None:
    found = shutil.which("doveadm") or "/usr/bin/doveadm"
    return found if os.access(found, os.X_OK) else None


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ImapAccount:
    """One mailbox of the server: what ``INTAKE_IMAP_*`` must say to read it."""

    host: str
    port: int
    user: str
    password: str
    maildir: Path

    def client(self, timeout: float = 10.0) -> Any:
        """A logged-in ``IMAPClient`` (plaintext, loopback only)."""
        from imapclient import IMAPClient  # type: ignore[import-untyped]

        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
        client.login(self.user, self.password)
        return client

    def environment(self, folder: str = "INBOX") -> dict[str, str]:
        """The ``INTAKE_IMAP_*`` settings that point the intake at this mailbox."""
        return {
            "INTAKE_IMAP_HOST": self.host,
            "INTAKE_IMAP_PORT": str(self.port),
            "INTAKE_IMAP_USER": self.user,
            "INTAKE_IMAP_PASSWORD": self.password,
            "INTAKE_IMAP_SSL": "false",
            "INTAKE_IMAP_FOLDER": folder,
        }


class LocalDovecot:
    """A Dovecot of its own under ``base`` (created; None: a new temporary folder),
    listening on ``host`` at a free port once started. Stop it with ``stop()`` or use it
    as a context manager. A temporary folder is removed on stop; ``base`` too with
    ``cleanup=True`` (else its log and maildirs are kept)."""

    def __init__(
        self, base: Path | None = None, *, host: str = HOST, cleanup: bool = False
    ) -> None:
        self.host = host
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._temporary = base is None
        self._cleanup = cleanup
        self.base = base or Path(tempfile.mkdtemp(prefix="intake-dovecot-"))
        self._users = itertools.count(1)

    # ------------------------------------------------------------------ paths

    @property
    def conf(self) -> Path:
        return self.base / "dovecot.conf"

    @property
    def log(self) -> Path:
        return self.base / "dovecot.log"

    @property
    def passwd(self) -> Path:
        """One passwd-file per account (``users/<name>``), read when first used."""
        return self.base / "users"

    @property
    def homes(self) -> Path:
        return self.base / "home"

    # ------------------------------------------------------------------ identity

    @staticmethod
    def identity() -> tuple[str, str, int, int]:
        """(internal user, login user, mail uid, mail gid)."""
        if os.geteuid() == 0:
            try:
                internal = pwd.getpwnam("dovecot")
            except KeyError:
                raise DovecotError(
                    "Dovecot's 'dovecot' user is missing: install dovecot-imapd."
                ) from None
            try:
                login = pwd.getpwnam("dovenull").pw_name
            except KeyError:
                login = internal.pw_name
            return internal.pw_name, login, internal.pw_uid, internal.pw_gid
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid

    def _place(self, uid: int, gid: int) -> None:
        """Use ``base`` if the mail user can reach it, else a private temporary folder."""
        self.base.mkdir(parents=True, exist_ok=True)
        if self._temporary or _reachable(self.base.parent, uid, gid):
            return
        fallback = Path(tempfile.mkdtemp(prefix="intake-dovecot-"))
        log.info("%s is not reachable by uid %d: Dovecot runs in %s", self.base, uid, fallback)
        self.base, self._temporary = fallback, True

    def _write_config(self) -> None:
        internal, login, uid, gid = self.identity()
        run, state = self.base / "run", self.base / "state"
        for d in (run, state, self.homes, self.passwd):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o755)  # the mail processes (uid ``uid``) must traverse it
        os.chown(self.homes, uid, gid)
        self.conf.write_text(
            f"""\
protocols = imap
listen = {self.host}
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
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
        )

    # ------------------------------------------------------------------ life

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> LocalDovecot:
        """Start the server and wait until it accepts connections (DovecotError if it
        is not installed or does not start)."""
        binary = dovecot_binary()
        if binary is None:
            raise DovecotError(
                "Dovecot is not installed: install the Debian package dovecot-imapd."
            )
        _, _, uid, gid = self.identity()
        self._place(uid, gid)
        for _attempt in range(5):
            self.port = free_port(self.host)
            self._write_config()
            with open(self.log, "ab") as out:
                self.process = subprocess.Popen(
                    [binary, "-F", "-c", str(self.conf)],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.running:
                try:
                    with socket.create_connection((self.host, self.port), timeout=0.5):
                        log.info("Dovecot listening on %s:%d (%s)", self.host, self.port, self.base)
                        return self
                except OSError:
                    time.sleep(0.02)
            self._terminate()  # port taken meanwhile, or slow: try again on another
        tail = self.log.read_text(errors="replace")[-3000:] if self.log.is_file() else ""
        self.stop()
        raise DovecotError(f"Dovecot did not start:\n{tail}")

    def _terminate(self) -> None:
        """Stop the server process: the master takes its children (and their
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

    def stop(self) -> None:
        """Stop the server; remove its folder if temporary (or ``cleanup``)."""
        self._terminate()
        if self._temporary or self._cleanup:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> LocalDovecot:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ accounts

    def add_account(self, name: str | None = None, password: str | None = None) -> ImapAccount:
        """A new account with an empty mailbox (its own passwd-file, no reload)."""
        user = name or f"u{os.getpid()}x{next(self._users)}"
        if not user.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"invalid IMAP user name: {user!r}")
        password = password or f"pw-{user}"
        (self.passwd / user).write_text(f"{user}:{{PLAIN}}{password}\n")
        return ImapAccount(self.host, self.port, user, password, self.homes / user / "Maildir")

    def _doveadm(self, *args: str) -> str:
        doveadm = doveadm_binary()
        if doveadm is None:
            raise DovecotError("doveadm is not installed: install dovecot-imapd.")
        result = subprocess.run(
            [doveadm, "-c", str(self.conf), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            raise DovecotError(f"doveadm {args[0]} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def kick(self, user: str, timeout: float = 10.0) -> None:
        """Drop every connection of ``user`` (``doveadm kick``) and wait until their
        processes are gone (``kick`` only signals them); the server keeps running."""
        pids = {
            int(fields[2])
            for line in self._doveadm("who", "-1", user).splitlines()[1:]
            if len(fields := line.split()) >= 3 and fields[0] == user and fields[2].isdigit()
        }
        self._doveadm("kick", user)
        deadline = time.monotonic() + timeout
        while pids and time.monotonic() < deadline:
            pids = {p for p in pids if Path(f"/proc/{p}").exists()}
            if pids:
                time.sleep(0.02)


def _reachable(folder: Path, uid: int, gid: int) -> bool:
    """Whether ``uid``/``gid`` may traverse ``folder`` and every folder above it."""
    if uid == os.geteuid():
        return True
    for d in [folder.resolve(), *folder.resolve().parents]:
        try:
            st = d.stat()
        except OSError:
            return False
        if st.st_uid == uid:
            bit = stat.S_IXUSR
        elif st.st_gid == gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def receipt_time(raw: bytes) -> dt.datetime | None:
    """When a message reached its mailbox: its topmost ``Received:`` time, else its
    ``Date:`` (aware), else None — the INTERNALDATE to give it when delivering it."""
    import email.parser
    import email.policy

    from sources.mail import date_header, topmost_received

    try:
        msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(
            raw[:262_144], headersonly=True
        )
    except Exception:  # the email package raises many kinds on garbage
        return None
    return topmost_received(msg) or date_header(msg)


def deliver(account: ImapAccount, messages: list[bytes], folder: str = "INBOX") -> int:
    """APPEND each message to ``folder`` with its receipt time as INTERNALDATE (so that
    the intake, which takes the INTERNALDATE as the receipt time, dates it as the
    sender's mail server did). Returns how many were delivered."""
    client = account.client()
    try:
        for raw in messages:
            client.append(folder, raw, msg_time=receipt_time(raw))
    finally:
        client.logout()
    return len(messages)


__all__ = [
    "DovecotError",
    "ImapAccount",
    "LocalDovecot",
    "deliver",
    "dovecot_binary",
    "free_port",
    "receipt_time",
]
