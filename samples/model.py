"""The ground truth of a generated sample corpus (``truth.json``) and its dataclass mirror.

``truth.json``::

    {
      "version": 1, "seed": 2022, "count": 40, "scans": true, "roster_rows": 1299,
      "files": {
        "scans/20220112-0931-003.pdf": {
          "kind": "scan" | "digital" | "mail",
          "scanned": true,               # pages are images (for mail: any attachment is)
          "format": "pdf" | "png" | "jpeg" | "tiff" | "eml",
          "collectivity": "44190",       # roster code of the sender
          "pages": 7,                    # pages of the file (0 for .eml)
          "rotation": [0, 0, 90, ...],   # per page: degrees the content is turned clockwise
          "skew": [0.8, -1.4, ...],      # per page: small residual angle, degrees, + = clockwise
          "dpi": 300, "colour": false,
          "mtime": "2022-01-13T09:31:00+01:00",   # also set on the file (os.utime)
          "delivered_at": null,          # mail: delivery time (Received header)
          "message_id": null, "sender": null, "subject": null,
          "attachments": [{"name": "fiche.pdf", "content_type": "application/pdf",
                           "pages": 1, "scanned": false}],
          "duplicate_of": null,          # a second scan of the same paper
          "documents": [
            {"type": "convention", "pages": [1, 2, 3, 4, 5],
             "fields": {"collectivity": "ST SEBASTIEN SUR LOIRE", "signed": true,
                        "signature_date": "2021-12-14", ..., "arrival_stamp_date": "2022-01-12"},
             "attachment": null}
          ]
        }
      },
      "collectivities": {
        "44190": {"name": ..., "kind": ..., "siren": ..., "department": ..., "route": ...,
                  "scenario": "name_written_abbreviated", "written_name": ...,
                  "pieces": [{"type": "convention", "file": ..., "attachment": null,
                              "channel": "registered_mail", "received_on": "2022-01-12"}]}
      }
    }

Document ``pages`` are 1-based pages of the file, or of the attachment when
``attachment`` is set. A nested attachment is named ``outer/inner`` (``pieces.zip/
convention.pdf``; ``transfert.eml/fiche.pdf``). Field names are exactly those of
``extractors.model.FIELD_NAMES`` for the type, plus ``arrival_stamp_date`` on documents
whose first page bears the mail room's stamp. Values are as written on the document
(names keep their spelling), dates ISO ``YYYY-MM-DD``, ``null`` when left blank.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from extractors.dates import fold
from extractors.model import FieldValue, parse_field_value


def comparable(value: Any) -> Any:
    """A value as the benchmarks compare it to the truth: strings without case, accents,
    apostrophes or repeated spaces; anything else as it is."""
    if isinstance(value, str):
        return " ".join(fold(value).replace("'", " ").split()).upper()
    return value


TRUTH_FILE = "truth.json"
ROSTER_FILE = "roster.csv"
TRUTH_VERSION = 1

# Every scenario a collectivity may play, in the order they are handed out.
SCENARIOS: tuple[str, ...] = (
    "complete_on_time",
    "envelope",
    "complete_late",
    "complete_on_deadline_day",
    "unsigned_convention",
    "deliberation_without_ack",
    "deliberation_postponed",
    "deliberation_refused",
    "needs_form_blank",
    "missing_needs_form",
    "missing_deliberation",
    "ecollectivites_email",
    "ecollectivites_email_deadline_night",
    "ecollectivites_email_late",
    "ecollectivites_forgot_attachment",
    "ecollectivites_forwarded_eml",
    "ecollectivites_zip",
    "ecollectivites_by_post",
    "convention_by_plain_email",
    "siren_mismatch",
    "deliberation_after_signature",
    "name_written_abbreviated",
    "name_mismatch",
    "duplicate_rescan",
    "no_stamp",
    "digital_ocr",
    "epci_complete",
    "image_files",
    "multipage_tiff",
    "rotated_pages",
    "split_mailings",
    "needs_form_table",
)


@dataclass
class DocumentTruth:
    type: str
    pages: list[int]
    fields: dict[str, Any]
    attachment: str | None = None

    def values(self) -> dict[str, FieldValue]:
        """Field values with dates as ``datetime.date`` (as ``Document.values``)."""
        return {name: parse_field_value(name, raw) for name, raw in self.fields.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "pages": list(self.pages),
            "fields": dict(self.fields),
            "attachment": self.attachment,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentTruth:
        return cls(
            type=data["type"],
            pages=[int(p) for p in data["pages"]],
            fields=dict(data.get("fields", {})),
            attachment=data.get("attachment"),
        )


@dataclass
class AttachmentTruth:
    name: str
    content_type: str
    pages: int = 0
    scanned: bool = False


@dataclass
class FileTruth:
    path: str  # relative to the corpus directory, with "/" separators
    kind: str  # scan | digital | mail
    scanned: bool
    format: str
    collectivity: str | None
    pages: int
    mtime: str
    documents: list[DocumentTruth] = field(default_factory=list)
    rotation: list[int] = field(default_factory=list)
    skew: list[float] = field(default_factory=list)
    dpi: int | None = None
    colour: bool = False
    delivered_at: str | None = None
    message_id: str | None = None
    sender: str | None = None
    subject: str | None = None
    attachments: list[AttachmentTruth] = field(default_factory=list)
    duplicate_of: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["path"]
        data["documents"] = [d.to_json() for d in self.documents]
        return data

    @classmethod
    def from_json(cls, path: str, data: dict[str, Any]) -> FileTruth:
        data = dict(data)
        docs = [DocumentTruth.from_json(d) for d in data.pop("documents", [])]
        atts = [AttachmentTruth(**a) for a in data.pop("attachments", [])]
        return cls(path=path, documents=docs, attachments=atts, **data)


@dataclass
class SentPiece:
    type: str
    file: str
    channel: str  # registered_mail | email
    received_on: str  # ISO date, Europe/Paris
    attachment: str | None = None


@dataclass
class CollectivityTruth:
    code: str
    name: str
    kind: str
    department: str
    siren: str
    route: str  # direct | ecollectivites
    scenario: str
    written_name: str
    email: str | None = None
    pieces: list[SentPiece] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["code"]
        return data

    @classmethod
    def from_json(cls, code: str, data: dict[str, Any]) -> CollectivityTruth:
        data = dict(data)
        pieces = [SentPiece(**p) for p in data.pop("pieces", [])]
        return cls(code=code, pieces=pieces, **data)


@dataclass
class Manifest:
    """What ``generate`` wrote, and what a perfect reader would find in it."""

    out_dir: Path
    seed: int
    count: int
    scans: bool
    roster_rows: int
    files: dict[str, FileTruth] = field(default_factory=dict)
    collectivities: dict[str, CollectivityTruth] = field(default_factory=dict)

    @property
    def truth_path(self) -> Path:
        return self.out_dir / TRUTH_FILE

    @property
    def roster_path(self) -> Path:
        return self.out_dir / ROSTER_FILE

    def scenarios(self) -> dict[str, list[str]]:
        """Scenario -> collectivity codes playing it."""
        out: dict[str, list[str]] = {}
        for code, coll in sorted(self.collectivities.items()):
            out.setdefault(coll.scenario, []).append(code)
        return out

    def files_of(self, code: str) -> list[FileTruth]:
        return [f for f in self.files.values() if f.collectivity == code]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": TRUTH_VERSION,
            "seed": self.seed,
            "count": self.count,
            "scans": self.scans,
            "roster_rows": self.roster_rows,
            "files": {p: f.to_json() for p, f in sorted(self.files.items())},
            "collectivities": {c: v.to_json() for c, v in sorted(self.collectivities.items())},
        }

    def save(self) -> Path:
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=1, sort_keys=False)
        self.truth_path.write_text(text + "\n", encoding="utf-8")
        return self.truth_path

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        """Read ``truth.json`` (``path`` is the file or the corpus directory)."""
        path = Path(path)
        if path.is_dir():
            path = path / TRUTH_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ValueError(f"no sample ground truth at {path}") from exc
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: invalid JSON: {exc}") from exc
        if data.get("version") != TRUTH_VERSION:
            raise ValueError(f"{path}: unsupported truth version {data.get('version')!r}")
        return cls(
            out_dir=path.parent,
            seed=int(data["seed"]),
            count=int(data["count"]),
            scans=bool(data["scans"]),
            roster_rows=int(data["roster_rows"]),
            files={p: FileTruth.from_json(p, f) for p, f in data["files"].items()},
            collectivities={
                c: CollectivityTruth.from_json(c, v) for c, v in data["collectivities"].items()
            },
        )
