"""Act ids of the prefecture's legality control: parse_act_id."""

from __future__ import annotations

import datetime as dt

import pytest

from rules import ActId, parse_act_id

OK = [
    (
        "letter_example",
        "044-214401093-20211213-DEL2021_12-DE",
        ("044", "214401093", dt.date(2021, 12, 13), "DEL2021_12", "DE"),
    ),
    (
        "nature_AR",
        "049-214900247-20211130-AR_2021_044-AR",
        ("049", "214900247", dt.date(2021, 11, 30), "AR_2021_044", "AR"),
    ),
    (
        "nature_AI",
        "053-215301309-20211202-2021AI17-AI",
        ("053", "215301309", dt.date(2021, 12, 2), "2021AI17", "AI"),
    ),
    (
        "nature_CC",
        "072-217201813-20220105-CONV12-CC",
        ("072", "217201813", dt.date(2022, 1, 5), "CONV12", "CC"),
    ),
    (
        "nature_AU",
        "085-218501096-20211220-D2021_99-AU",
        ("085", "218501096", dt.date(2021, 12, 20), "D2021_99", "AU"),
    ),
    (
        "epci",
        "044-244400453-20211209-2021_118-DE",
        ("044", "244400453", dt.date(2021, 12, 9), "2021_118", "DE"),
    ),
    (
        "corsica",
        "02A-212000046-20211209-12-DE",
        ("02A", "212000046", dt.date(2021, 12, 9), "12", "DE"),
    ),
    (
        "in_a_sentence",
        "Accusé de réception - Préfecture ID : 044-214401093-20211213-DEL2021_12-DE "
        "reçu le 14/12/2021",
        ("044", "214401093", dt.date(2021, 12, 13), "DEL2021_12", "DE"),
    ),
    (
        "ocr_spaces_and_dashes",
        "044 – 214401093 – 20211213 – DEL2021_12 – DE",
        ("044", "214401093", dt.date(2021, 12, 13), "DEL2021_12", "DE"),
    ),
    (
        "lower_case",
        "044-214401093-20211213-del2021_12-de",
        ("044", "214401093", dt.date(2021, 12, 13), "DEL2021_12", "DE"),
    ),
    (
        "skips_an_impossible_date",
        "044-214401093-20211313-X-DE 044-214401093-20211213-Y-DE",
        ("044", "214401093", dt.date(2021, 12, 13), "Y", "DE"),
    ),
]


@pytest.mark.parametrize(("text", "parts"), [c[1:] for c in OK], ids=[c[0] for c in OK])
def test_parse_act_id(text: str, parts: tuple[object, ...]) -> None:
    act = parse_act_id(text)
    assert act == ActId(*parts)  # type: ignore[arg-type]


def test_str_is_canonical_and_round_trips() -> None:
    act = parse_act_id("044 - 214401093 - 20211213 - del2021_12 - de")
    assert act is not None
    assert str(act) == "044-214401093-20211213-DEL2021_12-DE"
    assert parse_act_id(str(act)) == act
    assert act.nature_label == "délibération"
    assert ActId("044", "214401093", dt.date(2021, 1, 1), "1", "ZZ").nature_label == "ZZ"


BAD = [
    ("none", None),
    ("empty", ""),
    ("siren_too_short", "044-21440109-20211213-DEL2021_12-DE"),
    ("siren_letter_o", "044-2144O1093-20211213-DEL2021_12-DE"),
    ("no_nature", "044-214401093-20211213-DEL2021_12"),
    ("nature_three_letters", "044-214401093-20211213-DEL2021_12-DEL"),
    ("bad_date", "044-214401093-20210231-DEL2021_12-DE"),
    ("short_date", "044-214401093-211213-DEL2021_12-DE"),
    ("prefecture_two_digits", "44-214401093-20211213-DEL2021_12-DE"),
    ("glued_to_more_digits", "1044-214401093-20211213-DEL2021_12-DE"),
    ("just_text", "délibération n° 2021-12 du 13 décembre 2021"),
    ("not_a_string", 44),
]


@pytest.mark.parametrize("text", [c[1] for c in BAD], ids=[c[0] for c in BAD])
def test_parse_act_id_rejects(text: object) -> None:
    assert parse_act_id(text) is None  # type: ignore[arg-type]


def test_huge_input_is_cheap() -> None:
    assert parse_act_id("0" * 5_000_000) is None
