"""Finding labels and phrases in OCR'd or extracted lines, tolerant of OCR slips."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.dates import fold
from extractors.pages import Line


def clean_label(label: str) -> str:
    return re.sub(r"[\s:.]+$", "", fold(label)).strip()


def fuzzy_find(hay: str, needle: str, min_ratio: float = 0.88) -> tuple[int, int] | None:
    """Span of ``needle`` in ``hay`` (both folded): exact, else the best approximate window
    starting at a word boundary."""
    if not needle:
        return None
    i = hay.find(needle)
    if i >= 0:
        return i, i + len(needle)
    n = len(needle)
    if n < 5 or len(hay) < n - 3:
        return None
    best: tuple[float, int, int] | None = None
    # only windows near an exact word of the needle: OCR seldom garbles every word
    anchors: set[int] = set()
    offset = 0
    for token in needle.split(" "):
        if len(token) >= 4:
            for m in re.finditer(re.escape(token[:4]) + "|" + re.escape(token[-4:]), hay):
                anchors.add(max(0, m.start() - offset))
        offset += len(token) + 1
    if not anchors:
        return None
    word_starts = [0] + [m.end() for m in re.finditer(r"\s+", hay)]
    starts = sorted({ws for a in anchors for ws in word_starts if a - 4 <= ws <= a + 4})
    quick = set(needle)
    for s in starts:
        if s >= len(hay):
            break
        for ln in (n - 2, n - 1, n, n + 1, n + 2):
            if ln <= 0 or s + ln > len(hay) + 1:
                continue
            window = hay[s : s + ln]
            if len(set(window) & quick) < 0.6 * len(quick):
                continue
            r = difflib.SequenceMatcher(None, window, needle, autojunk=False).ratio()
            if r >= min_ratio and (best is None or r > best[0]):
                best = (r, s, s + len(window))
    return (best[1], best[2]) if best else None


@dataclass(frozen=True)
class LabelHit:
    line_index: int
    start: int  # span of the label in the line's text
    end: int

    def after(self, lines: Sequence[Line]) -> str:
        return lines[self.line_index].text[self.end :]


def find_label(
    lines: Sequence[Line], label: str, min_ratio: float = 0.88, *, exact: bool = False
) -> list[LabelHit]:
    """Lines holding ``label``; ``exact`` for text layers (no OCR slips to forgive)."""
    needle = clean_label(label)
    hits: list[LabelHit] = []
    for i, ln in enumerate(lines):
        if exact:
            j = fold(ln.text).find(needle)
            span = (j, j + len(needle)) if j >= 0 else None
        else:
            span = fuzzy_find(fold(ln.text), needle, min_ratio)
        if span:
            hits.append(LabelHit(i, span[0], span[1]))
    return hits
