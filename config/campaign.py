"""Campaign files: everything specific to one collection campaign (deadline, routes,
required pieces and their validity conditions, cross-piece checks, addresses, schedule,
the words that identify each kind of piece). The code reads these; it never names a
campaign itself.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Channel = Literal["registered_mail", "email"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """A piece is valid only when every condition holds on its extracted fields.

    ``is``: ``true`` (the field is exactly true), ``present`` (not null/empty),
    ``positive`` (an integer > 0). When it fails, ``flag`` is raised on the dossier."""

    field: str
    is_: Literal["true", "present", "positive"] = Field(alias="is")
    flag: str


FieldType = Literal["text", "person", "role", "collectivity", "date", "count", "flag", "act_id"]


class FieldSpec(_Strict):
    """One field of a piece as this campaign's documents word it (``[pieces.P.fields.F]``):
    its ``type`` (how its value is parsed and checked) and ``labels``, wordings of its label
    on this campaign's forms, added to the reader's own vocabulary (which already knows the
    usual French wordings, abbreviations and OCR slips: list only what a form of the
    campaign says otherwise)."""

    type: FieldType | None = None
    labels: list[str] = []


class PieceSpec(_Strict):
    label: str  # French, as staff and reminder letters name it
    short: str  # French, a column header
    requires: list[Condition] = []
    keywords: list[str] = []  # words that identify this kind of piece on a page
    fields: dict[str, FieldSpec] = {}


class RouteSpec(_Strict):
    label: str
    required: list[str]
    channels: list[Channel]
    address: str
    roster_flag: str | None = None  # roster boolean column selecting this route


class CheckSpec(_Strict):
    """Cross-piece checks. ``date_order``: ``before`` <= ``after`` (``piece.field``).
    ``same_name``: the named field agrees across pieces and with the roster name.
    ``siren_matches``: the SIREN inside an act id (``piece.field``) is the collectivity's."""

    kind: Literal["date_order", "same_name", "siren_matches"]
    flag: str
    before: str | None = None
    after: str | None = None
    field: str | None = None


class Address(_Strict):
    label: str
    lines: list[str] = []
    email: str | None = None


class Schedule(_Strict):
    cron: str
    timezone: str | None = None


class LetterSpec(_Strict):
    """Who sends the reminder letters (French, printed as written): the letterhead
    ``sender`` lines, optional ``contact`` lines ("Dossier suivi par ..."), the ``place``
    before the date ("Nantes, le ..."), the ``signatory`` lines (title then name) and the
    ``subject`` line (default: the campaign title)."""

    sender: list[str] = Field(min_length=1)
    place: str
    signatory: list[str] = Field(min_length=1)
    contact: list[str] = []
    subject: str | None = None


class ConfidenceSpec(_Strict):
    """How sure a read must be for the rules to use it (``[confidence]``). A required
    field (one a piece's conditions name) read with a confidence below its threshold, or
    left unknown (value None at such a confidence), is sent to triage and never settles
    the dossier until a person confirms or corrects it. ``threshold``: the campaign's
    default; ``fields``: per-field overrides, keyed ``"piece.field"`` or ``"field"``
    (every piece)."""

    threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    fields: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = {}


class CampaignInfo(_Strict):
    id: str
    title: str
    organizer: str
    timezone: str
    deadline: dt.date  # last day of reception, inclusive, in ``timezone``
    deadline_label: str
    opens: dt.date | None = None  # pieces received before this day do not count
    default_route: str


class Campaign(_Strict):
    campaign: CampaignInfo
    schedule: Schedule
    addresses: dict[str, Address]
    pieces: dict[str, PieceSpec]
    routes: dict[str, RouteSpec]
    checks: list[CheckSpec] = []
    signatory_block: dict[str, str] = {}
    flag_messages: dict[str, str] = {}  # overrides of the French flag messages
    letters: LetterSpec | None = None  # reminder letters (dashboard exports)
    confidence: ConfidenceSpec = ConfidenceSpec()  # below it a read field goes to triage
    source_path: Path | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        _check_timezone(self.campaign.timezone, "campaign.timezone")
        if self.schedule.timezone is not None:
            _check_timezone(self.schedule.timezone, "schedule.timezone")
        opens, deadline = self.campaign.opens, self.campaign.deadline
        if opens is not None and opens > deadline:
            raise ValueError(f"campaign.opens {opens} is after the deadline {deadline}")
        if self.campaign.default_route not in self.routes:
            raise ValueError(f"default_route {self.campaign.default_route!r} is not a route")
        for name, route in self.routes.items():
            unknown = [p for p in route.required if p not in self.pieces]
            if unknown:
                raise ValueError(f"route {name!r} requires unknown pieces {unknown}")
            if route.address not in self.addresses:
                raise ValueError(f"route {name!r} uses unknown address {route.address!r}")
        for check in self.checks:
            needed = ("before", "after") if check.kind == "date_order" else ("field",)
            for attr in needed:
                ref = getattr(check, attr)
                if not ref:
                    raise ValueError(f"check {check.kind!r} needs {attr!r}")
                if check.kind == "date_order" and "." not in ref:
                    raise ValueError(f"check {check.kind!r}: {attr} {ref!r} is not 'piece.field'")
                if "." in ref and ref.split(".", 1)[0] not in self.pieces:
                    raise ValueError(f"check {check.kind!r} names unknown piece in {ref!r}")
        for ref in self.confidence.fields:
            if "." in ref and ref.split(".", 1)[0] not in self.pieces:
                raise ValueError(f"confidence.fields names unknown piece in {ref!r}")
        return self

    @property
    def id(self) -> str:
        return self.campaign.id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.campaign.timezone)

    @property
    def deadline(self) -> dt.date:
        return self.campaign.deadline

    @property
    def schedule_timezone(self) -> str:
        return self.schedule.timezone or self.campaign.timezone

    def local_date(self, moment: dt.datetime) -> dt.date:
        """The calendar day of an aware datetime in the campaign's timezone."""
        if moment.tzinfo is None:
            raise ValueError("naive datetime: receipt times must be timezone-aware")
        return moment.astimezone(self.tz).date()

    def route(self, name: str) -> RouteSpec:
        return self.routes[name]

    def confidence_threshold(self, doc_type: str, field_name: str) -> float:
        """The confidence below which ``field_name`` of a ``doc_type`` piece is uncertain:
        the ``"piece.field"`` override, else the ``"field"`` one, else the default."""
        overrides = self.confidence.fields
        for key in (f"{doc_type}.{field_name}", field_name):
            if key in overrides:
                return overrides[key]
        return self.confidence.threshold

    def vocabulary(self) -> dict[str, dict[str, list[str]]]:
        """Label wordings per piece and field (``[pieces.P.fields.F] labels``)."""
        return {
            piece: {name: list(f.labels) for name, f in spec.fields.items() if f.labels}
            for piece, spec in self.pieces.items()
            if any(f.labels for f in spec.fields.values())
        }

    def extraction_options(self) -> dict[str, Any]:
        """The keyword arguments ``extractors.extract_file`` / ``extract_files`` take from
        the campaign: page-type keywords, signature-block labels, field vocabularies."""
        keywords = {k: list(p.keywords) for k, p in self.pieces.items() if p.keywords}
        return {
            "keywords": keywords or None,
            "signatory_labels": dict(self.signatory_block) or None,
            "vocabulary": self.vocabulary() or None,
        }

    def piece_label(self, doc_type: str) -> str:
        spec = self.pieces.get(doc_type)
        return spec.label if spec else doc_type


def _check_timezone(name: str, where: str) -> None:
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):  # the latter is a KeyError
        raise ValueError(f"{where}: unknown time zone {name!r}") from None


class CampaignError(ValueError):
    """A campaign file that cannot be used; the message says where and why."""


def _describe(exc: ValidationError) -> str:
    """One line per problem, 'where: why', without pydantic's echo of the whole input."""
    lines = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {msg}" if where else msg)
    return "; ".join(lines)


def load_campaign(path: str | Path) -> Campaign:
    path = Path(path)
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CampaignError(f"campaign file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise CampaignError(f"{path}: not a UTF-8 text file") from exc
    except OSError as exc:
        raise CampaignError(f"{path}: cannot read the campaign file: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(f"{path}: invalid TOML: {exc}") from exc
    try:
        return Campaign.model_validate({**data, "source_path": path})
    except ValidationError as exc:
        raise CampaignError(f"{path}: {_describe(exc)}") from exc
    except ValueError as exc:
        raise CampaignError(f"{path}: {exc}") from exc
