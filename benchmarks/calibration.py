"""What a field's confidence means, measured: per field, how many values were given at
confidence >= 0.9 and how many of those were right, and how many fall below the
campaign's threshold (those go to triage, with their evidence, instead of deciding a
dossier). Shared by the extraction benchmarks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

HIGH = 0.9


@dataclass
class Calibration:
    # key -> [high_right, high_total, triaged, triaged_wrong, total, wrong_not_triaged]
    rows: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0] * 6))

    def add(self, key: str, right: bool, confidence: float | None, threshold: float) -> None:
        """One scored field: ``confidence`` None when the field was not given at all."""
        for k in (key, "all fields"):
            r = self.rows[k]
            conf = 0.0 if confidence is None else confidence
            r[4] += 1
            if conf >= HIGH:
                r[0] += right
                r[1] += 1
            if conf < threshold:
                r[2] += 1
                r[3] += not right
            elif not right:
                r[5] += 1

    def print_table(self, title: str = "calibration") -> None:
        print(f"\n{title} (right among values given at confidence >= {HIGH}; sent to triage:")
        print("below the campaign's threshold; confident misses: wrong and not sent to triage)")
        print(f"  {'field':38} {'conf>=0.9 right':>17} {'to triage':>10} {'confident misses':>17}")
        keys = sorted(self.rows, key=lambda k: (k == "all fields", k))
        for k in keys:
            hr, ht, tr, _tw, n, miss = self.rows[k]
            share = f"{hr}/{ht} {100 * hr / ht:5.1f}%" if ht else "-"
            print(f"  {k:38} {share:>17} {tr:>4}/{n:<5} {miss:>17}")
