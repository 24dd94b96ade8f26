"""The list of collectivities (``/collectivites``): search, filters, sort, pages.

Everything is a GET parameter, so a filtered list has its own address:
``q`` (name or code, accents and case ignored), ``statut`` (complete, incomplete,
missing), ``departement``, ``voie`` (the route), ``retard`` (oui/non), ``tri`` (nom,
code, departement, statut, reception), ``ordre`` (asc/desc), ``page`` (50 a page).
The rows are those of ``flows.dossiers.status_table`` (``intake status --json``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from dashboard.deps import ReadDB, Viewer, get_ctx
from dashboard.stats import department_label
from dashboard.templating import STATUS_FR, render
from flows.dossiers import status_table
from matching.names import normalize_name

router = APIRouter()
PAGE_SIZE = 50
SORTS = {
    "nom": "Nom",
    "code": "Code",
    "departement": "Département",
    "statut": "Statut",
    "reception": "Date de réception",
}
STATUS_ORDER = {"missing": 0, "incomplete": 1, "complete": 2}

Row = dict[str, Any]


@dataclass(frozen=True)
class ListQuery:
    q: str = ""
    statut: str = ""
    departement: str = ""
    voie: str = ""
    retard: str = ""
    tri: str = "nom"
    ordre: str = "asc"
    page: int = 1

    def params(self, **changes: Any) -> dict[str, str]:
        """The non-default parameters, with ``changes`` applied (for links)."""
        values = {**self.__dict__, **changes}
        defaults = ListQuery().__dict__
        return {k: str(v) for k, v in values.items() if v not in ("", None) and v != defaults[k]}

    def url(self, **changes: Any) -> str:
        params = self.params(**changes)
        return "/collectivites" + ("?" + urlencode(params) if params else "")

    def sort_url(self, key: str) -> str:
        """Sorting by ``key``: ascending first, descending when already ascending."""
        ordre = "desc" if self.tri == key and self.ordre == "asc" else "asc"
        return self.url(tri=key, ordre=ordre, page=1)


@lru_cache(maxsize=8192)
def _norm(name: str) -> str:
    return normalize_name(name)


def _bad(message: str) -> HTTPException:
    return HTTPException(status_code=400, detail=message)


def parse_query(
    params: dict[str, str], departments: Sequence[str], routes: Sequence[str]
) -> ListQuery:
    """The list's parameters, checked (a French 400 for a value that cannot be)."""
    get = lambda name: (params.get(name) or "").strip()  # noqa: E731
    q = get("q")[:200]
    statut = get("statut")
    if statut and statut not in STATUS_FR:
        raise _bad(f"Statut inconnu : {statut!r} (complete, incomplete ou missing).")
    departement = get("departement")
    if departement and departement not in departments:
        raise _bad(f"Département inconnu : {departement!r}.")
    voie = get("voie")
    if voie and voie not in routes:
        raise _bad(f"Voie inconnue : {voie!r}.")
    retard = get("retard")
    if retard not in ("", "oui", "non"):
        raise _bad("Le filtre retard vaut oui ou non.")
    tri = get("tri") or "nom"
    if tri not in SORTS:
        raise _bad(f"Tri inconnu : {tri!r}.")
    ordre = get("ordre") or "asc"
    if ordre not in ("asc", "desc"):
        raise _bad("L'ordre vaut asc ou desc.")
    raw_page = get("page") or "1"
    if not raw_page.isdigit() or len(raw_page) > 6:
        raise _bad("Numéro de page invalide.")
    return ListQuery(q, statut, departement, voie, retard, tri, ordre, max(1, int(raw_page)))


def _matches(query: ListQuery) -> Callable[[Row], bool]:
    needle = normalize_name(query.q) if query.q else ""
    code_needle = query.q.replace(" ", "").lower()

    def keep(row: Row) -> bool:
        if query.statut and row["status"] != query.statut:
            return False
        if query.departement and row["department"] != query.departement:
            return False
        if query.voie and row["route"] != query.voie:
            return False
        if query.retard and bool(row["late"]) != (query.retard == "oui"):
            return False
        if query.q:
            in_code = bool(code_needle) and code_needle in str(row["code"]).lower()
            in_name = bool(needle) and needle in _norm(str(row["name"]))
            if not (in_code or in_name):
                return False
        return True

    return keep


def sort_rows(rows: list[Row], tri: str, ordre: str) -> list[Row]:
    """Rows sorted; rows without a receipt date stay last in both orders."""
    reverse = ordre == "desc"
    name_key = lambda r: (_norm(str(r["name"])), str(r["code"]))  # noqa: E731
    if tri == "reception":
        dated = [r for r in rows if r.get("received_on")]
        undated = [r for r in rows if not r.get("received_on")]
        dated.sort(key=lambda r: (str(r["received_on"]), name_key(r)), reverse=reverse)
        return dated + sorted(undated, key=name_key)
    keys: dict[str, Callable[[Row], Any]] = {
        "nom": name_key,
        "code": lambda r: str(r["code"]),
        "departement": lambda r: (str(r["department"]), name_key(r)),
        "statut": lambda r: (STATUS_ORDER.get(r["status"], 9), bool(r["late"]), name_key(r)),
    }
    return sorted(rows, key=keys[tri], reverse=reverse)


@router.get("/collectivites")
def collectivities(request: Request, s: ReadDB, user: Viewer) -> Response:
    campaign = get_ctx(request).campaign
    rows = status_table(s, campaign)
    departments = sorted({str(r["department"]) for r in rows})
    query = parse_query(dict(request.query_params), departments, list(campaign.routes))
    found = [r for r in rows if _matches(query)(r)]
    found = sort_rows(found, query.tri, query.ordre)
    pages = max(1, (len(found) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(query.page, pages)
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    counts = {k: sum(1 for r in found if r["status"] == k) for k in STATUS_FR}
    counts["late"] = sum(1 for r in found if r["late"])
    return render(
        request,
        "collectivities.html",
        nav="collectivities",
        query=query,
        rows=shown,
        total=len(found),
        roster_size=len(rows),
        counts=counts,
        page=page,
        pages=pages,
        first_index=(page - 1) * PAGE_SIZE + 1 if found else 0,
        last_index=(page - 1) * PAGE_SIZE + len(shown),
        departments=departments,
        department_label=department_label,
        routes=campaign.routes,
        sorts=SORTS,
        statuses=STATUS_FR,
    )
