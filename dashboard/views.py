"""What the dossier page and the triage queue show, built from storage rows; and the
parsing of what staff type in their forms (French errors, never a traceback).

No HTTP here: the route modules (``dashboard.routes.dossier``, ``.documents``,
``.triage``) call these and render the templates.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape
from sqlmodel import Session

from config.campaign import Campaign
from dashboard.pages import VIEW_WIDTH, PageError, PageRenderer
from extractors.model import FieldValue
from matching.names import normalize_name
from rules.dossier import receipt_of, route_for
from rules.flags import FIELD_LABELS
from storage import audit, crud
from storage.models import Collectivity, Document, SourceItem

LOW_CONFIDENCE = 0.8  # below this an extracted value is shown as doubtful
MAX_TEXT = 500

RECEIPT_SOURCE_FR = {
    "manual": "saisie manuelle",
    "stamp": "tampon d'arrivée",
    "mail": "date du courriel",
    "file_time": "date du fichier (à confirmer)",
}
DOC_TYPE_FR = {"other": "Autre document"}
ORIGIN_FR = {
    "imap": "courriel",
    "eml": "courriel",
    "attachment": "courriel",
    "scan": "courrier scanné",
    "manual": "saisie manuelle",
}
ACTION_FR = {
    "create": "création",
    "update": "modification",
    "update_fields": "correction de champs",
    "attach": "rattachement",
    "detach": "détachement",
    "open": "ouverture d'un signalement",
    "resolve": "résolution d'un signalement",
    "set_received_at": "date de réception saisie",
    "set_duplicate": "marquage comme doublon",
    "mark_processed": "traitement terminé",
    "mark_failed": "échec du traitement",
    "mark_pending": "remise en file",
}
ENTITY_FR = {
    "collectivity": "collectivité",
    "dossier_state": "verdict",
    "document": "pièce",
    "source_item": "élément reçu",
    "flag": "signalement",
}
KIND_FR = {"commune": "Commune", "epci": "EPCI"}
MATCH_METHOD_FR = {
    "act_id_siren": "automatique : SIREN de l'acte",
    "sender_email": "automatique : adresse de l'expéditeur",
    "sender_domain": "automatique : domaine de l'expéditeur",
    "name": "automatique : nom de la collectivité",
    "name_fuzzy": "automatique : nom approchant (à vérifier)",
    "sibling": "automatique : autre pièce du même envoi",
    "manual": "à la main",
    "truth": "données de démonstration",
}


class InputError(ValueError):
    """What staff typed cannot be used; the message is French."""


# ------------------------------------------------------------------ typed inputs


def field_kind(name: str) -> str:
    """``date``, ``int``, ``bool`` or ``text``: the input a field gets."""
    if name.endswith("_date"):
        return "date"
    if name in crud.INT_FIELDS:
        return "int"
    if name in crud.BOOL_FIELDS:
        return "bool"
    return "text"


def field_label_fr(name: str) -> str:
    """``la date de signature`` -> ``Date de signature``."""
    label = FIELD_LABELS.get(name, name)
    for article in ("le ", "la ", "l'"):
        if label.startswith(article):
            label = label[len(article) :]
            break
    return label[:1].upper() + label[1:]


_DATE_FR = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_day(text: str, what: str = "la date") -> dt.date:
    """A day typed as JJ/MM/AAAA (or JJ.MM.AAAA, JJ-MM-AAAA) or AAAA-MM-JJ."""
    text = (text or "").strip()
    m = _DATE_FR.fullmatch(text)
    parts: tuple[int, int, int] | None = None
    if m:
        parts = (int(m.group(3)), int(m.group(2)), int(m.group(1)))
    else:
        m = _DATE_ISO.fullmatch(text)
        if m:
            parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if parts is None:
        raise InputError(
            f"{what} « {text[:40]} » n'est pas une date : écrire JJ/MM/AAAA (ex. 14/01/2022)."
        )
    try:
        day = dt.date(*parts)
    except ValueError as exc:
        raise InputError(f"{what} « {text[:40]} » n'existe pas dans le calendrier.") from exc
    if not 1900 <= day.year <= 2100:
        raise InputError(f"{what} « {text[:40]} » : année invalide.")
    return day


def parse_field_input(name: str, text: str | None) -> FieldValue:
    """The value of a field from what staff typed; empty means "no value"."""
    raw = (text or "").strip()
    label = field_label_fr(name)
    if raw == "":
        return None
    kind = field_kind(name)
    if kind == "date":
        return parse_day(raw, label)
    if kind == "int":
        digits = raw.replace(" ", "").replace("\u202f", "").replace("\xa0", "")
        if not digits.isdigit():
            raise InputError(f"{label} : un nombre entier positif est attendu, pas « {raw[:40]} ».")
        value = int(digits)
        if value > 10_000_000:
            raise InputError(f"{label} : nombre trop grand ({raw[:40]}).")
        return value
    if kind == "bool":
        lowered = raw.lower()
        if lowered in ("oui", "o", "yes", "true", "1", "vrai"):
            return True
        if lowered in ("non", "n", "no", "false", "0", "faux"):
            return False
        raise InputError(f"{label} : répondre oui ou non, pas « {raw[:40]} ».")
    if len(raw) > MAX_TEXT:
        raise InputError(f"{label} : texte trop long ({MAX_TEXT} caractères au plus).")
    if any(ord(c) < 32 for c in raw):
        raise InputError(f"{label} : caractères de contrôle refusés.")
    return raw


def input_value(name: str, value: FieldValue) -> str:
    """A field value as its form input shows it."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def display_value(value: FieldValue) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def field_changes(document: Document, form: dict[str, str]) -> dict[str, FieldValue]:
    """The fields of ``document`` whose typed value (form key ``f_<name>``) differs from
    the stored one, and those whose read value a person confirmed as it is (``ok_<name>``
    ticked on a field read unsurely): both become certain. Every input is checked first:
    one bad input changes nothing."""
    changes: dict[str, FieldValue] = {}
    errors: list[str] = []
    for name in crud.allowed_fields(document.doc_type):
        key = f"f_{name}"
        if key not in form:
            continue
        try:
            value = parse_field_input(name, form[key])
        except InputError as exc:
            errors.append(str(exc))
            continue
        confidence = document.confidence(name)
        confirmed = bool(form.get(f"ok_{name}")) and confidence is not None and confidence < 1.0
        if value != document.value(name) or confirmed:
            changes[name] = value
    if errors:
        raise InputError(" ".join(errors))
    return changes


def local_noon(day: dt.date, campaign: Campaign) -> dt.datetime:
    """The moment recorded for a day typed by staff: noon in the campaign's zone (its
    calendar day there is ``day`` whatever the server's zone)."""
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=campaign.tz)


def find_collectivity(session: Session, text: str) -> Collectivity:
    """The collectivity staff named: its code (``44109`` or ``44109 — Nantes`` as the
    list suggests), its SIREN, or a name only one collectivity has."""
    raw = (text or "").strip()
    if not raw:
        raise InputError("Indiquer une collectivité (code INSEE, SIREN ou nom).")
    head = re.split(r"\s+[—–-]\s+|\s+", raw, maxsplit=1)[0]
    found = crud.get_collectivity_by_code(session, head)
    if found is not None:
        return found
    if re.fullmatch(r"\d{9}", head):
        try:
            by_siren = crud.get_collectivity_by_siren(session, head)
        except crud.AmbiguousError as exc:
            raise InputError(str(exc)) from exc
        if by_siren is not None:
            return by_siren
    wanted = normalize_name(raw)
    matches = crud.search_collectivities(session, raw, limit=50)
    exact = [c for c in matches if normalize_name(c.name) == wanted]
    if len(exact) == 1:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise InputError(f"Aucune collectivité ne correspond à « {raw[:60]} ».")
    shown = ", ".join(f"{c.name} ({c.code})" for c in matches[:5])
    raise InputError(f"« {raw[:60]} » désigne plusieurs collectivités : {shown}… Préciser le code.")


def safe_next(target: str | None, default: str) -> str:
    """A local path to go back to after a form (never another site)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return default
    return target


# ------------------------------------------------------------------ dossier page


def source_view(session: Session, item: SourceItem) -> dict[str, Any]:
    """Where a piece came from, as staff read it."""
    parent = crud.get_source_item(session, item.parent_id) if item.parent_id else None
    view: dict[str, Any] = {"item_id": item.id, "origin": item.origin}
    if item.origin == "manual":
        created = audit.entries(session, entity="source_item", entity_id=item.id, limit=1)
        view.update(
            kind="manual",
            kind_fr="Saisie manuelle (reçue sur papier)",
            recorded_by=created[0].actor.removeprefix("user:") if created else None,
            recorded_at=item.created_at,
            note=item.original_name,
        )
    elif item.channel == "email" or item.origin in ("imap", "eml", "attachment"):
        message = parent or item
        view.update(
            kind="mail",
            kind_fr="Courriel",
            sender=message.sender or item.sender,
            subject=message.subject or item.subject,
            attachment=item.original_name if parent else None,
            delivered_at=message.received_at if message.received_at_source == "mail" else None,
        )
    else:
        view.update(
            kind="scan",
            kind_fr="Courrier scanné",
            file=item.original_name,
            scanned_at=item.file_mtime,
        )
    view["manual_received_at"] = item.received_at if item.received_at_source == "manual" else None
    return view


@dataclass
class Viewer:
    """The page shown in the page viewer, with the evidence boxes drawn on it."""

    document_id: int
    page: int
    pages: list[int]
    image_url: str
    boxes: list[dict[str, Any]] = field(default_factory=list)
    field: str | None = None
    error: str | None = None
    count: int = 0


def _doc_pages(document: Document) -> list[int]:
    return sorted({int(p) for p in (document.pages or []) if isinstance(p, int) and p >= 1})


def viewer_for(
    renderer: PageRenderer,
    document: Document,
    item: SourceItem,
    page: int | None,
    field_name: str | None,
) -> Viewer | None:
    """The viewer for a document's page (by default: the page of ``field_name``'s
    evidence, else the document's first page), with the box of every field read there."""
    if item.origin == "manual":
        return None
    fields = document.fields or {}
    if field_name is not None and field_name not in fields:
        field_name = None
    pages = _doc_pages(document) or [1]
    if page is None and field_name is not None:
        evidence = (fields[field_name] or {}).get("evidence") or {}
        if isinstance(evidence.get("page"), int):
            page = evidence["page"]
    if page is None:
        page = pages[0]
    assert document.id is not None
    viewer = Viewer(
        document_id=document.id,
        page=page,
        pages=pages,
        image_url=f"/documents/{document.id}/pages/{page}.png?w={VIEW_WIDTH}",
        field=field_name,
    )
    try:
        size = renderer.size(item.sha256, page)
    except PageError as exc:
        viewer.error = exc.message
        return viewer
    viewer.count = size.count
    if page not in viewer.pages:
        viewer.pages = sorted({*viewer.pages, page})
    for name, data in fields.items():
        evidence = (data or {}).get("evidence") if isinstance(data, dict) else None
        if not evidence or evidence.get("page") != page:
            continue
        box = evidence.get("box")
        pct = size.percent_box(tuple(box)) if isinstance(box, list) and len(box) == 4 else None
        if pct is None:
            continue
        viewer.boxes.append(
            {
                "field": name,
                "label": field_label_fr(name),
                "style": "; ".join(f"{k}: {v}%" for k, v in pct.items()),
                "active": name == field_name,
            }
        )
    return viewer


def _days(n: int) -> str:
    return f"{n} jour" + ("s" if abs(n) > 1 else "")


def deadline_text(
    campaign: Campaign,
    received_on: dt.date | None,
    late: bool,
    today: dt.date,
    complete: bool = True,
) -> str:
    """Where the dossier stands against the deadline, in days: for a complete dossier
    how early or late it was received, for the others how long is left."""
    deadline = campaign.deadline
    if received_on is not None and complete:
        delta = (received_on - deadline).days
        if late or delta > 0:
            return f"En retard de {_days(delta)}"
        if delta == 0:
            return "Reçu le dernier jour"
        return f"Reçu {_days(-delta)} avant la date limite"
    left = (deadline - today).days
    if left >= 0:
        return f"{_days(left)} avant la date limite" if left else "Dernier jour aujourd'hui"
    return f"Date limite dépassée depuis {_days(-left)}"


AUDIT_KEYS_FR = {
    "collectivity_id": "collectivité",
    "match_method": "rattachement",
    "match_score": "score",
    "received_at": "reçu le",
    "received_at_source": "source de la date",
    "resolved_at": "résolu le",
    "resolved_by": "résolu par",
    "duplicate_of_id": "doublon de",
    "doc_type": "type",
    "status": "statut",
    "missing": "manquant",
    "received_on": "date de réception",
    "first_received_on": "première réception",
    "late": "en retard",
    "flag_codes": "signalements",
    "original_name": "nom",
    "message": "message",
    "code": "code",
    "name": "nom",
}
_AUDIT_SKIP = frozenset({"sha256", "evidence", "confidence", "origin_ref", "parent_id", "size"})


def _audit_value(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(_audit_value(v) for v in value) or "—"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def audit_text(value: Any, limit: int = 240) -> str:
    """An audit entry's before/after as staff read it: ``Signature : non ; …`` (field
    values without their evidence, known keys in French)."""
    if value is None:
        return ""
    parts: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _AUDIT_SKIP:
                continue
            if key == "fields" and isinstance(item, dict):
                parts.append(audit_text(item, limit))
            elif isinstance(item, dict) and "value" in item:
                parts.append(f"{field_label_fr(key)} : {_audit_value(item.get('value'))}")
            else:
                parts.append(f"{AUDIT_KEYS_FR.get(key, key)} : {_audit_value(item)}")
    else:
        parts.append(_audit_value(value))
    text = " ; ".join(p for p in parts if p)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dossier_view(
    session: Session,
    campaign: Campaign,
    collectivity: Collectivity,
    renderer: PageRenderer,
    *,
    today: dt.date,
    doc: int | None = None,
    page: int | None = None,
    field_name: str | None = None,
) -> dict[str, Any]:
    """Everything the dossier page shows."""
    assert collectivity.id is not None
    state = crud.get_dossier_state(session, collectivity.id)
    documents = crud.list_documents(session, collectivity.id)
    pieces = {p.document_id: p for p in crud.pieces_for(session, collectivity.id, campaign.tz)}
    flags = crud.list_flags_of_dossier(session, collectivity.id)
    route_name = state.route if state else None
    if route_name is None:
        route_name = route_for(campaign, collectivity.to_ref())
    route = campaign.routes.get(route_name)
    route_why = "liste par défaut"
    if route is not None and route.roster_flag:
        route_why = f"indicateur « {route.roster_flag} » de la liste des collectivités"
    elif route_name == campaign.campaign.default_route:
        route_why = "parcours par défaut de la campagne"

    doc_views: list[dict[str, Any]] = []
    receipt_sources: dict[int, tuple[dt.date | None, str | None]] = {}
    viewer: Viewer | None = None
    for d in documents:
        assert d.id is not None
        item = crud.get_source_item(session, d.source_item_id)
        if item is None:  # pragma: no cover - foreign key
            continue
        piece = pieces.get(d.id)
        day, src = receipt_of(campaign, piece) if piece else (None, None)
        receipt_sources[d.id] = (day, src)
        rows = []
        for name in crud.allowed_fields(d.doc_type):
            data = (d.fields or {}).get(name)
            value = d.value(name)
            confidence = d.confidence(name)
            evidence = (data or {}).get("evidence") if isinstance(data, dict) else None
            rows.append(
                {
                    "name": name,
                    "label": field_label_fr(name),
                    "kind": field_kind(name),
                    "value": display_value(value),
                    "input": input_value(name, value),
                    "present": isinstance(data, dict),
                    "confidence": confidence,
                    "low": confidence is not None
                    and confidence
                    < max(LOW_CONFIDENCE, campaign.confidence_threshold(d.doc_type, name)),
                    "raw": (evidence or {}).get("raw") or "",
                    "page": (evidence or {}).get("page"),
                    "has_box": bool((evidence or {}).get("box")),
                }
            )
        duplicate_of = d.duplicate_of_id or None
        if duplicate_of is None and item.duplicate_of_id is not None:
            duplicate_of = -1  # the same file arrived before
        view_pages = _doc_pages(d) if item.origin != "manual" else []
        if item.origin != "manual" and not view_pages:
            view_pages = [1]
        doc_views.append(
            {
                "id": d.id,
                "doc_type": d.doc_type,
                "type_fr": (
                    campaign.pieces[d.doc_type].short
                    if d.doc_type in campaign.pieces
                    else DOC_TYPE_FR.get(d.doc_type, d.doc_type)
                ),
                "source": source_view(session, item),
                "received_on": day,
                "receipt_source": src,
                "receipt_source_fr": RECEIPT_SOURCE_FR.get(src or "", "inconnue"),
                "duplicate_of": duplicate_of,
                "duplicate": duplicate_of is not None,
                "match_method": (
                    MATCH_METHOD_FR.get(d.match_method, d.match_method) if d.match_method else None
                ),
                "ocr": d.ocr,
                "fields": rows,
                "pages": view_pages,
                "item_id": item.id,
                "flags": [f for f in flags if f.document_id == d.id],
            }
        )
        if doc == d.id:
            viewer = viewer_for(renderer, d, item, page, field_name)

    verdict_source = None
    received_on = state.received_on if state else None
    if received_on is not None:
        for d in documents:
            day_of, source_of = receipt_sources.get(d.id or -1, (None, None))
            piece = pieces.get(d.id)
            if day_of == received_on and piece is not None and not piece.duplicate:
                verdict_source = source_of
                break
    missing = list(state.missing) if state else list(route.required if route else [])
    entries = crud.dossier_audit(session, collectivity.id, limit=25)
    return {
        "collectivity": collectivity,
        "kind_fr": KIND_FR.get(collectivity.kind, collectivity.kind),
        "state": state,
        "status": state.status if state else "missing",
        "route": route_name,
        "route_label": route.label if route else route_name,
        "route_why": route_why,
        "missing": missing,
        "received_on": received_on,
        "receipt_source_fr": (
            RECEIPT_SOURCE_FR.get(verdict_source or "", "") if received_on else ""
        ),
        "late": bool(state.late) if state else False,
        "deadline_text": deadline_text(
            campaign,
            received_on,
            bool(state.late) if state else False,
            today,
            complete=state is not None and state.status == "complete",
        ),
        "documents": doc_views,
        "open_flags": [f for f in flags if f.resolved_at is None],
        "resolved_flags": [f for f in flags if f.resolved_at is not None],
        "audit": [
            {
                "at": e.at,
                "actor": e.actor,
                "action": ACTION_FR.get(e.action, e.action),
                "entity": ENTITY_FR.get(e.entity, e.entity),
                "entity_id": e.entity_id,
                "before": audit_text(e.before),
                "after": audit_text(e.after),
                "comment": e.comment,
            }
            for e in entries
        ],
        "viewer": viewer,
        "piece_types": list(campaign.pieces),
        "piece_fields": {
            t: [
                {"name": n, "label": field_label_fr(n), "kind": field_kind(n)}
                for n in crud.allowed_fields(t)
                if n != "arrival_stamp_date"
            ]
            for t in campaign.pieces
        },
    }


def collectivity_datalist(session: Session, cache: dict[str, Any] | None = None) -> Markup:
    """The ``<datalist id="collectivites">`` of every collectivity (``code — name``) that
    the attach forms suggest from. Built from two columns only, and kept in ``cache``
    (e.g. the app's state) until the roster changes (count or last update)."""
    stamp = crud.roster_stamp(session)
    if cache is not None and cache.get("stamp") == stamp:
        return cache["html"]  # type: ignore[no-any-return]
    rows = crud.collectivity_codes_and_names(session)
    options = "".join(f'<option value="{escape(code)} — {escape(name)}">' for code, name in rows)
    html = Markup(f'<datalist id="collectivites">{options}</datalist>')
    if cache is not None:
        cache.update(stamp=stamp, html=html)
    return html
