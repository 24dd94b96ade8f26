"""Settings come from INTAKE_* environment variables, with defaults under INTAKE_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import DEFAULT_CAMPAIGN, Settings


def test_defaults_live_under_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("INTAKE_HOME", "INTAKE_DATABASE_URL", "INTAKE_CAMPAIGN", "INTAKE_IMAP_SSL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert s.home_dir == tmp_path / "var"
    assert s.db_url == f"sqlite:///{tmp_path / 'var' / 'intake.sqlite3'}"
    assert s.files_dir == tmp_path / "var" / "files"
    assert s.campaign == DEFAULT_CAMPAIGN and DEFAULT_CAMPAIGN.is_file()
    assert (s.imap_folder, s.imap_done_folder, s.imap_port, s.imap_ssl) == (
        "INBOX",
        "Traités",
        143,
        False,
    )


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = {
        "INTAKE_HOME": str(tmp_path / "h"),
        "INTAKE_DATABASE_URL": "postgresql+psycopg://u:p@127.0.0.1:5432/intake",
        "INTAKE_CAMPAIGN": str(tmp_path / "c.toml"),
        "INTAKE_SCANS_DIR": str(tmp_path / "scans"),
        "INTAKE_EML_DIR": str(tmp_path / "eml"),
        "INTAKE_IMAP_HOST": "127.0.0.1",
        "INTAKE_IMAP_PORT": "1143",
        "INTAKE_IMAP_USER": "dane",
        "INTAKE_IMAP_PASSWORD": "secret",
        "INTAKE_IMAP_SSL": "true",
        "INTAKE_IMAP_FOLDER": "Conventions",
        "INTAKE_IMAP_DONE_FOLDER": "Archive",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    s = Settings()
    assert s.home_dir == tmp_path / "h"
    assert s.db_url == env["INTAKE_DATABASE_URL"]
    assert s.campaign == tmp_path / "c.toml"
    assert s.scans_dir == tmp_path / "scans" and s.eml_dir == tmp_path / "eml"
    assert (s.imap_host, s.imap_port, s.imap_user, s.imap_password) == (
        "127.0.0.1",
        1143,
        "dane",
        "secret",
    )
    assert s.imap_ssl is True
    assert (s.imap_folder, s.imap_done_folder) == ("Conventions", "Archive")


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_IMAP_PORT", "not-a-port")
    with pytest.raises(ValueError, match="imap_port"):
        Settings()
