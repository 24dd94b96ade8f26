"""The one error extraction raises for a file it cannot read."""

from __future__ import annotations


class ExtractionError(Exception):
    """A file that cannot be read as documents.

    ``message_fr`` is shown to staff as is (French); ``code`` is stable, for programs:
    ``empty``, ``not_supported``, ``corrupt``, ``encrypted``, ``too_large``,
    ``too_many_pages``, ``too_many_pixels``, ``ocr_failed``, ``bad_message``.
    """

    def __init__(self, message_fr: str, code: str) -> None:
        super().__init__(message_fr)
        self.message_fr = message_fr
        self.code = code

    def __repr__(self) -> str:
        return f"ExtractionError({self.message_fr!r}, {self.code!r})"
