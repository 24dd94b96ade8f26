"""Dossier rules: which route a collectivity follows, when each piece was received, whether
it is valid, and the dossier's status, dates, figures and flags.

Pure functions over a ``Campaign`` (everything campaign-specific: pieces, conditions,
routes, channels, checks, deadline, opening day, time zone, messages), a
``CollectivityRef`` and a list of ``Piece``. No I/O, no database, no campaign named here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from config.campaign import Campaign, CheckSpec, Condition, RouteSpec
from matching.names import names_match, normalize_name
from rules.acts import parse_act_id
from rules.flags import (
    channel_label,
    describe_failures,
    field_label,
    make_flag,
    uncertain_flag,
)
from rules.model import CollectivityRef, DossierFlag, Evaluation, Piece, ReceiptSource, Status

__all__ = [
    "condition_holds",
    "evaluate",
    "piece_failures",
    "receipt_of",
    "route_for",
    "uncertain_fields",
]

_TRUE_STRINGS = frozenset({"true", "1", "oui", "yes", "vrai", "o", "y"})


# --------------------------------------------------------------------------- routes


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_STRINGS
    return False


def route_for(campaign: Campaign, collectivity: CollectivityRef) -> str:
    """The first route (in the campaign file's order) whose ``roster_flag`` is true for
    the collectivity, else the campaign's default route. Roster flags read "true", "1",
    "oui"… as true, anything else (missing included) as false."""
    flags = collectivity.roster_flags or {}
    for name, route in campaign.routes.items():
        if route.roster_flag and _truthy(flags.get(route.roster_flag)):
            return name
    return campaign.campaign.default_route


# --------------------------------------------------------------------------- receipt


def _local_day(campaign: Campaign, moment: dt.datetime) -> dt.date:
    """Calendar day in the campaign's time zone. A naive datetime is taken as wall-clock
    time in that zone already (a file time or a header without offset), not as UTC."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return moment.date()
    return campaign.local_date(moment)


def _as_date(campaign: Campaign, value: Any) -> dt.date | None:
    """A date from a field value: a date, a datetime (its local day) or an ISO string."""
    if isinstance(value, dt.datetime):
        return _local_day(campaign, value)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return _local_day(campaign, dt.datetime.fromisoformat(text))
        except ValueError:
            return None
    return None


def stamp_of(campaign: Campaign, piece: Piece) -> dt.date | None:
    """The arrival stamp's day: the piece's own, else the one on another piece of the
    same scanned file."""
    stamp = _as_date(campaign, piece.fields.get("arrival_stamp_date"))
    return stamp if stamp is not None else _as_date(campaign, piece.file_stamp_date)


def stamp_after_file(campaign: Campaign, piece: Piece, stamp: dt.date) -> bool:
    """Whether the stamp is dated after the file holding it came (its mail's delivery,
    else the scan file's time): paper is stamped before it is scanned, so such a stamp
    was misread ("09" for "03") and is not trusted."""
    came = piece.delivered_at if isinstance(piece.delivered_at, dt.datetime) else None
    if came is None and isinstance(piece.file_mtime, dt.datetime):
        came = piece.file_mtime
    return came is not None and stamp > _local_day(campaign, came)


def receipt_of(campaign: Campaign, piece: Piece) -> tuple[dt.date | None, ReceiptSource | None]:
    """When the piece was received, and from what evidence, best first: the date staff
    recorded (``manual``), the arrival stamp read on the paper (``stamp``: its own, else
    the one on another piece of the same scanned file), the mail's delivery time
    (``mail``), the file's modification time (``file_time``). Times become the
    calendar day in the campaign's time zone (a mail delivered 2022-01-15T23:30Z is
    received on 16 January in Paris). ``(None, None)`` when there is no evidence at all;
    an unreadable stamp value is skipped, not trusted."""
    if piece.manual_received_on is not None:
        day = _as_date(campaign, piece.manual_received_on)
        if day is not None:
            return day, "manual"
    stamp = stamp_of(campaign, piece)
    if stamp is not None and not stamp_after_file(campaign, piece, stamp):
        return stamp, "stamp"
    if isinstance(piece.delivered_at, dt.datetime):
        return _local_day(campaign, piece.delivered_at), "mail"
    if isinstance(piece.file_mtime, dt.datetime):
        return _local_day(campaign, piece.file_mtime), "file_time"
    return None, None


# --------------------------------------------------------------------------- validity


def _as_count(value: Any) -> int | None:
    """An integer count from a field value (int, integral float, digit string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def condition_holds(condition: Condition, fields: Mapping[str, Any]) -> bool:
    """``true``: the field is exactly True; ``present``: neither null nor blank;
    ``positive``: a whole number > 0."""
    value = fields.get(condition.field)
    if condition.is_ == "true":
        return value is True
    if condition.is_ == "present":
        if value is None:
            return False
        if isinstance(value, str | list | tuple | dict):
            return bool(value.strip() if isinstance(value, str) else value)
        return True
    count = _as_count(value)
    return count is not None and count > 0


def _failed_conditions(campaign: Campaign, piece: Piece) -> list[Condition]:
    spec = campaign.pieces.get(piece.doc_type)
    if spec is None:
        return []
    return [c for c in spec.requires if not condition_holds(c, piece.fields)]


def uncertain_fields(campaign: Campaign, piece: Piece) -> list[str]:
    """The required fields of a piece (those its conditions name, in the campaign's
    order) read too unsurely to be used: a confidence below the campaign's threshold for
    that field (``Campaign.confidence_threshold``), whatever the value, including an
    unknown one (None read at a low confidence). A None read at a confidence above the
    threshold is the reader's sure "not on the page", left to the condition's own flag;
    a field without a confidence (recorded by hand) is certain, and so is one a person
    confirmed or corrected (confidence 1.0)."""
    spec = campaign.pieces.get(piece.doc_type)
    if spec is None:
        return []
    out: list[str] = []
    for condition in spec.requires:
        name = condition.field
        confidence = piece.confidences.get(name)
        if name in out or confidence is None:
            continue
        if confidence < campaign.confidence_threshold(piece.doc_type, name):
            out.append(name)
    return out


def piece_failures(campaign: Campaign, piece: Piece) -> list[str]:
    """The flag codes of the piece's failed conditions, each once, in the campaign's
    order. A piece is valid when this is empty; a doc type the campaign does not declare
    has no conditions."""
    codes: list[str] = []
    for condition in _failed_conditions(campaign, piece):
        if condition.flag not in codes:
            codes.append(condition.flag)
    return codes


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class _Seen:
    """A non-duplicate piece of a declared type, with what the rules derived from it."""

    index: int  # position in the input list: ties keep the caller's order
    piece: Piece
    received: dt.date | None
    source: ReceiptSource | None
    failures: tuple[Condition, ...]
    uncertain: tuple[str, ...] = ()  # required fields read too unsurely to be used

    @property
    def valid(self) -> bool:
        """Every condition holds on fields read surely enough: an uncertain field never
        settles a piece (0 false "complete"), even when its value would pass."""
        return not self.failures and not self.uncertain

    @property
    def doc_type(self) -> str:
        return self.piece.doc_type

    def arrival_key(self) -> tuple[bool, dt.date, int]:
        """Earliest first; pieces without a known date after all dated ones."""
        return (self.received is None, self.received or dt.date.max, self.index)

    def recency_key(self) -> tuple[dt.date, int]:
        """Latest last; a piece without a known date counts as the oldest."""
        return (self.received or dt.date.min, self.index)


def _split_ref(ref: str) -> tuple[str | None, str]:
    """``"piece.field"`` -> ``("piece", "field")``; ``"field"`` -> ``(None, "field")``."""
    if "." in ref:
        doc_type, field_name = ref.split(".", 1)
        return doc_type, field_name
    return None, ref


def _first_valid(seen: Iterable[_Seen], doc_type: str) -> _Seen | None:
    candidates = [s for s in seen if s.doc_type == doc_type and s.valid]
    return min(candidates, key=_Seen.arrival_key) if candidates else None


def _representative(seen: Sequence[_Seen], doc_type: str) -> _Seen | None:
    """The piece standing for its type in cross-piece checks: the one that satisfied the
    requirement (first valid), else the latest one received."""
    first = _first_valid(seen, doc_type)
    if first is not None:
        return first
    candidates = [s for s in seen if s.doc_type == doc_type]
    return max(candidates, key=_Seen.recency_key) if candidates else None


def _piece_flags(campaign: Campaign, route: RouteSpec, item: _Seen) -> list[DossierFlag]:
    """Flags one required piece raises on its own: each uncertain required field (its
    own flag, with what was read and where), failed conditions (one flag per code,
    naming every field behind it, save the uncertain ones: their flag says it better),
    channel, and doubtful or missing receipt date."""
    flags: list[DossierFlag] = []
    piece, doc_id = item.piece, item.piece.document_id
    for name in item.uncertain:
        flags.append(
            uncertain_flag(
                campaign,
                piece.doc_type,
                name,
                piece.fields.get(name),
                piece.confidences.get(name),
                piece.evidence.get(name),
                doc_id,
            )
        )
    by_code: dict[str, list[Condition]] = {}
    for condition in item.failures:
        if condition.field not in item.uncertain:
            by_code.setdefault(condition.flag, []).append(condition)
    for code, conditions in by_code.items():
        flags.append(
            make_flag(
                campaign,
                code,
                "condition",
                doc_id,
                piece=piece.doc_type,
                details=describe_failures((c.field, c.is_) for c in conditions),
                fields=", ".join(field_label(c.field) for c in conditions),
            )
        )
    if piece.channel not in route.channels:
        flags.append(
            make_flag(
                campaign,
                "wrong_channel",
                "dossier",
                doc_id,
                piece=piece.doc_type,
                channel=channel_label(str(piece.channel)),
                channels=" ou ".join(channel_label(c) for c in route.channels),
            )
        )
    stamp = stamp_of(campaign, piece)
    if item.source in ("mail", "file_time") and stamp is not None:
        flags.append(
            make_flag(
                campaign,
                "stamp_after_file",
                "dossier",
                doc_id,
                piece=piece.doc_type,
                stamp=stamp,
                date=item.received,
            )
        )
    elif item.source == "file_time":
        flags.append(
            make_flag(
                campaign,
                "receipt_from_file_time",
                "dossier",
                doc_id,
                piece=piece.doc_type,
                date=item.received,
            )
        )
    elif item.received is None:
        flags.append(
            make_flag(campaign, "receipt_date_unknown", "dossier", doc_id, piece=piece.doc_type)
        )
    return flags


def _where(campaign: Campaign, doc_type: str) -> str:
    return f"la pièce « {campaign.piece_label(doc_type)} »"


def _check_date_order(
    campaign: Campaign, check: CheckSpec, seen: Sequence[_Seen], required: Sequence[str]
) -> list[DossierFlag]:
    before_type, before_field = _split_ref(check.before or "")
    after_type, after_field = _split_ref(check.after or "")
    if before_type is None or after_type is None:
        return []
    if before_type not in required or after_type not in required:
        return []
    before = _representative(seen, before_type)
    after = _representative(seen, after_type)
    if before is None or after is None:
        return []
    before_day = _as_date(campaign, before.piece.fields.get(before_field))
    after_day = _as_date(campaign, after.piece.fields.get(after_field))
    if before_day is None or after_day is None or before_day <= after_day:
        return []
    return [
        make_flag(
            campaign,
            check.flag,
            "date_order",
            before.piece.document_id,
            piece=before_type,
            before_piece=before_type,
            before_field=field_label(before_field),
            before_date=before_day,
            after_piece=after_type,
            after_field=field_label(after_field),
            after_date=after_day,
        )
    ]


def _check_same_name(
    campaign: Campaign, check: CheckSpec, seen: Sequence[_Seen], collectivity: CollectivityRef
) -> list[DossierFlag]:
    only_type, field_name = _split_ref(check.field or "")
    named = [
        (s, s.piece.fields[field_name].strip())
        for s in seen
        if (only_type is None or s.doc_type == only_type)
        and isinstance(s.piece.fields.get(field_name), str)
        and normalize_name(s.piece.fields[field_name])
    ]
    if not named:
        return []
    if normalize_name(collectivity.name):
        reference, where_ref = collectivity.name, "la liste des collectivités"
    else:  # no roster name: the pieces must at least agree with the first one
        reference, where_ref = named[0][1], _where(campaign, named[0][0].doc_type)
    return [
        make_flag(
            campaign,
            check.flag,
            "same_name",
            s.piece.document_id,
            piece=s.doc_type,
            name_a=name,
            where_a=_where(campaign, s.doc_type),
            name_b=reference,
            where_b=where_ref,
        )
        for s, name in named
        if not names_match(name, reference)
    ]


def _digits(value: str | None) -> str:
    return "".join(c for c in value or "" if c.isdigit())


def _check_siren(
    campaign: Campaign, check: CheckSpec, seen: Sequence[_Seen], collectivity: CollectivityRef
) -> list[DossierFlag]:
    expected = _digits(collectivity.siren)
    only_type, field_name = _split_ref(check.field or "")
    flags: list[DossierFlag] = []
    for s in seen:
        if only_type is not None and s.doc_type != only_type:
            continue
        raw = s.piece.fields.get(field_name)
        if raw is None or not str(raw).strip():
            continue  # absence is the "present" condition's business
        act = parse_act_id(str(raw))
        if act is None:
            flags.append(
                make_flag(
                    campaign,
                    "act_id_unreadable",
                    "dossier",
                    s.piece.document_id,
                    piece=s.doc_type,
                    act_id=str(raw).strip()[:80],
                )
            )
        elif expected and act.siren != expected:
            flags.append(
                make_flag(
                    campaign,
                    check.flag,
                    "siren_matches",
                    s.piece.document_id,
                    piece=s.doc_type,
                    act_id=str(act),
                    siren_act=act.siren,
                    siren_expected=expected,
                )
            )
    return flags


def _dedupe(flags: Iterable[DossierFlag]) -> list[DossierFlag]:
    seen: set[tuple[str, int | None, str]] = set()
    out: list[DossierFlag] = []
    for flag in flags:
        key = (flag.code, flag.document_id, flag.message)
        if key not in seen:
            seen.add(key)
            out.append(flag)
    return out


def evaluate(
    campaign: Campaign, collectivity: CollectivityRef, pieces: Sequence[Piece]
) -> Evaluation:
    """The dossier of one collectivity under a campaign.

    Which pieces count: duplicates (``piece.duplicate``) are dropped first, so they never
    move a date nor raise a flag; pieces of a doc type the campaign does not declare are
    ignored; pieces received before ``campaign.opens`` do not count (flagged
    ``received_before_opening`` when the route requires their type). Pieces of a declared
    type the route does not require count only for the identity checks (``same_name``,
    ``siren_matches``): a piece naming another collectivity is worth flagging whatever
    the route.

    ``status``: ``complete`` when every required piece has a valid one, ``incomplete``
    when a required-type piece came but not all are valid, ``missing`` when none came.
    ``missing`` lists the required pieces without a valid one, in the route's order.

    ``received_on``: for a complete dossier the day it became complete, i.e. the latest,
    over the required pieces, of each one's first valid arrival (a later resend does not
    move it); for an incomplete one the day of its latest piece; None when nothing came,
    or when a piece that would set it has no known receipt date (flagged
    ``receipt_date_unknown``: staff must enter it). ``late``: ``received_on`` after the
    deadline (the last day, inclusive, in the campaign's time zone).

    ``first_received_on``: the earliest known receipt day among the pieces of a
    required type (valid or not), None when none came or none has a known date.

    ``schools`` / ``student_accounts``: from the latest valid piece carrying them (the
    needs form). A collectivity may send a corrected form; the latest valid one is its
    current commitment (the convention holds it to the number of accounts it expressed),
    while an invalid form (a missing or zero figure) never replaces a valid one.

    A piece whose required field is uncertain (``uncertain_fields``: read below the
    campaign's confidence threshold, or unknown) is not valid: it never makes a dossier
    complete nor gives its figures, and raises ``uncertain_<field>`` (with the field, for
    its evidence) until a person confirms or corrects the value.

    ``flags``: each required piece's uncertain fields and failed conditions (with its
    ``document_id``),
    ``wrong_channel`` when it came by a channel the route does not allow,
    ``receipt_from_file_time`` when its date comes from the file's time,
    ``stamp_after_file`` when its stamp, dated after the file came, was set aside, then
    the campaign's cross-piece checks.
    """
    route_name = route_for(campaign, collectivity)
    route = campaign.routes[route_name]
    required = list(dict.fromkeys(route.required))
    opens = campaign.campaign.opens
    flags: list[DossierFlag] = []

    seen: list[_Seen] = []
    for index, piece in enumerate(pieces):
        if piece.duplicate or piece.doc_type not in campaign.pieces:
            continue
        received, source = receipt_of(campaign, piece)
        if opens is not None and received is not None and received < opens:
            if piece.doc_type in required:
                flags.append(
                    make_flag(
                        campaign,
                        "received_before_opening",
                        "dossier",
                        piece.document_id,
                        piece=piece.doc_type,
                        date=received,
                    )
                )
            continue
        failures = tuple(_failed_conditions(campaign, piece))
        uncertain = tuple(uncertain_fields(campaign, piece))
        seen.append(_Seen(index, piece, received, source, failures, uncertain))

    required_seen = [s for s in seen if s.doc_type in required]
    for item in required_seen:
        flags.extend(_piece_flags(campaign, route, item))

    first_valid = {t: _first_valid(required_seen, t) for t in required}
    missing = [t for t in required if first_valid[t] is None]
    status: Status
    received_on: dt.date | None
    if not required_seen:
        status, received_on = "missing", None
    elif missing:
        status = "incomplete"
        days = [s.received for s in required_seen]
        received_on = None if None in days else max(d for d in days if d is not None)
    else:
        status = "complete"
        days = [s.received for s in first_valid.values() if s is not None]
        known = [d for d in days if d is not None]
        received_on = max(known) if len(known) == len(required) else None

    carriers = [
        s
        for s in required_seen
        if s.valid
        and (
            s.piece.fields.get("schools") is not None
            or s.piece.fields.get("student_accounts") is not None
        )
    ]
    latest = max(carriers, key=_Seen.recency_key) if carriers else None
    schools = _as_count(latest.piece.fields.get("schools")) if latest else None
    student_accounts = _as_count(latest.piece.fields.get("student_accounts")) if latest else None

    for check in campaign.checks:
        if check.kind == "date_order":
            flags.extend(_check_date_order(campaign, check, required_seen, required))
        elif check.kind == "same_name":
            flags.extend(_check_same_name(campaign, check, seen, collectivity))
        elif check.kind == "siren_matches":
            flags.extend(_check_siren(campaign, check, seen, collectivity))

    return Evaluation(
        route=route_name,
        status=status,
        missing=missing,
        received_on=received_on,
        late=received_on is not None and received_on > campaign.deadline,
        schools=schools,
        student_accounts=student_accounts,
        flags=_dedupe(flags),
        first_received_on=min(
            (s.received for s in required_seen if s.received is not None), default=None
        ),
    )
