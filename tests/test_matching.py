"""Matching documents to roster collectivities (matching/roster.py), on the real rosters:
the académie's shipped ones and, when present, every French commune."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from config.settings import ROSTERS_DIR
from extractors.model import FieldResult
from matching import roster as roster_module
from matching.names import normalize_name
from matching.roster import (
    CONFIDENT_SCORE,
    GENERIC_MAIL_DOMAINS,
    DocumentInput,
    MatchResult,
    RosterEntry,
    RosterIndex,
    department_hints,
    match,
    match_file,
)
from rules.acts import parse_act_id
from storage.models import Collectivity
from storage.roster import parse_roster_csv, read_roster_file

FRANCE_CANDIDATES = [
    Path(os.environ.get("INTAKE_FRANCE_COMMUNES", "/nonexistent")),
    ROSTERS_DIR / "france-communes.csv",
    Path("/work/shared/rosters/france-communes.csv"),
]

# Addresses given to a few académie entries (the shipped rosters have no e-mail column).
EMAILS = {
    "44190": "mairie@saint-sebastien-sur-loire.fr",
    "44109": "contact@mairie-nantes.fr",
    "49109": "mairie.coron@wanadoo.fr",  # a small commune on a public provider
    "44113": "accueil@nozay.fr",
    "200072734": "accueil@estuaire-sillon.fr",
    # Two collectivities on one shared domain: the domain alone identifies neither.
    "44015": "mairie@communes-du-sillon.fr",
    "44023": "secretariat@communes-du-sillon.fr",
}


def _rows(*paths: Path) -> list[RosterEntry]:
    entries: list[RosterEntry] = []
    for path in paths:
        rows, errors = parse_roster_csv(read_roster_file(path))
        assert errors == []
        entries.extend(RosterEntry.of(row) for row in rows)
    return entries


@pytest.fixture(scope="module")
def academie() -> RosterIndex:
    entries = _rows(
        ROSTERS_DIR / "academie-nantes-communes.csv", ROSTERS_DIR / "academie-nantes-epci.csv"
    )
    entries = [
        dataclasses.replace(e, email=EMAILS[e.code]) if e.code in EMAILS else e for e in entries
    ]
    index = RosterIndex.build(entries)
    assert len(index) == 1299
    return index


@pytest.fixture(scope="module")
def france() -> RosterIndex:
    path = next((p for p in FRANCE_CANDIDATES if p.is_file()), None)
    if path is None:
        pytest.skip(
            "france-communes.csv not found (set INTAKE_FRANCE_COMMUNES); the académie "
            "tests still run"
        )
    index = RosterIndex.build(_rows(path))
    assert len(index) == 34969
    return index


def _match(
    index: RosterIndex,
    name: str | None = None,
    *,
    act_id: str | None = None,
    sender: str | None = None,
    texts: tuple[str, ...] = (),
    siblings: tuple[MatchResult, ...] = (),
    doc_type: str = "deliberation",
) -> MatchResult:
    fields: dict[str, Any] = {}
    if name is not None:
        fields["collectivity"] = name
    if act_id is not None:
        fields["act_id"] = act_id
    return match(
        index, doc_type=doc_type, fields=fields, sender=sender, texts=texts, siblings=siblings
    )


# --------------------------------------------------------------------------- names

# (as written on the document, expected code or None, expected method)
NAMES = [
    ("Saint-Sébastien-sur-Loire", "44190", "name"),
    ("ST SEBASTIEN SUR LOIRE", "44190", "name"),
    ("St-Sébastien-s/Loire", "44190", "name"),
    ("saint sebastien sur loire", "44190", "name"),  # no capitals, accents nor hyphens
    ("STE LUCE S/ LOIRE", "44172", "name"),
    ("Mairie de Saint-Herblain", "44162", "name"),
    ("MAIRIE SAINT-HERBLAIN", "44162", "name"),
    ("COMMUNE DE REZE", "44143", "name"),
    ("Mairie du May-sur-Èvre", "49193", "name"),
    ("Commune d'Écouflant", "49129", "name"),
    ("NANTES", "44109", "name"),  # the commune, not Nantes Métropole
    ("Nozay", "44113", "name"),  # the commune, not the CC de Nozay
    ("Herbiers", "85109", "name"),  # article forgotten: Les Herbiers
    # OCR slips
    ("Saint-Sébast1en-sur-Loire", "44190", "name_fuzzy"),
    ("Nant es", "44109", "name_fuzzy"),
    ("Saint-Sebastlen-sur-Lolre", "44190", "name_fuzzy"),
    ("C0MMUNE DE N0ZAY", "44113", "name_fuzzy"),
    ("Thorigné-d-Anjo", "49344", "name_fuzzy"),
    ("AIGREFEUILLE-SUR-MAlNE", "44002", "name_fuzzy"),
    # EPCIs
    ("Communauté de communes du Pays de Blain", "244400453", "name"),
    ("C.C. du Pays de Blain", "244400453", "name"),
    ("CC DU PAYS DE BLAIN", "244400453", "name"),
    ("Communauté de communes Estuaire et Sillon", "200072734", "name"),
    ("Communauté d'agglomération Cholet Agglomération", "200071678", "name"),
    ("Communauté urbaine Angers Loire Métropole", "244900015", "name"),
    ("Le Mans Métropole", "247200132", "name"),  # kind left out, "Métropole" kept
    ("Communauté d'agglomération du Pays de Blain", "244400453", "name"),  # wrong kind
    ("CARENE", "244400644", "name"),
    ("Nantes Métropole", "244400404", "name"),
    # Wrong-but-close names of a different (or a former) commune: never matched.
    ("Saint-Herblon", None, None),  # a former commune; Saint-Herblain, Saint-Erblon exist
    ("Saint-Herblin", None, None),
    ("Sainte-Luce-sur-Layon", None, None),
    ("Estuaire et Sillon", None, None),  # no EPCI kind written: could be anything
    ("Mairie de", None, None),
    ("", None, None),
]


@pytest.mark.parametrize(
    ("written", "code", "method"), NAMES, ids=[n[0] or "<empty>" for n in NAMES]
)
def test_names_on_the_academie_roster(
    academie: RosterIndex, written: str, code: str | None, method: str | None
) -> None:
    result = _match(academie, written, doc_type="convention")
    assert (result.code, result.method) == (code, method), result
    if code is None:
        assert result.reason_fr and not result.confident
    else:
        assert result.confident and result.reason_fr is None
        assert result.candidates == [code]


def test_unknown_name_says_so_in_french_and_suggests_close_names(academie: RosterIndex) -> None:
    result = _match(academie, "Saint-Herblon")
    assert result.code is None
    assert result.reason_fr is not None and "introuvable" in result.reason_fr
    assert "44162" in result.candidates or "53214" in result.candidates  # for triage


def test_exact_names_score_above_fuzzy_ones(academie: RosterIndex) -> None:
    exact = _match(academie, "Saint-Sébastien-sur-Loire")
    fuzzy = _match(academie, "Saint-Sebastlen-sur-Lolre")
    assert 1 >= exact.score > fuzzy.score >= CONFIDENT_SCORE


def test_no_academie_name_is_taken_for_another_when_absent(academie: RosterIndex) -> None:
    """Each half of the roster indexed alone: the other half's names (a commune absent
    from the roster, as one merged since) are never matched to someone else."""
    entries = list(academie.entries.values())
    wrong = []
    for half in (0, 1):
        partial = RosterIndex.build(e for i, e in enumerate(entries) if i % 2 == half)
        for entry in (e for i, e in enumerate(entries) if i % 2 != half):
            if normalize_name(entry.name) in partial.by_key:
                continue  # a homonym in another département
            result = _match(partial, entry.name)
            if result.code is not None:
                wrong.append((entry.name, partial.label(result.code)))
    assert wrong == []


# --------------------------------------------------------------------------- homonyms


def test_homonym_without_a_departement_is_ambiguous(academie: RosterIndex) -> None:
    result = _match(academie, "Allonnes")
    assert result.code is None and not result.confident
    assert result.reason_fr is not None and "ambigu" in result.reason_fr
    assert sorted(result.candidates) == ["49002", "72003"]


@pytest.mark.parametrize(
    ("act_id", "texts", "code"),
    [
        # the act id's prefecture code, its SIREN unknown to the roster
        ("072-999999999-20211213-DEL2021_12-DE", (), "72003"),
        ("049-999999999-20211213-DEL2021_12-DE", (), "49002"),
        (None, ("DÉPARTEMENT DE MAINE-ET-LOIRE\nCOMMUNE D'ALLONNES",), "49002"),
        (None, ("Département de la Sarthe",), "72003"),
        (None, ("Mairie\n49650 ALLONNES\n",), "49002"),  # postcode before the name
        (None, ("72700 Allonnes Cedex",), "72003"),
        # the rectorat's address names another commune: no help
        (None, ("Rectorat, BP 72616 - 44326 Nantes CEDEX 03",), None),
        # "les 5 départements de l'académie": plural, no département
        (None, ("les 5 départements de l'académie ; le département ou la circonscription",), None),
        # two départements stated: still ambiguous
        (None, ("Département de la Sarthe", "Département de Maine-et-Loire"), None),
    ],
)
def test_homonym_settled_by_the_departement(
    academie: RosterIndex, act_id: str | None, texts: tuple[str, ...], code: str | None
) -> None:
    result = _match(academie, "Mairie d'Allonnes", act_id=act_id, texts=texts)
    assert result.code == code, result
    if code is None:
        assert result.reason_fr is not None and "ambigu" in result.reason_fr
    else:
        assert result.method == "name" and result.confident


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Allonnes (72)", "72003"),
        ("COMMUNE D'ALLONNES (MAINE-ET-LOIRE)", "49002"),
        ("Allonnes (Sarthe)", "72003"),
        ("Allonnes - 49", "49002"),
        ("Allonnes (44)", None),  # no Allonnes there: still ambiguous
        ("Allonnes (bourg)", None),  # not a département
    ],
)
def test_departement_written_after_the_name(
    academie: RosterIndex, written: str, code: str | None
) -> None:
    result = _match(academie, written)
    assert result.code == code, result
    if code is None:
        assert "ambigu" in (result.reason_fr or "") or "introuvable" in (result.reason_fr or "")


def test_department_hints() -> None:
    act = parse_act_id("02A-212000046-20211213-DEL1-DE")
    assert department_hints(act) == {"2A"}
    assert department_hints(parse_act_id("974-219740115-20211213-DEL1-DE")) == {"974"}
    assert department_hints(None, ["DÉPARTEMENT DE LA VENDÉE"]) == {"85"}
    assert department_hints(None, ["Département de l'Indre"]) == {"36"}
    assert department_hints(None, ["Département d'Indre-et-Loire"]) == {"37"}
    assert department_hints(None, ["Département : Loire-Atlantique"]) == {"44"}
    assert department_hints(None, ["département du Nord"]) == {"59"}
    assert department_hints(None, ["le département ou la circonscription"]) == set()


# --------------------------------------------------------------------------- act ids


def test_act_id_siren(academie: RosterIndex) -> None:
    result = _match(academie, act_id="044-214401093-20211213-DEL2021_12-DE")
    assert (result.code, result.method, result.score) == ("44109", "act_id_siren", 0.98)
    assert result.confident and result.reason_fr is None


def test_act_id_spaced_by_ocr_agrees_with_the_name(academie: RosterIndex) -> None:
    result = _match(academie, "COMMUNE DE NANTES", act_id="ID : 044 - 214401093 - 20211213-D1-DE")
    assert (result.code, result.method) == ("44109", "act_id_siren")
    assert result.score > 0.98 and result.reason_fr is None


def test_act_id_of_an_epci(academie: RosterIndex) -> None:
    result = _match(academie, act_id="044-200072734-20211208-DEL2021_055-DE")
    assert (result.code, result.method) == ("200072734", "act_id_siren")


def test_siren_not_in_the_roster(academie: RosterIndex) -> None:
    alone = _match(academie, act_id="044-214499999-20211213-DEL2021_12-DE")
    assert alone.code is None and not alone.confident
    assert alone.reason_fr is not None and "214499999" in alone.reason_fr
    assert "aucune collectivité" in alone.reason_fr
    named = _match(academie, "Commune de Nozay", act_id="044-214499999-20211213-DEL2021_12-DE")
    assert (named.code, named.method, named.reason_fr) == ("44113", "name", None)


def test_siren_of_another_commune_conflicts_with_the_name(academie: RosterIndex) -> None:
    """The sample's siren_mismatch: Château-Thébaud's délibération bearing Treffieux's
    SIREN. The name wins the tie (the rules then flag the SIREN in Château-Thébaud's
    dossier); the conflict is written for staff and Treffieux kept as a candidate."""
    result = _match(
        academie, "COMMUNE DE CHÂTEAU-THÉBAUD", act_id="044-214402083-20211102-DEL2021_148-DE"
    )
    assert (result.code, result.method) == ("44037", "name")
    assert result.conflict and result.confident
    assert result.candidates == ["44037", "44208"]
    assert result.reason_fr is not None
    assert "contradictoires" in result.reason_fr and "Treffieux" in result.reason_fr
    assert result.score < _match(academie, "COMMUNE DE CHÂTEAU-THÉBAUD").score


def test_act_id_against_an_ambiguous_name(academie: RosterIndex) -> None:
    """ "Allonnes" with Nozay's SIREN: the act wins (the name designates no one alone),
    and the conflict lists the homonyms."""
    result = _match(academie, "Allonnes", act_id="044-214401135-20211116-DEL2021_118-DE")
    assert (result.code, result.method) == ("44113", "act_id_siren")
    assert result.conflict and result.candidates == ["44113", "49002", "72003"]
    consistent = _match(academie, "Allonnes", act_id="072-217200039-20211116-DEL1-DE")
    assert (consistent.code, consistent.reason_fr) == ("72003", None)


def test_siren_wins_over_a_fuzzy_name(academie: RosterIndex) -> None:
    result = _match(
        academie, "Saint-Sebastlen-sur-Lolre", act_id="044-214401093-20211213-DEL2021_12-DE"
    )
    assert (result.code, result.method) == ("44109", "act_id_siren")
    assert result.conflict and "44190" in result.candidates


# --------------------------------------------------------------------------- senders


@pytest.mark.parametrize(
    ("sender", "code", "method"),
    [
        ("mairie@saint-sebastien-sur-loire.fr", "44190", "sender_email"),
        ("Mairie <MAIRIE@Saint-Sebastien-sur-Loire.fr>", "44190", "sender_email"),
        ("dgs@saint-sebastien-sur-loire.fr", "44190", "sender_domain"),
        ("dgs@mairie.saint-sebastien-sur-loire.fr", "44190", "sender_domain"),  # subdomain
        ("x@smtp.wanadoo.fr", None, None),
        ("mairie.coron@wanadoo.fr", "49109", "sender_email"),  # in the roster's column
        ("accueil@estuaire-sillon.fr", "200072734", "sender_email"),
        ("autre.commune@wanadoo.fr", None, None),  # public provider: the domain says nothing
        ("someone@gmail.com", None, None),
        ("compta@communes-du-sillon.fr", None, None),  # domain shared by two entries
        ("inconnu@ailleurs.fr", None, None),
        ("not an address", None, None),
        ("a@b@c.fr", None, None),
        ("", None, None),
    ],
)
def test_sender(academie: RosterIndex, sender: str, code: str | None, method: str | None) -> None:
    result = _match(academie, sender=sender, doc_type="needs_form")
    assert (result.code, result.method) == (code, method), result
    assert result.confident is (code is not None)


def test_generic_provider_is_named_in_the_reason(academie: RosterIndex) -> None:
    result = _match(academie, sender="autre.commune@wanadoo.fr")
    assert result.reason_fr is not None and "grand public" in result.reason_fr
    assert {"orange.fr", "wanadoo.fr", "gmail.com", "laposte.net", "free.fr"} <= set(
        GENERIC_MAIL_DOMAINS
    )
    assert {"sfr.fr", "hotmail.fr", "outlook.fr", "yahoo.fr"} <= set(GENERIC_MAIL_DOMAINS)


def test_generic_provider_with_a_name(academie: RosterIndex) -> None:
    result = _match(academie, "Mairie de Nozay", sender="nozay.mairie@orange.fr")
    assert (result.code, result.method, result.reason_fr) == ("44113", "name", None)


def test_sender_and_name_agree(academie: RosterIndex) -> None:
    result = _match(academie, "Nozay", sender="accueil@nozay.fr")
    assert (result.code, result.method) == ("44113", "sender_email")
    assert result.score > 0.97 and result.reason_fr is None


def test_name_beats_sender_alone_but_not_sender_and_act(academie: RosterIndex) -> None:
    """A shared secretary mails another commune's form: the form's name wins a tie."""
    tie = _match(academie, "Commune de Rezé", sender="accueil@nozay.fr")
    assert (tie.code, tie.method) == ("44143", "name")
    assert tie.conflict and tie.candidates == ["44143", "44113"]
    two = _match(
        academie,
        "Commune de Rezé",
        sender="accueil@nozay.fr",
        act_id="044-214401135-20211116-DEL2021_118-DE",
    )
    assert (two.code, two.method) == ("44113", "act_id_siren")
    assert two.conflict and "44143" in two.candidates


# --------------------------------------------------------------------------- siblings


def test_envelope_of_one_commune_with_a_piece_naming_another(academie: RosterIndex) -> None:
    """The sample's name_mismatch: Lignières-Orgères's envelope, its convention naming
    Saint-Georges-sur-Erve. The envelope's other pieces outvote the lone name."""
    docs = [
        DocumentInput("other", {}),
        DocumentInput("convention", {"collectivity": "Saint-Georges-sur-Erve"}),
        DocumentInput(
            "deliberation",
            {
                "collectivity": "COMMUNE DE LIGNIÈRES-ORGÈRES",
                "act_id": "053-215301334-20211124-DEL2021_086-DE",
            },
        ),
        DocumentInput("needs_form", {"collectivity": "LIGNIÈRES-ORGÈRES"}),
    ]
    results = match_file(academie, docs)
    assert [r.code for r in results] == ["53133"] * 4
    assert [r.method for r in results] == ["sibling", "sibling", "act_id_siren", "name"]
    assert all(r.confident for r in results)
    cover, convention, deliberation, form = results
    assert cover.score <= 0.9 and cover.reason_fr is None  # siblings only: a lower score
    assert convention.conflict and "Saint-Georges-sur-Erve" in (convention.reason_fr or "")
    assert convention.candidates[:1] == ["53133"] and len(convention.candidates) == 2
    # the pieces that name their sender are not troubled by the odd one
    assert deliberation.reason_fr is None and form.reason_fr is None


def test_siblings_settle_an_ambiguous_name(academie: RosterIndex) -> None:
    docs = [
        DocumentInput("convention", {"collectivity": "Allonnes"}),
        DocumentInput("deliberation", {"act_id": "072-217200039-20211213-DEL1-DE"}),
    ]
    first, second = match_file(academie, docs)
    assert (first.code, first.method) == ("72003", "sibling") and first.reason_fr is None
    assert (second.code, second.method) == ("72003", "act_id_siren")


def test_siblings_that_disagree_do_not_vote(academie: RosterIndex) -> None:
    siblings = (
        _match(academie, "Nozay"),
        _match(academie, "Rezé"),
    )
    result = _match(academie, None, siblings=siblings, doc_type="other")
    assert result.code is None
    assert result.reason_fr is not None and "différentes" in result.reason_fr


def test_only_confident_siblings_on_their_own_evidence_count(academie: RosterIndex) -> None:
    weak = MatchResult("44113", "name_fuzzy", CONFIDENT_SCORE - 0.01)
    relayed = MatchResult("44113", "sibling", 0.9)
    unmatched = MatchResult(None, None, 0.0, "ambigu", ["49002", "72003"])
    result = _match(academie, None, siblings=(weak, relayed, unmatched), doc_type="other")
    assert result.code is None
    good = MatchResult("44113", "name", 0.95)
    result = _match(academie, None, siblings=(good, relayed), doc_type="other")
    assert (result.code, result.method, result.score) == ("44113", "sibling", 0.88)


def test_match_file_with_a_sender(academie: RosterIndex) -> None:
    docs = [DocumentInput("needs_form", {"collectivity": "Saint-Sébastien-sur-Loire"})]
    (only,) = match_file(academie, docs, sender="mairie@saint-sebastien-sur-loire.fr")
    assert (only.code, only.method) == ("44190", "sender_email")


# --------------------------------------------------------------------------- inputs


def test_field_results_are_unwrapped(academie: RosterIndex) -> None:
    fields: Mapping[str, Any] = {
        "collectivity": FieldResult("MAIRIE DE NOZAY", 0.9),
        "act_id": FieldResult(None, 0.0),
    }
    result = match(academie, doc_type="convention", fields=fields, sender=None)
    assert (result.code, result.method) == ("44113", "name")


@pytest.mark.parametrize(
    ("fields", "sender", "texts"),
    [
        ({"collectivity": 44113}, None, ()),
        ({"collectivity": ["Nozay"], "act_id": {"x": 1}}, b"mairie@nozay.fr", ()),
        ({"collectivity": "N" * 1_000_000}, "x" * 100_000, ("y" * 1_000_000,)),
        ({"collectivity": "\x00\ufffd\u202e"}, "<>", (None, 3, b"abc")),
        ({"act_id": "044-214401093-20219999-DEL1-DE"}, "@", "not a list"),
        (None, None, None),
        ("Nozay", None, ()),
    ],
    ids=["int-name", "odd-types", "huge", "control-chars", "bad-date", "none", "str-fields"],
)
def test_odd_input_never_raises(
    academie: RosterIndex, fields: Any, sender: Any, texts: Any
) -> None:
    result = match(academie, doc_type="convention", fields=fields, sender=sender, texts=texts)
    assert isinstance(result, MatchResult)
    assert result.code is None and result.reason_fr


def test_no_evidence_at_all(academie: RosterIndex) -> None:
    result = _match(academie, doc_type="other")
    assert result == MatchResult(
        None,
        None,
        0.0,
        "Aucun indice pour identifier la collectivité de la pièce : ni nom, ni identifiant "
        "d'acte, ni expéditeur.",
        [],
    )
    assert result.to_json()["confident"] is False


def test_build_rejects_duplicate_codes() -> None:
    entry = RosterEntry("44109", "Nantes", "commune", "44", "214401093")
    with pytest.raises(ValueError, match="code en double dans la liste des collectivités : 44109"):
        RosterIndex.build([entry, entry])
    with pytest.raises(ValueError, match="sans code"):
        RosterIndex.build([dataclasses.replace(entry, code=" ")])


def test_build_from_stored_collectivities() -> None:
    """``storage.models.Collectivity`` rows go in as they are."""
    rows = [
        Collectivity(code="44109", name="Nantes", department="44", kind="commune",
                     siren="214401093", email="contact@mairie-nantes.fr"),
        Collectivity(code="244400404", name="Nantes Métropole", department="44", kind="epci",
                     siren="244400404"),
        Collectivity(code="99999", name="", department="", kind="commune"),
    ]  # fmt: skip
    index = RosterIndex.build(rows)
    assert _match(index, "Ville de Nantes").code == "44109"
    assert _match(index, "Métropole", act_id="044-244400404-20211213-D1-DE").code == "244400404"
    assert _match(index, sender="contact@mairie-nantes.fr").code == "44109"
    assert index.get("99999") is not None and "99999" in index


def test_multi_departement_epci(academie: RosterIndex) -> None:
    cap = academie.get("244400610")  # CA de la Presqu'île de Guérande Atlantique, 44/56
    assert cap is not None and cap.departments == {"44", "56"}
    result = _match(academie, "Cap Atlantique", act_id="056-999999999-20211213-D1-DE")
    assert (result.code, result.method) == ("244400610", "name")


def test_thresholds_are_consistent() -> None:
    scores = roster_module.SCORES
    assert scores["name"] * (1 - roster_module.CONFLICT_PENALTY) >= CONFIDENT_SCORE
    assert scores["sibling"] >= CONFIDENT_SCORE
    worst_fuzzy = (
        scores["name_fuzzy"] - roster_module.FUZZY_COST_STEP * roster_module.FUZZY_MAX_COST
    )
    assert worst_fuzzy >= CONFIDENT_SCORE
    assert worst_fuzzy * (1 - roster_module.CONFLICT_PENALTY) < CONFIDENT_SCORE


# --------------------------------------------------------------------------- France


@pytest.mark.parametrize(
    ("written", "act_id", "texts", "code"),
    [
        ("ST SEBASTIEN SUR LOIRE", None, (), "44190"),
        ("Saint-Sébast1en-sur-Loire", None, (), "44190"),
        ("STE LUCE S/ LOIRE", None, (), "44172"),
        ("Mairie du Mans", None, (), "72181"),
        ("Pin", None, (), "70410"),  # not one of the nine Le Pin
        ("Le Pin", None, (), None),
        ("Le Pin", "044-999999999-20211213-D1-DE", (), "44124"),
        ("Commune de Saint-Aubin", None, (), None),
        ("Commune de Saint-Aubin", "091-999999999-20211213-D1-DE", (), "91538"),
        ("Commune de Saint-Aubin", None, ("DÉPARTEMENT DE L'INDRE",), "36181"),
        ("Commune de Saint-Aubin", None, ("Département de la Côte-d'Or",), "21541"),
        ("Commune de Saint-Aubin", None, ("Place de la mairie\n59440 SAINT-AUBIN",), "59529"),
        ("Saint-Herblon", None, (), None),
    ],
)
def test_france(
    france: RosterIndex,
    written: str,
    act_id: str | None,
    texts: tuple[str, ...],
    code: str | None,
) -> None:
    result = _match(france, written, act_id=act_id, texts=texts)
    assert result.code == code, result
    if written.endswith(("Saint-Aubin", "Le Pin")) and code is None:
        assert result.reason_fr is not None and "ambigu" in result.reason_fr
        assert len(result.candidates) >= 9


def test_france_every_name_as_written_finds_itself_or_its_homonyms(france: RosterIndex) -> None:
    unique = 0
    for code, entry in france.entries.items():
        result = _match(france, entry.name.upper())
        if result.code is not None:
            assert result.code == code
            unique += 1
        else:
            assert code in result.candidates and "ambigu" in (result.reason_fr or "")
    assert unique == 34969 - 3774  # the 3,774 communes sharing a name with another
