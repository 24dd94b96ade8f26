"""Extraction engine: bytes in, ``Document``s with fields out (no database, no Prefect).

Public API::

    extract_file(data, *, filename, keywords=None, signatory_labels=None, places=None)
        -> list[Document]
    extract_files(paths, workers=os.cpu_count()) -> list[FileExtraction]
    extract_message(data) -> list[Document]
    Gazetteer(names)   # known place names (the roster), given as ``places=``
    ExtractionError(message_fr, code)
"""

from extractors.errors import ExtractionError
from extractors.message import extract_message
from extractors.model import DOC_TYPES, FIELD_NAMES, Document, Evidence, FieldResult
from extractors.names import Gazetteer
from extractors.pipeline import FileExtraction, extract_file, extract_files

__all__ = [
    "DOC_TYPES",
    "FIELD_NAMES",
    "Document",
    "Evidence",
    "ExtractionError",
    "FieldResult",
    "FileExtraction",
    "Gazetteer",
    "extract_file",
    "extract_files",
    "extract_message",
]
