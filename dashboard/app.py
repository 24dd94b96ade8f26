"""The web app: ``create_app(settings)`` builds it; ``intake web`` serves it.

Route modules are found, not listed: every module of the package ``dashboard.routes``
that defines ``router: APIRouter`` is included (in module-name order).
"""

from __future__ import annotations

import gc
import importlib
import logging
import pkgutil
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from cli.context import AppContext
from config.settings import Settings
from dashboard import routes
from dashboard.deps import Forbidden, LoginRequired, login_url
from dashboard.security import Clock, LoginThrottle, session_secret
from dashboard.templating import render
from storage.types import utcnow

log = logging.getLogger("intake.web")
STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "intake_session"
SESSION_MAX_AGE = 12 * 3600  # a working day; then log in again
# Everything comes from the app itself (intranet, no CDN); inline style attributes are
# allowed (evidence boxes are positioned with them), inline scripts are not.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

ERROR_TITLES = {
    400: "Requête invalide",
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    413: "Envoi trop volumineux",
    422: "Requête invalide",
    500: "Erreur interne",
}
ERROR_MESSAGES = {
    404: "Cette page n'existe pas (ou plus).",
    405: "Cette adresse ne s'utilise pas ainsi.",
    500: "Une erreur inattendue s'est produite. Elle a été consignée dans le journal du "
    "serveur ; réessayez, et signalez-la si elle se reproduit.",
}


def route_modules() -> list[str]:
    """Names of the modules of ``dashboard.routes``, sorted."""
    return sorted(
        f"{routes.__name__}.{m.name}"
        for m in pkgutil.iter_modules(routes.__path__)
        if not m.name.startswith("_")
    )


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_page(request: Request, status: int, message: str | None = None) -> Response:
    """The French error page (JSON when the client asked for JSON only)."""
    title = ERROR_TITLES.get(status, "Erreur")
    text = message or ERROR_MESSAGES.get(status, title)
    if _wants_json(request):
        return JSONResponse({"detail": text}, status_code=status)
    try:
        return render(request, "error.html", status, title=title, message=text, status=status)
    except Exception:  # the error page itself failed: plain text, never a traceback
        log.exception("error page failed")
        return Response(f"{title} : {text}", status_code=status, media_type="text/plain")


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Connexion requise."}, status_code=401)
        target = exc.next_url if request.method == "GET" else "/"
        return RedirectResponse(login_url(target), status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return error_page(request, 403, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code < 500 else None
        if detail and detail in ("Not Found", "Method Not Allowed", "Forbidden"):
            detail = None
        response = error_page(request, exc.status_code, detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted(
            {str(e["loc"][-1]) for e in exc.errors() if e.get("loc")}  # type: ignore[index]
        )
        message = "Paramètres invalides" + (f" : {', '.join(fields)}." if fields else ".")
        return error_page(request, 400, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_page(request, 500)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The staff web app over ``settings`` (default: the ``INTAKE_*`` environment).
    ``clock`` (aware UTC datetimes) replaces the time in tests (login throttling, the
    dashboard's days left)."""
    settings = settings or Settings()
    ctx = AppContext(settings)
    app = FastAPI(
        title="convention-intake",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.ctx = ctx
    app.state.clock = clock or utcnow
    app.state.throttle = LoginThrottle(clock=app.state.clock)
    settings.ensure_home()
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings.secret_key, settings.home_dir),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    _install_handlers(app)

    @app.middleware("http")
    async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for name in route_modules():
        module = importlib.import_module(name)
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            app.include_router(router)
    # Everything loaded so far (modules, templates, the app) lives as long as the process:
    # out of the garbage collector's sight, full collections no longer walk it, which
    # took 100+ ms off the slowest requests (benchmarks/bench_web.py, p95).
    gc.freeze()
    return app
