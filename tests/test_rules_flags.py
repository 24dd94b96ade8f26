"""The French flag catalogue: overrides, generic messages for unknown codes, safe templates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from config.campaign import Campaign, load_campaign
from rules import CollectivityRef, Piece, evaluate
from rules.flags import (
    FLAG_MESSAGES,
    GENERIC_MESSAGES,
    FlagKind,
    flag_message,
    format_date_fr,
    known_flag_codes,
    render,
)

CAMPAIGNS = Path(__file__).resolve().parents[1] / "config" / "campaigns"
REQUIRED_CODES = [
    "convention_unsigned",
    "deliberation_without_acknowledgment",
    "deliberation_not_authorizing",
    "needs_form_without_numbers",
    "name_mismatch",
    "siren_mismatch",
    "deliberation_after_signature",
    "wrong_channel",
    "receipt_from_file_time",
    "stamp_after_file",
    "received_before_opening",
]
SSL = CollectivityRef(code="44190", name="Saint-Sébastien-sur-Loire", siren="214401903")


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return load_campaign(CAMPAIGNS / "e-primo-2022.toml")


@pytest.mark.parametrize("code", REQUIRED_CODES)
def test_catalogue_has_a_french_message(code: str) -> None:
    message = FLAG_MESSAGES[code]
    assert message and any(w in message for w in ("Pièce", "Nom", "date")), message


def test_campaign_codes_are_all_known(campaign: Campaign) -> None:
    codes = known_flag_codes(campaign)
    assert set(REQUIRED_CODES) <= set(codes)
    assert codes == sorted(codes)


DATES = [
    (dt.date(2022, 1, 1), "1er janvier 2022"),
    (dt.date(2022, 1, 15), "15 janvier 2022"),
    (dt.date(2024, 8, 19), "19 août 2024"),
    (dt.date(2021, 12, 13), "13 décembre 2021"),
    (None, "date inconnue"),
]


@pytest.mark.parametrize(("day", "text"), DATES, ids=[t for _, t in DATES])
def test_format_date_fr(day: dt.date | None, text: str) -> None:
    assert format_date_fr(day) == text


RENDER = [
    ("plain", "Pièce « {piece} ».", "Pièce « la convention »."),
    ("unknown_placeholder_kept", "Voir {nope}.", "Voir {nope}."),
    ("escaped_braces", "{{littéral}} {piece}", "{littéral} la convention"),
    ("lonely_brace", "Accolade { seule", "Accolade { seule"),
    ("positional", "{0} et {}", "{0} et {}"),
    ("attribute_access_not_evaluated", "{piece.__class__}", "{piece.__class__}"),
    ("format_spec_not_evaluated", "{piece!r:>40}", "{piece!r:>40}"),
]


@pytest.mark.parametrize(("template", "out"), [r[1:] for r in RENDER], ids=[r[0] for r in RENDER])
def test_render_never_raises(template: str, out: str) -> None:
    assert render(template, {"piece": "la convention"}) == out


def test_message_uses_the_campaign_label(campaign: Campaign) -> None:
    text = flag_message(campaign, "convention_unsigned", "condition", piece="convention")
    assert campaign.piece_label("convention") in text
    assert text.startswith("Pièce « la convention d'adhésion")


def test_campaign_override_wins(campaign: Campaign) -> None:
    custom = campaign.model_copy(
        update={
            "flag_messages": {
                "convention_unsigned": "{Piece} : à faire signer avant le {deadline}."
            }
        }
    )
    text = flag_message(custom, "convention_unsigned", "condition", piece="convention")
    assert text == (
        "La convention d'adhésion au groupement de commandes, complétée et signée : "
        "à faire signer avant le 15 janvier 2022."
    )


def test_override_with_a_typo_shows_it_rather_than_crashing(campaign: Campaign) -> None:
    custom = campaign.model_copy(
        update={"flag_messages": {"wrong_channel": "Envoi par {chanel} {"}}
    )
    piece = Piece("convention", {"signed": True}, "email", manual_received_on=dt.date(2022, 1, 3))
    flags = [f for f in evaluate(custom, SSL, [piece]).flags if f.code == "wrong_channel"]
    assert [f.message for f in flags] == ["Envoi par {chanel} {"]


GENERIC = [
    ("condition", "Pièce « l'annexe 1 : la délibération"),
    ("date_order", "Dates incohérentes"),
    ("same_name", "Nom discordant"),
    ("siren_matches", "Pièce « l'annexe 1 : la délibération"),
    ("dossier", "Anomalie « code_inconnu » relevée sur la pièce « l'annexe 1"),
]


@pytest.mark.parametrize(("kind", "start"), GENERIC, ids=[g[0] for g in GENERIC])
def test_unknown_code_gets_a_generic_french_message(
    campaign: Campaign, kind: FlagKind, start: str
) -> None:
    assert set(GENERIC_MESSAGES) == {g[0] for g in GENERIC}
    text = flag_message(campaign, "code_inconnu", kind, piece="deliberation")
    assert text.startswith(start), text
    assert "code_inconnu" in text


def test_campaign_naming_unknown_codes_evaluates_with_generic_messages(
    campaign: Campaign, tmp_path: Path
) -> None:
    """A campaign file may invent flag codes; the rules raise them with a generic message."""
    text = (CAMPAIGNS / "e-primo-2022.toml").read_text(encoding="utf-8")
    text = text.replace('flag = "convention_unsigned"', 'flag = "signature_absente"')
    text = text.replace('flag = "deliberation_after_signature"', 'flag = "dates_a_verifier"')
    path = tmp_path / "custom.toml"
    path.write_text(text, encoding="utf-8")
    custom = load_campaign(path)
    pieces = [
        Piece(
            "convention",
            {"signed": False, "signature_date": dt.date(2021, 12, 1)},
            "registered_mail",
            manual_received_on=dt.date(2022, 1, 5),
            document_id=1,
        ),
        Piece(
            "deliberation",
            {
                "authorizes_signature": True,
                "act_id": "044-214401903-20211213-X-DE",
                "meeting_date": dt.date(2021, 12, 13),
            },
            "registered_mail",
            manual_received_on=dt.date(2022, 1, 5),
            document_id=2,
        ),
    ]
    result = evaluate(custom, SSL, pieces)
    by_code = {f.code: f for f in result.flags}
    assert set(by_code) == {"signature_absente", "dates_a_verifier"}
    unsigned = by_code["signature_absente"]
    assert unsigned.document_id == 1
    assert "condition non remplie" in unsigned.message and "la signature" in unsigned.message
    dates = by_code["dates_a_verifier"].message
    assert (
        "Dates incohérentes" in dates
        and "1er décembre 2021" in dates
        and "13 décembre 2021" in dates
    )
    assert {"signature_absente", "dates_a_verifier"} <= set(known_flag_codes(custom))
