"""The IMAP mailbox of the campaign (IMAPClient): list, fetch (without marking anything
read) and, once stored, move messages to the done folder.

Every failure to talk to the server is an ``ImapError`` (French ``message_fr``, stable
``code``, ``transient`` for those worth retrying); nothing else escapes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import logging
import socket
import ssl as ssl_lib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import LoginError  # type: ignore[import-untyped]

from sources.limits import DEFAULT_SOURCE_LIMITS, SourceLimits, human_size
from sources.mail import ParsedMessage, parse_message

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger(__name__)

TRANSIENT_CODES = frozenset({"connect", "timeout", "connection_lost"})


class ImapError(Exception):
    """The mailbox cannot be used now. ``code``: ``config``, ``connect``, ``timeout``,
    ``connection_lost``, ``tls``, ``auth``, ``folder``, ``server``. ``transient`` is true
    for ``connect``, ``timeout`` and ``connection_lost``: retrying later may work."""

    def __init__(self, message_fr: str, code: str) -> None:
        super().__init__(message_fr)
        self.message_fr = message_fr
        self.code = code

    @property
    def transient(self) -> bool:
        return self.code in TRANSIENT_CODES

    def __repr__(self) -> str:
        return f"ImapError({self.message_fr!r}, {self.code!r})"


@dataclass(frozen=True)
class FetchedMessage:
    """One message as the server holds it. ``raw`` is empty (and ``problem`` says why)
    when the message was too large to download. ``internaldate`` (aware) is when the
    server received it: the receipt time."""

    uid: int
    uidvalidity: int
    folder: str
    raw: bytes
    internaldate: dt.datetime | None
    size: int
    origin_ref: str  # unique and stable while UIDVALIDITY holds (RFC 5092 IMAP URL)
    problem: str | None = None

    def parse(self, limits: SourceLimits = DEFAULT_SOURCE_LIMITS) -> ParsedMessage:
        return parse_message(self.raw, limits=limits)


class ImapMailbox:
    """A connection to one folder of one mailbox; use it as a context manager::

        with ImapMailbox.from_settings(settings) as box:
            for uid in box.list_uids():
                message = box.fetch(uid)
                ...  # store it and its attachments, commit
                box.move_to_done([uid])

    ``prefer_move=False`` forces COPY + ``\\Deleted`` + UID EXPUNGE even when the server
    has MOVE (the path taken when it has not)."""

    def __init__(
        self,
        host: str,
        port: int = 143,
        user: str = "",
        password: str = "",
        *,
        ssl: bool = False,
        folder: str = "INBOX",
        done_folder: str = "Traités",
        timeout: float = 30.0,
        limits: SourceLimits = DEFAULT_SOURCE_LIMITS,
        ssl_context: ssl_lib.SSLContext | None = None,
        prefer_move: bool = True,
    ) -> None:
        if not host:
            raise ImapError("Aucun serveur IMAP n'est configuré (INTAKE_IMAP_HOST).", "config")
        if not folder or not done_folder:
            raise ImapError(
                "Les dossiers IMAP à lire et « traités » doivent être nommés.", "config"
            )
        if folder == done_folder:
            raise ImapError(
                f"Le dossier des messages traités ne peut pas être le dossier lu (« {folder} »).",
                "config",
            )
        self.host, self.port, self.user, self.password = host, port, user, password
        self.ssl, self.ssl_context, self.timeout = ssl, ssl_context, timeout
        self.folder, self.done_folder = folder, done_folder
        self.limits = limits
        self.prefer_move = prefer_move
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> ImapMailbox:
        """From the ``INTAKE_IMAP_*`` settings; ``ImapError("config")`` when no host."""
        if not settings.imap_host or not settings.imap_user:
            raise ImapError(
                "La boîte IMAP n'est pas configurée (INTAKE_IMAP_HOST, INTAKE_IMAP_USER).",
                "config",
            )
        return cls(
            settings.imap_host,
            settings.imap_port,
            settings.imap_user,
            settings.imap_password or "",
            ssl=settings.imap_ssl,
            folder=settings.imap_folder,
            done_folder=settings.imap_done_folder,
            **kwargs,
        )

    # ------------------------------------------------------------------ connection

    def __enter__(self) -> ImapMailbox:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        """Connect, log in and select the folder (read-write: messages are moved)."""
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        with self._errors("connexion"):
            self._client = IMAPClient(
                self.host,
                port=self.port,
                ssl=self.ssl,
                ssl_context=self.ssl_context,
                timeout=self.timeout,
            )
            self._client.normalise_times = False  # aware INTERNALDATEs
            self._client.login(self.user, self.password)
            if not self._client.folder_exists(self.folder):
                raise ImapError(
                    f"Le dossier IMAP « {self.folder} » n'existe pas dans la boîte "
                    f"{self.user}@{self.host}.",
                    "folder",
                )
            selected = self._client.select_folder(self.folder)
            self._uidvalidity = int(selected[b"UIDVALIDITY"])

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:
            with contextlib.suppress(Exception):
                client.shutdown()

    @property
    def client(self) -> IMAPClient:
        if self._client is None:
            raise ImapError("La connexion au serveur IMAP n'est pas ouverte.", "connection_lost")
        return self._client

    # ------------------------------------------------------------------ reading

    def uidvalidity(self) -> int:
        """The folder's UIDVALIDITY: UIDs mean the same messages only while it holds."""
        self.client  # noqa: B018 - raises when closed
        assert self._uidvalidity is not None
        return self._uidvalidity

    def origin_ref(self, uid: int) -> str:
        """``imap://user@host/INBOX;UIDVALIDITY=v/;UID=n`` (RFC 5092): the message's
        reference, e.g. ``SourceItem.origin_ref``. A changed UIDVALIDITY gives new refs;
        the flow then recognises already-stored messages by their content hash."""
        user = quote(self.user, safe="")
        folder = quote(self.folder, safe="/")
        return f"imap://{user}@{self.host}/{folder};UIDVALIDITY={self.uidvalidity()}/;UID={uid}"

    def list_uids(self) -> list[int]:
        """UIDs of the folder's messages not marked ``\\Deleted``, ascending."""
        with self._errors("liste des messages"):
            return sorted(int(u) for u in self.client.search(["NOT", "DELETED"]))

    def fetch(self, uid: int) -> FetchedMessage | None:
        """The message ``uid`` (None if it is gone), fetched with BODY.PEEK so that it is
        not marked as read; a message larger than the limit is not downloaded."""
        with self._errors(f"lecture du message {uid}"):
            meta = self.client.fetch([uid], ["RFC822.SIZE", "INTERNALDATE"]).get(uid)
            if meta is None:
                return None
            size = int(meta.get(b"RFC822.SIZE") or 0)
            when = meta.get(b"INTERNALDATE")
            internaldate = when if isinstance(when, dt.datetime) else None
            if internaldate is not None and internaldate.tzinfo is None:
                internaldate = internaldate.replace(tzinfo=dt.UTC)
            ref = self.origin_ref(uid)
            if size > self.limits.max_message_bytes:
                too_big = (
                    f"message trop volumineux ({human_size(size)} ; maximum "
                    f"{human_size(self.limits.max_message_bytes)}) : non téléchargé"
                )
                return FetchedMessage(
                    uid, self.uidvalidity(), self.folder, b"", internaldate, size, ref, too_big
                )
            # a partial fetch: a server announcing a wrong size cannot send more than this
            cap = self.limits.max_message_bytes + 1
            body = self.client.fetch([uid], [f"BODY.PEEK[]<0.{cap}>"]).get(uid)
            if body is None:
                return None
            raw = bytes(body.get(b"BODY[]<0>") or body.get(b"BODY[]") or b"")
            problem: str | None = None
            if len(raw) > self.limits.max_message_bytes:
                raw, problem = (
                    b"",
                    (
                        "message trop volumineux (plus de "
                        f"{human_size(self.limits.max_message_bytes)}) : non téléchargé"
                    ),
                )
            return FetchedMessage(
                uid, self.uidvalidity(), self.folder, raw, internaldate, size, ref, problem
            )

    # ------------------------------------------------------------------ moving

    def ensure_done_folder(self) -> None:
        """Create the done folder if missing (names are sent in modified UTF-7)."""
        with self._errors(f"création du dossier « {self.done_folder} »"):
            if not self.client.folder_exists(self.done_folder):
                self.client.create_folder(self.done_folder)
                with contextlib.suppress(imaplib.IMAP4.error):
                    self.client.subscribe_folder(self.done_folder)

    def move_to_done(self, uids: Iterable[int]) -> None:
        """Move messages to the done folder — call it only once their items are
        committed. MOVE when the server has it, else COPY, ``\\Deleted`` and UID EXPUNGE
        (without UIDPLUS they stay marked ``\\Deleted``, which ``list_uids`` skips)."""
        uids = sorted({int(u) for u in uids})
        if not uids:
            return
        self.ensure_done_folder()
        with self._errors(f"déplacement vers « {self.done_folder} »"):
            client = self.client
            if self.prefer_move and client.has_capability("MOVE"):
                client.move(uids, self.done_folder)
                return
            client.copy(uids, self.done_folder)
            client.add_flags(uids, [b"\\Deleted"], silent=True)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(uids)
            else:
                log.warning("server without UIDPLUS: %d messages left marked \\Deleted", len(uids))

    # ------------------------------------------------------------------ errors

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        where = f"{self.host}:{self.port}"
        try:
            yield
        except ImapError:
            raise
        except LoginError as exc:
            self._drop()
            raise ImapError(
                f"Le serveur IMAP {where} refuse l'identification de « {self.user} » "
                "(identifiant ou mot de passe incorrect).",
                "auth",
            ) from exc
        except imaplib.IMAP4.abort as exc:
            self._drop()
            raise ImapError(
                f"La connexion au serveur IMAP {where} a été interrompue ({action}).",
                "connection_lost",
            ) from exc
        except imaplib.IMAP4.error as exc:
            raise ImapError(
                f"Le serveur IMAP {where} a refusé l'opération ({action}) : {_short(exc)}",
                "server",
            ) from exc
        except TimeoutError as exc:
            self._drop()
            raise ImapError(
                f"Le serveur IMAP {where} ne répond pas ({action}) : délai de "
                f"{self.timeout:g} s dépassé.",
                "timeout",
            ) from exc
        except ssl_lib.SSLError as exc:
            self._drop()
            raise ImapError(
                f"Échec de la connexion chiffrée (TLS) au serveur IMAP {where} : {_short(exc)}",
                "tls",
            ) from exc
        except socket.gaierror as exc:
            self._drop()
            raise ImapError(f"Serveur IMAP inconnu : {self.host}.", "connect") from exc
        except ConnectionRefusedError as exc:
            self._drop()
            raise ImapError(f"Le serveur IMAP {where} refuse la connexion.", "connect") from exc
        except (ConnectionError, EOFError) as exc:
            self._drop()
            raise ImapError(
                f"La connexion au serveur IMAP {where} a été interrompue ({action}).",
                "connection_lost",
            ) from exc
        except OSError as exc:
            self._drop()
            code = "connect" if action == "connexion" else "connection_lost"
            raise ImapError(
                f"Impossible de joindre le serveur IMAP {where} ({action}) : {_short(exc)}",
                code,
            ) from exc

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"
