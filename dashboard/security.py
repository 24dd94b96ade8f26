"""Passwords, CSRF tokens, session secret and login throttling.

Passwords are argon2id hashes (argon2-cffi). A login that failed ``FREE_FAILURES`` times
in a row is refused, without looking at the password, until ``lockout_seconds(n)`` after
its last failure (2^(n-5) s, capped at 15 min); a success resets it. The same slowing
down applies in memory to unknown logins (so that a response never tells whether a
login exists) and to each client address (so that trying many logins is slow too).
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import secrets
import threading
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from storage.types import utcnow

MIN_PASSWORD_LENGTH = 8
FREE_FAILURES = 5  # consecutive failures before each further attempt waits
MAX_LOCKOUT_SECONDS = 15 * 60
IP_FREE_FAILURES = 20  # an office behind one address: more room before slowing it
CSRF_SESSION_KEY = "csrf_token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

Clock = Callable[[], dt.datetime]

_hasher = PasswordHasher()
# Verified when a login does not exist, so that the answer takes as long.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class PasswordPolicyError(ValueError):
    """A password refused by the policy; the message (French) says why."""


def check_password_policy(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"mot de passe trop court : {MIN_PASSWORD_LENGTH} caractères au moins"
        )
    if len(password) > 1024:
        raise PasswordPolicyError("mot de passe trop long : 1024 caractères au plus")
    return password


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (after the length policy)."""
    return _hasher.hash(check_password_policy(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing or broken hash never matches (and takes
    as long as a real check)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


# ------------------------------------------------------------------------------ CSRF


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, created on first use."""
    token = session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[CSRF_SESSION_KEY] = token
    return token


def csrf_valid(session: MutableMapping[str, Any], submitted: object) -> bool:
    expected = session.get(CSRF_SESSION_KEY)
    if not isinstance(expected, str) or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


# ------------------------------------------------------------------- session secret


def session_secret(secret_key: str | None, home: Path) -> str:
    """``secret_key`` when set, else the key kept in ``home/secret_key`` (created once,
    readable by its owner only)."""
    if secret_key:
        return secret_key
    path = home / "secret_key"
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        existing = ""
    if len(existing) >= 32:
        return existing
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    os.chmod(path, 0o600)
    return key


# -------------------------------------------------------------------- throttling


def lockout_seconds(failures: int, free: int = FREE_FAILURES) -> int:
    """How long after its last failure a login with ``failures`` consecutive failures
    must wait: nothing below ``free``, then 1, 2, 4... seconds, at most 15 minutes."""
    if failures < free:
        return 0
    return int(min(2 ** min(failures - free, 30), MAX_LOCKOUT_SECONDS))


def retry_at(
    failures: int, last_failed_at: dt.datetime | None, free: int = FREE_FAILURES
) -> dt.datetime | None:
    """When a login (or address) may try again; None when it may now."""
    wait = lockout_seconds(failures, free)
    if not wait or last_failed_at is None:
        return None
    return last_failed_at + dt.timedelta(seconds=wait)


@dataclass
class _Count:
    failures: int = 0
    last: dt.datetime | None = None


@dataclass
class LoginThrottle:
    """In-memory failure counts for client addresses and unknown logins. Accounts that
    exist keep theirs in the database (``User.failed_logins``), which survives restarts.
    ``clock`` is injectable so tests need not sleep."""

    clock: Clock = utcnow
    ip_free_failures: int = IP_FREE_FAILURES
    max_entries: int = 10_000
    _counts: dict[tuple[str, str], _Count] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> dt.datetime:
        return self.clock()

    def blocked_until(self, kind: str, key: str) -> dt.datetime | None:
        free = self.ip_free_failures if kind == "ip" else FREE_FAILURES
        with self._lock:
            count = self._counts.get((kind, key.lower()))
            if count is None:
                return None
            until = retry_at(count.failures, count.last, free)
        return until if until is not None and until > self.now() else None

    def failure(self, kind: str, key: str) -> None:
        with self._lock:
            if len(self._counts) >= self.max_entries:
                self._forget_oldest()
            count = self._counts.setdefault((kind, key.lower()), _Count())
            count.failures += 1
            count.last = self.now()

    def success(self, kind: str, key: str) -> None:
        with self._lock:
            self._counts.pop((kind, key.lower()), None)

    def _forget_oldest(self) -> None:
        oldest = sorted(
            self._counts.items(), key=lambda kv: kv[1].last.timestamp() if kv[1].last else 0.0
        )
        for key, _ in oldest[: max(1, len(oldest) // 10)]:
            del self._counts[key]
