"""Extraction on document families the rules were not written against.

    .venv/bin/python benchmarks/bench_families.py [--per-family N] [--seed S] [--corpus DIR]
                                                  [--only digital|scanned] [--family NAME]
                                                  [--json] [-v]

``samples.families`` renders every family (other layouts and wordings of the convention,
the délibération, the needs form, and pieces that are not pieces) as digital PDFs and as
mail-room scans, with their truth. Each file is read by ``extract_files`` with the
campaign's options, then scored: every page's type, every field of every piece (the
arrival stamp aside: ``bench_extract`` measures it), split digital / scanned, per piece
and field, per family; **held-out** (families no rule was written while looking at:
``tuned_on`` False) beside the overall figure; the hard rule (never ``signed: true`` on
an unsigned convention); and the calibration of confidences (``benchmarks.calibration``).
Values are compared without case, accents or repeated spaces; a collectivity's name is
right when the roster matcher's key is the same (``matching.names.names_match``:
"Mairie du Pouliguen" is "Le Pouliguen", "Commune de X" is "X").
``-v`` lists the misses of the families already looked at (``TUNED_ON``) only: looking at
a held-out family's misses makes it a tuned one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.calibration import Calibration
from extractors import extract_files
from extractors.model import Document, parse_field_value
from matching.names import names_match
from samples.model import comparable as norm

GROUPS = ("digital", "scanned")


# a commune named with or without its kind is the same commune ("Mairie de Nalliers",
# "Nalliers"): the roster matches either; other kinds (communauté de communes…) are kept
_COMMUNE_KIND = re.compile(r"^(LA )?(COMMUNE|MAIRIE|VILLE) (DE LA |DE L |DES |DU |DE |D )")


def same(name: str, got: Any, want: Any) -> bool:
    a, b = norm(got), norm(want)
    if name == "collectivity" and isinstance(got, str) and isinstance(want, str):
        # the roster matcher's own key: "Mairie du Pouliguen" is "Le Pouliguen"
        if names_match(got, want):
            return True
        a, b = _COMMUNE_KIND.sub("", a), _COMMUNE_KIND.sub("", b)
    return a == b


def _doc_at(docs: list[Document], page: int) -> Document | None:
    return next((d for d in docs if page in d.pages), None)


def score(corpus: Path, verbose: bool = False) -> dict[str, Any]:
    from config.campaign import load_campaign
    from config.settings import DEFAULT_CAMPAIGN

    campaign = load_campaign(DEFAULT_CAMPAIGN)
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    t = time.perf_counter()
    results = extract_files([corpus / s["file"] for s in truth], **campaign.extraction_options())
    seconds = time.perf_counter() - t
    # scope ("held_out" | "all") -> group -> measure -> [right, total]
    stats: dict[str, dict[str, dict[str, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: [0, 0]))
    )
    families: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # fields, pages
    calibration = Calibration()
    violations: list[str] = []
    # a signed convention read unsigned with a confidence above the triage threshold
    confident_unsigned: list[str] = []
    pages_read = 0
    from samples.families import TUNED_ON

    for sample in truth:  # a family looked at since the corpus was made counts as tuned
        sample["tuned_on"] = sample["tuned_on"] or sample["family"] in TUNED_ON
    for sample, res in zip(truth, results, strict=True):
        group = "scanned" if sample["scanned"] else "digital"
        scopes = ("all",) if sample["tuned_on"] else ("all", "held_out")
        docs = res.documents
        pages_read += sample["pages"]
        show = verbose and sample["tuned_on"]
        if res.error is not None:
            violations.append(f"{sample['file']}: extraction error {res.error.message_fr}")
        for td in sample["documents"]:
            for p in td["pages"]:
                got = _doc_at(docs, p)
                ok = got is not None and got.type == td["type"]
                for sc in scopes:
                    for g in (group, "all"):
                        stats[sc][g]["page_type"][0] += ok
                        stats[sc][g]["page_type"][1] += 1
                families[sample["family"]][2] += ok
                families[sample["family"]][3] += 1
                if show and not ok:
                    print(f"  {sample['file']} page {p}: {td['type']} read as {got and got.type}")
            doc = _doc_at(docs, td["pages"][0])
            for name, raw in td["fields"].items():
                if name == "arrival_stamp_date":
                    continue
                want = parse_field_value(name, raw)
                field = doc.fields.get(name) if doc is not None and doc.type == td["type"] else None
                got_v = field.value if field is not None else None
                ok = same(name, got_v, want)
                for sc in scopes:
                    for g in (group, "all"):
                        for key in (f"{td['type']}.{name}", "fields"):
                            stats[sc][g][key][0] += ok
                            stats[sc][g][key][1] += 1
                families[sample["family"]][0] += ok
                families[sample["family"]][1] += 1
                calibration.add(
                    f"{td['type']}.{name}",
                    ok,
                    field.confidence if field is not None else None,
                    campaign.confidence_threshold(td["type"], name),
                )
                if name == "signed" and want is False and got_v is True:
                    violations.append(f"{sample['file']}: signed=true on an unsigned convention")
                if (
                    name == "signed"
                    and want is True
                    and got_v is False
                    and field is not None
                    and field.confidence >= campaign.confidence_threshold(td["type"], name)
                ):
                    confident_unsigned.append(sample["file"])
                if show and not ok:
                    conf = field.confidence if field is not None else None
                    print(f"  {sample['file']} {name}: truth {want!r}, got {got_v!r} ({conf})")
    return {
        "stats": stats,
        "families": families,
        "calibration": calibration,
        "violations": violations,
        "confident_unsigned": confident_unsigned,
        "seconds": seconds,
        "pages": pages_read,
        "files": len(truth),
        "tuned_on": sorted({s["family"] for s in truth if s["tuned_on"]}),
    }


def _cell(v: list[int] | None) -> str:
    if not v or not v[1]:
        return "-"
    return f"{v[0]}/{v[1]} {100 * v[0] / v[1]:5.1f}%"


def print_report(r: dict[str, Any]) -> None:
    for scope, title in (("held_out", "held-out families"), ("all", "all families")):
        st = r["stats"].get(scope)
        if not st:
            continue
        print(f"\n{title}:")
        print(f"  {'measure':38} {'digital':>15} {'scanned':>15} {'all':>15}")
        keys = sorted(
            {k for g in st.values() for k in g}, key=lambda k: (k in ("page_type", "fields"), k)
        )
        for k in keys:
            print(
                f"  {k:38} "
                + " ".join(f"{_cell(st.get(g, {}).get(k)):>15}" for g in (*GROUPS, "all"))
            )
    print("\nper family (fields, page types):")
    for name, (fr, ft, pr, pt) in sorted(r["families"].items()):
        mark = " (looked at)" if name in r["tuned_on"] else ""
        print(f"  {name + mark:48} {_cell([fr, ft]):>15} {_cell([pr, pt]):>15}")
    r["calibration"].print_table()
    hard = sum("signed=true" in v for v in r["violations"])
    print(
        f"signed: {hard} signed-when-unsigned (hard rule), {len(r['confident_unsigned'])} "
        "confident unsigned-when-signed (not sent to triage)"
    )
    print(f"hard-rule violations and errors: {len(r['violations'])}")
    for v in r["violations"]:
        print("  " + v)
    print(
        f"{r['files']} files, {r['pages']} pages read in {r['seconds']:.0f} s "
        f"({r['pages'] / max(r['seconds'], 1e-9):.2f} pages/s)"
    )


def to_json(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "stats": {
            sc: {
                g: {k: {"right": v[0], "total": v[1]} for k, v in m.items()} for g, m in gs.items()
            }
            for sc, gs in r["stats"].items()
        },
        "families": {k: {"fields": v[:2], "pages": v[2:]} for k, v in r["families"].items()},
        "violations": r["violations"],
        "confident_unsigned": r["confident_unsigned"],
        "seconds": round(r["seconds"], 1),
        "pages": r["pages"],
        "tuned_on": r["tuned_on"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--per-family", type=int, default=2)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--corpus", type=Path, help="an existing families corpus (truth.json)")
    ap.add_argument("--only", choices=GROUPS)
    ap.add_argument("--family", action="append", default=[], help="a family or piece name")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="families-") as tmp:
        corpus = args.corpus
        if corpus is None or not (corpus / "truth.json").exists():
            from samples.families import generate_families

            corpus = corpus or Path(tmp)
            t = time.perf_counter()
            made = generate_families(
                corpus,
                per_family=args.per_family,
                seed=args.seed,
                digital=args.only != "scanned",
                scanned=args.only != "digital",
                only=tuple(args.family),
            )
            print(f"generated {len(made)} files in {time.perf_counter() - t:.0f} s")
        r = score(corpus, args.verbose)
        if args.json:
            print(json.dumps(to_json(r), ensure_ascii=False, indent=1))
        else:
            print_report(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
