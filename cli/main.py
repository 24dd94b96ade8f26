"""The ``intake`` command."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from cli.console import StageProgress, emit_json, err, out, setup_logging
from cli.context import AppContext
from config.campaign import CampaignError
from config.settings import Settings
from storage.db import DatabaseUnavailableError, DatabaseURLError

app = typer.Typer(
    name="intake",
    help="convention-intake: collect, read and check the conventions of a campaign.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
roster_app = typer.Typer(help="The campaign's roster of collectivities.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
samples_app = typer.Typer(
    help="Sample dossiers for demos, tests and benchmarks.", no_args_is_help=True
)
app.add_typer(roster_app, name="roster")
app.add_typer(db_app, name="db")
app.add_typer(samples_app, name="samples")
user_app = typer.Typer(help="Staff accounts of the web app.", no_args_is_help=True)
app.add_typer(user_app, name="user")

log = logging.getLogger("intake")
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


@app.callback()
def _main(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logs.")] = False,
) -> None:
    setup_logging(verbose)
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"INTAKE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise _fail(f"invalid settings: {problems}") from None
    ctx.obj = AppContext(settings)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def _context(ctx: typer.Context) -> AppContext:
    obj = ctx.obj
    assert isinstance(obj, AppContext)
    return obj


# ---------------------------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Migrate the database to the latest schema (every command also does it itself)."""
    app_ctx = _context(ctx)
    try:
        app_ctx.engine  # noqa: B018 - connecting migrates
    except (DatabaseURLError, DatabaseUnavailableError) as exc:
        raise _fail(str(exc)) from exc
    err.print(f"database up to date: {app_ctx.settings.db_url}")


# ------------------------------------------------------------------------------ roster


@roster_app.command("import")
def roster_import(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Roster CSV files.")],
    as_json: JsonOpt = False,
) -> None:
    """Import or update the roster (header: code,name,department,kind[,ecollectivites,...])."""
    from flows.dossiers import reevaluate
    from storage.db import session
    from storage.roster import RosterFileError, import_roster_files

    app_ctx = _context(ctx)
    try:
        with session(app_ctx.engine) as s:
            report = import_roster_files(s, files, actor="system:roster-import")
            with StageProgress({"dossiers": "dossiers évalués"}) as stages:
                reevaluate(
                    s,
                    app_ctx.campaign,
                    actor="system:roster-import",
                    on_progress=lambda done, total: stages.update("dossiers", done, total),
                )
    except (RosterFileError, CampaignError, DatabaseURLError, DatabaseUnavailableError) as exc:
        raise _fail(str(exc)) from exc
    for error in report.errors:
        err.print(f"[yellow]line {error.line}:[/yellow] {error.message}")
    if as_json:
        emit_json(
            {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "errors": [{"line": e.line, "message": e.message} for e in report.errors],
            }
        )
    else:
        err.print(report.summary())


# ------------------------------------------------------------------------------ status

STATUS_FR = {"complete": "complet", "incomplete": "incomplet", "missing": "absent"}


@app.command("status")
def status(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    department: Annotated[str | None, typer.Option(help="Only this département.")] = None,
    only: Annotated[
        str | None, typer.Option("--status", help="Only complete, incomplete or missing.")
    ] = None,
) -> None:
    """The status of every collectivity of the roster."""
    from flows.dossiers import status_table
    from storage.db import session
    from storage.errors import StorageError

    app_ctx = _context(ctx)
    try:
        with session(app_ctx.engine, readonly=True) as s:
            rows = status_table(s, app_ctx.campaign, status=only, department=department)
    except (CampaignError, DatabaseURLError, DatabaseUnavailableError, StorageError) as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        emit_json(rows)
        return
    print_status_table(rows)


def print_status_table(rows: list[dict[str, object]], limit: int | None = None) -> None:
    """A human table on stdout: received dossiers first, then a summary line."""
    shown = sorted(rows, key=lambda r: (r["status"] == "missing", str(r["code"])))
    if limit is not None:
        shown = [r for r in shown if r["status"] != "missing"][:limit]
    short = {"convention": "convention", "deliberation": "délibération", "needs_form": "besoins"}
    table = Table(show_lines=False, pad_edge=False)
    for header in ("code", "collectivité", "dép.", "statut", "manque", "reçu le", "retard"):
        table.add_column(header, no_wrap=header != "collectivité")
    table.add_column("écoles", justify="right")
    table.add_column("comptes", justify="right")
    table.add_column("alertes")
    for r in shown:
        table.add_row(
            str(r["code"]),
            str(r["name"]),
            str(r["department"]),
            STATUS_FR.get(str(r["status"]), str(r["status"])),
            ", ".join(short.get(m, m) for m in r["missing"]),  # type: ignore[attr-defined]
            str(r["received_on"] or ""),
            "oui" if r["late"] else "",
            "" if r["schools"] is None else str(r["schools"]),
            "" if r["student_accounts"] is None else str(r["student_accounts"]),
            ", ".join(r["flags"]),  # type: ignore[arg-type]
        )
    out.print(table)
    counts = {k: sum(1 for r in rows if r["status"] == k) for k in STATUS_FR}
    late = sum(1 for r in rows if r["late"])
    out.print(
        f"{len(rows)} collectivités : {counts['complete']} complètes, "
        f"{counts['incomplete']} incomplètes, {counts['missing']} sans envoi, {late} en retard."
    )


# ----------------------------------------------------------------------------- samples


@samples_app.command("generate")
def samples_generate(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the sample dossiers to.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes).")] = 2022,
    count: Annotated[int, typer.Option(help="How many collectivities send something.")] = 40,
) -> None:
    """Write the deterministic sample dossiers and their ground truth (truth.json)."""
    from samples import generate

    manifest = generate(out_dir, seed=seed, count=count)
    err.print(f"{len(manifest.files)} files written to {out_dir} (ground truth: truth.json)")


@app.command("extract")
def extract(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="PDF, image or .eml files.")],
    as_json: JsonOpt = False,
    roster: Annotated[
        list[Path] | None,
        typer.Option(
            "--roster",
            help="Roster CSV whose names give OCR'd collectivity names their accents "
            "(as the nightly run does with the imported roster).",
        ),
    ] = None,
) -> None:
    """Read files and print the pieces found, with their fields (no database)."""
    from extractors import Gazetteer, extract_files
    from extractors.report import file_json
    from storage.roster import RosterFileError, parse_roster_csv, read_roster_file

    campaign = _context(ctx).campaign
    places = None
    if roster:
        names: list[str] = []
        for path in roster:
            try:
                rows, _ = parse_roster_csv(read_roster_file(path))
            except RosterFileError as exc:
                raise _fail(str(exc)) from exc
            names += [row.name for row in rows]
        places = Gazetteer(names)
    results = extract_files(files, places=places, **campaign.extraction_options())
    report = [
        file_json(str(given), r.documents, r.error.message_fr if r.error else None)
        for given, r in zip(files, results, strict=True)
    ]
    if as_json:
        emit_json(report)
        return
    table = Table(pad_edge=False)
    for header in ("fichier", "pièce", "pages", "OCR", "champs"):
        table.add_column(header, overflow="fold")
    for entry in report:
        if entry["error"]:
            table.add_row(entry["file"], "[red]erreur[/red]", "", "", entry["error"])
        for doc in entry["documents"]:
            fields = "; ".join(f"{k} = {v}" for k, v in doc["fields"].items() if v is not None)
            name = entry["file"] + (f" › {doc['attachment']}" if "attachment" in doc else "")
            pages = f"{doc['pages'][0]}-{doc['pages'][-1]}" if doc["pages"] else ""
            table.add_row(name, doc["type"], pages, "oui" if doc["ocr"] else "", fields)
    out.print(table)


@app.command("ingest")
def ingest(
    ctx: typer.Context,
    scans: Annotated[
        Path | None, typer.Option(help="Scan folder (default INTAKE_SCANS_DIR).")
    ] = None,
    eml: Annotated[Path | None, typer.Option(help=".eml folder (default INTAKE_EML_DIR).")] = None,
    imap: Annotated[
        bool | None,
        typer.Option(
            "--imap/--no-imap",
            help="Read the IMAP mailbox (default: when INTAKE_IMAP_HOST is set).",
        ),
    ] = None,
    settle: Annotated[
        float, typer.Option(help="Seconds a file must be left alone before it is read.")
    ] = 30.0,
    as_json: JsonOpt = False,
) -> None:
    """Run the intake once: scan folder, .eml folder, mailbox -> dossiers."""
    from flows.ingest import run_ingest

    app_ctx = _context(ctx)
    settings = app_ctx.settings
    scans_dir = scans or settings.scans_dir
    eml_dir = eml or settings.eml_dir
    use_imap = bool(settings.imap_host) if imap is None else imap
    if scans_dir is None and eml_dir is None and not use_imap:
        raise _fail("nothing to read: give --scans, --eml or --imap (or the INTAKE_* settings)")
    for folder in (scans_dir, eml_dir):
        if folder is not None and not folder.is_dir():
            raise _fail(f"not a folder: {folder}")
    from flows.ingest import PROGRESS_LISTENERS

    stages = StageProgress({"items": "éléments traités"})
    listener = lambda done, total: stages.update("items", done, total)  # noqa: E731
    PROGRESS_LISTENERS.append(listener)
    try:
        app_ctx.engine  # noqa: B018 - migrate before the flow starts
        with stages:
            summary = run_ingest(
                settings, scans_dir=scans_dir, eml_dir=eml_dir, imap=use_imap, settle_seconds=settle
            )
    except (CampaignError, DatabaseURLError, DatabaseUnavailableError) as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        emit_json(summary)
        return
    err.print(
        f"{summary['seen']} éléments vus : {summary['filed']} classés, {summary['already']} déjà "
        f"traités, {summary['duplicates']} doublons, {summary['failed']} en échec, "
        f"{summary['waiting']} en attente ; {summary['documents']} pièces, "
        f"{summary['flags']} alertes, {summary['dossiers']} dossiers réévalués "
        f"({summary['seconds']} s)."
    )
    if summary["failed"]:
        raise typer.Exit(1)


@app.command("triage")
def triage(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """What needs a human: unreadable or unmatched items and open flags, most urgent first."""
    from flows.triage import triage_rows
    from storage.db import session

    app_ctx = _context(ctx)
    try:
        with session(app_ctx.engine, readonly=True) as s:
            rows = triage_rows(s)
    except (DatabaseURLError, DatabaseUnavailableError) as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        emit_json(rows)
        return
    table = Table(pad_edge=False)
    for header in ("motif", "collectivité", "source", "message"):
        table.add_column(header, overflow="fold")
    for r in rows:
        src = r["source"] or {}
        where = src.get("file") or " / ".join(
            x for x in (src.get("sender"), src.get("subject"), src.get("attachment")) if x
        )
        coll = r["collectivity"]
        table.add_row(
            r["reason"], f"{coll['name']} ({coll['code']})" if coll else "", where, r["message"]
        )
    out.print(table)
    out.print(f"{len(rows)} élément(s) à traiter.")


@app.command("serve")
def serve(ctx: typer.Context) -> None:
    """Serve the nightly intake on the campaign's schedule (cron in its timezone)."""
    from flows.ingest import serve_nightly

    app_ctx = _context(ctx)
    try:
        serve_nightly(app_ctx.settings, app_ctx.campaign)
    except RuntimeError as exc:
        raise _fail(str(exc)) from exc


@app.command("demo")
def demo(
    ctx: typer.Context,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Do not start the web app.")] = False,
    count: Annotated[int, typer.Option(help="How many collectivities send something.")] = 40,
    seed: Annotated[int, typer.Option(help="Random seed of the sample corpus.")] = 2022,
    home: Annotated[Path, typer.Option(help="Demo home (wiped at each run).")] = Path("var/demo"),
    read: Annotated[
        bool,
        typer.Option(
            "--read/--truth",
            help="Read the sample files with the real intake (OCR: minutes), or file them "
            "from their ground truth (seconds).",
        ),
    ] = False,
    mail: Annotated[
        str,
        typer.Option(
            help="With --read, how the sample mail arrives: auto (a local Dovecot IMAP "
            "server when installed, else the .eml folder), imap or eml.",
        ),
    ] = "auto",
    as_json: JsonOpt = False,
) -> None:
    """The sample campaign end to end: roster, sample dossiers, pipeline, status table."""
    from flows.demo import run_demo

    app_ctx = _context(ctx)
    stages = StageProgress({"pieces": "pièces déposées", "dossiers": "dossiers évalués"})
    try:
        with stages:
            result = run_demo(
                home.resolve(),
                app_ctx.campaign,
                seed=seed,
                count=count,
                truth=not read,
                mail=mail,  # type: ignore[arg-type]  # checked by run_demo
                on_progress=stages.update,
            )
    except (CampaignError, RuntimeError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    for notice in result.notices:
        err.print(f"[yellow]note:[/yellow] {notice}")
    if as_json:
        emit_json(result.rows)
    else:
        print_status_table(result.rows, limit=None if count > 200 else count * 2)
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
        err.print(f"demo home: {result.home} (corpus: {result.corpus}); {timings}")
    if not no_serve:
        serve_demo(app_ctx, result.home)


DEMO_LOGIN = "demo"


def serve_demo(app_ctx: AppContext, home: Path) -> None:
    """Serve the web app on the demo home, with a fresh ``demo`` admin account whose
    random password is printed, until Ctrl-C."""
    import secrets

    from dashboard.security import hash_password
    from storage import crud
    from storage.db import session

    base = app_ctx.settings
    settings = Settings(
        home=home,
        database_url=None,
        campaign=base.campaign,
        secret_key=base.secret_key,
        web_host=base.web_host,
        web_port=base.web_port,
        cookie_secure=base.cookie_secure,
    )
    demo_ctx = AppContext(settings)
    password = secrets.token_urlsafe(12)
    with session(demo_ctx.engine) as s:
        user = crud.get_user_by_login(s, DEMO_LOGIN)
        if user is None:
            crud.create_user(s, DEMO_LOGIN, hash_password(password), "admin", actor="system:demo")
        else:
            crud.set_user_role(s, user, "admin", actor="system:demo")
            crud.set_user_disabled(s, user, False, actor="system:demo")
            crud.set_user_password(s, user, hash_password(password), actor="system:demo")
    demo_ctx.engine.dispose()
    _check_port_free(settings.web_host, settings.web_port)
    url = f"http://{settings.web_host}:{settings.web_port}/"
    err.print(
        f"\n[bold]web app:[/bold] {url}\n"
        f"  login: [bold]{DEMO_LOGIN}[/bold]  password: [bold]{password}[/bold] (role admin)\n"
        "  Ctrl-C stops it (`intake demo --no-serve` does not start it)."
    )
    run_web(demo_ctx, settings.web_host, settings.web_port)


def _check_port_free(host: str, port: int) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise _fail(
                f"cannot serve the web app on {host}:{port} ({exc.strerror}): set "
                "INTAKE_WEB_PORT to a free port, or pass --no-serve"
            ) from exc


# --------------------------------------------------------------------------------- web


def run_web(app_ctx: AppContext, host: str, port: int) -> None:
    """Serve the staff web app with uvicorn until interrupted."""
    import uvicorn

    from dashboard.app import create_app

    try:
        web_app = create_app(app_ctx.settings)
        web_app.state.ctx.campaign  # noqa: B018 - fail now on a bad campaign file...
        web_app.state.ctx.engine  # noqa: B018 - ...or database, not at the first request
    except (CampaignError, DatabaseURLError, DatabaseUnavailableError) as exc:
        raise _fail(str(exc)) from exc
    err.print(f"web app on http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(web_app, host=host, port=port, log_level="info", proxy_headers=False)


@app.command("web")
def web(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default INTAKE_WEB_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default INTAKE_WEB_PORT).", min=1, max=65535)
    ] = None,
) -> None:
    """Serve the staff web app (dashboard, dossiers, triage, exports)."""
    app_ctx = _context(ctx)
    settings = app_ctx.settings
    host, port = host or settings.web_host, port or settings.web_port
    _check_port_free(host, port)
    run_web(app_ctx, host, port)


def _read_password() -> str:
    """The new password from stdin: asked twice on a terminal, one line from a pipe."""
    if sys.stdin.isatty():
        first = typer.prompt("Mot de passe", hide_input=True)
        second = typer.prompt("Mot de passe (encore)", hide_input=True)
        if first != second:
            raise _fail("les deux mots de passe diffèrent")
        return str(first)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Login of the account.")],
    role: Annotated[
        str, typer.Option(help="viewer (read only), triager (works dossiers), admin (users).")
    ] = "viewer",
) -> None:
    """Create a staff account, or change the role and password of an existing one (the
    password is read from stdin)."""
    from dashboard.security import PasswordPolicyError, hash_password
    from storage import crud
    from storage.db import session
    from storage.errors import StorageError
    from storage.models import ROLES

    if role not in ROLES:
        raise _fail(f"unknown role {role!r}: use {', '.join(ROLES)}")
    app_ctx = _context(ctx)
    try:
        crud.check_login(login)
        password_hash = hash_password(_read_password())
    except (StorageError, PasswordPolicyError) as exc:
        raise _fail(str(exc)) from exc
    actor = "system:cli"
    try:
        with session(app_ctx.engine) as s:
            user = crud.get_user_by_login(s, login)
            if user is None:
                crud.create_user(s, login, password_hash, role, actor=actor)
                message = f"account {login} created (role {role})"
            else:
                crud.set_user_role(s, user, role, actor=actor)
                crud.set_user_disabled(s, user, False, actor=actor)
                crud.set_user_password(s, user, password_hash, actor=actor)
                message = f"account {user.login} existed: role ({role}) and password updated"
    except (StorageError, DatabaseURLError, DatabaseUnavailableError) as exc:
        raise _fail(str(exc)) from exc
    err.print(message)


def main() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
