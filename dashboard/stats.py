"""Dashboard figures from the status table (``flows.dossiers.status_table`` rows, the
same as ``intake status --json``). Pure: no database, no clock of its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEPARTMENTS_FR = {
    "44": "Loire-Atlantique",
    "49": "Maine-et-Loire",
    "53": "Mayenne",
    "72": "Sarthe",
    "85": "Vendée",
}

Row = Mapping[str, Any]


@dataclass
class Counts:
    """How many dossiers are in each state, and the needs they commit."""

    expected: int = 0
    complete: int = 0
    incomplete: int = 0
    missing: int = 0
    late: int = 0
    received: int = 0  # complete + incomplete: something came
    needs_forms: int = 0  # dossiers whose needs figures are known
    schools: int = 0
    student_accounts: int = 0

    def add(self, row: Row) -> None:
        self.expected += 1
        status = row.get("status")
        if status == "complete":
            self.complete += 1
        elif status == "incomplete":
            self.incomplete += 1
        else:
            self.missing += 1
        if status in ("complete", "incomplete"):
            self.received += 1
        if row.get("late"):
            self.late += 1
        schools, accounts = row.get("schools"), row.get("student_accounts")
        if schools is not None or accounts is not None:
            self.needs_forms += 1
            self.schools += int(schools or 0)
            self.student_accounts += int(accounts or 0)

    @property
    def complete_percent(self) -> float:
        return 100.0 * self.complete / self.expected if self.expected else 0.0


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class DayPoint:
    day: dt.date
    received: int  # dossiers whose first piece came on or before ``day``
    completed: int  # complete dossiers whose completion day is on or before ``day``


@dataclass
class Progress:
    points: list[DayPoint] = field(default_factory=list)
    received_undated: int = 0  # received dossiers without a known first day
    completed_undated: int = 0  # complete dossiers without a known completion day


def progress(
    rows: Iterable[Row], *, start: dt.date | None = None, end: dt.date | None = None
) -> Progress:
    """Cumulative received (``first_received_on``) and completed (``received_on`` of a
    complete dossier) dossiers per day, from ``start`` (default: the first such day) to
    ``end`` (default: the last), one point a day."""
    received: dict[dt.date, int] = {}
    completed: dict[dt.date, int] = {}
    out = Progress()
    for row in rows:
        status = row.get("status")
        if status not in ("complete", "incomplete"):
            continue
        first = _day(row.get("first_received_on"))
        if first is None:
            out.received_undated += 1
        else:
            received[first] = received.get(first, 0) + 1
        if status == "complete":
            completed_on = _day(row.get("received_on"))
            if completed_on is None:
                out.completed_undated += 1
            else:
                completed[completed_on] = completed.get(completed_on, 0) + 1
    days = sorted(set(received) | set(completed))
    if not days and (start is None or end is None):
        return out
    first_day = start if start is not None else days[0]
    last_day = max(d for d in (end, days[-1] if days else None) if d is not None)
    rec = done = 0
    # dossiers dated before ``start`` count from the first point
    rec += sum(n for d, n in received.items() if d < first_day)
    done += sum(n for d, n in completed.items() if d < first_day)
    day = first_day
    while day <= last_day:
        rec += received.get(day, 0)
        done += completed.get(day, 0)
        out.points.append(DayPoint(day, rec, done))
        day += dt.timedelta(days=1)
    return out


@dataclass
class Dashboard:
    overall: Counts
    departments: list[tuple[str, Counts]]
    progress: Progress
    today: dt.date
    deadline: dt.date

    @property
    def days_left(self) -> int:
        """Days from today to the deadline (0: today is the last day; < 0: passed)."""
        return (self.deadline - self.today).days

    @property
    def deadline_text(self) -> str:
        left = self.days_left
        if left < 0:
            n = -left
            return f"Date limite dépassée depuis {n} jour{'s' if n > 1 else ''}"
        if left == 0:
            return "Dernier jour : la date limite est aujourd'hui"
        return f"{left} jour{'s' if left > 1 else ''} avant la date limite"


def department_label(code: str) -> str:
    name = DEPARTMENTS_FR.get(code)
    return f"{code} – {name}" if name else code


def dashboard(
    rows: Sequence[Row],
    *,
    today: dt.date,
    deadline: dt.date,
    opens: dt.date | None = None,
) -> Dashboard:
    """Every figure of the dashboard. The chart runs from the campaign's opening (or the
    first receipt) to today or the deadline, whichever is later, but no further than 30
    days after the deadline unless pieces came later still."""
    overall = Counts()
    by_dep: dict[str, Counts] = {}
    for row in rows:
        overall.add(row)
        by_dep.setdefault(str(row.get("department") or "?"), Counts()).add(row)
    end = min(max(today, deadline), deadline + dt.timedelta(days=30))
    prog = progress(rows, start=opens, end=end)
    return Dashboard(
        overall=overall,
        departments=sorted(by_dep.items()),
        progress=prog,
        today=today,
        deadline=deadline,
    )


# ------------------------------------------------------------------------ the chart


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass
class ChartGeometry:
    """What the template needs to draw the SVG: coordinates in a ``width`` x ``height``
    view box, the plotting area inside ``left``/``top``/``right``/``bottom``."""

    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    received_points: str
    completed_points: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    deadline_x: float | None
    y_max: int


def nice_scale(value: int) -> tuple[int, int]:
    """(top, step) of a y axis showing ``value``: a round step (1, 2 or 5 times a power
    of ten) giving at most 5 intervals, and the first multiple of it at or above
    ``value`` (at least one step)."""
    value = max(int(value), 1)
    for power in range(0, 10):
        for base in (1, 2, 5):
            step = base * 10**power
            if step * 5 >= value:
                return step * max(1, -(-value // step)), step
    return value, value  # pragma: no cover - beyond 5e9


def chart_geometry(
    points: Sequence[DayPoint],
    deadline: dt.date,
    *,
    width: int = 800,
    height: int = 320,
) -> ChartGeometry | None:
    """Line coordinates of the cumulative chart (None without any point)."""
    if not points:
        return None
    left, top, right, bottom = 56, 16, width - 16, height - 48
    first, last = points[0].day, points[-1].day
    span = max((last - first).days, 1)
    y_max, y_step = nice_scale(max(max(p.received, p.completed) for p in points))

    def x(day: dt.date) -> float:
        return round(left + (right - left) * (day - first).days / span, 1)

    def y(value: int) -> float:
        return round(bottom - (bottom - top) * value / y_max, 1)

    received = " ".join(f"{x(p.day)},{y(p.received)}" for p in points)
    completed = " ".join(f"{x(p.day)},{y(p.completed)}" for p in points)
    y_ticks = [Tick(y(v), str(v)) for v in range(0, y_max + 1, y_step)]
    # x ticks: about 6, on days
    step = max(1, span // 6)
    x_ticks = []
    day = first
    while day <= last:
        x_ticks.append(Tick(x(day), day.strftime("%d/%m")))
        day += dt.timedelta(days=step)
    deadline_x = x(deadline) if first <= deadline <= last else None
    return ChartGeometry(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        received_points=received,
        completed_points=completed,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        deadline_x=deadline_x,
        y_max=y_max,
    )
