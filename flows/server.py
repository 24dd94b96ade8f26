"""A local Prefect server for installations that have none: ``intake serve`` needs one
(Prefect refuses to schedule on its temporary in-process server), and the tests share one
across their runs. SQLite under INTAKE_HOME, 127.0.0.1 only, no telemetry."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sources.dovecot import free_port

PREFECT_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_UI_ENABLED": "false",
}


@dataclass
class LocalPrefectServer:
    process: subprocess.Popen[bytes]
    url: str  # the API URL, for PREFECT_API_URL
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_local_server(
    prefect_home: Path, *, port: int | None = None, timeout: float = 180.0
) -> LocalPrefectServer:
    """Start ``prefect server start`` on 127.0.0.1 and wait until its API answers."""
    prefect_home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_ENV, PREFECT_HOME=str(prefect_home))
    log = prefect_home / "server.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-ui",
                "--analytics-off",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Prefect server stopped at start (see {log})")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return LocalPrefectServer(process, url, log)
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"the Prefect server did not answer within {timeout:.0f} s (see {log})")
