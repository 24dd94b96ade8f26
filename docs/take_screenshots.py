"""Screenshots of the staff web app for the user guide (``docs/guide-utilisateur.md``).

    .venv/bin/python docs/take_screenshots.py [--out docs/screenshots] [--chromium PATH]

Builds a demo home in a temporary directory (``flows.demo.run_demo`` from the sample
corpus's ground truth: seconds, no OCR), creates a triager account, serves the app with
uvicorn on 127.0.0.1 (a free port, in a thread), then drives the Debian Chromium
(Playwright, headless, no download of a browser) to: tableau-de-bord.png,
collectivites.png, dossier.png, triage.png, exports.png. Same seed, same data: the
pictures change when the pages do, and by the times shown (evaluation time, days
since the deadline).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOGIN, PASSWORD = "c.moreau", "guide-utilisateur-2022"
WIDTH, MAX_HEIGHT = 1280, 1500


def build_demo(root: Path) -> Any:
    """The demo home (ground truth of the sample corpus) and a triager account."""
    from config.campaign import load_campaign
    from config.settings import DEFAULT_CAMPAIGN, Settings
    from dashboard.security import hash_password
    from flows.demo import run_demo
    from storage import crud
    from storage.db import connect, session

    home = root / "demo"
    run_demo(home, load_campaign(DEFAULT_CAMPAIGN), truth=True, count=40)
    settings = Settings(home=home, database_url=None, secret_key="screenshots-" + "x" * 40)
    engine = connect(settings.db_url)
    with session(engine) as s:
        crud.create_user(s, LOGIN, hash_password(PASSWORD), "triager", actor="system:docs")
    engine.dispose()
    return settings


def pick_dossier(settings: Any) -> str:
    """The dossier page's URL: an incomplete dossier with the evidence box of one of its
    fields shown (when the data has boxes), else the first incomplete dossier."""
    from cli.context import AppContext
    from flows.dossiers import status_table
    from storage import crud
    from storage.db import session

    ctx = AppContext(settings)
    with session(ctx.engine, readonly=True) as s:
        rows = status_table(s, ctx.campaign)
        for wanted in ("incomplete", "complete"):
            for row in rows:
                if row["status"] != wanted:
                    continue
                collectivity = crud.get_collectivity_by_code(s, row["code"])
                assert collectivity is not None and collectivity.id is not None
                for doc in crud.list_documents(s, collectivity.id):
                    for name, data in (doc.fields or {}).items():
                        evidence = (data or {}).get("evidence") or {}
                        if evidence.get("box"):
                            ctx.engine.dispose()
                            return (
                                f"/collectivites/{row['code']}?doc={doc.id}"
                                f"&page={evidence.get('page', 1)}&field={name}"
                            )
        fallback = next((r["code"] for r in rows if r["status"] == "incomplete"), rows[0]["code"])
        found = crud.get_collectivity_by_code(s, fallback)
        documents = [d.id for d in crud.list_documents(s, found.id)] if found and found.id else []
    ctx.engine.dispose()
    if documents:  # the page viewer open on the first piece's first page
        return f"/collectivites/{fallback}?doc={documents[0]}&page=1"
    return f"/collectivites/{fallback}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", type=Path, default=Path("/usr/bin/chromium"))
    args = parser.parse_args()
    if not args.chromium.is_file():
        raise SystemExit(f"Chromium not found at {args.chromium} (Debian package chromium)")

    import uvicorn
    from playwright.sync_api import sync_playwright

    from dashboard.app import create_app
    from sources.dovecot import free_port
    from tests.web.conftest import CHROMIUM_ARGS  # the browser tests' launch flags

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        settings = build_demo(Path(tmp))
        dossier_url = pick_dossier(settings)
        port = free_port()
        app = create_app(settings)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            if not thread.is_alive():
                raise SystemExit("the web app did not start")
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        shots = [
            ("tableau-de-bord.png", "/"),
            ("collectivites.png", "/collectivites?tri=reception&ordre=desc"),
            ("dossier.png", dossier_url),
            ("triage.png", "/triage"),
            ("exports.png", "/exports"),
        ]
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=str(args.chromium), headless=True, args=CHROMIUM_ARGS
                )
                context = browser.new_context(
                    locale="fr-FR",
                    timezone_id="Europe/Paris",
                    viewport={"width": WIDTH, "height": 900},
                )
                page = context.new_page()
                page.goto(base + "/login")
                page.fill("#login", LOGIN)
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(base + "/")
                for name, path in shots:
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    height = min(
                        MAX_HEIGHT, int(page.evaluate("document.documentElement.scrollHeight"))
                    )
                    page.screenshot(
                        path=str(args.out / name),
                        full_page=True,
                        clip={"x": 0, "y": 0, "width": WIDTH, "height": height},
                    )
                    print(f"{args.out / name}  ({path})")
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            app.state.ctx.engine.dispose()


if __name__ == "__main__":
    main()
