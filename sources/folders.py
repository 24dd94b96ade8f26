"""Folders that receive files: the mail room's scans (``INTAKE_SCANS_DIR``) and mail
exported from a client as ``.eml`` files (``INTAKE_EML_DIR``).

Files are only ever read (opened read-only, never renamed, touched or deleted). A file is
known by its content hash: the caller's ``seen(sha256)`` says which were already taken.
A file still being written (its size or time changed while it was read, or it changed
less than ``settle_seconds`` ago) is reported as ``waiting`` and left for the next run.
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import hashlib
import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from extractors.message import looks_like_message
from sources.content import decode_text, describe, extension, printable, sniff
from sources.limits import DEFAULT_SOURCE_LIMITS, SourceLimits, human_size
from sources.mail import date_header, topmost_received

log = logging.getLogger(__name__)

Status = Literal["ready", "waiting", "problem"]
CHUNK = 1024 * 1024
DEFAULT_SETTLE_SECONDS = 30.0
# Files that are not (yet) documents: hidden, Office lock files, partial downloads.
_TEMP_PREFIXES = (".", "~$", "~")
_TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", "~")
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini"})
WAITING_NOTE = "fichier en cours d'écriture : il sera repris au prochain passage"


class FolderError(Exception):
    """A folder or a file cannot be read as a whole (``message_fr`` for staff)."""

    def __init__(self, message_fr: str) -> None:
        super().__init__(message_fr)
        self.message_fr = message_fr


@dataclass(frozen=True)
class FolderFile:
    """One file found in a folder.

    ``path``: where it is (for reading only). ``name``: its path relative to the folder,
    ``/``-separated, made printable — a display name, never a path. ``mtime``: aware, in
    the requested zone. ``status``: ``ready`` (``sha256`` and ``content_type`` set),
    ``waiting`` (still being written: next run) or ``problem`` (``problem`` says why, in
    French; ``sha256`` is None when the file was not read). ``received_at``: for scans
    the file's time (``received_at_source = "file_time"``, to be confirmed by staff when
    no arrival stamp is read); for ``.eml`` files the topmost ``Received:`` else
    ``Date:`` (``"mail"``), None when neither (then a note says so)."""

    path: Path
    name: str
    size: int
    mtime: dt.datetime
    status: Status
    sha256: str | None = None
    content_type: str | None = None
    problem: str | None = None
    notes: tuple[str, ...] = ()
    received_at: dt.datetime | None = None
    received_at_source: Literal["mail", "file_time"] | None = None
    mtime_ns: int = 0

    @property
    def origin_ref(self) -> str:
        """A reference for ``SourceItem.origin_ref``: the name and the content hash (or,
        for a file not read, its size and time, so that it is reported once)."""
        tail = self.sha256 or f"size={self.size},mtime_ns={self.mtime_ns}"
        ref = f"{self.name}#{tail}"
        return ref if len(ref) <= 512 else f"{self.name[: 511 - len(tail) - 2]}…#{tail}"

    def read_bytes(self) -> bytes:
        """The file's bytes, checked against ``sha256`` (at most ``size`` + 1 bytes are
        read); ``FolderError`` (French) if the file is gone or has changed since listed."""
        if self.sha256 is None:
            raise FolderError(f"Le fichier « {self.name} » n'a pas été lu : {self.problem}.")
        try:
            with open(self.path, "rb") as fh:
                data = fh.read(self.size + 1)
        except OSError as exc:
            raise FolderError(f"Le fichier « {self.name} » ne peut plus être lu ({exc}).") from exc
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise FolderError(f"Le fichier « {self.name} » a changé depuis qu'il a été listé.")
        return data


def scan_folder(
    directory: str | os.PathLike[str],
    *,
    seen: Callable[[str], bool] | None = None,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    limits: SourceLimits = DEFAULT_SOURCE_LIMITS,
    tz: dt.tzinfo | str | None = None,
) -> list[FolderFile]:
    """Files of the scan folder (recursively), sorted by name, except those ``seen``.
    Ready files are PDFs or images (by content); anything else is a ``problem``."""
    return _Lister(directory, seen, settle_seconds, limits, tz, eml=False).run()


def eml_folder(
    directory: str | os.PathLike[str],
    *,
    seen: Callable[[str], bool] | None = None,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    limits: SourceLimits = DEFAULT_SOURCE_LIMITS,
    tz: dt.tzinfo | str | None = None,
) -> list[FolderFile]:
    """``.eml`` files of the folder (recursively), like ``scan_folder``, each with its
    receipt time read from its headers; other files are ``problem``s."""
    return _Lister(directory, seen, settle_seconds, limits, tz, eml=True).run()


def is_temporary(name: str) -> bool:
    """Hidden, lock, partial-download and system files, never taken."""
    low = name.lower()
    return low.startswith(_TEMP_PREFIXES) or low.endswith(_TEMP_SUFFIXES) or low in _SYSTEM_FILES


def display_name(parts: tuple[str, ...]) -> str:
    """Relative path parts (``os.fsdecode`` strings) as a printable ``/``-joined name; an
    undecodable byte name is read as Windows-1252."""
    names = [printable(decode_text(p), 255) or "_" for p in parts]
    return "/".join(names)


class _Lister:
    def __init__(
        self,
        directory: str | os.PathLike[str],
        seen: Callable[[str], bool] | None,
        settle_seconds: float,
        limits: SourceLimits,
        tz: dt.tzinfo | str | None,
        *,
        eml: bool,
    ) -> None:
        self.root = Path(directory)
        self.seen = seen
        self.settle = settle_seconds
        self.limits = limits
        self.tz: dt.tzinfo = ZoneInfo(tz) if isinstance(tz, str) else (tz or dt.UTC)
        self.eml = eml
        self.max_bytes = limits.max_message_bytes if eml else limits.max_file_bytes
        self.found: list[FolderFile] = []

    def run(self) -> list[FolderFile]:
        try:
            root_stat = self.root.stat()
        except OSError as exc:
            raise FolderError(f"Le dossier {self.root} est introuvable ou illisible.") from exc
        if not stat.S_ISDIR(root_stat.st_mode):
            raise FolderError(f"{self.root} n'est pas un dossier.")
        self.real_root = self.root.resolve()
        self.now = time.time()
        for dirpath, dirnames, filenames in os.walk(self.root, onerror=self._dir_error):
            dirnames[:] = sorted(d for d in dirnames if not is_temporary(d))
            for filename in sorted(filenames):
                if is_temporary(filename):
                    continue
                path = Path(dirpath) / filename
                try:
                    item = self._file(path)
                except Exception as exc:  # one odd file never stops the batch
                    log.warning("cannot list %s: %r", path, exc, exc_info=True)
                    item = self._problem(path, None, "fichier illisible")
                if item is not None:
                    self.found.append(item)
        return sorted(self.found, key=lambda f: f.name)

    # ------------------------------------------------------------------ one file

    def _file(self, path: Path) -> FolderFile | None:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                log.info("broken symlink ignored: %s", path)
                return None
            if not target.is_relative_to(self.real_root):
                log.warning("symlink pointing outside %s ignored: %s", self.root, path)
                return None
            st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            return None  # FIFOs, sockets, devices: never opened
        if self.eml and extension(path.name) != "eml":
            if extension(path.name) == "msg":
                problem = "message Outlook (.msg) non pris en charge : l'enregistrer au format .eml"
            else:
                problem = "seuls les messages .eml sont lus dans ce dossier"
            return self._problem(path, st, problem)
        age = self.now - st.st_mtime
        notes: tuple[str, ...] = ()
        if 0 <= age < self.settle or (age < 0 and -age < self.settle):
            return self._make(path, st, "waiting", notes=(WAITING_NOTE,))
        if age < 0:
            notes = ("la date de modification du fichier est dans le futur : à vérifier",)
        if st.st_size > self.max_bytes:
            what = "message" if self.eml else "fichier"
            return self._problem(
                path,
                st,
                f"{what} trop volumineux ({human_size(st.st_size)} ; maximum "
                f"{human_size(self.max_bytes)}) : non lu",
            )
        if st.st_size == 0:
            return self._problem(path, st, "fichier vide")
        read = self._read(path, st)
        if read is None:
            return self._make(path, st, "waiting", notes=(WAITING_NOTE,))
        sha, head = read
        if self.seen is not None and self.seen(sha):
            return None
        return (
            self._eml(path, st, sha, head, notes)
            if self.eml
            else self._scan(path, st, sha, head, notes)
        )

    def _scan(
        self, path: Path, st: os.stat_result, sha: str, head: bytes, notes: tuple[str, ...]
    ) -> FolderFile:
        mime = sniff(head[:2048])
        if mime is not None:
            return self._make(
                path, st, "ready", sha256=sha, content_type=mime, notes=notes, file_time=True
            )
        if looks_like_message(head[:4096]):
            problem = (
                "c'est un message électronique, pas un scan : le déposer dans le dossier "
                "des e-mails (.eml)"
            )
        elif extension(path.name) in ("pdf", "jpg", "jpeg", "png", "tif", "tiff"):
            problem = (
                f"le fichier n'est pas ce que son nom annonce : c'est {describe(head[:2048])}, "
                "pas un PDF ni une image lisible"
            )
        else:
            problem = f"ni un PDF ni une image : c'est {describe(head[:2048])}"
        return self._make(path, st, "problem", sha256=sha, problem=problem, notes=notes)

    def _eml(
        self, path: Path, st: os.stat_result, sha: str, head: bytes, notes: tuple[str, ...]
    ) -> FolderFile:
        cut = min((i for i in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if i >= 0), default=-1)
        headers = head if cut < 0 else head[:cut]
        try:
            msg = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(headers)
            keys = msg.keys()
        except Exception:
            msg, keys = None, []
        if msg is None or not keys or not looks_like_message(head[:4096]):
            problem = f"ce n'est pas un message électronique : c'est {describe(head[:2048])}"
            return self._make(path, st, "problem", sha256=sha, problem=problem, notes=notes)
        received = topmost_received(msg) or date_header(msg)
        if received is None:
            notes = (
                *notes,
                "date de réception introuvable (ni « Received » ni « Date ») : à saisir",
            )
        return self._make(
            path,
            st,
            "ready",
            sha256=sha,
            content_type="message/rfc822",
            notes=notes,
            received_at=received,
        )

    def _read(self, path: Path, before: os.stat_result) -> tuple[str, bytes] | None:
        """(sha256, first bytes) streamed with bounded memory; None when the file changed
        while it was read (still being written)."""
        keep = self.limits.max_header_bytes if self.eml else 4096
        digest = hashlib.sha256()
        head = b""
        total = 0
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags)
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                return None
            while True:
                chunk = os.read(fd, CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > self.max_bytes:
                    return None  # grew past the limit while read: look again next run
                digest.update(chunk)
                if len(head) < keep:
                    head += chunk[: keep - len(head)]
            after = os.fstat(fd)
        finally:
            os.close(fd)
        try:
            again = path.stat()
        except OSError:
            return None
        sizes = {before.st_size, opened.st_size, after.st_size, again.st_size, total}
        times = {before.st_mtime_ns, opened.st_mtime_ns, after.st_mtime_ns, again.st_mtime_ns}
        if len(sizes) > 1 or len(times) > 1 or again.st_ino != opened.st_ino:
            return None
        return digest.hexdigest(), head

    # ------------------------------------------------------------------ results

    def _name(self, path: Path) -> str:
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            parts = (path.name,)
        return display_name(parts)

    def _make(
        self,
        path: Path,
        st: os.stat_result,
        status: Status,
        *,
        sha256: str | None = None,
        content_type: str | None = None,
        problem: str | None = None,
        notes: tuple[str, ...] = (),
        received_at: dt.datetime | None = None,
        file_time: bool = False,
    ) -> FolderFile:
        mtime = dt.datetime.fromtimestamp(st.st_mtime_ns / 1e9, tz=self.tz)
        source: Literal["mail", "file_time"] | None = None
        if self.eml:
            source = "mail" if received_at is not None else None
        elif file_time:
            received_at, source = mtime, "file_time"
        return FolderFile(
            path=path,
            name=self._name(path),
            size=st.st_size,
            mtime=mtime,
            status=status,
            sha256=sha256,
            content_type=content_type,
            problem=problem,
            notes=notes,
            received_at=received_at,
            received_at_source=source,
            mtime_ns=st.st_mtime_ns,
        )

    def _problem(self, path: Path, st: os.stat_result | None, problem: str) -> FolderFile:
        if st is None:
            try:
                st = path.lstat()
            except OSError:
                st = os.stat_result((0,) * 10)
        return self._make(path, st, "problem", problem=problem)

    def _dir_error(self, exc: OSError) -> None:
        path = Path(exc.filename) if exc.filename else self.root
        if path == self.root:
            raise FolderError(f"Le dossier {self.root} ne peut pas être lu ({exc.strerror}).")
        log.warning("cannot read folder %s: %s", path, exc)
        self.found.append(self._problem(path, None, "dossier illisible (droits d'accès)"))
