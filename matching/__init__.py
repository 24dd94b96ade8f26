"""Matching documents to the roster's collectivities: name normalization
(``matching.names``) and the matcher itself (``matching.roster``)."""

from matching.names import names_match, normalize_name
from matching.roster import (
    CONFIDENT_SCORE,
    GENERIC_MAIL_DOMAINS,
    DocumentInput,
    MatchResult,
    RosterEntry,
    RosterIndex,
    match,
    match_file,
)

__all__ = [
    "CONFIDENT_SCORE",
    "GENERIC_MAIL_DOMAINS",
    "DocumentInput",
    "MatchResult",
    "RosterEntry",
    "RosterIndex",
    "match",
    "match_file",
    "names_match",
    "normalize_name",
]
