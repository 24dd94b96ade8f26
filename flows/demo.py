"""``intake demo``: the sample campaign end to end in a fresh home under ``./var/demo``.

The sample corpus is generated once per (seed, count) into ``./var/samples-*`` and reused
(it is deterministic), so a second demo is quick; the demo home itself (database, stored
files) is rebuilt every time.

``--read`` runs the real intake over the corpus: the scans and digital files through the
scan folder, the mail through a local Dovecot IMAP server (``sources.dovecot``) when one
is installed, as the production mailbox would deliver it, else through the .eml folder.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from config.campaign import Campaign
from config.settings import Settings
from flows.dossiers import reevaluate, status_table
from flows.ingest import run_ingest
from flows.truth import load_truth
from samples import Manifest, generate
from sources.dovecot import LocalDovecot, deliver, dovecot_binary
from storage.db import connect, session
from storage.files import FileStore
from storage.roster import import_roster_files

log = logging.getLogger("intake.demo")
DEMO_MARKER = ".intake-demo"
STAND_IN_NOTICE = (
    "The sample pieces were filed from the generator's ground truth (match_method 'truth'), "
    "not read from the files: `intake demo --read` runs the real intake (OCR) over them."
)


@dataclass
class DemoResult:
    home: Path
    corpus: Path
    rows: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


MailRoute = Literal["auto", "imap", "eml"]
DEMO_IMAP_USER = "demo"


def fill_inbox(inbox: Path, manifest: Manifest) -> tuple[Path, Path]:
    """The mail room's scan folder and an exported-mail folder, filled with the corpus
    (modification times kept: they are the scan times)."""
    scans, mail = inbox / "scans", inbox / "mail"
    scans.mkdir(parents=True)
    mail.mkdir(parents=True)
    for rel, file in sorted(manifest.files.items()):
        shutil.copy2(
            manifest.out_dir / rel, (mail if file.kind == "mail" else scans) / Path(rel).name
        )
    return scans, mail


def mail_route(route: MailRoute) -> Literal["imap", "eml"]:
    """Where the demo's mail goes: ``auto`` is a local Dovecot when installed."""
    if route not in ("auto", "imap", "eml"):
        raise ValueError(f"the demo's mail route is auto, imap or eml, not {route!r}")
    if route == "eml":
        return "eml"
    if dovecot_binary() is None:
        if route == "imap":
            raise RuntimeError(
                "--mail imap needs Dovecot (Debian package dovecot-imapd), not installed here"
            )
        return "eml"
    return "imap"


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set, restored on exit (the flow reads its settings
    from the environment)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def ingest_through_dovecot(home: Path, scans: Path, mail: Path) -> tuple[dict[str, Any], str]:
    """Start a local Dovecot under the demo home, APPEND the sample mail to its INBOX
    (INTERNALDATE = each mail's receipt time), run the intake over the scan folder and
    the mailbox, stop Dovecot. Returns the run's summary and a notice."""
    with LocalDovecot(home / "dovecot", cleanup=False) as server:
        account = server.add_account(DEMO_IMAP_USER)
        delivered = deliver(account, [p.read_bytes() for p in sorted(mail.iterdir())])
        log.info(
            "%d sample mails delivered to Dovecot at %s:%d", delivered, server.host, server.port
        )
        with environment(account.environment()):
            summary = run_ingest(
                Settings(), scans_dir=scans, eml_dir=None, imap=True, settle_seconds=0
            )
        where = f"{server.host}:{server.port}, {server.base}"
    notice = (
        f"mail: {delivered} sample mails delivered to a local Dovecot IMAP server ({where}) "
        "and read from its mailbox, as the nightly run reads the campaign's; it is stopped."
    )
    return summary, notice


def check_home(home: Path) -> None:
    """Refuse a home the demo may not wipe: an existing, non-empty folder it did not make."""
    if home.exists() and not (home / DEMO_MARKER).is_file() and any(home.iterdir()):
        raise RuntimeError(f"{home} exists and is not a demo home: not wiping it")


def prepare_home(home: Path) -> None:
    """Wipe and recreate the demo home."""
    check_home(home)
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    (home / DEMO_MARKER).write_text("made by intake demo; wiped at each run\n")


def sample_corpus(root: Path, *, seed: int, count: int) -> Manifest:
    """The deterministic corpus for (seed, count), generated on first use."""
    corpus = root / f"samples-{seed}-{count}"
    truth = corpus / "truth.json"
    if truth.is_file():
        try:
            manifest = Manifest.load(truth)
            if manifest.seed == seed and manifest.count == count and manifest.scans:
                return manifest
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            pass
    log.info("generating the sample corpus (once) into %s", corpus)
    return generate(corpus, seed=seed, count=count)


Progress = Callable[[str, int, int], None]


def run_demo(
    home: Path,
    campaign: Campaign,
    *,
    seed: int = 2022,
    count: int = 40,
    truth: bool = False,
    mail: MailRoute = "auto",
    on_progress: Progress | None = None,
    manifest: Manifest | None = None,
) -> DemoResult:
    """Read the sample corpus with the real intake (the scans and digital files through
    the scan folder; the mail through a local Dovecot when installed, ``mail="auto"``,
    or ``"imap"``, else or with ``"eml"`` through the .eml folder), or, with ``truth``,
    file it from its ground truth (seconds instead of minutes of OCR; the mail goes
    nowhere). ``on_progress(stage, done, total)`` follows the long stages. ``manifest``:
    an existing corpus to read instead of the sample one (``seed`` and ``count`` unused)."""
    tick: Progress = on_progress or (lambda stage, done, total: None)
    check_home(home)
    route = mail_route(mail) if not truth else None  # ground truth: the mail goes nowhere
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if manifest is None:
        manifest = sample_corpus(home.parent, seed=seed, count=count)
    timings["samples"] = time.perf_counter() - t0

    prepare_home(home)
    settings = Settings(home=home, database_url=None)
    settings.ensure_home()
    engine = connect(settings.db_url)
    store = FileStore(settings.files_dir)

    t0 = time.perf_counter()
    with session(engine) as s:
        report = import_roster_files(s, [manifest.roster_path], actor="system:demo")
    timings["roster"] = time.perf_counter() - t0
    log.info("roster: %s", report.summary())

    t0 = time.perf_counter()
    notices: list[str] = []
    if truth:
        notices.append(STAND_IN_NOTICE)
        with session(engine) as s:
            load_truth(s, store, manifest, lambda d, t: tick("pieces", d, t))
    else:
        scans, mail_dir = fill_inbox(home / "inbox", manifest)
        engine.dispose()
        os.environ["INTAKE_HOME"] = str(home)
        os.environ.pop("INTAKE_DATABASE_URL", None)
        if route == "imap":
            summary, notice = ingest_through_dovecot(home, scans, mail_dir)
            shutil.rmtree(mail_dir)  # delivered: the mailbox holds it now
        else:
            summary = run_ingest(
                Settings(), scans_dir=scans, eml_dir=mail_dir, imap=False, settle_seconds=0
            )
            why = "asked" if mail == "eml" else "Dovecot is not installed"
            notice = f"mail: read from the .eml folder {mail_dir} ({why})."
        notices.append(notice)
        notices.append(
            f"intake: {summary['filed']} items read ({summary['documents']} pieces, "
            f"{summary['flags']} flags for triage) in {summary['seconds']:.0f} s; "
            f"see `INTAKE_HOME={home} intake triage`."
        )
    timings["ingest"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with session(engine) as s:
        reevaluate(
            s, campaign, actor="system:demo", on_progress=lambda d, t: tick("dossiers", d, t)
        )
    with session(engine, readonly=True) as s:
        rows = status_table(s, campaign)
    timings["rules"] = time.perf_counter() - t0
    engine.dispose()
    return DemoResult(
        home=home, corpus=manifest.out_dir, rows=rows, timings=timings, notices=notices
    )
