"""The deterministic sample-dossier generator: realistic conventions, délibérations,
needs forms and cover letters of the e-primo campaign, as the mail room scans them and
as collectivities e-mail them, with their ground truth. Used by ``intake demo``, the
tests and the extraction benchmark."""

from samples.generator import generate
from samples.model import (
    SCENARIOS,
    AttachmentTruth,
    CollectivityTruth,
    DocumentTruth,
    FileTruth,
    Manifest,
    SentPiece,
)

__all__ = [
    "SCENARIOS",
    "AttachmentTruth",
    "CollectivityTruth",
    "DocumentTruth",
    "FileTruth",
    "Manifest",
    "SentPiece",
    "generate",
]
