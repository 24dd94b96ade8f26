"""Page images of the stored pieces: ``/documents/{id}/pages/{n}.png?w=...`` and
``/documents/{id}/pages/{n}/thumb.png``. Logged-in staff only; the images are private
(``Cache-Control: private``) and rendered once per width (``dashboard.pages`` cache)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from dashboard.deps import ReadDB, Viewer, get_ctx
from dashboard.pages import THUMB_WIDTH, VIEW_WIDTH, PageError, PageRenderer
from storage import crud

router = APIRouter()
CACHE_CONTROL = "private, max-age=3600"


def page_renderer(request: Request) -> PageRenderer:
    """The app's page renderer (one per app, cache under ``INTAKE_HOME/cache/pages``)."""
    renderer = getattr(request.app.state, "page_renderer", None)
    if renderer is None:
        ctx = get_ctx(request)
        renderer = PageRenderer(ctx.store, ctx.settings.home_dir / "cache" / "pages")
        request.app.state.page_renderer = renderer
    return renderer  # type: ignore[no-any-return]


def _png(request: Request, s: ReadDB, document_id: int, page: int, width: int) -> Response:
    document = crud.get_document(s, document_id)
    if document is None:
        raise HTTPException(404, f"Pièce introuvable : {document_id}.")
    item = crud.get_source_item(s, document.source_item_id)
    if item is None or item.origin == "manual":
        raise HTTPException(404, "Cette pièce a été saisie à la main : elle n'a pas d'image.")
    try:
        png = page_renderer(request).render(item.sha256, page, width)
    except PageError as exc:
        raise HTTPException(exc.status, exc.message) from exc
    return Response(png, media_type="image/png", headers={"Cache-Control": CACHE_CONTROL})


@router.get("/documents/{document_id}/pages/{page}.png")
def page_image(
    request: Request,
    s: ReadDB,
    user: Viewer,
    document_id: int,
    page: int,
    w: Annotated[int, Query(ge=1, le=10_000)] = VIEW_WIDTH,
) -> Response:
    return _png(request, s, document_id, page, w)


@router.get("/documents/{document_id}/pages/{page}/thumb.png")
def page_thumb(request: Request, s: ReadDB, user: Viewer, document_id: int, page: int) -> Response:
    return _png(request, s, document_id, page, THUMB_WIDTH)
