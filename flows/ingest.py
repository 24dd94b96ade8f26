"""The nightly intake: pull what arrived (scan folder, .eml folder, IMAP mailbox), read
it, file each piece in its collectivity's dossier, re-evaluate the dossiers touched.

Exactly once, by design:
- a scanned or exported file is known by its content hash, an IMAP message by its
  UIDVALIDITY/UID reference and, should UIDVALIDITY change, by its content hash;
- each item is filed in one database transaction (``flows.filing``); bytes go to the
  content-addressed store first, so a crash leaves nothing half-filed;
- an IMAP message is moved to the done folder only after its transaction committed; a
  run that dies in between moves it next time without filing it again;
- a failure is recorded (status ``failed``, flag for triage) and retried on the next run.
Retries within a run are for transient errors only (network, IMAP, a locked database).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import Settings

log = logging.getLogger("intake.ingest")
CPUS = os.cpu_count() or 2
# Called with (items done, items in the run) as items are filed: the command's progress bar
# (flow parameters go through Prefect's API, so a callback cannot be one).
PROGRESS_LISTENERS: list[Callable[[int, int], None]] = []


def prefect_environment(settings: Settings) -> None:
    """Prefect's home under INTAKE_HOME and no telemetry (the intranet has no internet).
    Call before the first ``import prefect``."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@dataclass
class IngestSummary:
    """What one run did, for the command's summary and the closing log line."""

    seen: int = 0
    filed: int = 0
    already: int = 0
    duplicates: int = 0
    failed: int = 0
    waiting: int = 0
    problems: int = 0
    moved: int = 0
    documents: int = 0
    flags: int = 0
    dossiers: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, filed: Any) -> None:
        self.seen += 1
        status = getattr(filed, "status", "failed")
        if status == "filed":
            self.filed += 1
        elif status == "already":
            self.already += 1
        elif status == "duplicate":
            self.duplicates += 1
        else:
            self.failed += 1
        self.documents += getattr(filed, "documents", 0)
        self.flags += getattr(filed, "flags", 0)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Pending:
    """What a run has to do, as its sources list it: folder files to read (``ready``),
    files that are no documents (``unusable``, filed with a flag), IMAP messages to file
    or, when filed before, only to move (``imap``: ``(uid, move_only)``), and files
    still being written (``waiting``: next run)."""

    ready: list[tuple[str, Any]] = field(default_factory=list)  # (origin, FolderFile)
    unusable: list[tuple[str, Any]] = field(default_factory=list)
    imap: list[tuple[int, bool]] = field(default_factory=list)
    waiting: int = 0

    @property
    def empty(self) -> bool:
        return not (self.ready or self.unusable or self.imap)


def list_pending(
    engine: Any,
    settings: Settings,
    tz: Any,
    *,
    scans_dir: Path | None,
    eml_dir: Path | None,
    imap: bool,
    settle_seconds: float,
) -> Pending:
    """List the sources against what the database holds (no bytes are stored, nothing
    is moved): the one listing of a run, also the check that there is nothing new."""
    from flows import filing
    from sources import ImapMailbox, eml_folder, scan_folder

    pending = Pending()
    for folder, origin, lister in ((scans_dir, "scan", scan_folder), (eml_dir, "eml", eml_folder)):
        if folder is None:
            continue
        seen = filing.processed_sha256(engine, [origin])
        for ff in lister(folder, seen=seen.__contains__, settle_seconds=settle_seconds, tz=tz):
            if ff.status == "ready":
                pending.ready.append((origin, ff))
            elif ff.status == "waiting":
                pending.waiting += 1
            else:
                pending.unusable.append((origin, ff))
    if imap:
        known = filing.known_refs(engine, "imap")
        with ImapMailbox.from_settings(settings) as box:
            for uid in box.list_uids():
                pending.imap.append((uid, known.get(box.origin_ref(uid)) == "processed"))
    return pending


# The listing made by run_ingest's nothing-new check, handed to the flow it then starts
# in this process, so that a run reads and hashes the folders once (flow parameters go
# through Prefect's API: a listing cannot be one). Keyed by what was listed; the flow
# takes it (or lists itself) and run_ingest clears it after the flow.
_PRELISTED: dict[tuple[str | None, str | None, bool], Pending] = {}


def _listing_key(
    scans_dir: Path | None, eml_dir: Path | None, imap: bool
) -> tuple[str | None, str | None, bool]:
    return (str(scans_dir) if scans_dir else None, str(eml_dir) if eml_dir else None, imap)


def nothing_new(
    settings: Settings,
    *,
    scans_dir: Path | None,
    eml_dir: Path | None,
    imap: bool,
    settle_seconds: float,
    hand_over: bool = False,
) -> IngestSummary | None:
    """The summary of a run that would do nothing — no item to read, file or move and
    no dossier left stale by a killed run (re-evaluation would then touch none) — or
    None when there is work, or when the check itself failed (the flow then runs and
    reports it). With ``hand_over``, a listing with work is kept for the flow."""
    from cli.context import AppContext
    from storage import crud
    from storage.db import session

    ctx = AppContext(settings)
    try:
        pending = list_pending(
            ctx.engine,
            settings,
            ctx.campaign.tz,
            scans_dir=scans_dir,
            eml_dir=eml_dir,
            imap=imap,
            settle_seconds=settle_seconds,
        )
        if hand_over:
            _PRELISTED[_listing_key(scans_dir, eml_dir, imap)] = pending
        if not pending.empty:
            return None
        with session(ctx.engine, readonly=True) as s:
            if crud.stale_dossier_ids(s):
                return None
        _PRELISTED.clear()
    except Exception as exc:  # the flow runs, retries and reports properly
        log.info("listing before the run failed, the flow will run: %r", exc)
        return None
    finally:
        if "engine" in ctx.__dict__:
            ctx.engine.dispose()
    return IngestSummary(waiting=pending.waiting)


def is_transient(exc: BaseException) -> bool:
    """Worth retrying within the run: network, IMAP connection, a locked database."""
    from sqlalchemy.exc import OperationalError

    from sources.imap import ImapError

    if isinstance(exc, ImapError):
        return exc.transient
    if isinstance(exc, OperationalError):
        text = str(exc).lower()
        return "locked" in text or "could not connect" in text or "connection" in text
    return isinstance(exc, ConnectionError | TimeoutError)


def build_flow() -> Any:
    """The Prefect flow (built on demand: importing Prefect is slow and reads its
    settings from the environment, which ``prefect_environment`` prepares)."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows import filing
    from flows.dossiers import reevaluate
    from flows.faults import checkpoint
    from sources import ImapMailbox, parse_message
    from storage import crud
    from storage.db import session

    def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
        try:
            state.result()
        except Exception as exc:
            return is_transient(exc)
        return False

    task_options: dict[str, Any] = {
        "retries": 3,
        "retry_delay_seconds": [2, 10, 30],
        "retry_condition_fn": retry_transient,
        "cache_policy": NO_CACHE,
        "persist_result": False,
    }

    def readings_of(f: filing.Filing, parsed: Any) -> dict[str, filing.Reading]:
        return {
            a.name: filing.read_file(a.data, a.name, f.campaign, attachment=a.name, places=f.places)
            for a in parsed.usable
        }

    @task(name="file-scan", **task_options)
    def file_scan(f: filing.Filing, ff: Any) -> filing.Filed:
        data = ff.read_bytes()
        checkpoint("read")
        try:
            reading = filing.read_file(data, ff.name, f.campaign, places=f.places)
            result = filing.file_scan(
                f,
                origin_ref=f"sha256:{ff.sha256}",
                data=data,
                name=ff.name,
                mtime=ff.mtime,
                reading=reading,
            )
        except Exception as exc:
            if is_transient(exc):
                raise
            log.exception("scan %s failed", ff.name)
            return filing.record_failure(
                f,
                origin="scan",
                origin_ref=f"sha256:{ff.sha256}",
                data=data,
                name=ff.name,
                error=f"{type(exc).__name__}: {exc}"[:500],
                channel="registered_mail",
                mtime=ff.mtime,
            )
        checkpoint("committed")
        return result

    @task(name="file-eml", **task_options)
    def file_eml(f: filing.Filing, ff: Any) -> filing.Filed:
        raw = ff.read_bytes()
        ref = f"sha256:{ff.sha256}"
        try:
            parsed = parse_message(raw)
            result = filing.file_message(
                f,
                origin="eml",
                origin_ref=ref,
                raw=raw,
                parsed=parsed,
                received_at=ff.received_at,
                readings=readings_of(f, parsed),
                name=ff.name,
            )
        except Exception as exc:
            if is_transient(exc):
                raise
            log.exception("message %s failed", ff.name)
            return filing.record_failure(
                f,
                origin="eml",
                origin_ref=ref,
                data=raw,
                name=ff.name,
                error=f"{type(exc).__name__}: {exc}"[:500],
                channel="email",
                received_at=ff.received_at,
            )
        checkpoint("committed")
        return result

    @task(name="file-imap-message", **task_options)
    def file_imap(f: filing.Filing, settings: Settings, uid: int, move_only: bool) -> filing.Filed:
        with ImapMailbox.from_settings(settings) as box:
            if move_only:
                box.move_to_done([uid])
                return filing.Filed(None, "already")
            fetched = box.fetch(uid)
            if fetched is None:  # gone since listed (moved by a person)
                return filing.Filed(None, "already")
            if fetched.raw and filing.filed_before(f.engine, "imap", fetched.raw):
                box.move_to_done([uid])  # filed before a UIDVALIDITY change
                return filing.Filed(None, "already")
            name = f"message IMAP {uid}"
            try:
                parsed = fetched.parse()
                if fetched.problem:
                    parsed.problems.append(fetched.problem)
                result = filing.file_message(
                    f,
                    origin="imap",
                    origin_ref=fetched.origin_ref,
                    raw=fetched.raw,
                    parsed=parsed,
                    received_at=fetched.internaldate,
                    readings=readings_of(f, parsed),
                    name=parsed.subject or name,
                )
            except Exception as exc:
                if is_transient(exc):
                    raise
                log.exception("IMAP message %s failed", uid)
                return filing.record_failure(
                    f,
                    origin="imap",
                    origin_ref=fetched.origin_ref,
                    data=fetched.raw,
                    name=name,
                    error=f"{type(exc).__name__}: {exc}"[:500],
                    channel="email",
                    received_at=fetched.internaldate,
                )
            checkpoint("committed")
            box.move_to_done([uid])
            checkpoint("moved")
            return result

    @flow(
        name="intake",
        task_runner=ThreadPoolTaskRunner(max_workers=CPUS),
        log_prints=False,
        validate_parameters=False,
    )
    def intake_flow(
        scans_dir: str | None = None,
        eml_dir: str | None = None,
        imap: bool = False,
        settle_seconds: float = 30.0,
    ) -> dict[str, Any]:
        return run_once(
            Settings(),
            scans_dir=Path(scans_dir) if scans_dir else None,
            eml_dir=Path(eml_dir) if eml_dir else None,
            imap=imap,
            settle_seconds=settle_seconds,
            submit=(file_scan, file_eml, file_imap),
        ).to_json()

    def run_once(
        settings: Settings,
        *,
        scans_dir: Path | None,
        eml_dir: Path | None,
        imap: bool,
        settle_seconds: float,
        submit: tuple[Any, Any, Any],
    ) -> IngestSummary:
        from cli.context import AppContext

        scan_task, eml_task, imap_task = submit
        ctx = AppContext(settings)
        f = filing.Filing.open(ctx.engine, ctx.store, ctx.campaign)
        summary = IngestSummary()
        futures: list[Any] = []
        pending = _PRELISTED.pop(_listing_key(scans_dir, eml_dir, imap), None)
        if pending is None:
            pending = list_pending(
                f.engine,
                settings,
                ctx.campaign.tz,
                scans_dir=scans_dir,
                eml_dir=eml_dir,
                imap=imap,
                settle_seconds=settle_seconds,
            )
        summary.waiting = pending.waiting
        for origin, ff in pending.ready:
            futures.append((scan_task if origin == "scan" else eml_task).submit(f, ff))
        for origin, ff in pending.unusable:
            summary.problems += 1
            futures.append(filing.file_unusable(f, origin=origin, ff=ff))
        for uid, move_only in pending.imap:
            futures.append(imap_task.submit(f, settings, uid, move_only))
            summary.moved += int(move_only)
        touched: set[int] = set()
        total = len(futures)
        for n, future in enumerate(futures, 1):
            try:
                result = future.result() if hasattr(future, "result") else future
            except Exception as exc:  # retries exhausted on a transient error
                summary.failed += 1
                summary.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            summary.add(result)
            touched |= result.collectivity_ids
            for listener in PROGRESS_LISTENERS:
                listener(n, total)
        with session(f.engine) as s:
            # Also the dossiers a killed run filed into but did not re-evaluate.
            touched |= crud.stale_dossier_ids(s)
            summary.dossiers = reevaluate(s, f.campaign, touched, actor=filing.ACTOR)
        return summary

    intake_flow.run_once = run_once  # type: ignore[attr-defined]
    intake_flow.tasks = (file_scan, file_eml, file_imap)  # type: ignore[attr-defined]
    return intake_flow


def run_ingest(
    settings: Settings,
    *,
    scans_dir: Path | None,
    eml_dir: Path | None,
    imap: bool,
    settle_seconds: float = 30.0,
) -> dict[str, Any]:
    """Run the flow once (the ``intake ingest`` command). Without a Prefect server
    (``PREFECT_API_URL`` unset) Prefect would start a temporary one, which costs most of
    a run with nothing new (about 20 s of ~25 s): when the sources list nothing new and
    no dossier is stale, the run ends there, with the same (empty) outcome."""
    started = dt.datetime.now(dt.UTC)
    if not os.environ.get("PREFECT_API_URL"):
        idle = nothing_new(
            settings,
            scans_dir=scans_dir,
            eml_dir=eml_dir,
            imap=imap,
            settle_seconds=settle_seconds,
            hand_over=True,
        )
        if idle is not None:
            log.info("nothing new: the flow was not started")
            done = idle.to_json()
            done["seconds"] = round((dt.datetime.now(dt.UTC) - started).total_seconds(), 2)
            done["nothing_new"] = True
            return done
    prefect_environment(settings)
    flow = build_flow()
    try:
        result: dict[str, Any] = flow(
            scans_dir=str(scans_dir) if scans_dir else None,
            eml_dir=str(eml_dir) if eml_dir else None,
            imap=imap,
            settle_seconds=settle_seconds,
        )
    finally:
        _PRELISTED.clear()
    result["seconds"] = round((dt.datetime.now(dt.UTC) - started).total_seconds(), 2)
    return result


def schedule_of(campaign: Any) -> Any:
    """The campaign's nightly schedule as a Prefect ``Cron`` in the campaign's timezone
    (Prefect's own default is UTC, which would drift by an hour twice a year)."""
    from prefect.schedules import Cron

    return Cron(campaign.schedule.cron, timezone=campaign.schedule_timezone)


def serve_nightly(settings: Settings, campaign: Any) -> None:
    """``intake serve``: serve the nightly deployment with Prefect's ``serve``. Prefect
    refuses to schedule on its temporary server, so without ``PREFECT_API_URL`` a local
    server is started (SQLite under INTAKE_HOME, 127.0.0.1) and stopped on exit."""
    prefect_environment(settings)
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        from flows.server import start_local_server

        server = start_local_server(settings.prefect_home)
        os.environ["PREFECT_API_URL"] = server.url
        log.warning("local Prefect server started at %s (log: %s)", server.url, server.log)
    try:
        flow = build_flow()
        flow.serve(
            name=f"{campaign.id}-nightly",
            schedules=[schedule_of(campaign)],
            parameters={
                "scans_dir": str(settings.scans_dir) if settings.scans_dir else None,
                "eml_dir": str(settings.eml_dir) if settings.eml_dir else None,
                "imap": bool(settings.imap_host),
            },
            limit=1,
        )
    finally:
        if server is not None:
            server.stop()
