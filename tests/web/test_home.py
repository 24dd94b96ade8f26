"""The dashboard: figures equal the status table, per département, days left, needs,
chart; and the pure ``dashboard.stats``."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from dashboard import stats
from flows.dossiers import status_table
from sources.dovecot import free_port
from storage.db import session
from tests.web.conftest import MutableClock, WebHome

INTAKE = Path(sys.executable).with_name("intake")

D = dt.date
PARIS_NOON = dt.timezone(dt.timedelta(hours=1))


def _rows(web_home: WebHome) -> list[dict[str, Any]]:
    ctx = web_home.ctx
    with session(ctx.engine, readonly=True) as s:
        rows = status_table(s, ctx.campaign)
    ctx.engine.dispose()
    return rows


def _figure(page: str, kind: str) -> int:
    match = re.search(rf'data-figure="{kind}">([^<]*)<', page)
    assert match, kind
    return int(re.sub(r"\D", "", match.group(1)))


def test_dashboard_figures_equal_the_status_table(
    app_client: TestClient, login_as: Callable[..., str], web_home: WebHome
) -> None:
    login_as(app_client, "viewer")
    rows = _rows(web_home)
    page = app_client.get("/")
    assert page.status_code == 200
    text = page.text
    expected = {
        "expected": len(rows),
        "complete": sum(r["status"] == "complete" for r in rows),
        "incomplete": sum(r["status"] == "incomplete" for r in rows),
        "missing": sum(r["status"] == "missing" for r in rows),
        "late": sum(bool(r["late"]) for r in rows),
    }
    assert expected["expected"] > 1000  # the whole académie
    assert expected["complete"] > 0 and expected["incomplete"] > 0 and expected["late"] > 0
    assert {k: _figure(text, k) for k in expected} == expected
    schools = sum(r["schools"] or 0 for r in rows)
    assert schools > 0
    assert re.search(r'id="needs-schools">([^<]*)<', text).group(1).replace("\u202f", "") == str(  # type: ignore[union-attr]
        schools
    )
    # per département: one row each, and their sum is the total
    for dep in ("44", "49", "53", "72", "85"):
        assert f'data-department="{dep}"' in text
    assert "Loire-Atlantique" in text and "Vendée" in text


def test_dashboard_chart_is_accessible_svg(
    app_client: TestClient, login_as: Callable[..., str]
) -> None:
    login_as(app_client, "viewer")
    text = app_client.get("/").text
    assert "<svg" in text and 'role="img"' in text
    assert "<title" in text and "Jour de réception" in text and "Nombre de dossiers" in text
    assert 'class="deadline-line"' in text
    assert "<details>" in text and 'id="chart-data"' in text
    assert "<script" not in text  # no JS chart library


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2022, 1, 5, 12, tzinfo=dt.UTC), "10 jours avant la date limite"),
        (dt.datetime(2022, 1, 14, 23, 30, tzinfo=dt.UTC), "Dernier jour"),  # 00:30 in Paris
        (dt.datetime(2022, 1, 16, 9, tzinfo=dt.UTC), "Date limite dépassée depuis 1 jour"),
        (dt.datetime(2022, 1, 25, 9, tzinfo=dt.UTC), "Date limite dépassée depuis 10 jours"),
    ],
)
def test_days_left_in_the_campaign_time_zone(
    app_client: TestClient,
    login_as: Callable[..., str],
    clock: MutableClock,
    now: dt.datetime,
    expected: str,
) -> None:
    login_as(app_client, "viewer")
    clock.set(now)
    text = html.unescape(app_client.get("/").text)
    assert expected in text


# --------------------------------------------------------------------- pure stats


def row(status: str, **kw: Any) -> dict[str, Any]:
    return {
        "code": kw.pop("code", "x"),
        "department": kw.pop("department", "44"),
        "status": status,
        "late": kw.pop("late", False),
        "received_on": kw.pop("received_on", None),
        "first_received_on": kw.pop("first", None),
        "schools": kw.pop("schools", None),
        "student_accounts": kw.pop("accounts", None),
    }


ROWS = [
    row("complete", first="2022-01-03", received_on="2022-01-05", schools=2, accounts=100),
    row("complete", first="2022-01-05", received_on="2022-01-17", late=True, department="85"),
    row("incomplete", first="2022-01-04", schools=1, accounts=30, department="85"),
    row("incomplete"),  # no known date
    row("missing"),
    row("missing", department="49"),
]


def test_counts_overall_and_by_department() -> None:
    board = stats.dashboard(ROWS, today=D(2022, 1, 10), deadline=D(2022, 1, 15))
    o = board.overall
    assert (o.expected, o.complete, o.incomplete, o.missing, o.late) == (6, 2, 2, 2, 1)
    assert (o.needs_forms, o.schools, o.student_accounts) == (2, 3, 130)
    deps = dict(board.departments)
    assert list(deps) == ["44", "49", "85"]
    assert (deps["85"].complete, deps["85"].incomplete, deps["85"].late) == (1, 1, 1)
    assert sum(c.expected for c in deps.values()) == o.expected
    assert board.days_left == 5


def test_progress_is_cumulative_per_day() -> None:
    prog = stats.progress(ROWS, start=D(2022, 1, 2), end=D(2022, 1, 18))
    by_day = {p.day: (p.received, p.completed) for p in prog.points}
    assert len(prog.points) == 17
    assert by_day[D(2022, 1, 2)] == (0, 0)
    assert by_day[D(2022, 1, 3)] == (1, 0)
    assert by_day[D(2022, 1, 4)] == (2, 0)
    assert by_day[D(2022, 1, 5)] == (3, 1)
    assert by_day[D(2022, 1, 16)] == (3, 1)
    assert by_day[D(2022, 1, 17)] == (3, 2)
    assert prog.received_undated == 1 and prog.completed_undated == 0


def test_progress_counts_days_before_the_start_at_the_first_point() -> None:
    prog = stats.progress(ROWS, start=D(2022, 1, 4), end=D(2022, 1, 5))
    assert [(p.received, p.completed) for p in prog.points[:2]] == [(2, 0), (3, 1)]
    assert prog.points[-1].day == D(2022, 1, 17)  # later receipts extend the end


def test_progress_without_anything() -> None:
    assert stats.progress([row("missing")]).points == []
    assert stats.chart_geometry([], D(2022, 1, 15)) is None


def test_chart_geometry_marks_the_deadline_inside_the_plot() -> None:
    prog = stats.progress(ROWS, start=D(2022, 1, 1), end=D(2022, 1, 31))
    chart = stats.chart_geometry(prog.points, D(2022, 1, 15))
    assert chart is not None
    assert chart.left < chart.deadline_x < chart.right  # type: ignore[operator]
    assert chart.y_max >= 3
    assert len(chart.received_points.split()) == 31
    outside = stats.chart_geometry(prog.points, D(2022, 3, 1))
    assert outside is not None and outside.deadline_x is None


@pytest.mark.parametrize(
    ("today", "text"),
    [
        (D(2022, 1, 14), "1 jour avant la date limite"),
        (D(2022, 1, 15), "Dernier jour : la date limite est aujourd'hui"),
        (D(2022, 1, 18), "Date limite dépassée depuis 3 jours"),
    ],
)
def test_deadline_text(today: dt.date, text: str) -> None:
    assert stats.dashboard([], today=today, deadline=D(2022, 1, 15)).deadline_text == text


def test_demo_ends_by_serving_the_dashboard(tmp_path: Path) -> None:
    """``intake demo`` (ground truth, 1 collectivity) prints the URL and a fresh
    ``demo`` password, serves the app on its home until interrupted."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update(INTAKE_HOME=str(tmp_path / "unused"), INTAKE_WEB_PORT=str(port))
    proc = subprocess.Popen(
        [str(INTAKE), "demo", "--count", "1", "--home", str(tmp_path / "demo")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        password = None
        deadline = time.monotonic() + 240
        assert proc.stderr is not None
        while password is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"login: demo\s+password: (\S+)", line)
            password = found.group(1) if found else None
        assert password, "".join(lines)
        assert f"http://127.0.0.1:{port}/" in "".join(lines)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, follow_redirects=False, timeout=10) as client:
            for _ in range(100):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            response = client.post(
                "/login", data={"login": "demo", "password": password, "csrf_token": token}
            )
            assert response.status_code == 303
            home = client.get("/")
            assert home.status_code == 200 and 'data-figure="expected"' in home.text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_first_received_on_is_stored_and_part_of_the_verdict(web_home: WebHome) -> None:
    from rules.model import Evaluation
    from storage import crud

    ctx = web_home.ctx
    with session(ctx.engine) as s:
        target = crud.get_collectivity_by_code(s, "44190")
        assert target is not None and target.id is not None
        evaluation = Evaluation(
            route="direct",
            status="incomplete",
            missing=["deliberation"],
            received_on=D(2022, 1, 9),
            late=False,
            first_received_on=D(2022, 1, 3),
        )
        state = crud.save_evaluation(s, target.id, evaluation, actor="system:tests")
        assert state.first_received_on == D(2022, 1, 3)
        assert crud.same_verdict(state, evaluation)
        evaluation.first_received_on = D(2022, 1, 4)
        assert not crud.same_verdict(state, evaluation)
    with session(ctx.engine, readonly=True) as s:
        row = next(r for r in status_table(s, ctx.campaign) if r["code"] == "44190")
    ctx.engine.dispose()
    assert row["first_received_on"] == "2022-01-03"


@pytest.mark.parametrize(
    ("value", "scale"),
    [(0, (1, 1)), (3, (3, 1)), (9, (10, 2)), (16, (20, 5)), (101, (150, 50)), (1299, (1500, 500))],
)
def test_nice_scale(value: int, scale: tuple[int, int]) -> None:
    assert stats.nice_scale(value) == scale


def test_template_filters(web_home: WebHome) -> None:
    from dashboard.templating import env

    campaign = web_home.ctx.campaign
    template = env.from_string(
        "{{ d | date_fr }}|{{ s | date_fr }}|{{ none | date_fr }}|{{ t | datetime_fr }}|"
        "{{ 'complete' | status_fr }}|{{ 'missing' | status_fr }}|{{ 'needs_form' | piece_fr }}|"
        "{{ 'other' | piece_fr }}|{{ 1234567 | int_fr }}|{{ 'admin' | role_fr }}"
    )
    text = template.render(
        campaign=campaign,
        d=D(2022, 1, 15),
        s="2022-01-15",
        none=None,
        t=dt.datetime(2022, 1, 15, 23, 30, tzinfo=dt.UTC),
    )
    assert text == (
        "15/01/2022|15/01/2022||16/01/2022 00:30|Complet|Manquant|"
        f"{campaign.pieces['needs_form'].short}|other|1\u202f234\u202f567|administration"
    )
