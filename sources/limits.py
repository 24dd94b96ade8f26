"""Size limits of the intake sources: what arrives beyond them is refused with a French
problem text, before it is read into memory (files, messages) or unpacked (ZIP bombs).

The per-file maximum is extraction's own (``extractors.limits``): a file the sources
accept is one extraction agrees to read.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors.limits import DEFAULT_LIMITS as _EXTRACTION

MB = 1024 * 1024


@dataclass(frozen=True)
class SourceLimits:
    """Overridable, e.g. ``SourceLimits(max_file_bytes=10 * MB)``."""

    # a file of the scan folder, or an attachment once decoded / unpacked
    max_file_bytes: int = _EXTRACTION.max_bytes
    # a whole mail message (IMAP message or .eml file), as received
    max_message_bytes: int = 100 * MB
    # everything decoded or unpacked from one message, all levels together
    max_unpacked_bytes: int = 400 * MB
    # PDF / image attachments (and refused ones) of one message, all levels together
    max_attachments: int = _EXTRACTION.max_message_attachments
    # entries of one ZIP archive
    max_zip_members: int = 200
    # attached messages and archives inside each other (message > zip > pdf is depth 2)
    max_depth: int = 3
    # headers read from an .eml file to find its receipt time
    max_header_bytes: int = 256 * 1024


DEFAULT_SOURCE_LIMITS = SourceLimits()


def human_size(size: int) -> str:
    """A size as staff read it: ``"2,0 Go"``, ``"200 Mo"``, ``"12 ko"``."""
    if size >= 1024 * MB:
        return f"{size / (1024 * MB):.1f} Go".replace(".", ",")
    if size >= MB:
        value = size / MB
        text = f"{value:.0f}" if value >= 10 else f"{value:.1f}".replace(".", ",")
        return f"{text} Mo"
    if size >= 1024:
        return f"{size / 1024:.0f} ko"
    return f"{size} octets"
