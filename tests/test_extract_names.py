"""OCR'd names given their accents and hyphens back from known spellings."""

from __future__ import annotations

import pytest

from extractors.names import Gazetteer, name_key, restore_person, restore_place

ROSTER = Gazetteer(
    [
        "Le May-sur-Èvre",
        "Couëron",
        "Martigné-sur-Mayenne",
        "Parigné-l'Évêque",
        "Saint-Sébastien-sur-Loire",
        "Vallet",
        "Loiré",
        "Ancenis",
        # two places whose letters are the same: neither spelling is restored
        "Saint-Rémy",
        "Saint-Remy",
    ]
)


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("Mairie du May-sur-Evre", "Mairie du May-sur-Èvre"),  # article left out
        ("Le Ma Y-sur-Evre", "Le May-sur-Èvre"),  # a space inside a word
        ("Coueron", "Couëron"),
        ("Mairie de Couëéron", "Mairie de Couëron"),  # the diaeresis read as a letter
        ("Commune de Martig ne-su r-Mayen ne", "Commune de Martigné-sur-Mayenne"),
        ("PARIGNÉ-L'ÉVÉQUE", "PARIGNÉ-L'ÉVÊQUE"),  # capitals stay capitals
        # as written by the town hall: not the roster's spelling, kept
        ("ST SEBASTIEN SUR LOIRE", "ST SEBASTIEN SUR LOIRE"),
        # one letter away from a known place may be another place: kept
        ("Couerons", "Couerons"),
        ("Valet", "Vallet"),  # a doubled letter OCR read once
        ("Commune d'Ancenís", "Commune d'Ancenis"),
        # a known name inside another name is not that place
        ("ST SEBASTIEN SUR LOIRE", "ST SEBASTIEN SUR LOIRE"),
        ("Saint-Julien-de-Concelles LOIRE", "Saint-Julien-de-Concelles LOIRE"),
        ("Saint Remy", "Saint Remy"),  # ambiguous
        ("", ""),
    ],
)
def test_restore_place(read: str, expected: str) -> None:
    assert restore_place(read, ROSTER) == expected


def test_without_a_gazetteer_names_stay_as_read() -> None:
    assert restore_place("Coueron", None) == "Coueron"
    assert restore_place("Coueron", Gazetteer()) == "Coueron"


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("Joel HAMON", "Joël HAMON"),
        ("Gael CHAUVIÈRE", "Gaël CHAUVIÈRE"),
        ("Jean-Noel DUPONT", "Jean-Noël DUPONT"),
        ("Mme Helene MARTIN", "Mme Hélène MARTIN"),
        # surnames (capitals) are never touched, even when they are first names too
        ("Pierre NOEL", "Pierre NOEL"),
        ("Rene MARTIN", "Rene MARTIN"),  # René or Renée: not guessed
        ("Sylvie TESSIER", "Sylvie TESSIER"),
    ],
)
def test_restore_person(read: str, expected: str) -> None:
    assert restore_person(read) == expected


def test_name_key() -> None:
    assert name_key("Couëéron") == name_key("Couëron") == "coueron"
    assert name_key("Le  May-sur-Èvre") == "lemaysurevre"
