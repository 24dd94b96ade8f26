"""The dossier benchmark's diagnosis: what differs between a dossier's truth and what
the intake filed in it (``benchmarks/bench_dossiers.py``)."""

from __future__ import annotations

import datetime as dt

from benchmarks.bench_dossiers import causes, not_filed
from config.campaign import load_campaign
from config.settings import DEFAULT_CAMPAIGN
from rules.model import Piece


def piece(doc_type: str, confidences: dict[str, float] | None = None, **fields: object) -> Piece:
    return Piece(doc_type, fields, "registered_mail", confidences=confidences or {})


def test_causes_name_missing_pieces_misread_and_uncertain_fields() -> None:
    campaign = load_campaign(DEFAULT_CAMPAIGN)
    stamp = dt.date(2022, 1, 10)
    truth = [
        (piece("convention", signed=True, arrival_stamp_date=stamp), "a.pdf"),
        (piece("deliberation", act_id="044-1-D", authorizes_signature=True), "b.pdf"),
        (piece("needs_form", schools=2, student_accounts=40), "c.pdf"),
    ]
    read = [
        (piece("convention", signed=False, arrival_stamp_date=stamp), "a.pdf"),
        (piece("needs_form", {"schools": 0.3}, schools=2, student_accounts=40), "c.pdf"),
        (piece("deliberation", act_id=None, authorizes_signature=True), "d.pdf"),
    ]
    elsewhere = {"b.pdf": [("deliberation", None)]}
    found = {c for c, _, _ in causes(campaign, truth, read[:2], elsewhere)}
    assert found == {
        "convention.signed read False, not True",
        "deliberation: left to triage (collectivity not recognised)",
        "needs_form.schools uncertain",
    }
    extra = causes(campaign, truth[:1], [read[0], read[2]])
    assert ("deliberation: filed, but not sent", None, "d.pdf") in extra


def test_a_missing_piece_says_where_it_went() -> None:
    assert not_filed("convention", "x.pdf", {}) == "convention: nothing read from its file"
    went = {"x.pdf": [("needs_form", "44109")]}
    assert not_filed("convention", "x.pdf", went) == "convention: read as needs_form"
    went = {"x.pdf": [("convention", "44109")]}
    assert not_filed("convention", "x.pdf", went) == "convention: filed in another dossier"
