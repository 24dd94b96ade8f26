"""Dossiers after the real intake, on pieces drawn by families the rules were not written
against (issue 12: "dossiers (status and lateness) >= 0.95 right, 0 false 'complete', 0
missed lateness").

    .venv/bin/python benchmarks/bench_dossiers.py [--count N] [--seed S] [--corpus DIR]
                                                  [--json] [-v]

``samples.families.dossiers`` writes a corpus in ``samples.generate``'s format whose
pieces each come from a randomly chosen family (paper scanned by the mail room with its
arrival stamps, digital pieces attached to dated e-mails), each collectivity playing a
scenario (complete on time, late, a piece missing or invalid, e-collectivités members
sending only the needs form by e-mail…). Then, in two fresh homes, as ``intake demo``:
(a) ``--truth``: the corpus filed from its ground truth, the dossier rules run; (b)
``--read``: the real intake (``run_ingest`` over the scan folder and the mail as .eml
files). Each collectivity's status and lateness from (b) is compared with (a).

Printed: dossiers right (status and lateness), all and held-out only (every piece from
a family with ``tuned_on`` False); false "complete" (read complete, truth not); missed
lateness (truth late, read not); a confusion table of statuses; dossiers right per
scenario; and, for wrong dossiers, the piece or field behind it, for pieces of tuned
families only (``TUNED_ON``: a held-out family's misses are not shown, looking at them
would make it a tuned one). ``-v`` lists those wrong dossiers one by one.

OCR reads about 0.5 scanned pages a second on two cores; the default ``--count`` (32
dossiers, about 117 scanned pages) ran in 11 to 14 minutes on a shared 2-core machine
(corpus 1-2 min, intake 11-12 min). With ``--corpus DIR`` the corpus is
generated there once and reused when its truth is already there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import select

from config.campaign import Campaign, load_campaign
from config.settings import DEFAULT_CAMPAIGN, Settings
from flows.demo import run_demo
from flows.dossiers import status_table
from rules.model import Piece
from samples.families import TUNED_ON
from samples.families.dossiers import (
    FAMILY_TRUTH_KEY,
    FamilyDossier,
    generate_family_dossiers,
    load_family_truth,
)
from samples.model import Manifest, comparable
from storage import crud
from storage.db import connect, session
from storage.models import Collectivity, Document, SourceItem

STATUSES = ("complete", "incomplete", "missing")
DEFAULT_COUNT = 32


def corpus_for(directory: Path, count: int, seed: int) -> Manifest:
    """The family-dossier corpus in ``directory``: reused when its truth is there."""
    truth = directory / "truth.json"
    if truth.is_file():
        try:
            data = json.loads(truth.read_text(encoding="utf-8"))
            if FAMILY_TRUTH_KEY in data:
                return Manifest.load(truth)
        except (ValueError, KeyError, TypeError):
            pass
    return generate_family_dossiers(directory, count, seed)


Filed = tuple[Piece, str]  # a piece and the name of the file (or mail) it came in


def pieces_by_code(home: Path, campaign: Campaign, codes: set[str]) -> dict[str, list[Filed]]:
    """The pieces filed in each dossier of a home, as the rules see them, each with the
    name of the scan file or mail it came in."""
    engine = connect(Settings(home=home, database_url=None).db_url)
    out: dict[str, list[Filed]] = {}
    try:
        with session(engine, readonly=True) as s:
            for code in sorted(codes):
                coll = crud.get_collectivity_by_code(s, code)
                if coll is None or coll.id is None:
                    continue
                files: dict[int, str] = {}
                for doc in crud.list_documents(s, coll.id):
                    item = crud.get_source_item(s, doc.source_item_id)
                    while item is not None and item.parent_id is not None:
                        item = crud.get_source_item(s, item.parent_id)
                    if doc.id is not None and item is not None:
                        files[doc.id] = Path(item.original_name or item.origin_ref).name
                out[code] = [
                    (p, files.get(p.document_id or -1, ""))
                    for p in crud.pieces_for(s, coll.id, campaign.tz)
                    if not p.duplicate
                ]
    finally:
        engine.dispose()
    return out


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else comparable(value)


ReadDocs = dict[str, list[tuple[str, str | None]]]  # file -> (type, collectivity code)


def read_by_file(home: Path) -> ReadDocs:
    """Every document the intake read, by the name of the file or mail it came in: its
    type and the code of the collectivity it was filed for (None: left to triage)."""
    engine = connect(Settings(home=home, database_url=None).db_url)
    out: ReadDocs = defaultdict(list)
    try:
        with session(engine, readonly=True) as s:
            items = {i.id: i for i in s.exec(select(SourceItem)).all()}
            codes = {c.id: c.code for c in s.exec(select(Collectivity)).all()}
            for doc in s.exec(select(Document)).all():
                item = items.get(doc.source_item_id)
                while item is not None and item.parent_id is not None:
                    item = items.get(item.parent_id)
                if item is not None:
                    name = Path(item.original_name or item.origin_ref).name
                    out[name].append((doc.doc_type, codes.get(doc.collectivity_id)))
    finally:
        engine.dispose()
    return out


def not_filed(t: str, file: str, read: ReadDocs) -> str:
    """Where a piece sent but missing from its dossier went."""
    docs = read.get(file, [])
    if not docs:
        return f"{t}: nothing read from its file"
    if any(d == t and code is None for d, code in docs):
        return f"{t}: left to triage (collectivity not recognised)"
    if any(d == t for d, _ in docs):
        return f"{t}: filed in another dossier"
    return f"{t}: read as {'+'.join(sorted({d for d, _ in docs}))}"


def causes(
    campaign: Campaign, truth: list[Filed], read: list[Filed], elsewhere: ReadDocs | None = None
) -> list[tuple[str, str | None, str]]:
    """Why a dossier was read otherwise than its truth: ``(cause, piece type, file)``: a
    piece not filed in the dossier (where it went, from ``elsewhere``: every document
    read, by file), one filed that is not there (with the file it was read from), or a
    field the rules use read otherwise (or too unsurely: "uncertain")."""
    out: list[tuple[str, str | None, str]] = []
    types = sorted({p.doc_type for p, _ in truth} | {p.doc_type for p, _ in read})
    for t in types:
        if t not in campaign.pieces:
            continue
        want = [p for p, _ in truth if p.doc_type == t]
        got = [(p, f) for p, f in read if p.doc_type == t]
        if want and not got:
            file = next(f for p, f in truth if p.doc_type == t)
            out.append((not_filed(t, file, elsewhere or {}), t, ""))
            continue
        if got and not want:
            out.extend((f"{t}: filed, but not sent", None, f) for _, f in got)
            continue
        fields = [c.field for c in campaign.pieces[t].requires] + ["arrival_stamp_date"]
        for name in dict.fromkeys(fields):
            a = _value(want[0].fields.get(name))
            hits = [_value(g.fields.get(name)) for g, _ in got]
            if a in hits:
                same = [g for g, _ in got if _value(g.fields.get(name)) == a]
                threshold = campaign.confidence_threshold(t, name)
                if all(g.confidences.get(name, 1.0) < threshold for g in same):
                    out.append((f"{t}.{name} uncertain", t, ""))
                continue
            if name == "arrival_stamp_date" and a is None:
                continue  # the stamp of another piece of the file dates this one
            out.append((f"{t}.{name} read {hits[0]!r}, not {a!r}", t, ""))
    return out


def compare(
    manifest: Manifest,
    family_truth: dict[str, FamilyDossier],
    truth_rows: dict[str, dict[str, Any]],
    read_rows: dict[str, dict[str, Any]],
    truth_pieces: dict[str, list[Filed]],
    read_pieces: dict[str, list[Filed]],
    campaign: Campaign,
    elsewhere: ReadDocs | None = None,
) -> dict[str, Any]:
    tuned = set(TUNED_ON)
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    right = held_right = held_total = 0
    false_complete: list[str] = []
    missed_late: list[str] = []
    spurious_late: list[str] = []
    truth_vs_scenario: list[str] = []
    per_scenario: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    tuned_causes: Counter[str] = Counter()
    tuned_families: dict[str, Counter[str]] = defaultdict(Counter)
    held_out_wrong = 0
    wrong: list[dict[str, Any]] = []
    codes = sorted(manifest.collectivities)
    for code in codes:
        fam = family_truth[code]
        t, r = truth_rows[code], read_rows[code]
        if (t["status"], t["late"]) != (fam.expected_status, fam.expected_late):
            truth_vs_scenario.append(code)
        confusion[t["status"]][r["status"]] += 1
        ok = t["status"] == r["status"] and t["late"] == r["late"]
        right += ok
        per_scenario[fam.scenario][0] += ok
        per_scenario[fam.scenario][1] += 1
        if fam.held_out:
            held_total += 1
            held_right += ok
        if r["status"] == "complete" and t["status"] != "complete":
            false_complete.append(code)
        if t["late"] and not r["late"]:
            missed_late.append(code)
        if r["late"] and not t["late"]:
            spurious_late.append(code)
        if ok:
            continue
        family_of = {p.type: p.family for p in fam.pieces if p.type != "other"}
        in_file: dict[str, set[str]] = defaultdict(set)
        for p in fam.pieces:
            in_file[Path(p.file).name].add(p.family)
        shown: list[str] = []
        hidden = 0
        found = causes(campaign, truth_pieces.get(code, []), read_pieces.get(code, []), elsewhere)
        for cause, piece, file in found:
            family = family_of.get(piece or "")
            if piece is None:  # read from a file: named when all its families are tuned
                fams = in_file.get(file, set())
                family = "+".join(sorted(fams)) if fams and fams <= set(TUNED_ON) else None
            if family is not None and set(family.split("+")) <= tuned:
                shown.append(f"{cause} [{family}]")
                tuned_causes[cause.split(" read ")[0]] += 1
                tuned_families[cause.split(" read ")[0]][family] += 1
            else:
                hidden += 1
        if hidden and not shown:
            held_out_wrong += 1
        wrong.append(
            {
                "code": code,
                "scenario": fam.scenario,
                "truth": [t["status"], t["late"]],
                "read": [r["status"], r["late"]],
                "held_out": fam.held_out,
                "causes_tuned": shown,
                "causes_held_out": hidden,
            }
        )
    # a collectivity that sent nothing, given a piece by the intake
    spurious = sorted(
        c
        for c, r in read_rows.items()
        if c not in manifest.collectivities and r["status"] != "missing"
    )
    total = len(codes)
    return {
        "dossiers": total,
        "right": right,
        "right_share": round(right / total, 4) if total else None,
        "held_out_dossiers": held_total,
        "held_out_right": held_right,
        "held_out_share": round(held_right / held_total, 4) if held_total else None,
        "false_complete": false_complete,
        "missed_lateness": missed_late,
        "spurious_lateness": spurious_late,
        "spurious_dossiers": spurious,
        "truth_differs_from_scenario": truth_vs_scenario,
        "confusion": {k: dict(v) for k, v in sorted(confusion.items())},
        "per_scenario": {k: v for k, v in sorted(per_scenario.items())},
        "causes_tuned": dict(tuned_causes.most_common()),
        "causes_tuned_families": {k: dict(v) for k, v in tuned_families.items()},
        "wrong_with_held_out_causes_only": held_out_wrong,
        "wrong": wrong,
    }


def home_rows(home: Path, campaign: Campaign) -> list[dict[str, Any]]:
    """The status table of a kept home."""
    engine = connect(Settings(home=home, database_url=None).db_url)
    try:
        with session(engine, readonly=True) as s:
            return status_table(s, campaign)
    finally:
        engine.dispose()


def run(corpus: Manifest, work: Path, *, reuse: bool = False) -> dict[str, Any]:
    """Both homes under ``work`` (``reuse``: the verdicts of homes kept there)."""
    campaign = load_campaign(DEFAULT_CAMPAIGN)
    family_truth = load_family_truth(corpus.out_dir)
    codes = set(corpus.collectivities)
    timings: dict[str, float] = {}
    notices: list[str] = []
    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for name, truth in (("truth", True), ("read", False)):
        home = work / name
        t0 = time.perf_counter()
        if reuse and (home / "intake.sqlite3").is_file():
            rows[name] = {r["code"]: r for r in home_rows(home, campaign)}
            notices.append(f"{name}: verdicts of the kept home {home}")
        else:
            done = run_demo(home, campaign, truth=truth, mail="eml", manifest=corpus)
            rows[name] = {r["code"]: r for r in done.rows}
            notices.extend(done.notices if not truth else [])
        timings[name] = time.perf_counter() - t0
    truth_rows, read_rows = rows["truth"], rows["read"]
    touched = codes | {c for c, r in read_rows.items() if r["status"] != "missing"}
    result = compare(
        corpus,
        family_truth,
        truth_rows,
        read_rows,
        pieces_by_code(work / "truth", campaign, touched),
        pieces_by_code(work / "read", campaign, touched),
        campaign,
        read_by_file(work / "read"),
    )
    scanned = sum(f.pages for f in corpus.files.values() if f.scanned and f.kind != "mail")
    scanned += sum(
        a.pages
        for f in corpus.files.values()
        if f.kind == "mail"
        for a in f.attachments
        if a.scanned
    )
    result["scanned_pages"] = scanned
    result["files"] = len(corpus.files)
    result["seconds"] = {k: round(v, 1) for k, v in timings.items()}
    result["notices"] = notices
    result["rescored"] = any("kept home" in n for n in notices)
    return result


def report(result: dict[str, Any], verbose: bool) -> str:
    n = result["dossiers"]
    lines = [
        f"corpus: {n} dossiers, {result['files']} files, {result['scanned_pages']} scanned pages;"
        + (
            " verdicts of kept homes"
            if result.get("rescored")
            else f" truth {result['seconds']['truth']:.0f} s,"
            f" intake {result['seconds']['read']:.0f} s"
        ),
        f"dossiers right (status and lateness): {result['right']} / {n}"
        f" = {100 * (result['right_share'] or 0):.1f} %",
        f"  held-out only (every piece from a held-out family): {result['held_out_right']}"
        f" / {result['held_out_dossiers']}"
        + (
            f" = {100 * result['held_out_share']:.1f} %"
            if result["held_out_share"] is not None
            else ""
        ),
        f"false 'complete' (read complete, truth not): {len(result['false_complete'])}"
        + (f"  {', '.join(result['false_complete'])}" if result["false_complete"] else ""),
        f"missed lateness (truth late, read not): {len(result['missed_lateness'])}"
        + (f"  {', '.join(result['missed_lateness'])}" if result["missed_lateness"] else ""),
        f"lateness read where there is none: {len(result['spurious_lateness'])}",
        f"dossiers of collectivities that sent nothing, given a piece: "
        f"{len(result['spurious_dossiers'])}",
    ]
    if result["truth_differs_from_scenario"]:
        lines.append(
            "WARNING: the truth path disagrees with the scenario for "
            + ", ".join(result["truth_differs_from_scenario"])
        )
    lines.append("")
    lines.append("statuses (rows: truth, columns: read)")
    lines.append(f"  {'':<12}" + "".join(f"{s:>12}" for s in STATUSES))
    for s in STATUSES:
        row = result["confusion"].get(s, {})
        if row:
            lines.append(f"  {s:<12}" + "".join(f"{row.get(c, 0):>12}" for c in STATUSES))
    lines.append("")
    lines.append("right per scenario")
    for sc, (ok, tot) in result["per_scenario"].items():
        lines.append(f"  {sc:<28} {ok:>3} / {tot}")
    lines.append("")
    lines.append("differences in wrong dossiers, pieces of tuned families only")
    if not result["causes_tuned"]:
        lines.append("  (none)")
    for cause, k in result["causes_tuned"].items():
        fams = ", ".join(f"{f} {m}" for f, m in result["causes_tuned_families"][cause].items())
        lines.append(f"  {k:>3}  {cause}  ({fams})")
    lines.append(
        f"  wrong dossiers whose causes are all in held-out pieces (not shown): "
        f"{result['wrong_with_held_out_causes_only']}"
    )
    if verbose:
        lines.append("")
        lines.append("wrong dossiers with a cause in a tuned family's piece")
        for w in result["wrong"]:
            if w["causes_tuned"]:
                lines.append(
                    f"  {w['code']} {w['scenario']}: truth {w['truth']}, read {w['read']}"
                    f" ({w['causes_held_out']} held-out causes not shown)"
                )
                lines.extend(f"      {c}" for c in w["causes_tuned"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--count", type=int, default=DEFAULT_COUNT, help="collectivities")
    ap.add_argument("--seed", type=int, default=31)
    ap.add_argument("--corpus", type=Path, help="generate the corpus here (reused if there)")
    ap.add_argument("--work", type=Path, help="keep the two homes here (else a temporary folder)")
    ap.add_argument(
        "--rescore", action="store_true", help="with --work: score the homes kept there again"
    )
    ap.add_argument("--json", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-dossiers-") as tmp:
        work = args.work or Path(tmp)
        t0 = time.perf_counter()
        if args.corpus is not None:
            corpus = corpus_for(args.corpus, args.count, args.seed)
        else:
            corpus = generate_family_dossiers(work / "corpus", args.count, args.seed)
        generated = time.perf_counter() - t0
        result = run(corpus, work / "homes", reuse=args.rescore and args.work is not None)
        result["seconds"]["corpus"] = round(generated, 1)
        result["seed"], result["count"] = corpus.seed, corpus.count
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(report(result, args.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
