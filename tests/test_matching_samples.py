"""The matcher over the sample generator's ground truth: every document that names a
collectivity (a name or an act id) is matched to the collectivity that sent its file, and
no document at all is matched to another one."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from matching.roster import DocumentInput, MatchResult, RosterIndex, match_file
from samples import Manifest, generate
from storage.roster import parse_roster_csv, read_roster_file

Matched = tuple[str, str, dict[str, Any], MatchResult]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(tmp_path_factory.mktemp("match-corpus"), scans=False, count=40)


@pytest.fixture(scope="module")
def index(corpus: Manifest) -> RosterIndex:
    rows, errors = parse_roster_csv(read_roster_file(corpus.roster_path))
    assert errors == []
    return RosterIndex.build(rows)


@pytest.fixture(scope="module")
def matched(corpus: Manifest, index: RosterIndex) -> list[Matched]:
    """(file, true sender, document fields, result) for every document of the corpus,
    matched file by file as the flow does (the mail's sender, siblings)."""
    out: list[Matched] = []
    for path, file in sorted(corpus.files.items()):
        assert file.collectivity is not None
        docs = [DocumentInput(d.type, d.fields) for d in file.documents]
        results = match_file(index, docs, sender=file.sender)
        for doc, result in zip(file.documents, results, strict=True):
            out.append((path, file.collectivity, doc.fields, result))
    return out


def _names_one(fields: dict[str, Any]) -> bool:
    return bool(fields.get("collectivity") or fields.get("act_id"))


def test_every_named_document_is_matched_to_its_sender(matched: list[Matched]) -> None:
    named = [m for m in matched if _names_one(m[2])]
    assert len(named) >= 100
    wrong = [
        (path, fields.get("collectivity"), fields.get("act_id"), truth, result)
        for path, truth, fields, result in named
        if result.code != truth or not result.confident
    ]
    assert wrong == []


def test_no_document_is_matched_to_another_collectivity(matched: list[Matched]) -> None:
    wrong = [(path, truth, r) for path, truth, _, r in matched if r.code not in (None, truth)]
    assert wrong == []
    # A document naming no one is matched through its siblings or its sender, or left
    # for triage with a reason.
    for _, truth, fields, result in matched:
        if not _names_one(fields):
            assert result.code in (None, truth)
            assert result.code is not None or result.reason_fr


def test_how_the_corpus_was_matched(matched: list[Matched], corpus: Manifest) -> None:
    """The methods used, and the scenarios' tricky documents."""
    methods = Counter(r.method for _, _, f, r in matched if _names_one(f))
    assert methods["act_id_siren"] >= 20  # every délibération with an acknowledgment
    assert methods["sender_email"] >= 5  # every mailed piece
    assert methods["name"] >= 30
    scenario = {code: c.scenario for code, c in corpus.collectivities.items()}
    conflicts = {(scenario[truth], r.method) for _, truth, _, r in matched if r.conflict}
    # The act id bearing a neighbour's SIREN: filed by name, conflict noted.
    assert ("siren_mismatch", "name") in conflicts
    # The convention naming another commune, inside its sender's envelope.
    assert ("name_mismatch", "sibling") in conflicts
    assert {s for s, _ in conflicts} <= {"siren_mismatch", "name_mismatch"}
    abbreviated = [
        r
        for _, truth, f, r in matched
        if scenario[truth] == "name_written_abbreviated" and f.get("collectivity", "").isupper()
    ]
    assert abbreviated and all(r.method == "name" and r.confident for r in abbreviated)
