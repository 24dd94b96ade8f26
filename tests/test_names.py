"""Collectivity name normalization (matching/names.py), table-driven, plus the shipped rosters."""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from pathlib import Path

import pytest

from matching import names
from matching.names import names_match, normalize_name

ROSTERS = Path(__file__).resolve().parents[1] / "config" / "rosters"

# (written, expected key)
KEYS = [
    ("Saint-Sébastien-sur-Loire", "saint sebastien sur loire"),
    ("ST SEBASTIEN SUR LOIRE", "saint sebastien sur loire"),
    ("St-Sébastien-s/Loire", "saint sebastien sur loire"),
    ("ST SEBASTIEN S/ LOIRE", "saint sebastien sur loire"),
    ("Ste-Luce-sur-Loire", "sainte luce sur loire"),
    ("STE LUCE S/LOIRE", "sainte luce sur loire"),
    ("Sts Gervais et Protais", "saints gervais et protais"),
    ("Mairie de Saint-Herblain", "saint herblain"),
    ("MAIRIE D'AVRILLE", "avrille"),
    ("MAIRIE SAINT-HERBLAIN", "saint herblain"),
    ("Hôtel de ville de Cholet", "cholet"),
    ("Mairie d’Avrillé", "avrille"),
    ("Commune de La Pellerine", "la pellerine"),
    ("Ville de Nantes", "nantes"),
    ("Conseil municipal de la commune de Rezé", "reze"),
    ("Commune nouvelle de Chaumes-en-Retz", "chaumes en retz"),
    ("Mairie du Mans", "le mans"),
    ("Mans (Le)", "le mans"),
    ("MANS (LE)", "le mans"),
    ("Le Mans", "le mans"),
    ("Mairie des Herbiers", "les herbiers"),
    ("Herbiers (Les)", "les herbiers"),
    ("L'Île-d'Yeu", "l ile d yeu"),
    ("Ile-d'Yeu (L')", "l ile d yeu"),
    ("Commune de l’Île d’Yeu", "l ile d yeu"),
    ("Beaumont-Pied-de-Bœuf", "beaumont pied de boeuf"),
    ("BEAUMONT PIED DE BOEUF", "beaumont pied de boeuf"),
    ("ND de Monts", "notre dame de monts"),
    ("Notre-Dame-de-Monts", "notre dame de monts"),
    ("Ville-du-Pont", "ville du pont"),  # a real commune: hyphens protect it from "Ville du"
    ("Saint-Mars-sous-Ballon", "saint mars sous ballon"),
    ("St Mars s/s Ballon", "saint mars sous ballon"),
    ("  Saint  —  Nazaire ", "saint nazaire"),
    ("CC du Pays de Blain", "cc pays de blain"),
    ("Communauté de Communes du Pays de Blain", "cc pays de blain"),
    ("C.C. du Pays de Blain", "cc pays de blain"),
    ("La Communauté de communes du Pays de Blain", "cc pays de blain"),
    ("CA Cholet Agglomération", "ca cholet agglomeration"),
    ("Communauté d'Agglomération Cholet Agglo", "ca cholet agglomeration"),
    ("CU Le Mans Métropole", "cu le mans metropole"),
    ("Communauté urbaine Le Mans Métropole", "cu le mans metropole"),
    ("Nantes Métropole", "nantes metropole"),
    ("Conseil communautaire de la CC Sèvre & Loire", "cc sevre et loire"),
    ("", ""),
    (" - ' / ", ""),
]


@pytest.mark.parametrize(("written", "key"), KEYS, ids=[k[0] or "<empty>" for k in KEYS])
def test_normalize_name(written: str, key: str) -> None:
    assert normalize_name(written) == key


# Pairs that must stay apart.
DISTINCT = [
    ("Le Mans", "Mans"),  # different places in France (cf. Le Pin / Pin)
    ("Le Pin", "Pin"),
    ("Saint-Sébastien-sur-Loire", "Sainte-Sébastienne-sur-Loire"),
    ("CC du Pays de Blain", "CA du Pays de Blain"),
    ("CU Le Mans Métropole", "Le Mans"),
    ("Saint-Mars-sous-Ballon", "Saint-Mars-sur-Ballon"),
    ("Nantes", "Nantes Métropole"),
]


@pytest.mark.parametrize(("a", "b"), DISTINCT, ids=[f"{a}|{b}" for a, b in DISTINCT])
def test_distinct_names_keep_distinct_keys(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


MATCHES = [
    ("Les Herbiers", "Herbiers", True),
    ("Le Mans", "Mairie du Mans", True),
    ("Le Mans", "Mans", True),  # same collectivity, article forgotten: not a discrepancy
    ("Saint-Sébastien-sur-Loire", "ST SEBASTIEN S/ LOIRE", True),
    ("CC du Pays de Blain", "Communauté de communes du Pays de Blain", True),
    ("Nantes", "Saint-Nazaire", False),
    ("Nantes", "Nantes Métropole", False),
    ("Nantes", "", False),
    ("", "", False),
]


@pytest.mark.parametrize(("a", "b", "same"), MATCHES, ids=[f"{a}|{b}" for a, b, _ in MATCHES])
def test_names_match(a: str, b: str, same: bool) -> None:
    assert names_match(a, b) is same
    assert names_match(b, a) is same


def test_drop_articles_only_the_leading_one() -> None:
    assert normalize_name("Les Sables-d'Olonne", drop_articles=True) == "sables d olonne"
    assert normalize_name("Sillé-le-Guillaume", drop_articles=True) == "sille le guillaume"
    assert normalize_name("CU Le Mans Métropole", drop_articles=True) == "cu le mans metropole"


@pytest.mark.parametrize("bad", [None, 44109, b"Nantes"], ids=["none", "int", "bytes"])
def test_non_string_is_a_clear_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="must be a string"):
        normalize_name(bad)  # type: ignore[arg-type]


def _roster(name: str) -> list[dict[str, str]]:
    with (ROSTERS / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("roster", ["academie-nantes-communes.csv", "academie-nantes-epci.csv"])
def test_roster_names_do_not_collide_once_normalized(roster: str) -> None:
    """Distinct roster names keep distinct keys (homonyms in two départements, such as
    Saint-Mars-du-Désert 44 and 53, were already equal before normalization)."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for row in _roster(roster):
        key = normalize_name(row["name"])
        assert key, row
        by_key[key].add(row["name"])
    collisions = {k: v for k, v in by_key.items() if len(v) > 1}
    assert collisions == {}


def test_roster_epci_written_in_full_finds_the_roster_key() -> None:
    keys = {normalize_name(row["name"]) for row in _roster("academie-nantes-epci.csv")}
    for written in (
        "Communauté de communes du Pays de Blain",
        "Communauté d'agglomération Laval Agglomération",
        "Communauté urbaine Le Mans Métropole",
        "Communauté de communes de l'Ernée",
    ):
        assert normalize_name(written) in keys, written


def test_35000_names_in_a_few_seconds() -> None:
    base = [row["name"] for row in _roster("academie-nantes-communes.csv")]
    variants = [
        f"{prefix}{n.upper()}" for prefix in ("", "Mairie de ", "Commune de ") for n in base
    ]
    many = [f"{v} {i}" for i, v in enumerate(variants * 10)][:35_000]
    names._normalize.cache_clear()
    start = time.perf_counter()
    keys = [normalize_name(n) for n in many]
    elapsed = time.perf_counter() - start
    assert len(keys) == 35_000 and all(keys)
    assert elapsed < 5.0, f"35,000 names took {elapsed:.2f} s"
