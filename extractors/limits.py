"""Limits that protect the workers from hostile or absurd inputs (decompression bombs)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024  # a file larger than this is refused
    max_pages: int = 1000  # pages (PDF) or frames (TIFF) per file
    max_page_pixels: int = 120_000_000  # pixels of one decoded image frame
    max_page_points: float = 14_400.0  # a PDF page side longer than this (200 in) is refused
    ocr_dpi: int = 300  # resolution of the page images given to tesseract
    ocr_timeout_s: float = 180.0  # one tesseract run
    max_message_attachments: int = 50


DEFAULT_LIMITS = Limits()
