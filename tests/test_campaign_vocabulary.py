"""Field vocabularies in the campaign file (``[pieces.P.fields.F] type, labels``): loaded,
checked, handed to the extraction, and a wording the readers do not know becomes
readable once the campaign names it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from config.campaign import CampaignError, load_campaign
from config.settings import DEFAULT_CAMPAIGN
from extractors.fields.convention import convention_fields
from extractors.fields.deliberation import deliberation_fields
from extractors.testing import text_page


def test_shipped_campaign_declares_field_vocabularies() -> None:
    campaign = load_campaign(DEFAULT_CAMPAIGN)
    options = campaign.extraction_options()
    vocab = options["vocabulary"]
    assert "Nom de la collectivité adhérente" in vocab["convention"]["collectivity"]
    assert vocab["needs_form"]["schools"]
    assert campaign.pieces["needs_form"].fields["schools"].type == "count"
    assert options["keywords"]["convention"]
    assert options["signatory_labels"]["name"] == "Nom du signataire :"


def test_unknown_field_type_is_refused(tmp_path: Path) -> None:
    text = DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace(
        'type = "count"', 'type = "nombre"', 1
    )
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError, match="type"):
        load_campaign(path)


def test_receipt_wording_named_by_the_campaign() -> None:
    page = text_page(
        [
            (60, 100, "Commune de Vallet"),
            (60, 130, "Séance du 13 décembre 2021"),
            (60, 700, "Visa de la sous-préfecture apposé le 16/12/2021"),
        ]
    )
    plain = deliberation_fields([page])
    assert plain["prefecture_receipt_date"].value is None
    told = deliberation_fields(
        [page], {"prefecture_receipt_date": ["Visa de la sous-préfecture apposé le"]}
    )
    assert told["prefecture_receipt_date"].value == dt.date(2021, 12, 16)
    assert told["meeting_date"].value == dt.date(2021, 12, 13)


def test_collectivity_label_named_by_the_campaign() -> None:
    page = text_page([(60, 600, "Personne publique contractante : Commune de Vertou")])
    plain = convention_fields([page]).get("collectivity")
    assert plain is None or plain.value is None
    fields = convention_fields(
        [page], vocabulary={"collectivity": ["Personne publique contractante"]}
    )
    assert fields["collectivity"].value == "Commune de Vertou"
