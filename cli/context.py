"""What every command needs: settings, the campaign, a migrated database, the file store."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.engine import Engine

from config.campaign import Campaign, load_campaign
from config.settings import Settings
from storage.db import connect
from storage.files import FileStore


@dataclass
class AppContext:
    settings: Settings

    @cached_property
    def campaign(self) -> Campaign:
        return load_campaign(self.settings.campaign)

    @cached_property
    def engine(self) -> Engine:
        """The database, migrated to the latest schema on first use."""
        self.settings.ensure_home()
        return connect(self.settings.db_url)

    @cached_property
    def store(self) -> FileStore:
        self.settings.ensure_home()
        return FileStore(self.settings.files_dir)
