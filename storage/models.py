"""The tables. Every change to them goes through ``storage.crud`` (which writes the audit
log); the schema itself is created only by the Alembic migrations in
``storage/migrations`` — ``tests/test_storage_schema.py`` checks both agree.

Datetimes are aware and UTC (``UTCDateTime``); JSON columns hold plain JSON values.
Enumerations are plain strings guarded by CHECK constraints (``KINDS``, ``ORIGINS``...).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, MetaData, Text
from sqlmodel import Field, SQLModel

from extractors.model import Document as ExtractedDocument
from extractors.model import Evidence, FieldResult, FieldValue, parse_field_value
from rules.model import CollectivityRef
from storage.types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

KINDS = ("commune", "epci")
ORIGINS = ("imap", "eml", "scan", "attachment", "manual")
CHANNELS = ("registered_mail", "email")
RECEIVED_AT_SOURCES = ("mail", "file_time", "manual")
ITEM_STATUSES = ("pending", "processed", "failed")
FLAG_ORIGINS = ("rules", "ingest", "staff")
DOSSIER_STATUSES = ("complete", "incomplete", "missing")
ROLES = ("viewer", "triager", "admin")  # each can do what the previous one can


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(SQLModel):
    """Base of the project's tables, with its own metadata (named constraints, so that
    migrations, including SQLite batch migrations, can refer to them)."""

    metadata: ClassVar[MetaData] = MetaData(naming_convention=NAMING_CONVENTION)  # type: ignore[misc]


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Collectivity(Base, table=True):
    """A commune or an EPCI of the campaign's roster."""

    __tablename__ = "collectivity"
    __table_args__ = (CheckConstraint(_in("kind", KINDS), name="kind"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)  # INSEE code (commune) or SIREN (EPCI)
    name: str = Field(max_length=255)
    department: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    siren: str | None = Field(default=None, max_length=9, index=True)
    ecollectivites: bool = Field(default=False)
    email: str | None = Field(default=None, max_length=320)
    population: int | None = Field(default=None)
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()

    def roster_flags(self) -> dict[str, bool]:
        """Boolean roster columns (``ecollectivites`` and boolean extra columns)."""
        flags = {k: v for k, v in (self.extra or {}).items() if isinstance(v, bool)}
        flags.pop("siren_derived", None)
        flags["ecollectivites"] = bool(self.ecollectivites)
        return flags

    def to_ref(self) -> CollectivityRef:
        """What the dossier rules know of a collectivity."""
        return CollectivityRef(
            code=self.code,
            name=self.name,
            siren=self.siren,
            kind=self.kind,
            roster_flags=self.roster_flags(),
        )


class SourceItem(Base, table=True):
    """One thing that arrived: a mail message, one of its attachments, a scanned file, an
    .eml file, or a piece recorded by hand. The bytes are in the file store under
    ``sha256``; ``original_name`` is metadata only, never a path."""

    __tablename__ = "source_item"
    __table_args__ = (
        CheckConstraint(_in("origin", ORIGINS), name="origin"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("status", ITEM_STATUSES), name="status"),
        CheckConstraint(
            f"received_at_source IS NULL OR {_in('received_at_source', RECEIVED_AT_SOURCES)}",
            name="received_at_source",
        ),
        Index("uq_source_item_origin_origin_ref", "origin", "origin_ref", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, index=True)
    size: int = Field(sa_type=BigInteger)
    origin: str = Field(max_length=16)
    origin_ref: str = Field(max_length=512)
    parent_id: int | None = Field(default=None, foreign_key="source_item.id", index=True)
    channel: str = Field(max_length=32)
    original_name: str | None = Field(default=None, max_length=1024)
    mime: str | None = Field(default=None, max_length=255)
    sender: str | None = Field(default=None, sa_type=Text)
    subject: str | None = Field(default=None, sa_type=Text)
    received_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at_source: str | None = Field(default=None, max_length=16)
    file_mtime: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=16, index=True)
    error: str | None = Field(default=None, sa_type=Text)
    duplicate_of_id: int | None = Field(default=None, foreign_key="source_item.id")
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class Document(Base, table=True):
    """A piece found inside a source item. ``fields`` maps a field name to
    ``extractors.model.FieldResult.to_json()``: ``{"value", "confidence", "evidence"}``."""

    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    source_item_id: int = Field(foreign_key="source_item.id", index=True)
    doc_type: str = Field(max_length=32)
    pages: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    attachment: str | None = Field(default=None, max_length=1024)
    ocr: bool = Field(default=False)
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    collectivity_id: int | None = Field(default=None, foreign_key="collectivity.id", index=True)
    match_method: str | None = Field(default=None, max_length=32)
    match_score: float | None = Field(default=None)
    duplicate_of_id: int | None = Field(default=None, foreign_key="document.id")
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()

    def value(self, name: str) -> FieldValue:
        """The plain value of a field (dates as ``datetime.date``), None when absent."""
        data = (self.fields or {}).get(name)
        if not isinstance(data, dict):
            return None
        return parse_field_value(name, data.get("value"))

    def values(self) -> dict[str, FieldValue]:
        """All fields as plain values, dates as ``datetime.date``."""
        return {name: self.value(name) for name in (self.fields or {})}

    def confidence(self, name: str) -> float | None:
        data = (self.fields or {}).get(name)
        if not isinstance(data, dict) or data.get("confidence") is None:
            return None
        return float(data["confidence"])

    def field_result(self, name: str) -> FieldResult | None:
        data = (self.fields or {}).get(name)
        if not isinstance(data, dict):
            return None
        evidence = data.get("evidence")
        return FieldResult(
            value=parse_field_value(name, data.get("value")),
            confidence=float(data.get("confidence", 1.0)),
            evidence=Evidence.from_json(evidence) if evidence else None,
        )

    def to_extracted(self) -> ExtractedDocument:
        """Back to the extraction contract's ``Document``."""
        results = {name: self.field_result(name) for name in (self.fields or {})}
        return ExtractedDocument(
            type=self.doc_type,
            pages=list(self.pages or []),
            fields={k: v for k, v in results.items() if v is not None},
            ocr=self.ocr,
            attachment=self.attachment,
        )


class Flag(Base, table=True):
    """Something staff must look at. Open while ``resolved_at`` is null."""

    __tablename__ = "flag"
    __table_args__ = (CheckConstraint(_in("origin", FLAG_ORIGINS), name="origin"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, index=True)
    message: str = Field(sa_type=Text)  # French, for staff
    collectivity_id: int | None = Field(default=None, foreign_key="collectivity.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    source_item_id: int | None = Field(default=None, foreign_key="source_item.id", index=True)
    origin: str = Field(max_length=16)
    created_at: dt.datetime = _created()
    resolved_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: str | None = Field(default=None, max_length=255)
    comment: str | None = Field(default=None, sa_type=Text)

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class AuditEntry(Base, table=True):
    """Append-only log of every change, by a machine (``system:...``) or a person.
    The database itself refuses UPDATE and DELETE on this table (triggers)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity_entity_id", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor: str = Field(max_length=255)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=64)
    entity_id: int | None = Field(default=None)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    comment: str | None = Field(default=None, sa_type=Text)


class DossierState(Base, table=True):
    """The dossier rules' last verdict for one collectivity."""

    __tablename__ = "dossier_state"
    __table_args__ = (CheckConstraint(_in("status", DOSSIER_STATUSES), name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    collectivity_id: int = Field(foreign_key="collectivity.id", unique=True)
    route: str = Field(max_length=64)
    status: str = Field(max_length=16, index=True)
    missing: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    received_on: dt.date | None = Field(default=None)
    first_received_on: dt.date | None = Field(default=None)
    late: bool = Field(default=False)
    schools: int | None = Field(default=None)
    student_accounts: int | None = Field(default=None)
    flag_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    evaluated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class User(Base, table=True):
    """A staff account of the web app. ``password_hash`` is an argon2 hash (never the
    password). ``failed_logins`` counts consecutive wrong passwords (reset by a success);
    with ``last_failed_at`` it slows down password guessing."""

    __tablename__ = "app_user"  # "user" is a reserved word in PostgreSQL
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True)
    password_hash: str = Field(sa_type=Text)
    role: str = Field(max_length=16)
    failed_logins: int = Field(default=0)
    last_failed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled: bool = Field(default=False)
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


TABLES = (Collectivity, SourceItem, Document, Flag, AuditEntry, DossierState, User)
