"""Families of sample documents the extraction rules were not written against.

``samples.generate`` makes the campaign's pieces in the project's own layouts: the
extraction was tuned on them, so they cannot tell whether it generalises. A *family* is
another way town halls, their software and platforms lay out and word one piece (a form
with leader dots, a ruled table, free prose, two columns, handwritten fill-in, another
font; a platform's acknowledgment stamp; council minutes that are not a délibération…).
Each family module registers its families here; ``generate_families`` renders them, as
digital PDFs and as mail-room scans, with their ground truth, for
``benchmarks/bench_families.py``.

Contract of a family: ``make(ctx) -> Rendered`` draws one file (one or more pieces) for
``ctx.entity`` with ``ctx.rng``; ``ctx.paper`` says whether the file will be scanned
(ink, seals and arrival stamps only exist on paper). ``Rendered.documents`` is the
truth, in ``samples.model``'s form: ``{"type", "pages", "fields"}`` with every field of
``extractors.model.FIELD_NAMES[type]`` (``None`` where the document leaves it blank,
dates ISO), plus ``arrival_stamp_date`` when the first page bears one.

``tuned_on`` is False for a family whoever writes extraction rules has not looked at; a
family becomes ``tuned_on=True`` (``TUNED_ON``) the day a rule is written while looking
at its misses, and then stops counting in the held-out figure.
"""

from __future__ import annotations

import importlib
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from samples.families.common import Ctx, Rendered

PIECES = ("convention", "deliberation", "needs_form", "other")
# modules that register families (imported on first use)
MODULES = (
    "samples.families.convention",
    "samples.families.deliberation",
    "samples.families.needs",
    "samples.families.other",
)


@dataclass(frozen=True)
class Family:
    name: str  # "<piece>.<layout>", e.g. "convention.prose_two_columns"
    piece: str  # one of PIECES: the type of the file's first piece
    description: str
    make: Callable[[Ctx], Rendered]
    tuned_on: bool = False
    digital: bool = True  # the family exists as a digital PDF
    paper: bool = True  # … and as paper (scanned)


_REGISTRY: dict[str, Family] = {}

# Families an extraction rule was written while looking at (their misses read one by one):
# they count in the overall figure, not in the held-out one.
TUNED_ON = frozenset(
    {
        "convention.ruled_table",
        "convention.caps_abbrev",
        "deliberation.caps_runon",
        "deliberation.epci_council",
        "needs_form.label_cells",
        "needs_form.prose_letter",
    }
)


def register(family: Family) -> Family:
    if family.name in TUNED_ON and not family.tuned_on:
        family = replace(family, tuned_on=True)
    if family.piece not in PIECES:
        raise ValueError(f"unknown piece {family.piece!r}")
    if family.name in _REGISTRY:
        raise ValueError(f"family {family.name!r} registered twice")
    _REGISTRY[family.name] = family
    return family


def family(
    name: str, piece: str, description: str, *, digital: bool = True, paper: bool = True
) -> Callable[[Callable[[Ctx], Rendered]], Callable[[Ctx], Rendered]]:
    """Decorator: ``@family("needs_form.ruled_table", "needs_form", "…")``."""

    def wrap(make: Callable[[Ctx], Rendered]) -> Callable[[Ctx], Rendered]:
        register(Family(name, piece, description, make, digital=digital, paper=paper))
        return make

    return wrap


def families() -> dict[str, Family]:
    """Every registered family by name (modules not written yet are skipped)."""
    for mod in MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise
    return dict(sorted(_REGISTRY.items()))


@dataclass
class Sample:
    family: str
    piece: str
    index: int
    scanned: bool
    path: Path
    documents: list[dict[str, Any]]
    pages: int
    tuned_on: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "piece": self.piece,
            "index": self.index,
            "scanned": self.scanned,
            "file": self.path.name,
            "documents": self.documents,
            "pages": self.pages,
            "tuned_on": self.tuned_on,
        }


def _entities(seed: int) -> Iterator[Any]:
    from samples.roster import load_roster

    roster = load_roster()
    rng = random.Random(seed)
    while True:
        yield rng.choice(roster)


def generate_families(
    out: Path,
    *,
    per_family: int = 2,
    seed: int = 12,
    scanned: bool = True,
    digital: bool = True,
    only: tuple[str, ...] = (),
) -> list[Sample]:
    """Render ``per_family`` files of every family (or of ``only``), digital and scanned,
    into ``out`` with ``out/truth.json``; deterministic for a seed."""
    from extractors.testing import images_to_pdf, scan

    out.mkdir(parents=True, exist_ok=True)
    samples: list[Sample] = []
    entities = _entities(seed)
    for name, fam in families().items():
        if only and name not in only and fam.piece not in only:
            continue
        for i in range(per_family):
            for paper in (False, True):
                if (paper and not (scanned and fam.paper)) or (
                    not paper and not (digital and fam.digital)
                ):
                    continue
                s = hash_seed(seed, name, i, paper)
                ctx = Ctx(random.Random(s), next(entities), paper, s)
                r = fam.make(ctx)
                data = r.pdf
                if paper:
                    rng = random.Random(s + 1)
                    dpi = rng.choice((200, 300, 300))
                    images = scan(
                        data,
                        dpi=dpi,
                        skew=rng.uniform(-1.2, 1.2),
                        noise=rng.uniform(0.01, 0.04),
                        seed=s,
                    )
                    data = images_to_pdf([im.convert("L") for im in images], dpi=dpi)
                path = out / f"{name}-{i}-{'scan' if paper else 'digital'}.pdf"
                path.write_bytes(data)
                samples.append(
                    Sample(name, fam.piece, i, paper, path, r.documents, r.pages, fam.tuned_on)
                )
    (out / "truth.json").write_text(
        json.dumps([s.to_json() for s in samples], ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return samples


def hash_seed(*parts: object) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:6], "big")
