"""Web benchmark: server time of the staff app's pages at full scale.

    .venv/bin/python benchmarks/bench_web.py [--home DIR] [--postgres URL]
        [--documents N] [--requests N] [--profile PATH]

Builds a home with the académie's roster (1,299 collectivities) and 10,000 documents
(``benchmarks/web_data.py``: realistic fields, evidence, flags; every dossier evaluated by
the real rules), logs in, then times N requests (after 2 warm-up requests) of each page,
in-process through Starlette's TestClient (no network, so the figures are the server's
time: routing, database, templates): the dashboard ``/``, the list ``/collectivites``
(default, then filtered and sorted), a dossier page with many documents, and the triage
queue and exports page. Prints p50 / p95 / max in milliseconds against the target
(p95 < 200 ms), and the CPU time of the process per request (server and in-process
client; what the request costs when the machine is shared with other work). Then the
downloads (status table, every reminder letter), 3 times each. Not a test: it asserts
nothing but that each page answers 200.

``--home DIR``: reuse DIR when it already holds the data (else fill it); default: a
temporary directory. ``--profile PATH``: run pyinstrument over N requests of PATH and
print its report (sync endpoints and dependencies then run in the event loop's thread,
which the profiler sees, instead of the thread pool).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from benchmarks.web_data import BIG_DOSSIER, build_home
from config.settings import Settings

TARGET_MS = 200.0
PASSWORD = "banc-d-essai-2022"
PAGES = [
    ("tableau de bord", "/"),
    ("liste (défaut)", "/collectivites"),
    ("liste filtrée", "/collectivites?statut=incomplete&departement=44"),
    ("liste triée (réception, desc.)", "/collectivites?tri=reception&ordre=desc"),
    ("liste recherche + page 3", "/collectivites?q=saint&page=3"),
    ("dossier (54 documents)", f"/collectivites/{BIG_DOSSIER}"),
    ("triage", "/triage"),
    ("exports", "/exports"),
]
DOWNLOADS = [  # not pages: timed 3 times each, for the record
    ("export statut.xlsx", "/exports/statut.xlsx"),
    ("export statut.csv", "/exports/statut.csv"),
    ("lettres de relance (tout le répertoire)", "/exports/relances.pdf"),
]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _has_data(settings: Settings) -> bool:
    from cli.context import AppContext
    from storage.db import session
    from storage.models import Document

    ctx = AppContext(settings)
    try:
        with session(ctx.engine, readonly=True) as s:
            return bool(s.execute(select(func.count()).select_from(Document)).scalar_one())
    finally:
        ctx.engine.dispose()


def _ensure_user(settings: Settings) -> None:
    from cli.context import AppContext
    from dashboard.security import hash_password
    from storage import crud
    from storage.db import session

    ctx = AppContext(settings)
    try:
        with session(ctx.engine) as s:
            if crud.get_user_by_login(s, "banc") is None:
                crud.create_user(s, "banc", hash_password(PASSWORD), "viewer", actor="system:bench")
    finally:
        ctx.engine.dispose()


def _login(client: Any) -> None:
    page = client.get("/login")
    token = _CSRF.search(page.text)
    if token is None:
        raise SystemExit("no CSRF token on /login")
    response = client.post(
        "/login",
        data={"login": "banc", "password": PASSWORD, "next": "/", "csrf_token": token.group(1)},
    )
    if response.status_code != 303:
        raise SystemExit(f"login failed: {response.status_code}")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def measure(client: Any, path: str, n: int) -> tuple[list[float], list[float], int]:
    """Wall-clock and CPU milliseconds of ``n`` requests, and the page's size."""
    for _ in range(2):  # warm-up: template compilation, caches
        client.get(path)
    times, cpu = [], []
    size = 0
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
        size = len(response.content)
    return times, cpu, size


def install_profiler(app: Any, path: str) -> Any:
    """A pyinstrument profiler over the requests of ``path`` (sync endpoints and
    dependencies run inline in the event loop's thread, where the profiler looks)."""
    import fastapi.dependencies.utils
    import fastapi.routing
    from pyinstrument import Profiler

    async def inline(func: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    fastapi.routing.run_in_threadpool = inline  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = inline  # type: ignore[assignment]
    profiler = Profiler(async_mode="disabled")

    @app.middleware("http")
    async def _profiled(request: Any, call_next: Any) -> Any:
        if request.url.path != path.split("?")[0]:
            return await call_next(request)
        profiler.start()
        try:
            return await call_next(request)
        finally:
            profiler.stop()

    return profiler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="INTAKE_HOME to fill or reuse.")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL URL (default: SQLite).")
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per page.")
    parser.add_argument("--profile", metavar="PATH", help="Profile this page's requests.")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from dashboard.app import create_app

    home = args.home or Path(tempfile.mkdtemp(prefix="bench-web-"))
    settings = Settings(home=home, database_url=args.postgres, secret_key="bench-" + "x" * 40)
    if _has_data(settings):
        print(f"home: {home} (reused)")
    else:
        start = time.perf_counter()
        settings, info = build_home(home, database_url=args.postgres, documents=args.documents)
        settings = Settings(home=home, database_url=args.postgres, secret_key="bench-" + "x" * 40)
        print(f"home: {home} (built in {time.perf_counter() - start:.1f} s)")
        for key, value in info.items():
            print(f"  {key}: {value}")
    _ensure_user(settings)
    backend = "PostgreSQL" if args.postgres else "SQLite"

    app = create_app(settings)
    profiler = install_profiler(app, args.profile) if args.profile else None
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        _login(client)
        if profiler is not None:
            for _ in range(args.requests):
                client.get(args.profile)
            print(profiler.output_text(unicode=True, color=False))
            return
        print(f"\n{backend}, {args.requests} requests a page (after 2 warm-up), server time in ms")
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"(load average {load} on {os.cpu_count()} cores)")
        print(
            f"{'page':34} {'p50':>7} {'p95':>7} {'max':>7} │ {'cpu p50':>7} {'cpu p95':>7}"
            f" {'kB':>6}  p95 < 200 ms"
        )
        for label, path in PAGES:
            times, cpu, size = measure(client, path, args.requests)
            p50, p95 = statistics.median(times), _percentile(times, 0.95)
            verdict = "ok" if p95 < TARGET_MS else "MISSED"
            print(
                f"{label:34} {p50:7.1f} {p95:7.1f} {max(times):7.1f} │ "
                f"{statistics.median(cpu):7.1f} {_percentile(cpu, 0.95):7.1f} "
                f"{size / 1024:6.0f}  {verdict}"
            )
        print(f"\n{'download':40} {'mean ms':>8} {'kB':>7}")
        for label, path in DOWNLOADS:
            times, _, size = measure(client, path, 3)
            print(f"{label:40} {statistics.mean(times):8.0f} {size / 1024:7.0f}")
    app.state.ctx.engine.dispose()


if __name__ == "__main__":
    main()
