"""Matching benchmark: speed and safety of ``matching.roster`` at the national scale.

    .venv/bin/python benchmarks/bench_matching.py [--roster CSV] [--queries N] [--seed S]

Prints figures, asserts nothing. On the roster (default: every French commune,
``/work/shared/rosters/france-communes.csv``, 34,969 rows; else the académie's shipped
rosters):

* index build time;
* matches/s by evidence: act ids, names as written in the roster, names in capitals with
  "Mairie de" and abbreviations, names with OCR slips (fuzzy path), unknown names;
* OCR slips (one or two of: confused letters, a digit for a letter, a dropped or doubled
  letter, a split word, any other letter): right / unmatched / WRONG, and how many of the
  wrong ones are slips that spell another collectivity's name exactly ("Garons" without
  its n is Garos): no matcher can tell; the others are listed;
* names absent from the roster (each half of the roster indexed alone, the other half's
  names looked up): how many are taken for another collectivity — the cost of the
  article-less and fuzzy rules when a document names a collectivity the roster lacks.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.names import normalize_name
from matching.roster import RosterEntry, RosterIndex, match
from storage.roster import parse_roster_csv, read_roster_file

ROOT = Path(__file__).resolve().parents[1]
NATIONAL = Path("/work/shared/rosters/france-communes.csv")
ACADEMIE = [
    ROOT / "config" / "rosters" / "academie-nantes-communes.csv",
    ROOT / "config" / "rosters" / "academie-nantes-epci.csv",
]

_SWAPS = {"i": "l", "l": "i", "e": "c", "c": "e", "u": "v", "v": "u", "o": "0", "s": "5"}


def load(paths: list[Path]) -> list[RosterEntry]:
    entries: list[RosterEntry] = []
    for path in paths:
        rows, errors = parse_roster_csv(read_roster_file(path))
        if errors:
            raise SystemExit(f"{path}: {errors[0]}")
        entries.extend(RosterEntry.of(r) for r in rows)
    return entries


def ocr_slip(name: str, rnd: random.Random) -> str:
    """One or two OCR-like slips in the distinctive part of ``name``."""
    chars = list(name)
    for _ in range(rnd.choice((1, 1, 2))):
        letters = [i for i, c in enumerate(chars) if c.isalpha()]
        if not letters:
            break
        i = rnd.choice(letters[len(letters) // 3 :] or letters)
        kind = rnd.choice(("swap", "swap", "drop", "double", "split", "digit"))
        c = chars[i].lower()
        if kind == "swap" and c in _SWAPS:
            chars[i] = _SWAPS[c]
        elif kind == "digit" and c in "ois":
            chars[i] = {"o": "0", "i": "1", "s": "5"}[c]
        elif kind == "drop":
            del chars[i]
        elif kind == "double":
            chars.insert(i, chars[i])
        elif kind == "split":
            chars.insert(i, " ")
        else:
            chars[i] = rnd.choice("abcdefghijklmnopqrstuvwxyz")
    return "".join(chars)


def rate(label: str, count: int, seconds: float) -> None:
    print(f"  {label:<42} {count:>7} in {seconds:6.2f} s = {count / seconds:>9,.0f} /s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roster", type=Path, action="append", help="roster CSV (repeatable)")
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()
    paths = args.roster or ([NATIONAL] if NATIONAL.exists() else ACADEMIE)
    rnd = random.Random(args.seed)

    entries = load(paths)
    start = time.perf_counter()
    index = RosterIndex.build(entries)
    build = time.perf_counter() - start
    print(f"roster: {', '.join(p.name for p in paths)}: {len(index):,} collectivities")
    print(f"index build: {build:.2f} s")

    sample = rnd.sample(entries, min(args.queries, len(entries)))
    print("matches/s (one match() call per document):")

    def run(label: str, docs: list[dict[str, str]]) -> list[str | None]:
        start = time.perf_counter()
        codes = [match(index, doc_type="deliberation", fields=f, sender=None).code for f in docs]
        rate(label, len(docs), time.perf_counter() - start)
        return codes

    with_siren = [e for e in sample if e.siren]
    run(
        "act id (SIREN in the roster)",
        [{"act_id": f"0{e.department[:2]}-{e.siren}-20211213-DEL2021_1-DE"} for e in with_siren],
    )
    run("name as in the roster", [{"collectivity": e.name} for e in sample])
    written = [
        "MAIRIE DE " + e.name.upper().replace("SAINT-", "ST ").replace("-SUR-", " S/ ")
        for e in sample
    ]
    run("'MAIRIE DE ST X S/ Y' (capitals, abbreviations)", [{"collectivity": w} for w in written])
    slips = [ocr_slip(e.name, rnd) for e in sample]
    codes = run("names with OCR slips", [{"collectivity": s} for s in slips])
    unknown = [f"Commune de Zq{e.name[::-1].lower()}x" for e in sample[:1000]]
    run("unknown names", [{"collectivity": u} for u in unknown])

    print("OCR slips (one or two per name):")
    outcome: Counter[str] = Counter()
    wrong: list[str] = []
    for entry, slip, code in zip(sample, slips, codes, strict=True):
        if code == entry.code:
            outcome["right"] += 1
        elif code is None:
            outcome["unmatched (triage)"] += 1
        else:
            outcome["WRONG"] += 1
            if normalize_name(slip) in index.by_key:
                outcome["  the slip is another's name"] += 1
            else:
                wrong.append(f"{slip!r} -> {index.label(code)} (was {entry.label()})")
    labels = ("right", "unmatched (triage)", "WRONG", "  the slip is another's name")
    for label in labels:
        n = outcome[label]
        print(f"  {label:<22} {n:>6} ({100 * n / len(sample):5.1f} %)")
    for line in wrong[:10]:
        print("   ", line)

    print("names absent from the roster (half indexed, the other half looked up):")
    taken: Counter[str] = Counter()
    looked = 0
    examples: list[str] = []
    for half in (0, 1):
        kept = [e for i, e in enumerate(entries) if i % 2 == half]
        others = [e for i, e in enumerate(entries) if i % 2 != half]
        partial = RosterIndex.build(kept)
        keys = set(partial.by_key)
        for entry in others[: args.queries // 2]:
            if normalize_name(entry.name) in keys:
                continue  # a homonym elsewhere: found by name, rightly or not
            looked += 1
            result = match(
                partial, doc_type="convention", fields={"collectivity": entry.name}, sender=None
            )
            if result.code is not None:
                taken[result.method or "?"] += 1
                if len(examples) < 8:
                    examples.append(f"{entry.label()} -> {partial.label(result.code)}")
    total = sum(taken.values())
    print(
        f"  looked up {looked}, taken for another: {total} ({100 * total / max(looked, 1):.2f} %)"
    )
    for method, n in taken.most_common():
        print(f"    by {method}: {n}")
    for line in examples:
        print("   ", line)


if __name__ == "__main__":
    main()
