"""The SIREN rule for communes, checked against real INSEE data (see the docstring of
``storage.roster`` for what these numbers mean)."""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path

import pytest

from config.settings import ROSTERS_DIR
from storage.roster import NO_DERIVED_SIREN, commune_siren, department_of, luhn_check_digit, luhn_ok

FRANCE_CANDIDATES = [
    Path(os.environ.get("INTAKE_FRANCE_COMMUNES", "/nonexistent")),
    ROSTERS_DIR / "france-communes.csv",
    Path("/work/shared/rosters/france-communes.csv"),
]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _brief_rule(code: str) -> str:
    """The plain rule: 21 + département (2A/2B → 20) + 0 + commune number + Luhn digit."""
    dept = department_of(code)
    body = "21" + ("20" if dept in ("2A", "2B") else dept) + "0" + code[len(dept) :]
    return body + luhn_check_digit(body)


@pytest.mark.parametrize(
    ("code", "siren"),
    [
        ("44109", "214401093"),  # Nantes
        ("97411", "219740115"),  # Saint-Denis, La Réunion
        ("2A004", "212000046"),  # Ajaccio
        ("19031", "211903109"),  # Brive-la-Gaillarde: 0 after the number
        ("97101", "219711017"),  # Les Abymes: last digit of 971 repeated
        ("87085", "218708501"),  # Limoges
    ],
)
def test_known_sirens(code: str, siren: str) -> None:
    assert commune_siren(code) == siren
    assert luhn_ok(siren)


@pytest.mark.parametrize("code", ["02408", "80021", "98735", "97501", "4410", "ABCDE", ""])
def test_no_siren_where_no_rule_holds(code: str) -> None:
    assert commune_siren(code) is None


def test_luhn() -> None:
    assert luhn_ok("214401093") and not luhn_ok("214401094") and not luhn_ok("21440109X")
    assert luhn_check_digit("21440109") == "3"


def test_rule_on_the_academie_roster() -> None:
    """All communes of the shipped académie roster whose SIREN starts with 21."""
    rows = [r for r in _rows(ROSTERS_DIR / "academie-nantes-communes.csv")]
    assert len(rows) == 1228
    r21 = [r for r in rows if r["siren"].startswith("21")]
    assert len(r21) == 1134
    assert [r["code"] for r in r21 if commune_siren(r["code"]) != r["siren"]] == []
    # The 94 others are communes nouvelles: 90 with a SIREN 200…, and 4 recent ones with a
    # SIREN 92…/93… (Laigné-Saint-Gervais, Val-de-la-Hune, Cugand-la-Bernardière...).
    others = Counter(r["siren"][:3] for r in rows if not r["siren"].startswith("21"))
    assert others == {"200": 90, "933": 2, "929": 1, "931": 1}


def test_rule_on_every_commune_of_france() -> None:
    path = next((p for p in FRANCE_CANDIDATES if p.is_file()), None)
    if path is None:
        pytest.skip(
            "france-communes.csv not found (set INTAKE_FRANCE_COMMUNES); "
            "the académie roster test above still checks the rule"
        )
    rows = _rows(path)
    assert len(rows) == 34969
    r21 = [r for r in rows if r["siren"].startswith("21")]
    assert len(r21) == 33994
    assert all(luhn_ok(r["siren"]) for r in r21)
    # The plain rule of the brief.
    assert sum(_brief_rule(r["code"]) == r["siren"] for r in r21) == 29185
    # commune_siren: the plain rule + two départemental variants, nothing where it fails.
    results = Counter()
    wrong_by_dept: Counter[str] = Counter()
    for r in r21:
        got = commune_siren(r["code"])
        if got is None:
            results["none"] += 1
            assert r["department"] in NO_DERIVED_SIREN
        elif got == r["siren"]:
            results["right"] += 1
        else:
            results["wrong"] += 1
            wrong_by_dept[r["department"]] += 1
    assert results == {"right": 29836, "none": 4102, "wrong": 56}
    assert max(wrong_by_dept.values()) == 12  # scattered: Pyrénées-Atlantiques at most
    in_skipped = [r for r in r21 if r["department"] in NO_DERIVED_SIREN]
    assert len(in_skipped) == 4102
    assert sum(_brief_rule(r["code"]) == r["siren"] for r in in_skipped) == 146
    for dept in ("19", "23", "87", "971", "972", "973"):  # the variants hold there
        in_dept = [r for r in r21 if r["department"] == dept]
        right = sum(commune_siren(r["code"]) == r["siren"] for r in in_dept)
        assert right >= len(in_dept) - 2, dept
