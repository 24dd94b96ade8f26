"""Runtime settings, read from ``INTAKE_*`` environment variables.

Every path defaults to something under ``INTAKE_HOME`` so that one variable is enough
to move a whole installation (database, stored files, Prefect's home).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
CAMPAIGNS_DIR = PACKAGE_DIR / "campaigns"
ROSTERS_DIR = PACKAGE_DIR / "rosters"
DEFAULT_CAMPAIGN = CAMPAIGNS_DIR / "e-primo-2022.toml"


class Settings(BaseSettings):
    """All settings of an installation. Build one with ``Settings()``; it reads the
    environment at that moment (tests build their own with explicit values)."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    home: Path = Field(default=Path("var"), description="Database, stored files, Prefect home.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file under INTAKE_HOME."
    )
    campaign: Path = Field(default=DEFAULT_CAMPAIGN, description="Campaign TOML file.")
    scans_dir: Path | None = None
    eml_dir: Path | None = None
    imap_host: str | None = None
    imap_port: int = 143
    imap_user: str | None = None
    imap_password: str | None = None
    imap_ssl: bool = False
    imap_folder: str = "INBOX"
    imap_done_folder: str = "Traités"
    secret_key: str | None = Field(
        default=None,
        description="Signs the web app's session cookies; default: a random key kept in "
        "INTAKE_HOME/secret_key (created once, mode 600).",
    )
    web_host: str = Field(default="127.0.0.1", description="Address the web app listens on.")
    web_port: int = Field(default=8000, ge=1, le=65535, description="Port of the web app.")
    cookie_secure: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (behind TLS)."
    )

    @cached_property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def files_dir(self) -> Path:
        """Root of the content-addressed file store."""
        return self.home_dir / "files"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home_dir / 'intake.sqlite3'}"

    @property
    def prefect_home(self) -> Path:
        return self.home_dir / "prefect"

    def ensure_home(self) -> None:
        self.home_dir.mkdir(parents=True, exist_ok=True)
        self.files_dir.mkdir(parents=True, exist_ok=True)
