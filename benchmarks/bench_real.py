"""Real documents benchmark: the public texts in ``../shared/real-documents/`` laid out as
PDFs (``samples.realdocs``: as found and laid out, digital and scanned), read by
``extract_file`` and scored against that folder's ``truth.json``.

    .venv/bin/python benchmarks/bench_real.py [--dir DIR] [--only digital|scanned] [--json] [-v]

Scoring: every page's type, and every field the expected type carries whose truth is not
null (``receipt_date`` is the délibération's ``prefecture_receipt_date``). Expected types:
the délibération and the prefecture's acknowledgment stamp alone are ``deliberation``
(a stamp filed alone is the délibération's acknowledgment: it carries the act id and the
receipt date, which the dossier needs), the convention ``convention``, the minutes, compte
rendu and convocation ``other``. Strings are compared without case, accents or repeated
spaces. Hard rule: never an act id the page does not carry.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.calibration import Calibration
from extractors import extract_file
from extractors.model import Document
from samples.model import comparable as norm
from samples.realdocs import DEFAULT_DIR, EXPECTED_TYPE, LAYOUTS, Case, load_cases


def extract(data: bytes, name: str) -> list[Document]:
    from config.campaign import load_campaign
    from config.settings import DEFAULT_CAMPAIGN

    campaign = load_campaign(DEFAULT_CAMPAIGN)
    return extract_file(data, filename=name, **campaign.extraction_options())


@dataclass
class Outcome:
    case: str
    layout: str
    group: str  # digital | scanned
    pages: list[tuple[int, str, str]]  # page, truth type, got type
    fields: list[tuple[str, Any, Any, float | None]]  # name, truth, got, confidence
    violations: list[str]
    seconds: float


def score(case: Case, docs: list[Document], layout: str, group: str, sec: float) -> Outcome:
    got_pages = {p: d.type for d in docs for p in d.pages}
    pages = [(p, case.type, got_pages.get(p, "?")) for p in sorted(got_pages)]
    first = next((d for d in docs if 1 in d.pages), None)
    fields: list[tuple[str, Any, Any, float | None]] = []
    for name, want in case.scored_fields().items():
        if first is None or first.type != case.type:
            fields.append((name, want, "<wrong type>", None))
            continue
        f = first.fields.get(name)
        fields.append((name, want, f.value if f else None, f.confidence if f else None))
    violations = []
    if case.truth.get("act_id") is None:
        for d in docs:
            if d.value("act_id") is not None:
                violations.append(f"{case.name}: act_id {d.value('act_id')!r} not on the page")
    return Outcome(case.name, layout, group, pages, fields, violations, sec)


def run(
    folder: Path = DEFAULT_DIR, groups: tuple[str, ...] = ("digital", "scanned")
) -> list[Outcome]:
    out: list[Outcome] = []
    for i, case in enumerate(load_cases(folder)):
        for layout in LAYOUTS:
            for group in groups:
                data = case.pdf(layout, group == "scanned", seed=i)
                t = time.perf_counter()
                docs = extract(data, case.name)
                out.append(score(case, docs, layout, group, time.perf_counter() - t))
    return out


def summary(outcomes: list[Outcome]) -> dict[str, dict[str, list[int]]]:
    """group -> measure -> [right, total] (measures: page_type, fields, <type>.<field>)."""
    stats: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for o in outcomes:
        for g in (o.group, "all"):
            for _, want, got in o.pages:
                stats[g]["page_type"][0] += want == got
                stats[g]["page_type"][1] += 1
            for name, want, got, _ in o.fields:
                ok = norm(got) == norm(want)
                kind = EXPECTED_TYPE[_kind(o.case)]
                for key in (f"{kind}.{name}", "fields"):
                    stats[g][key][0] += ok
                    stats[g][key][1] += 1
    return stats


def _kind(name: str) -> str:
    return "acknowledgment" if name.startswith("acknowledgment") else name.split("_")[0]


def _cell(v: list[int] | None) -> str:
    if not v or not v[1]:
        return "      -      "
    return f"{v[0]:3}/{v[1]:<3} {100 * v[0] / v[1]:5.1f}%"


def print_table(outcomes: list[Outcome], verbose: bool) -> None:
    stats = summary(outcomes)
    keys = sorted(
        {k for g in stats.values() for k in g},
        key=lambda k: (k in ("page_type", "fields"), k),
    )
    print(f"\n{'measure':34} {'digital':>13} {'scanned':>13} {'all':>13}")
    for k in keys:
        cells = [_cell(stats.get(g, {}).get(k)) for g in ("digital", "scanned", "all")]
        print(f"{k:34} " + " ".join(f"{c:>13}" for c in cells))
    from config.campaign import load_campaign
    from config.settings import DEFAULT_CAMPAIGN

    campaign = load_campaign(DEFAULT_CAMPAIGN)
    cal = Calibration()
    for o in outcomes:
        for name, want, got, conf in o.fields:
            kind = EXPECTED_TYPE[_kind(o.case)]
            ok = norm(got) == norm(want)
            cal.add(f"{kind}.{name}", ok, conf, campaign.confidence_threshold(kind, name))
    cal.print_table()
    viol = [v for o in outcomes for v in o.violations]
    print(f"hard-rule violations: {len(viol)}")
    for v in viol:
        print("  " + v)
    if verbose:
        print()
        for o in outcomes:
            bad = [(p, w, g) for p, w, g in o.pages if w != g]
            wrong = [(n, w, g, c) for n, w, g, c in o.fields if norm(g) != norm(w)]
            mark = "ok " if not bad and not wrong else "BAD"
            print(f"{mark} {o.case} [{o.layout}, {o.group}] {o.seconds:.1f} s")
            for p, w, g in bad:
                print(f"      page {p}: truth {w}, got {g}")
            for n, w, g, c in wrong:
                print(f"      {n}: truth {w!r}, got {g!r} (conf {c})")


def to_json(outcomes: list[Outcome]) -> dict[str, Any]:
    stats = summary(outcomes)
    return {
        "summary": {
            g: {k: {"right": v[0], "total": v[1]} for k, v in m.items()} for g, m in stats.items()
        },
        "cases": [
            {
                "file": o.case,
                "layout": o.layout,
                "group": o.group,
                "seconds": round(o.seconds, 2),
                "pages": [{"page": p, "truth": w, "got": g} for p, w, g in o.pages],
                "fields": [
                    {
                        "field": n,
                        "truth": w.isoformat() if hasattr(w, "isoformat") else w,
                        "got": g.isoformat() if hasattr(g, "isoformat") else g,
                        "confidence": c,
                        "right": norm(g) == norm(w),
                    }
                    for n, w, g, c in o.fields
                ],
                "violations": o.violations,
            }
            for o in outcomes
        ],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="the real documents' folder")
    ap.add_argument("--only", choices=("digital", "scanned"))
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("-v", "--verbose", action="store_true", help="every case, every miss")
    args = ap.parse_args(argv)
    groups = (args.only,) if args.only else ("digital", "scanned")
    t = time.perf_counter()
    outcomes = run(args.dir, groups)
    if args.json:
        print(json.dumps(to_json(outcomes), ensure_ascii=False, indent=1))
    else:
        print_table(outcomes, args.verbose)
        print(f"{len(outcomes)} extractions in {time.perf_counter() - t:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
