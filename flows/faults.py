"""Fail points for the exactly-once tests: ``INTAKE_FAULT=stage:N`` makes the process
kill itself (SIGKILL, no clean-up, as a power cut would) the N-th time it passes
``stage``. Unset in production, where ``checkpoint`` costs one dictionary look-up."""

from __future__ import annotations

import os
import signal
import threading

_counts: dict[str, int] = {}
_lock = threading.Lock()


def checkpoint(stage: str) -> None:
    spec = os.environ.get("INTAKE_FAULT")
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != stage:
        return
    with _lock:
        _counts[stage] = _counts.get(stage, 0) + 1
        if _counts[stage] >= int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)
