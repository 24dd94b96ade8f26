"""One real Prefect server for the test session (the flows' tests point PREFECT_API_URL
at it instead of starting Prefect's temporary server in every run)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.server import start_local_server


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("prefect-home")
    server = start_local_server(home)
    try:
        yield server.url, home
    finally:
        server.stop()
