"""``intake demo`` end to end, as a newcomer runs it (small corpus to stay quick)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

INTAKE = Path(sys.executable).with_name("intake")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    return subprocess.run(
        [str(INTAKE), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_demo_builds_a_fresh_home_and_prints_the_status(tmp_path: Path) -> None:
    first = run("demo", "--no-serve", "--count", "4", "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    rows = json.loads(first.stdout)
    assert len(rows) == 1299
    sent = [r for r in rows if r["status"] != "missing"]
    assert len(sent) == 4
    assert sum(r["status"] == "complete" for r in sent) >= 3
    assert any(r["late"] for r in sent)  # the corpus plays a late dossier
    home = tmp_path / "var" / "demo"
    assert (home / "intake.sqlite3").is_file() and any((home / "files").rglob("*"))
    # The corpus is kept and reused; the home is rebuilt: same result, no duplicates.
    (home / "stray-file").write_text("left by someone")
    again = run("demo", "--no-serve", "--count", "4", "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == rows
    assert not (home / "stray-file").exists()
    assert "ground truth" in again.stderr  # says plainly what is not built yet


def test_demo_refuses_to_wipe_a_folder_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.odt").write_text("do not delete")
    result = run("demo", "--no-serve", "--count", "1", "--home", str(precious), cwd=tmp_path)
    assert result.returncode != 0
    assert "not a demo home" in result.stderr
    assert (precious / "thesis.odt").read_text() == "do not delete"


def test_demo_reads_the_sample_files_for_real(
    tmp_path: Path, prefect_api: tuple[str, Path]
) -> None:
    """``--read`` runs the real intake (OCR included) over a small corpus."""
    url, prefect_home = prefect_api
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "PREFECT_"))}
    env.update(PREFECT_API_URL=url, PREFECT_HOME=str(prefect_home))
    result = subprocess.run(
        [str(INTAKE), "demo", "--no-serve", "--read", "--count", "3", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    sent = [r for r in rows if r["status"] != "missing"]
    assert len(sent) == 3, result.stderr
    assert sum(r["status"] == "complete" for r in sent) >= 2, sent
    assert "items read" in result.stderr


MAIL_SCENARIOS = ["ecollectivites_email_late", "ecollectivites_forwarded_eml", "ecollectivites_zip"]


def test_demo_mail_through_dovecot_gives_the_verdicts_of_the_eml_folder(
    tmp_path: Path, prefect_api: tuple[str, Path]
) -> None:
    """``--read`` delivers the sample mail to a local Dovecot (INTERNALDATE = the mail's
    receipt time) and reads it over IMAP: the same verdicts as through the .eml folder,
    the late mail included. A mail-only corpus keeps it quick: it stands in for
    ``samples-2022-3`` (same seed and count), which the demo then reuses."""
    from samples import generate

    generate(tmp_path / "var" / "samples-2022-3", seed=2022, scenarios=MAIL_SCENARIOS)
    url, prefect_home = prefect_api
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "PREFECT_"))}
    env.update(PREFECT_API_URL=url, PREFECT_HOME=str(prefect_home))
    outputs = {}
    for route in ("auto", "eml"):
        result = subprocess.run(
            [
                str(INTAKE),
                "demo",
                "--no-serve",
                "--read",
                "--count",
                "3",
                "--mail",
                route,
                "--json",
            ],
            cwd=tmp_path,
            env=env | {"COLUMNS": "300"},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs[route] = result
    assert "delivered to a local Dovecot IMAP server" in outputs["auto"].stderr
    assert "read from the .eml folder" in outputs["eml"].stderr
    assert "3 items read" in outputs["auto"].stderr
    rows = json.loads(outputs["auto"].stdout)
    assert rows == json.loads(outputs["eml"].stdout)
    sent = [r for r in rows if r["status"] != "missing"]
    assert len(sent) == 3 and all(r["status"] == "complete" for r in sent), sent
    assert sum(r["late"] for r in sent) == 1  # received after the deadline: INTERNALDATE kept


def test_demo_mail_route_is_checked(tmp_path: Path) -> None:
    result = run("demo", "--no-serve", "--read", "--count", "1", "--mail", "pigeon", cwd=tmp_path)
    assert result.returncode != 0
    assert "auto, imap or eml" in result.stderr and "Traceback" not in result.stderr
