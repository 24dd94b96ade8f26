"""The ``intake`` command run as a real process: JSON alone on stdout, logs on stderr,
clear errors instead of tracebacks, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import ROSTERS_DIR

INTAKE = Path(sys.executable).with_name("intake")
ROSTERS = [ROSTERS_DIR / "academie-nantes-communes.csv", ROSTERS_DIR / "academie-nantes-epci.csv"]
STATUS_KEYS = {
    "code",
    "name",
    "department",
    "route",
    "status",
    "missing",
    "late",
    "received_on",
    "schools",
    "student_accounts",
    "flags",
    "first_received_on",
}


def intake(
    *args: str, home: Path, db_url: str | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env["INTAKE_HOME"] = str(home)
    if db_url:
        env["INTAKE_DATABASE_URL"] = db_url
    env.update(extra_env or {})
    return subprocess.run(
        [str(INTAKE), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_roster_import_then_status(tmp_path: Path, db_url: str) -> None:
    first = intake("roster", "import", *map(str, ROSTERS), "--json", home=tmp_path, db_url=db_url)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {
        "created": 1299,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
    }
    again = intake("roster", "import", *map(str, ROSTERS), "--json", home=tmp_path, db_url=db_url)
    assert json.loads(again.stdout)["created"] == 0
    assert json.loads(again.stdout)["unchanged"] == 1299

    status = intake("status", "--json", home=tmp_path, db_url=db_url)
    assert status.returncode == 0, status.stderr
    rows = json.loads(status.stdout)  # stdout holds the JSON document and nothing else
    assert len(rows) == 1299
    assert all(set(r) == STATUS_KEYS for r in rows)
    nantes = next(r for r in rows if r["code"] == "44109")
    assert nantes["name"] == "Nantes" and nantes["department"] == "44"
    assert nantes["status"] == "missing" and nantes["route"] == "direct"
    assert nantes["missing"] == ["convention", "deliberation", "needs_form"]
    assert nantes["received_on"] is None and nantes["late"] is False

    only_44 = intake("status", "--json", "--department", "44", home=tmp_path, db_url=db_url)
    assert {r["department"] for r in json.loads(only_44.stdout)} == {"44"}


def test_bad_rows_are_reported_with_their_line(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "code,name,department,kind,ecollectivites\n"
        "44109,Nantes,44,commune,false\n"
        "44xx,Nulle part,44,commune,false\n"
        "44190,Saint-Sébastien-sur-Loire,44,commune,oui\n",
        encoding="utf-8",
    )
    result = intake("roster", "import", str(roster), "--json", home=tmp_path / "h")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["created"], len(report["errors"])) == (2, 1)
    assert report["errors"][0]["line"] == 3
    status = json.loads(intake("status", "--json", home=tmp_path / "h").stdout)
    route = {r["code"]: r["route"] for r in status}
    assert route == {"44109": "direct", "44190": "ecollectivites"}
    assert next(r for r in status if r["code"] == "44190")["missing"] == ["needs_form"]


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["roster", "import", "/nonexistent/roster.csv"], {}, "roster.csv"),
        (["status"], {"INTAKE_CAMPAIGN": "/nonexistent/campaign.toml"}, "campaign"),
        (["status"], {"INTAKE_DATABASE_URL": "mysql://nobody@127.0.0.1/x"}, "error"),
        (["status"], {"INTAKE_IMAP_PORT": "abc"}, "INTAKE_IMAP_PORT"),
    ],
    ids=["missing-roster", "missing-campaign", "unsupported-database", "bad-setting"],
)
def test_errors_are_clear_not_tracebacks(
    tmp_path: Path, args: list[str], env: dict[str, str], needle: str
) -> None:
    result = intake(*args, home=tmp_path, extra_env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert needle in result.stderr
    assert result.stdout == ""
