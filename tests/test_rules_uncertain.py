"""Uncertain fields: a required field read below the campaign's confidence threshold (or
unknown) goes to triage with where it was read, and never settles a dossier as complete.
Table-driven on the e-primo 2022 campaign file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from config.campaign import Campaign, CampaignError, ConfidenceSpec, load_campaign
from rules import CollectivityRef, Piece, evaluate
from rules.dossier import uncertain_fields
from rules.flags import known_flag_codes, uncertain_code, uncertain_field_of

CAMPAIGNS = Path(__file__).resolve().parents[1] / "config" / "campaigns"
D = dt.date
SSL = CollectivityRef(code="44190", name="Saint-Sébastien-sur-Loire", siren="214401903")
ACT_SSL = "044-214401903-20211213-DEL2021_12-DE"
STAMP = D(2022, 1, 10)

VALUES: dict[str, dict[str, Any]] = {
    "convention": {
        "collectivity": "Saint-Sébastien-sur-Loire",
        "signed": True,
        "signature_date": D(2021, 12, 15),
    },
    "deliberation": {
        "collectivity": "Commune de Saint-Sébastien-sur-Loire",
        "meeting_date": D(2021, 12, 13),
        "authorizes_signature": True,
        "act_id": ACT_SSL,
    },
    "needs_form": {
        "collectivity": "Saint-Sébastien-sur-Loire",
        "schools": 9,
        "student_accounts": 1850,
    },
}
IDS = {"convention": 1, "deliberation": 2, "needs_form": 3}


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return load_campaign(CAMPAIGNS / "e-primo-2022.toml")


def read(
    doc_type: str,
    values: dict[str, Any] | None = None,
    conf: dict[str, float] | None = None,
    *,
    id: int | None = None,
    stamp: dt.date = STAMP,
) -> Piece:
    """A piece as the extraction reads it: every field at 0.95 unless ``conf`` says
    otherwise, each read on page 1 in a box."""
    fields = {**VALUES[doc_type], **(values or {}), "arrival_stamp_date": stamp}
    confidences = {name: 0.95 for name in fields} | (conf or {})
    evidence = {n: {"page": 1, "box": [100.0, 200.0, 300.0, 220.0], "raw": "x"} for n in fields}
    return Piece(
        doc_type=doc_type,
        fields=fields,
        channel="registered_mail",
        document_id=id if id is not None else IDS[doc_type],
        confidences=confidences,
        evidence=evidence,
    )


def dossier(**pieces: Piece) -> list[Piece]:
    """A complete direct-route dossier, read surely, with some pieces replaced."""
    return [pieces.get(t) or read(t) for t in ("convention", "deliberation", "needs_form")]


@dataclass
class Case:
    id: str
    pieces: list[Piece]
    status: str
    raised: set[str] = field(default_factory=set)  # flag codes that must be raised
    absent: set[str] = field(default_factory=set)  # flag codes that must not
    missing: list[str] = field(default_factory=list)
    schools: int | None = 9
    overrides: dict[str, float] = field(default_factory=dict)  # [confidence.fields]


U = uncertain_code
CASES = [
    Case("all_sure", dossier(), "complete", absent={U("schools"), U("signed")}),
    Case(
        "schools_below_threshold",
        dossier(needs_form=read("needs_form", conf={"schools": 0.4})),
        "incomplete",
        raised={U("schools")},
        absent={"needs_form_without_numbers", U("student_accounts")},
        missing=["needs_form"],
        schools=None,  # an uncertain count is never the dossier's figure
    ),
    Case(
        "schools_unknown",
        dossier(needs_form=read("needs_form", {"schools": None}, {"schools": 0.5})),
        "incomplete",
        raised={U("schools")},
        absent={"needs_form_without_numbers"},
        missing=["needs_form"],
        schools=None,
    ),
    Case(
        "schools_surely_blank_keeps_its_condition_flag",
        dossier(needs_form=read("needs_form", {"schools": None}, {"schools": 0.7})),
        "incomplete",
        raised={"needs_form_without_numbers"},
        absent={U("schools")},
        missing=["needs_form"],
        schools=None,
    ),
    Case(
        "both_counts_uncertain_two_flags",
        dossier(needs_form=read("needs_form", conf={"schools": 0.3, "student_accounts": 0.2})),
        "incomplete",
        raised={U("schools"), U("student_accounts")},
        missing=["needs_form"],
        schools=None,
    ),
    Case(
        "signature_unknown_is_not_called_absent",
        dossier(convention=read("convention", {"signed": None}, {"signed": 0.0})),
        "incomplete",
        raised={U("signed")},
        absent={"convention_unsigned"},
        missing=["convention"],
    ),
    Case(
        "signed_read_true_but_unsure_is_not_complete",
        dossier(convention=read("convention", conf={"signed": 0.55})),
        "incomplete",
        raised={U("signed")},
        missing=["convention"],
    ),
    Case(
        "sure_unsigned_keeps_its_flag",
        dossier(convention=read("convention", {"signed": False})),
        "incomplete",
        raised={"convention_unsigned"},
        absent={U("signed")},
        missing=["convention"],
    ),
    Case(
        "act_id_surely_absent_is_the_acknowledgment_flag",
        dossier(deliberation=read("deliberation", {"act_id": None}, {"act_id": 0.8})),
        "incomplete",
        raised={"deliberation_without_acknowledgment"},
        absent={U("act_id")},
        missing=["deliberation"],
    ),
    Case(
        "authorization_unsure",
        dossier(deliberation=read("deliberation", conf={"authorizes_signature": 0.35})),
        "incomplete",
        raised={U("authorizes_signature")},
        missing=["deliberation"],
    ),
    Case(
        "a_field_no_condition_needs_is_not_checked",
        dossier(convention=read("convention", conf={"collectivity": 0.1, "signature_date": 0.1})),
        "complete",
        absent={U("collectivity"), U("signature_date")},
    ),
    Case(
        "at_the_threshold_is_sure",
        dossier(needs_form=read("needs_form", conf={"schools": 0.6})),
        "complete",
        absent={U("schools")},
    ),
    Case(
        "confirmed_by_a_person",
        dossier(needs_form=read("needs_form", conf={"schools": 1.0})),
        "complete",
    ),
    Case(
        "recorded_by_hand_without_confidence",
        [
            *dossier()[:2],
            Piece("needs_form", dict(VALUES["needs_form"]), "registered_mail", document_id=3),
        ],
        "complete",
        absent={U("schools")},
    ),
    Case(
        "piece_override",
        dossier(needs_form=read("needs_form", conf={"schools": 0.85})),
        "incomplete",
        raised={U("schools")},
        absent={U("student_accounts")},
        missing=["needs_form"],
        schools=None,
        overrides={"needs_form.schools": 0.9},
    ),
    Case(
        "field_override_applies_to_every_piece",
        dossier(convention=read("convention", conf={"signed": 0.95})),
        "incomplete",
        raised={U("signed")},
        missing=["convention"],
        overrides={"signed": 0.97},
    ),
    Case(
        "piece_override_wins_over_field_override",
        dossier(convention=read("convention", conf={"signed": 0.5})),
        "complete",
        overrides={"signed": 0.97, "convention.signed": 0.4},
    ),
    Case(
        "a_sure_form_is_not_undone_by_a_later_unsure_one",
        [
            *dossier()[:2],
            read("needs_form", id=3),
            read("needs_form", {"schools": 12}, {"schools": 0.3}, id=4, stamp=D(2022, 1, 12)),
        ],
        "complete",
        raised={U("schools")},  # the later form still asks for a look
        schools=9,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_uncertain_fields(campaign: Campaign, case: Case) -> None:
    if case.overrides:
        campaign = campaign.model_copy(
            update={"confidence": ConfidenceSpec(threshold=0.6, fields=case.overrides)}
        )
    ev = evaluate(campaign, SSL, case.pieces)
    codes = set(ev.flag_codes)
    assert ev.status == case.status, (ev.status, ev.flag_codes)
    assert case.raised <= codes, codes
    assert not (case.absent & codes), codes
    assert ev.missing == case.missing
    assert ev.schools == case.schools


def test_the_flag_names_the_field_in_staff_words_with_its_evidence(campaign: Campaign) -> None:
    ev = evaluate(campaign, SSL, dossier(needs_form=read("needs_form", conf={"schools": 0.45})))
    (flag,) = [f for f in ev.flags if f.code == U("schools")]
    assert flag.document_id == 3 and flag.field == "schools"
    assert flag.message.startswith("Nombre d'écoles illisible ou incertain")
    assert "lu « 9 »" in flag.message and "page 1" in flag.message
    assert "confiance 45 %" in flag.message and "à vérifier" in flag.message
    assert "Fiche de besoins (annexe 2)" in flag.message

    ev = evaluate(
        campaign, SSL, dossier(convention=read("convention", {"signed": None}, {"signed": 0.0}))
    )
    (flag,) = [f for f in ev.flags if f.code == U("signed")]
    assert flag.message.startswith("Signature de la collectivité illisible ou incertaine")
    assert "valeur non lue" in flag.message


def test_a_campaign_may_word_the_flag_itself(campaign: Campaign) -> None:
    worded = campaign.model_copy(
        update={"flag_messages": {U("schools"): "{Field} à revoir ({read})."}}
    )
    ev = evaluate(worded, SSL, dossier(needs_form=read("needs_form", conf={"schools": 0.2})))
    assert [f.message for f in ev.flags if f.code == U("schools")] == [
        "Nombre d'écoles à revoir (lu « 9 », page 1, confiance 20 %)."
    ]


def test_codes_and_thresholds(campaign: Campaign) -> None:
    assert uncertain_field_of(U("student_accounts")) == "student_accounts"
    assert uncertain_field_of("needs_form_without_numbers") is None
    assert uncertain_field_of("uncertain_") is None
    codes = known_flag_codes(campaign)
    assert {U("schools"), U("student_accounts"), U("signed"), U("act_id")} <= set(codes)
    assert campaign.confidence_threshold("needs_form", "schools") == campaign.confidence.threshold
    assert uncertain_fields(campaign, read("needs_form", conf={"schools": 0.1})) == ["schools"]


def test_the_campaign_file_checks_its_thresholds(tmp_path: Path) -> None:
    text = (CAMPAIGNS / "e-primo-2022.toml").read_text(encoding="utf-8")
    bad_piece = tmp_path / "bad_piece.toml"
    bad_piece.write_text(text + '\n[confidence.fields]\n"devis.schools" = 0.7\n', encoding="utf-8")
    with pytest.raises(CampaignError, match="unknown piece"):
        load_campaign(bad_piece)
    assert "\nthreshold = 0.6\n" in text
    too_high = tmp_path / "too_high.toml"
    too_high.write_text(text.replace("\nthreshold = 0.6\n", "\nthreshold = 1.5\n"), "utf-8")
    with pytest.raises(CampaignError, match=r"confidence\.threshold"):
        load_campaign(too_high)
