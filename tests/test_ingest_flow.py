"""The ingestion flow run as the nightly job runs it: the real ``intake ingest`` process,
a real Prefect server, a real Dovecot mailbox, SQLite. Exactly once: a second run adds
nothing, and a run killed (SIGKILL) at any of several points then run again ends in the
same state as one uninterrupted run."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from samples import Manifest, generate
from sources.dovecot import deliver as deliver_mail
from tests.dovecot import ImapAccount

INTAKE = Path(sys.executable).with_name("intake")
SCENARIOS = ["complete_on_time", "ecollectivites_email", "deliberation_without_ack"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(tmp_path_factory.mktemp("corpus"), scans=False, scenarios=SCENARIOS)


def folders(corpus: Manifest, base: Path) -> tuple[Path, Path]:
    scans, mail = base / "scans", base / "mail"
    scans.mkdir(parents=True)
    mail.mkdir(parents=True)
    for rel, f in corpus.files.items():
        target = mail if f.kind == "mail" else scans
        shutil.copy2(corpus.out_dir / rel, target / Path(rel).name)
    return scans, mail


def run(
    home: Path, prefect: tuple[str, Path], *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    url, prefect_home = prefect
    full = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "PREFECT_"))}
    full.update(INTAKE_HOME=str(home), PREFECT_API_URL=url, PREFECT_HOME=str(prefect_home))
    full.update(env or {})
    return subprocess.run(
        [str(INTAKE), *args], env=full, capture_output=True, text=True, timeout=600, check=False
    )


def state(home: Path) -> dict[str, Any]:
    """What a run leaves, by natural keys (ids differ from run to run)."""
    db = sqlite3.connect(home / "intake.sqlite3")
    q = db.execute
    items = sorted(q("SELECT origin, origin_ref, status, sha256 FROM source_item").fetchall())
    docs = sorted(
        q(
            "SELECT i.origin_ref, d.doc_type, d.pages, c.code, d.duplicate_of_id IS NOT NULL "
            "FROM document d JOIN source_item i ON i.id = d.source_item_id "
            "LEFT JOIN collectivity c ON c.id = d.collectivity_id"
        ).fetchall()
    )
    dossiers = sorted(
        q(
            "SELECT c.code, s.status, s.missing, s.received_on, s.late, s.flag_codes "
            "FROM dossier_state s JOIN collectivity c ON c.id = s.collectivity_id "
            "WHERE s.status != 'missing'"
        ).fetchall()
    )
    flags = sorted(q("SELECT code, message FROM flag WHERE resolved_at IS NULL").fetchall())
    db.close()
    return {"items": items, "documents": docs, "dossiers": dossiers, "flags": flags}


def fresh_home(base: Path, corpus: Manifest, prefect: tuple[str, Path]) -> Path:
    home = base / "home"
    result = run(home, prefect, "roster", "import", str(corpus.roster_path))
    assert result.returncode == 0, result.stderr
    return home


def test_folders_twice_adds_nothing(
    corpus: Manifest, prefect_api: tuple[str, Path], tmp_path: Path
) -> None:
    scans, mail = folders(corpus, tmp_path)
    home = fresh_home(tmp_path, corpus, prefect_api)
    args = ("ingest", "--scans", str(scans), "--eml", str(mail), "--settle", "0", "--json")
    first = run(home, prefect_api, *args)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["filed"] == len(corpus.files) and summary["failed"] == 0
    after_first = state(home)
    assert {code for code, *_ in after_first["dossiers"]} == set(corpus.collectivities)
    second = run(home, prefect_api, *args)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["filed"] == 0
    assert state(home) == after_first
    assert sorted(p.name for p in scans.iterdir()) == sorted(
        Path(r).name for r, f in corpus.files.items() if f.kind != "mail"
    )  # files are never moved or deleted


def deliver(account: ImapAccount, corpus: Manifest) -> int:
    """The corpus's mail APPENDed by a real client, INTERNALDATE = each one's receipt time."""
    mails = [corpus.out_dir / rel for rel, f in sorted(corpus.files.items()) if f.kind == "mail"]
    return deliver_mail(account, [p.read_bytes() for p in mails])


def mailbox(account: ImapAccount) -> dict[str, int]:
    client = account.client()
    counts = {}
    for folder in ("INBOX", "Traités"):
        counts[folder] = (
            client.select_folder(folder)[b"EXISTS"] if client.folder_exists(folder) else 0
        )
    client.logout()
    return counts


def imap_env(account: ImapAccount) -> dict[str, str]:
    return {
        "INTAKE_IMAP_HOST": account.host,
        "INTAKE_IMAP_PORT": str(account.port),
        "INTAKE_IMAP_USER": account.user,
        "INTAKE_IMAP_PASSWORD": account.password,
    }


def test_imap_messages_are_filed_then_moved_once(
    corpus: Manifest, prefect_api: tuple[str, Path], tmp_path: Path, imap_account: ImapAccount
) -> None:
    n = deliver(imap_account, corpus)
    home = fresh_home(tmp_path, corpus, prefect_api)
    env = imap_env(imap_account)
    first = run(home, prefect_api, "ingest", "--imap", "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["filed"] == n
    assert mailbox(imap_account) == {"INBOX": 0, "Traités": n}
    before = state(home)
    assert {o for o, *_ in before["items"]} == {"imap", "attachment"}
    second = run(home, prefect_api, "ingest", "--imap", "--json", env=env)
    assert json.loads(second.stdout)["seen"] == 0
    assert state(home) == before


@pytest.mark.parametrize(
    "fault", ["read:1", "read:3", "committed:1", "committed:4"], ids=lambda f: f.replace(":", "-")
)
def test_killed_run_then_rerun_equals_one_clean_run(
    corpus: Manifest, prefect_api: tuple[str, Path], tmp_path: Path, fault: str
) -> None:
    scans, mail = folders(corpus, tmp_path / "in")
    args = ("ingest", "--scans", str(scans), "--eml", str(mail), "--settle", "0")
    clean = fresh_home(tmp_path / "clean", corpus, prefect_api)
    assert run(clean, prefect_api, *args).returncode == 0
    home = fresh_home(tmp_path / "killed", corpus, prefect_api)
    killed = run(home, prefect_api, *args, env={"INTAKE_FAULT": fault})
    assert killed.returncode == -9, killed.stderr  # SIGKILL: no clean-up at all
    rerun = run(home, prefect_api, *args)
    assert rerun.returncode == 0, rerun.stderr
    assert state(home) == state(clean)


@pytest.mark.parametrize("fault", ["committed:1", "moved:1"], ids=["after-commit", "after-move"])
def test_imap_killed_then_rerun_loses_nothing_and_files_nothing_twice(
    corpus: Manifest,
    prefect_api: tuple[str, Path],
    tmp_path: Path,
    dovecot: Any,
    fault: str,
) -> None:
    clean_account, account = dovecot.add_account(), dovecot.add_account()
    n = deliver(clean_account, corpus)
    deliver(account, corpus)
    clean = fresh_home(tmp_path / "clean", corpus, prefect_api)
    assert run(clean, prefect_api, "ingest", "--imap", env=imap_env(clean_account)).returncode == 0
    home = fresh_home(tmp_path / "killed", corpus, prefect_api)
    killed = run(
        home, prefect_api, "ingest", "--imap", env={**imap_env(account), "INTAKE_FAULT": fault}
    )
    assert killed.returncode == -9, killed.stderr
    assert run(home, prefect_api, "ingest", "--imap", env=imap_env(account)).returncode == 0
    assert mailbox(account) == {"INBOX": 0, "Traités": n}

    def without_refs(s: dict[str, Any]) -> dict[str, Any]:  # refs name the account
        return {
            **s,
            "items": sorted((o, st, sha) for o, _, st, sha in s["items"]),
            "documents": sorted(d[1:] for d in s["documents"]),
        }

    assert without_refs(state(home)) == without_refs(state(clean))


def test_triage_lists_what_needs_a_human(
    corpus: Manifest, prefect_api: tuple[str, Path], tmp_path: Path
) -> None:
    scans, _mail = folders(corpus, tmp_path)
    (scans / "notes.pdf").write_bytes(b"PK\x03\x04 not a pdf")  # a stray file, misnamed
    home = fresh_home(tmp_path, corpus, prefect_api)
    assert run(home, prefect_api, "ingest", "--scans", str(scans), "--settle", "0").returncode == 0
    result = run(home, prefect_api, "triage", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    reasons = {r["reason"] for r in rows}
    assert {"unreadable_file", "deliberation_without_acknowledgment"} <= reasons
    stray = next(r for r in rows if r["reason"] == "unreadable_file")
    assert stray["source"]["file"] == "notes.pdf" and "notes.pdf" in stray["message"]
    no_ack = next(r for r in rows if r["reason"] == "deliberation_without_acknowledgment")
    code = corpus.scenarios()["deliberation_without_ack"][0]
    assert no_ack["collectivity"]["code"] == code
    assert rows.index(stray) < rows.index(no_ack)  # files that cannot be filed come first


def test_serve_schedules_the_nightly_run_in_the_campaign_timezone(
    prefect_api: tuple[str, Path], tmp_path: Path
) -> None:
    import time
    import urllib.request

    url, prefect_home = prefect_api
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "PREFECT_"))}
    env.update(INTAKE_HOME=str(tmp_path), PREFECT_API_URL=url, PREFECT_HOME=str(prefect_home))
    with open(tmp_path / "serve.log", "wb") as log:
        proc = subprocess.Popen([str(INTAKE), "serve"], env=env, stdout=log, stderr=log)
    try:
        schedules: list[dict[str, Any]] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not schedules:
            time.sleep(2)
            request = urllib.request.Request(
                f"{url}/deployments/filter",
                data=b"{}",
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                found = [d for d in json.load(response) if d["name"] == "e-primo-2022-nightly"]
            schedules = [s["schedule"] for d in found for s in d.get("schedules", [])]
        assert schedules, (tmp_path / "serve.log").read_text()
        assert schedules[0]["cron"] == "30 5 * * *"
        assert schedules[0]["timezone"] == "Europe/Paris"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_nothing_new_skips_prefect_but_never_a_stale_dossier(
    corpus: Manifest, prefect_api: tuple[str, Path], tmp_path: Path
) -> None:
    """Without a Prefect server, ``intake ingest`` with nothing new ends before starting
    Prefect's temporary server (most of such a run's time) — but not when a killed run
    left dossiers filed into and not re-evaluated: then the flow runs."""
    from config.settings import Settings
    from flows.ingest import nothing_new

    scans, mail = folders(corpus, tmp_path / "in")
    args = ("ingest", "--scans", str(scans), "--eml", str(mail), "--settle", "0", "--json")
    home = fresh_home(tmp_path, corpus, prefect_api)

    def idle() -> object:
        settings = Settings(home=home, database_url=None)
        return nothing_new(settings, scans_dir=scans, eml_dir=mail, imap=False, settle_seconds=0)

    assert idle() is None  # everything to read
    # run_ingest hands that listing to the flow it starts, so a run hashes the folders once
    from flows import ingest

    key = ingest._listing_key(scans, mail, False)
    assert key not in ingest._PRELISTED  # only when asked to hand it over
    settings = Settings(home=home, database_url=None)
    assert (
        nothing_new(
            settings, scans_dir=scans, eml_dir=mail, imap=False, settle_seconds=0, hand_over=True
        )
        is None
    )
    handed = ingest._PRELISTED.pop(key)
    assert len(handed.ready) + len(handed.unusable) == len(corpus.files)
    last = f"committed:{len(corpus.files)}"  # killed once every item is filed
    assert run(home, prefect_api, *args, env={"INTAKE_FAULT": last}).returncode == -9
    assert idle() is None  # nothing to read, but stale dossiers to re-evaluate
    assert run(home, prefect_api, *args).returncode == 0
    assert idle() is not None
    before = state(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "PREFECT_"))}
    env.update(INTAKE_HOME=str(home), PREFECT_HOME=str(tmp_path / "no-server"))
    quick = subprocess.run(
        [str(INTAKE), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert quick.returncode == 0, quick.stderr
    summary = json.loads(quick.stdout)
    assert summary["nothing_new"] is True and summary["seen"] == 0
    assert not (tmp_path / "no-server").exists()  # Prefect was not even configured
    assert state(home) == before
