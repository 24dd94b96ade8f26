"""The délibération's fields by meaning (``extractors.fields.deliberation``): the
collectivity as a name, the meeting's date among the act's other dates, the prefecture's
receipt in the wordings platforms print. Pages built from word boxes."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.fields.deliberation import _join_name_gaps, deliberation_fields
from extractors.testing import text_page


@pytest.mark.parametrize(
    ("heading", "want"),
    [
        ("COMMUNE DE TRONGET EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS", "COMMUNE DE TRONGET"),
        ("Mairie de Vallet Envoyé en préfecture le 16/12/2021", "Mairie de Vallet"),
        ("CC ESTUAIRE ET SILLON", "CC ESTUAIRE ET SILLON"),
    ],
)
def test_collectivity_is_a_name(heading: str, want: str) -> None:
    fields = deliberation_fields(
        [text_page([(60, 60, heading), (60, 400, "Séance du 3 mai 2021")])]
    )
    assert fields["collectivity"].value == want


def test_council_of_place_in_the_text() -> None:
    page = text_page(
        [(60, 60, "EXTRAIT DU REGISTRE"), (60, 120, "Le Conseil Municipal de Vertou,")]
    )
    assert deliberation_fields([page])["collectivity"].value == "Vertou"


def test_meeting_date_not_a_cited_letters() -> None:
    page = text_page(
        [
            (
                60,
                100,
                "Vu le courrier du Recteur de l'académie de Nantes en date du 18 octobre 2021 ;",
            ),
            (60, 130, "L'an deux mille vingt et un, le vendredi 26 novembre 2021, le conseil"),
        ]
    )
    assert deliberation_fields([page])["meeting_date"].value == dt.date(2021, 11, 26)


@pytest.mark.parametrize(
    "rows",
    [
        [(60, 700, "Reçu par le représentant de l'Etat le 06/12/2021")],
        [
            (60, 700, "ACTE EXECUTOIRE Reçu par le"),
            (60, 712, "représentant de l'Etat le 06/12/2021"),
        ],
        [(60, 700, "Date de dépôt de l'acte :"), (300, 700, "06/12/2021")],
        [(60, 700, "Acte rendu exécutoire après dépôt en préfecture le 06/12/2021")],
    ],
)
def test_receipt_wordings(rows: list[tuple[float, float, str]]) -> None:
    fields = deliberation_fields([text_page([(60, 60, "Commune de Vallet"), *rows])])
    assert fields["prefecture_receipt_date"].value == dt.date(2021, 12, 6)


def test_sending_is_not_receipt() -> None:
    page = text_page(
        [(60, 60, "Commune de Vallet"), (60, 700, "Transmis en préfecture le 06/12/2021")]
    )
    assert deliberation_fields([page])["prefecture_receipt_date"].value is None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("COMMUNE DE L'AIGUILLON-LA- -PRESQU' ÎLE", "COMMUNE DE L'AIGUILLON-LA-PRESQU'ÎLE"),
        ("Commune de Vern -sur-Seiche", "Commune de Vern-sur-Seiche"),
        ("Commune de La Chapelle- sur-Erdre", "Commune de La Chapelle-sur-Erdre"),
        ("Nantes - Rezé", "Nantes - Rezé"),  # a dash between spaces is a separator
    ],
)
def test_ocr_gaps_inside_a_compound_name_are_closed(text: str, want: str) -> None:
    mended, where = _join_name_gaps(text)
    assert mended == want
    assert "".join(text[i] for i in where) == mended  # boxes map back to the line
