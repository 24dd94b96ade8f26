"""Dossier rules: pure functions over a campaign, a collectivity and its pieces."""

from rules.acts import ActId, parse_act_id
from rules.dossier import condition_holds, evaluate, piece_failures, receipt_of, route_for
from rules.flags import FLAG_MESSAGES, flag_message, known_flag_codes
from rules.model import CollectivityRef, DossierFlag, Evaluation, Piece

__all__ = [
    "FLAG_MESSAGES",
    "ActId",
    "CollectivityRef",
    "DossierFlag",
    "Evaluation",
    "Piece",
    "condition_holds",
    "evaluate",
    "flag_message",
    "known_flag_codes",
    "parse_act_id",
    "piece_failures",
    "receipt_of",
    "route_for",
]
