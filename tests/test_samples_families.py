"""The convention and decoy families render, deterministically, with a truth that matches
their PDF (digital only: no OCR, a few seconds)."""

from __future__ import annotations

import io
import random

import pypdf
import pytest

from extractors.model import FIELD_NAMES
from extractors.pdfsig import read_signatures
from samples.families import Family, families, hash_seed
from samples.families.common import Ctx
from samples.roster import load_roster

OURS = [f for f in families().values() if f.piece in ("convention", "other")]
SEEDS = (0, 1, 2)


def _render(fam: Family, seed: int, paper: bool = False):
    roster = load_roster()
    s = hash_seed(seed, fam.name, paper)
    entity = random.Random(s).choice(roster)
    return fam.make(Ctx(random.Random(s), entity, paper, s))


def test_enough_families() -> None:
    pieces = [f.piece for f in OURS]
    assert pieces.count("convention") >= 6
    assert pieces.count("other") >= 6


@pytest.mark.parametrize("fam", OURS, ids=lambda f: f.name)
def test_family_renders_with_its_truth(fam: Family) -> None:
    for seed in SEEDS:
        paper = not fam.digital
        r = _render(fam, seed, paper)
        again = _render(fam, seed, paper)
        if b"/ByteRange" not in r.pdf:  # pyHanko stamps the signing time
            assert r.pdf == again.pdf, "not deterministic for a seed"
        assert r.documents == again.documents
        reader = pypdf.PdfReader(io.BytesIO(r.pdf))
        assert len(reader.pages) == r.pages
        covered = sorted(p for d in r.documents for p in d["pages"])
        assert covered == list(range(1, r.pages + 1))
        for doc in r.documents:
            assert doc["type"] == fam.piece
            names = set(doc["fields"]) - {"arrival_stamp_date"}
            assert names == set(FIELD_NAMES[doc["type"]])
            if not paper:
                assert "arrival_stamp_date" not in doc["fields"]


def test_conventions_multi_page_and_mixed_signing() -> None:
    signed = []
    for fam in (f for f in OURS if f.piece == "convention"):
        for seed in range(8):
            r = _render(fam, seed, paper=not fam.digital)
            assert r.pages >= 2, fam.name
            f = r.documents[0]["fields"]
            assert f["collectivity"]
            if f["signature_date"] is not None:
                assert f["signature_date"][:4] in ("2021", "2022")
            signed.append(f["signed"])
    share = signed.count(False) / len(signed)
    assert 0.08 < share < 0.4, share


def _ink_objects(pdf: bytes, page: int) -> tuple[int, int]:
    """(images, curve operators) on a page of a digital PDF."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    p = reader.pages[page - 1]
    images = len(p.images)
    data = p.get_contents().get_data().decode("latin-1") if p.get_contents() else ""
    curves = sum(1 for tok in data.split() if tok == "c")
    return images, curves


def test_unsigned_digital_convention_has_no_ink() -> None:
    checked = 0
    for fam in (f for f in OURS if f.piece == "convention" and f.digital):
        for seed in range(12):
            r = _render(fam, seed)
            f = r.documents[0]["fields"]
            images, curves = _ink_objects(r.pdf, r.pages)
            if f["signed"]:
                continue
            checked += 1
            assert images == 0, fam.name
            # a round seal draws circles (curves) but no signature strokes: at most
            # the seal's rings
            assert curves <= 16, (fam.name, curves)
    assert checked >= 3


def test_signed_digital_convention_has_ink_on_the_last_page() -> None:
    for fam in (f for f in OURS if f.piece == "convention" and f.digital):
        for seed in range(6):
            r = _render(fam, seed)
            if not r.documents[0]["fields"]["signed"]:
                continue
            if b"/ByteRange" in r.pdf:  # signed with a PDF digital signature
                sigs = read_signatures(r.pdf)
                assert sigs and sigs[0].intact and sigs[0].page == r.pages, fam.name
                continue
            images, curves = _ink_objects(r.pdf, r.pages)
            reader = pypdf.PdfReader(io.BytesIO(r.pdf))
            data = reader.pages[r.pages - 1].get_contents().get_data().decode("latin-1")
            fills = sum(1 for tok in data.split() if tok in ("f", "f*"))
            assert images or fills or curves > 16, fam.name
