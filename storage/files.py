"""Content-addressed file store: every file is kept once, under its SHA-256.

Layout: ``root/ab/cd/<sha256>`` (the first two pairs of hex digits as directories).
Writes are atomic (temporary file in the same directory, fsync, rename), idempotent,
and stored files are made read-only. Only 64-hex-digit names are ever turned into
paths, so no input can reach outside ``root``; original file names are metadata kept in
the database, never used here.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

_SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024


class FileStoreError(Exception):
    """A store operation that cannot be done (bad address, missing file...)."""


class InvalidSha256Error(FileStoreError, ValueError):
    pass


class FileMissingError(FileStoreError, FileNotFoundError):
    pass


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_sha256(sha: object) -> str:
    """``sha`` if it is a lowercase 64-hex-digit string, else ``InvalidSha256Error``."""
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        shown = repr(sha)[:80]
        raise InvalidSha256Error(f"not a SHA-256 address: {shown}")
    return sha


class FileStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"FileStore({str(self.root)!r})"

    def path(self, sha: str) -> Path:
        """Where the file with this SHA-256 lives (whether or not it exists)."""
        sha = check_sha256(sha)
        return self.root / sha[:2] / sha[2:4] / sha

    def exists(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def put(self, data: bytes) -> str:
        """Store ``data``; returns its SHA-256. Storing the same bytes again is a no-op."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"expected bytes, got {type(data).__name__}")
        sha = sha256_bytes(bytes(data))
        if not self.exists(sha):
            self._write(sha, lambda fh: fh.write(data))
        return sha

    def put_file(self, source: str | os.PathLike[str]) -> str:
        """Store a file's content, streamed (big files never sit in memory); returns its
        SHA-256. The source file is left as it is."""
        source = Path(source)
        if not source.is_file():
            raise FileMissingError(f"not a regular file: {source}")
        digest = hashlib.sha256()
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                for chunk in iter(lambda: src.read(CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            if self.exists(sha):
                return sha
            self._install(tmp, self.path(sha))
            tmp = ""
            return sha
        finally:
            if tmp:
                _unlink_quietly(tmp)

    def open(self, sha: str) -> BinaryIO:
        """The stored file, opened for binary reading."""
        path = self.path(sha)
        try:
            return open(path, "rb")
        except FileNotFoundError as exc:
            raise FileMissingError(f"no stored file {sha}") from exc

    def read(self, sha: str) -> bytes:
        with self.open(sha) as fh:
            return fh.read()

    def verify(self, sha: str) -> bool:
        """True when the stored file exists and its content still hashes to ``sha``."""
        path = self.path(sha)
        try:
            return sha256_file(path) == sha
        except FileNotFoundError:
            return False

    def _write(self, sha: str, write: Callable[[BinaryIO], object]) -> None:
        target = self.path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            self._install(tmp, target)
            tmp = ""
        finally:
            if tmp:
                _unlink_quietly(tmp)

    def _install(self, tmp: str, target: Path) -> None:
        """Make ``tmp`` read-only and rename it to ``target`` (atomic on one filesystem)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(tmp, target)
        _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
