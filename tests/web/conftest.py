"""Fixtures of the web app's tests.

- ``web_home``: a throwaway INTAKE_HOME (SQLite) with the académie's roster imported and
  a small sample corpus filed from its ground truth (``flows.truth.load_truth``), every
  dossier evaluated. Built once per session, copied for each test. A ``WebHome``:
  ``.path``, ``.settings``, ``.manifest`` (the corpus's truth), ``.ctx`` (AppContext).
- ``clock``: the app's clock (``MutableClock``, aware UTC; ``clock.advance(seconds=...)``).
- ``app_client``: a FastAPI ``TestClient`` on ``create_app(web_home.settings, clock=clock)``.
- ``login_as(client, role)``: logs ``client`` in as the account of that role (created on
  first use: login = role, password ``PASSWORDS[role]``); returns the login.
- ``csrf_token_of(client)``: the CSRF token of the client's session (read from a page).
- browser tests (``@pytest.mark.browser``): ``live_server`` (uvicorn on 127.0.0.1, free
  port, in a thread; ``.url``), ``browser`` (one headless Debian Chromium per session),
  ``page`` (a fresh context and page per test), ``browser_login(page, live_server, role)``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cli.context import AppContext
from config.settings import Settings
from dashboard.app import create_app
from dashboard.security import hash_password
from flows.dossiers import reevaluate
from flows.truth import load_truth
from samples import Manifest, generate
from sources.dovecot import free_port
from storage import crud
from storage.db import connect, session
from storage.files import FileStore
from storage.roster import import_roster_files

CHROMIUM = Path(os.environ.get("INTAKE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PASSWORDS = {
    "viewer": "lecture-seule-2022",
    "triager": "traitement-2022",
    "admin": "administration-2022",
}
SECRET_KEY = "tests-web-secret-key-0123456789abcdef-0123456789"
SAMPLE_COUNT = 16
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class WebHome:
    path: Path
    settings: Settings
    manifest: Manifest

    @property
    def ctx(self) -> AppContext:
        return AppContext(self.settings)

    def __fspath__(self) -> str:
        return str(self.path)


def web_settings(home: Path) -> Settings:
    return Settings(home=home, database_url=None, secret_key=SECRET_KEY, cookie_secure=False)


@pytest.fixture(scope="session")
def web_corpus(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(tmp_path_factory.mktemp("web-corpus"), count=SAMPLE_COUNT, scans=False)


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory, web_corpus: Manifest) -> Path:
    """The home every ``web_home`` copies: roster, sample pieces, evaluated dossiers."""
    home = tmp_path_factory.mktemp("web-template") / "home"
    settings = web_settings(home)
    settings.ensure_home()
    ctx = AppContext(settings)
    engine = connect(settings.db_url)
    try:
        with session(engine) as s:
            import_roster_files(s, [web_corpus.roster_path], actor="system:tests")
            load_truth(s, FileStore(settings.files_dir), web_corpus)
        with session(engine) as s:
            reevaluate(s, ctx.campaign, actor="system:tests")
            for role, password in PASSWORDS.items():  # hashed once for the session
                crud.create_user(s, role, hash_password(password), role, actor="system:tests")
    finally:
        engine.dispose()
    return home


@pytest.fixture
def web_home(web_template: Path, web_corpus: Manifest, tmp_path: Path) -> WebHome:
    home = tmp_path / "home"
    shutil.copytree(web_template, home)
    return WebHome(path=home, settings=web_settings(home), manifest=web_corpus)


class MutableClock:
    """An aware UTC clock that tests move by hand."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = start or dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> dt.datetime:
        self.current += dt.timedelta(**delta)
        return self.current

    def set(self, moment: dt.datetime) -> None:
        self.current = moment


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def app_client(web_home: WebHome, clock: MutableClock) -> Iterator[TestClient]:
    app = create_app(web_home.settings, clock=clock)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client
    app.state.ctx.engine.dispose()


def ensure_user(settings: Settings, role: str, login: str | None = None) -> str:
    """The account ``login`` (default: the role's name) with role ``role`` and password
    ``PASSWORDS[role]``, created if needed."""
    login = login or role
    engine = connect(settings.db_url)
    try:
        with session(engine) as s:
            if crud.get_user_by_login(s, login) is None:
                crud.create_user(
                    s, login, hash_password(PASSWORDS[role]), role, actor="system:tests"
                )
    finally:
        engine.dispose()
    return login


def csrf_token_of(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page that has a form."""
    response = client.get(path)
    match = _CSRF.search(response.text)
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


@pytest.fixture(name="csrf_token_of")
def _csrf_token_of() -> Callable[..., str]:
    return csrf_token_of


def do_login(client: TestClient, login: str, password: str, next_url: str = "/") -> Any:
    token = csrf_token_of(client, "/login")
    return client.post(
        "/login",
        data={"login": login, "password": password, "next": next_url, "csrf_token": token},
    )


@pytest.fixture
def login_as(web_home: WebHome) -> Callable[[TestClient, str], str]:
    def login(client: TestClient, role: str) -> str:
        name = ensure_user(web_home.settings, role)
        client.cookies.clear()
        response = do_login(client, name, PASSWORDS[role])
        assert response.status_code == 303, response.text[:500]
        return name

    return login


# ---------------------------------------------------------------------- browser tests


@dataclass
class LiveServer:
    url: str
    home: WebHome
    server: Any
    thread: threading.Thread


@pytest.fixture
def live_server(web_home: WebHome) -> Iterator[LiveServer]:
    """The app served by uvicorn on 127.0.0.1 in a thread of the test process."""
    import uvicorn

    port = free_port()
    app = create_app(web_home.settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the live server did not start", pytrace=False)
        time.sleep(0.02)
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{port}", home=web_home, server=server, thread=thread
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.ctx.engine.dispose()


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Debian Chromium for the session (Playwright's own browsers are never
    downloaded)."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"browser tests need Chromium at {CHROMIUM}: `make test` installs the Debian "
            "package chromium (or set INTAKE_CHROMIUM)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def browser_login(page: Any, server: LiveServer, role: str) -> str:
    """Log in through the login form as the account of ``role``; returns the login."""
    name = ensure_user(server.home.settings, role)
    page.goto(server.url + "/login")
    page.fill("#login", name)
    page.fill("#password", PASSWORDS[role])
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")
    return name


@pytest.fixture(name="browser_login")
def _browser_login() -> Callable[..., str]:
    return browser_login


INTAKE = Path(sys.executable).with_name("intake")


def intake_status(home: Path) -> list[dict[str, Any]]:
    """``intake status --json`` run as a real process on the home (no INTAKE_* leaking in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env["INTAKE_HOME"] = str(home)
    done = subprocess.run(
        [str(INTAKE), "status", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows
