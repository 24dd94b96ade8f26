"""Intake sources: where signed conventions arrive (issue 4). No database, no Prefect:
the ingestion flow stores what these return and decides what to do with it.

Three sources
-------------

**IMAP mailbox** (``INTAKE_IMAP_*``) — ``sources.imap``::

    with ImapMailbox.from_settings(settings) as box:      # or ImapMailbox(host, port, ...)
        box.uidvalidity() -> int
        for uid in box.list_uids():                       # not \\Deleted, ascending
            ref = box.origin_ref(uid)                     # imap://u@h/INBOX;UIDVALIDITY=v/;UID=n
            m = box.fetch(uid)                            # -> FetchedMessage | None (gone)
            # m.raw (bytes, empty if m.problem), m.internaldate (aware: the receipt time)
            parsed = m.parse()                            # -> ParsedMessage (below)
            ...store m.raw and parsed.attachments, COMMIT...
            box.move_to_done([uid])                       # only after the commit

  Fetching uses BODY.PEEK: nothing is marked read. ``move_to_done`` creates
  ``INTAKE_IMAP_DONE_FOLDER`` if missing (``"Traités"`` is sent in modified UTF-7) and
  uses MOVE, else COPY + ``\\Deleted`` + UID EXPUNGE. Bookkeeping for the flow: a
  message whose ``origin_ref`` is stored and processed is only moved (a crash between
  commit and move), one stored as failed is fetched again (retried), an unknown one is
  fetched. A changed UIDVALIDITY changes every ``origin_ref``: messages already stored
  are then recognised by the SHA-256 of ``raw``. Every server failure is an
  ``ImapError(message_fr, code)``; ``error.transient`` (connect, timeout,
  connection_lost) says whether retrying later makes sense (auth, tls, folder, server,
  config do not).

**Scan folder** (``INTAKE_SCANS_DIR``) — ``sources.folders``::

    scan_folder(dir, *, seen=None, settle_seconds=30, limits=..., tz=None) -> list[FolderFile]

  Every file (recursively; hidden, ``~$x``, ``.part``, ``.tmp`` skipped; symlinks out of
  the folder, FIFOs and devices ignored), never modified; ``seen(sha256) -> bool`` drops
  those already taken. ``FolderFile.status``: ``ready`` (a PDF or an image by content),
  ``waiting`` (being written: size/time changed while read, or younger than
  ``settle_seconds``; next run) or ``problem`` (French ``problem``: empty, too large — not
  read —, not a PDF/image…). ``received_at`` is the file's time
  (``received_at_source = "file_time"``): the flow uses the arrival stamp read on the
  pages instead when there is one, else keeps this and flags it for staff to confirm.
  ``FolderFile.read_bytes()`` re-reads the file and checks its hash; ``origin_ref`` is a
  stable reference (name + hash, or name + size + time for files not read).

**.eml folder** (``INTAKE_EML_DIR``)::

    eml_folder(dir, *, seen=None, settle_seconds=30, limits=..., tz=None) -> list[FolderFile]

  Like ``scan_folder`` for ``.eml`` files; ``received_at`` from the topmost
  ``Received:`` header, else ``Date:`` (``received_at_source = "mail"``), else None with a
  note. Then ``parse_message(file.read_bytes())``.

Messages — ``sources.mail``
---------------------------

``parse_message(raw, *, limits=...) -> ParsedMessage``: ``message_id``, ``sender``
(lower-case address of ``From:``), ``sender_name``, ``reply_to``, ``sender_header``
(``Sender:``), ``to``, ``subject`` (decoded), ``date`` and ``received_at`` (aware),
``receipt_time``/``receipt_source``, ``text`` (body), ``attachments: list[Attachment]``,
``problems`` (French, about the message: ``NO_ATTACHMENT`` when nothing usable) and
``ignored`` (names of non-document parts: signatures, vCards…).

``Attachment(name, data, content_type, problem, notes)``: PDFs and images by content
(a PDF sent as ``application/octet-stream`` counts), also inside attached messages
(``"fwd.eml/inner.pdf"``) and ZIP files (``"outer.zip/inner.pdf"``); names are
sanitized display names (RFC 2231/2047 decoded, no path, no control characters), unique
within the message. Those that should have been documents but cannot be used (an .exe
named .pdf, a damaged ZIP, an encrypted member, a Word file, too large, nested too
deep…) come back with a French ``problem``; ``notes`` tell of corrected names.
``parse_message`` never raises on bad input.

Limits — ``sources.limits``: ``SourceLimits`` (file, message, unpacked-total,
attachment-count, ZIP-member and nesting caps), ``DEFAULT_SOURCE_LIMITS``.

A local mailbox — ``sources.dovecot`` (not imported here): ``LocalDovecot`` starts a
Dovecot of its own on 127.0.0.1 (``intake demo --read``, the IMAP tests);
``deliver(account, raws)`` APPENDs messages with their receipt time as INTERNALDATE.
"""

from sources.folders import FolderError, FolderFile, eml_folder, scan_folder
from sources.imap import FetchedMessage, ImapError, ImapMailbox
from sources.limits import DEFAULT_SOURCE_LIMITS, SourceLimits
from sources.mail import NO_ATTACHMENT, Attachment, ParsedMessage, parse_message

__all__ = [
    "DEFAULT_SOURCE_LIMITS",
    "NO_ATTACHMENT",
    "Attachment",
    "FetchedMessage",
    "FolderError",
    "FolderFile",
    "ImapError",
    "ImapMailbox",
    "ParsedMessage",
    "SourceLimits",
    "eml_folder",
    "parse_message",
    "scan_folder",
]
