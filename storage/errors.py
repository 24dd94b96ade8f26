"""Errors of the storage layer. Messages are French: staff may read them."""

from __future__ import annotations


class StorageError(ValueError):
    """Input the storage refuses; the message is French (staff may read it)."""


class NotFoundError(StorageError):
    pass


class AlreadyExistsError(StorageError):
    def __init__(self, message: str, existing_id: int | None = None) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class AmbiguousError(StorageError):
    pass
