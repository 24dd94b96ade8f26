"""The real public documents of ``../shared/real-documents/`` (a délibération, a
prefecture acknowledgment, a département's convention, council minutes, a compte rendu, a
convocation), laid out as PDFs by ``samples.realdocs``: each page's type and every field
their truth gives, as the extraction benchmark scores them (``benchmarks/bench_real.py``)."""

from __future__ import annotations

import pytest

from extractors import extract_file
from samples.model import comparable
from samples.realdocs import DEFAULT_DIR, LAYOUTS, Case, load_cases

pytestmark = pytest.mark.skipif(
    not (DEFAULT_DIR / "truth.json").exists(), reason="../shared/real-documents is absent"
)
CASES = {c.name: c for c in load_cases()} if (DEFAULT_DIR / "truth.json").exists() else {}


def _check(case: Case, data: bytes) -> None:
    docs = extract_file(data, filename=case.name)
    types = {p: d.type for d in docs for p in d.pages}
    assert set(types.values()) == {case.type}, types
    first = next(d for d in docs if 1 in d.pages)
    got = {k: comparable(first.value(k)) for k in case.scored_fields()}
    want = {k: comparable(v) for k, v in case.scored_fields().items()}
    assert got == want
    if case.truth.get("act_id") is None:
        assert all(d.value("act_id") is None for d in docs)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_digital(name: str, layout: str) -> None:
    case = CASES[name]
    _check(case, case.pdf(layout, scanned=False))


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("deliberation_tronget_2023-11-30_zaenr.txt", "found"),
        ("convention_enc-hds_hauts-de-seine_colleges_excerpt.txt", "laid_out"),
        ("other_compte-rendu_pornic_2021-03-26_excerpt.txt", "found"),
    ],
)
def test_scanned(name: str, layout: str) -> None:
    case = CASES[name]
    _check(case, case.pdf(layout, scanned=True, seed=3))
