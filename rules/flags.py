"""The French messages staff read for every dossier flag, in one catalogue.

A campaign may override any message (``[flag_messages]`` in its file) and may name flag
codes this catalogue does not know: those get a generic French message chosen by what
raised them (a failed condition, a date check, a name check, a SIREN check), never an
error. Templates use ``{name}`` placeholders (``{{`` and ``}}`` for literal braces); an
unknown placeholder is left as written, so a mistyped override shows, but never crashes.

Placeholders available (not all in every message): ``piece`` (the piece's campaign
label), ``Piece`` (the same, capitalized), ``short`` (its column header), ``code``,
``details`` (what the failed conditions required), ``fields`` (the fields in question),
``date``, ``opens``, ``deadline`` (dates written in French), ``channel``, ``channels``,
``name_a``/``where_a``, ``name_b``/``where_b``, ``act_id``, ``siren_act``,
``siren_expected``, ``before_piece``, ``before_field``, ``before_date``, ``after_piece``,
``after_field``, ``after_date``; for an uncertain field (code ``uncertain_<field>``,
see ``uncertain_code``): ``field`` (what it is, e.g. "nombre d'écoles"), ``Field``
(capitalized), ``uncertain`` ("incertain" or "incertaine"), ``read`` (what was read,
where, how sure: "lu « 12 », page 1, confiance 45 %").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, Literal

from config.campaign import Campaign
from rules.model import DossierFlag

__all__ = [
    "FLAG_MESSAGES",
    "GENERIC_MESSAGES",
    "FlagKind",
    "channel_label",
    "describe_failures",
    "field_label",
    "flag_message",
    "format_date_fr",
    "known_flag_codes",
    "make_flag",
    "render",
    "uncertain_code",
    "uncertain_field_of",
    "uncertain_flag",
]

FlagKind = Literal["condition", "date_order", "same_name", "siren_matches", "dossier", "uncertain"]

FLAG_MESSAGES: dict[str, str] = {
    # Raised by ingestion, about a file or a message rather than a dossier.
    "unreadable_file": "Fichier « {name} » illisible : {problem}",
    "unmatched_document": (
        "Pièce « {piece} » (fichier « {name} ») non rattachée à une collectivité : {reason}"
    ),
    "match_conflict": "Pièce « {piece} » (fichier « {name} ») : {reason}",
    "no_piece_recognized": (
        "Aucune pièce de la campagne (convention, délibération, fiche de besoins) "
        "n'a été reconnue dans « {name} »."
    ),
    "no_attachment": "Message de {sender} (« {subject} ») : {problem}",
    "attachment_problem": "Pièce jointe « {name} » inutilisable : {problem}",
    "processing_failed": (
        "Le traitement de « {name} » a échoué ({error}) ; il sera repris à la prochaine exécution."
    ),
    "convention_unsigned": "Pièce « {piece} » : la signature de la collectivité est absente.",
    "deliberation_without_acknowledgment": (
        "Pièce « {piece} » : l'accusé de réception de la préfecture (contrôle de légalité) "
        "est absent ; aucun identifiant d'acte n'a été trouvé."
    ),
    "deliberation_not_authorizing": (
        "Pièce « {piece} » : la délibération n'autorise pas la signature de la convention."
    ),
    "needs_form_without_numbers": "Pièce « {piece} » : {details}.",
    "name_mismatch": (
        "Nom de la collectivité discordant : « {name_a} » dans {where_a}, "
        "« {name_b} » dans {where_b}."
    ),
    "siren_mismatch": (
        "Pièce « {piece} » : l'acte {act_id} porte le SIREN {siren_act}, "
        "celui de la collectivité est {siren_expected}."
    ),
    "deliberation_after_signature": (
        "Pièce « {before_piece} » : {before_field} ({before_date}) est postérieure à "
        "{after_field} de la pièce « {after_piece} » ({after_date}) ; la signature "
        "n'était pas encore autorisée."
    ),
    "wrong_channel": (
        "Pièce « {piece} » : envoi par {channel} ; mode d'envoi attendu : {channels}."
    ),
    "receipt_from_file_time": (
        "Pièce « {piece} » : date de réception déduite de la date du fichier ({date}), à confirmer."
    ),
    "stamp_after_file": (
        "Pièce « {piece} » : le tampon d'arrivée lu ({stamp}) est postérieur à l'arrivée "
        "du fichier ; tampon sans doute mal lu, date du fichier retenue ({date}), à confirmer."
    ),
    "received_before_opening": (
        "Pièce « {piece} » : réception le {date}, avant l'ouverture de la campagne "
        "le {opens} ; la pièce n'est pas prise en compte."
    ),
    "receipt_date_unknown": (
        "Pièce « {piece} » : aucune date de réception connue (ni saisie, ni tampon, ni "
        "courriel, ni date de fichier) ; à saisir."
    ),
    "act_id_unreadable": (
        "Pièce « {piece} » : l'identifiant d'acte « {act_id} » n'est pas lisible ; "
        "le SIREN n'a pas pu être vérifié."
    ),
}

GENERIC_MESSAGES: dict[str, str] = {
    "condition": "Pièce « {piece} » : condition non remplie ({details}) [{code}].",
    "date_order": (
        "Dates incohérentes : {before_field} de la pièce « {before_piece} » ({before_date}) "
        "postérieure à {after_field} de la pièce « {after_piece} » ({after_date}) [{code}]."
    ),
    "same_name": (
        "Nom discordant : « {name_a} » dans {where_a}, « {name_b} » dans {where_b} [{code}]."
    ),
    "siren_matches": (
        "Pièce « {piece} » : le SIREN {siren_act} ({act_id}) n'est pas celui de la "
        "collectivité ({siren_expected}) [{code}]."
    ),
    "dossier": "Anomalie « {code} » relevée sur la pièce « {piece} ».",
}

# Every ``uncertain_<field>`` code (kind ``uncertain``) unless the campaign words it.
UNCERTAIN_MESSAGE = (
    "{Field} illisible ou {uncertain} sur la pièce « {short} » ({read}) : à vérifier ; "
    "le dossier ne sera pas complet avant confirmation ou correction."
)

UNCERTAIN_PREFIX = "uncertain_"

# What each field is, without article, and whether the noun is feminine (for "incertaine").
FIELD_NOUNS: dict[str, tuple[str, bool]] = {
    "collectivity": ("nom de la collectivité", False),
    "signatory_name": ("nom du signataire", False),
    "signatory_role": ("fonction du signataire", True),
    "signature_date": ("date de signature", True),
    "signed": ("signature de la collectivité", True),
    "meeting_date": ("date de la séance", True),
    "authorizes_signature": ("autorisation de signer", True),
    "act_id": ("identifiant d'acte de la préfecture", False),
    "prefecture_receipt_date": ("date de réception en préfecture", True),
    "schools": ("nombre d'écoles", False),
    "student_accounts": ("nombre de comptes élèves", False),
    "arrival_stamp_date": ("date du tampon d'arrivée", True),
}

FIELD_LABELS: dict[str, str] = {
    "collectivity": "le nom de la collectivité",
    "signatory_name": "le nom du signataire",
    "signatory_role": "la fonction du signataire",
    "signature_date": "la date de signature",
    "signed": "la signature",
    "meeting_date": "la date de la séance",
    "authorizes_signature": "l'autorisation de signer",
    "act_id": "l'identifiant d'acte de la préfecture",
    "prefecture_receipt_date": "la date de réception en préfecture",
    "schools": "le nombre d'écoles",
    "student_accounts": "le nombre de comptes élèves",
    "arrival_stamp_date": "la date du tampon d'arrivée",
}

_EXPECTATIONS: dict[str, str] = {
    "true": "réponse « oui » attendue, non constatée",
    "present": "information absente",
    "positive": "nombre absent ou égal à zéro",
}

CHANNEL_LABELS: dict[str, str] = {
    "registered_mail": "lettre recommandée avec accusé de réception",
    "email": "courriel",
}

FRENCH_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def format_date_fr(day: dt.date | None) -> str:
    """``1er janvier 2022``, ``15 janvier 2022``; ``date inconnue`` for None."""
    if day is None:
        return "date inconnue"
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {FRENCH_MONTHS[day.month - 1]} {day.year}"


def field_label(name: str) -> str:
    """French name of an extracted field (the field's own name when unknown)."""
    return FIELD_LABELS.get(name, f"le champ « {name} »")


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, f"« {channel} »")


def describe_failures(failures: Iterable[tuple[str, str]]) -> str:
    """``[(field, is_), …]`` -> "le nombre d'écoles : nombre absent ou égal à zéro ; …"."""
    return " ; ".join(
        f"{field_label(f)} : {_EXPECTATIONS.get(is_, 'valeur non conforme')}" for f, is_ in failures
    )


def render(template: str, context: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders from ``context``; never raises."""

    def fill(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        return str(context[name]) if name in context else token

    return _PLACEHOLDER.sub(fill, template)


def _template(campaign: Campaign | None, code: str, kind: FlagKind) -> str:
    if campaign is not None and code in campaign.flag_messages:
        return campaign.flag_messages[code]
    if code in FLAG_MESSAGES:
        return FLAG_MESSAGES[code]
    if kind == "uncertain":
        return UNCERTAIN_MESSAGE
    return GENERIC_MESSAGES[kind]


def flag_message(
    campaign: Campaign | None,
    code: str,
    kind: FlagKind = "dossier",
    **context: Any,
) -> str:
    """The French message for ``code``: the campaign's override, else the catalogue's,
    else the generic message for what raised it (``kind``). Dates in the context are
    written in French; ``piece`` (a doc type) becomes the campaign's label."""
    values: dict[str, Any] = {"code": code, "piece": "", "details": "", "fields": ""}
    if campaign is not None:
        values["deadline"] = format_date_fr(campaign.deadline)
        values["opens"] = format_date_fr(campaign.campaign.opens)
    for key, value in context.items():
        if isinstance(value, dt.date) or (value is None and key.endswith("date")):
            values[key] = format_date_fr(value)
        else:
            values[key] = value
    for key in ("piece", "before_piece", "after_piece"):
        doc_type = context.get(key)
        if isinstance(doc_type, str) and campaign is not None:
            values[key] = campaign.piece_label(doc_type)
            if key == "piece":
                spec = campaign.pieces.get(doc_type)
                values["short"] = spec.short if spec else doc_type
    piece = str(values["piece"])
    values["Piece"] = piece[:1].upper() + piece[1:]
    return render(_template(campaign, code, kind), values)


def make_flag(
    campaign: Campaign | None,
    code: str,
    kind: FlagKind = "dossier",
    document_id: int | None = None,
    **context: Any,
) -> DossierFlag:
    return DossierFlag(
        code=code,
        message=flag_message(campaign, code, kind, **context),
        document_id=document_id,
    )


def uncertain_code(field_name: str) -> str:
    """The flag code of an uncertain field: ``uncertain_schools``. One code per field, so
    that two doubtful fields of one piece are two flags, each closed on its own."""
    return f"{UNCERTAIN_PREFIX}{field_name}"


def uncertain_field_of(code: str) -> str | None:
    """The field an ``uncertain_<field>`` code speaks of, else None."""
    if code.startswith(UNCERTAIN_PREFIX) and len(code) > len(UNCERTAIN_PREFIX):
        return code[len(UNCERTAIN_PREFIX) :]
    return None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:59] + "…"


def uncertain_flag(
    campaign: Campaign | None,
    doc_type: str,
    field_name: str,
    value: Any,
    confidence: float | None,
    evidence: Mapping[str, Any] | None = None,
    document_id: int | None = None,
) -> DossierFlag:
    """The flag sending one doubtful field to a person: what it is in staff's words,
    what was read (or that nothing was), on which page and how sure, e.g. « Nombre
    d'écoles illisible ou incertain sur la pièce « Fiche de besoins (annexe 2) » (lu
    « 12 », page 1, confiance 45 %) : à vérifier … »."""
    noun, feminine = FIELD_NOUNS.get(field_name, (f"champ « {field_name} »", False))
    parts = [f"lu « {_shown(value)} »" if value is not None else "valeur non lue"]
    page = (evidence or {}).get("page")
    if isinstance(page, int) and not isinstance(page, bool):
        parts.append(f"page {page}")
    if confidence is not None:
        parts.append(f"confiance {round(confidence * 100)} %")
    flag = make_flag(
        campaign,
        uncertain_code(field_name),
        "uncertain",
        document_id,
        piece=doc_type,
        field=noun,
        Field=noun[:1].upper() + noun[1:],
        uncertain="incertaine" if feminine else "incertain",
        read=", ".join(parts),
        fields=field_label(field_name),
    )
    return replace(flag, field=field_name)


def known_flag_codes(campaign: Campaign | None = None) -> list[str]:
    """Every flag code the catalogue knows plus those the campaign's file names (its
    conditions, checks and message overrides) and the ``uncertain_<field>`` codes of its
    required fields, sorted: for filters and legends."""
    codes = set(FLAG_MESSAGES)
    if campaign is not None:
        codes.update(c.flag for spec in campaign.pieces.values() for c in spec.requires)
        codes.update(
            uncertain_code(c.field) for spec in campaign.pieces.values() for c in spec.requires
        )
        codes.update(check.flag for check in campaign.checks)
        codes.update(campaign.flag_messages)
    return sorted(codes)
