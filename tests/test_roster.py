"""Roster CSV parsing (pure) and import (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from config.settings import ROSTERS_DIR
from storage import audit, crud
from storage.db import session
from storage.roster import (
    RosterError,
    RosterFileError,
    import_roster,
    import_roster_csv,
    import_roster_files,
    parse_roster_csv,
    read_roster_file,
)

HEADER = "code,name,department,kind,ecollectivites"


def _parse_ok(text: str) -> list:  # type: ignore[type-arg]
    rows, errors = parse_roster_csv(text)
    assert errors == []
    return rows


# ------------------------------------------------------------------ parsing


def test_minimal_roster() -> None:
    rows = _parse_ok(
        f"{HEADER}\n44109,Nantes,44,commune,oui\n244400404,Nantes Métropole,44,epci,non\n"
    )
    nantes, metro = rows
    assert (nantes.line, nantes.code, nantes.name, nantes.kind) == (2, "44109", "Nantes", "commune")
    assert nantes.ecollectivites is True and metro.ecollectivites is False
    assert nantes.siren == "214401093" and nantes.siren_derived  # 21 + 44 + 0 + 109 + Luhn
    assert metro.siren == "244400404" and not metro.siren_derived  # an EPCI's code is its SIREN


@pytest.mark.parametrize(
    ("word", "value"),
    [("true", True), ("FALSE", False), ("1", True), ("0", False), ("Oui", True), ("non", False)],
)
def test_ecollectivites_words(word: str, value: bool) -> None:
    (row,) = _parse_ok(f"{HEADER}\n44109,Nantes,44,commune,{word}\n")
    assert row.ecollectivites is value


def test_optional_ecollectivites_bom_semicolons_crlf() -> None:
    text = (
        "\ufeffcode;name;department;kind;email;population\r\n"
        '44109;Nantes;44;commune;e-primo@nantes.fr;"323 204"\r\n'
        "49007;Angers;49;commune;;\r\n"
    )
    nantes, angers = _parse_ok(text)
    assert nantes.ecollectivites is False and angers.ecollectivites is False
    assert nantes.email == "e-primo@nantes.fr" and angers.email is None
    assert nantes.population == 323204 and angers.population is None
    assert "ecollectivites" not in nantes.columns and "email" in nantes.columns


def test_extra_columns() -> None:
    text = (
        "code,name,department,kind,siren,population,epci_type,member_codes,rpi\n"
        "244400404,Nantes Métropole,44,epci,244400404,680000,METRO,44109 44020,\n"
        "44109,Nantes,44,commune,214401093,323204,,,oui\n"
    )
    metro, nantes = _parse_ok(text)
    assert metro.extra == {"epci_type": "METRO", "member_codes": ["44109", "44020"], "rpi": None}
    assert nantes.extra == {"epci_type": None, "member_codes": None, "rpi": True}
    assert not nantes.siren_derived and nantes.population == 323204


def test_each_bad_row_is_reported_with_its_line_and_the_rest_kept() -> None:
    text = "\n".join(
        [
            "code,name,department,kind,ecollectivites,siren,email,population",  # 1
            "44109,Nantes,44,commune,oui,,,",  # 2 ok
            "44020,Bouguenais,44,ville,non,,,",  # 3 kind
            "4402,Bouguenais,44,commune,non,,,",  # 4 lost leading zero
            "49007,Angers,44,commune,non,,,",  # 5 département mismatch
            "44001,Abbaretz,44,commune,peut-être,,,",  # 6 bool
            "44002,Aigrefeuille,44,commune,non,214400021,,",  # 7 bad Luhn
            "123456789,CC X,44,epci,non,,,",  # 8 not a SIREN
            "44003,Ancenis,44,commune,non,,pas-une-adresse,",  # 9 email
            "44005,Chaumes,44,commune,non,,,beaucoup",  # 10 population
            ",Sans code,44,commune,non,,,",  # 11 empty code
            "44109,Nantes encore,44,commune,non,,,",  # 12 duplicate
            "44006,Trop,44,commune,non,,,,extra",  # 13 column count
            "",  # 14 blank
            '44007,"Nom sur',  # 15 quoted field spanning lines
            'deux lignes",44,commune,non,,,',  # 16
            "44008,,44,commune,non,,,",  # 17 empty name
            "2A004,Ajaccio,2A,commune,non,,,",  # 18 ok
            "244400404,Nantes Métropole,44,epci,non,200000438,,",  # 19 EPCI SIREN ≠ code
        ]
    )
    rows, errors = parse_roster_csv(text)
    assert [r.code for r in rows] == ["44109", "44007", "2A004"]
    assert [r.line for r in rows] == [2, 15, 18]
    assert rows[1].name == "Nom sur deux lignes"
    assert rows[2].siren == "212000046"
    lines = [e.line for e in errors]
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 19]
    messages = {e.line: e.message for e in errors}
    assert "commune ou epci" in messages[3]
    assert "zéro initial" in messages[4]
    assert "pas dans le département 44" in messages[5]
    assert "ecollectivites" in messages[6]
    assert "SIREN" in messages[7] and "SIREN" in messages[8]
    assert "adresse électronique" in messages[9]
    assert "population" in messages[10]
    assert "code vide" in messages[11]
    assert "déjà présent ligne 2" in messages[12]
    assert "colonne(s) au lieu de 8" in messages[13]
    assert "nom vide" in messages[17]
    assert "doit être son code" in messages[19]
    assert str(errors[0]).startswith("ligne 3 : ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "fichier vide"),
        ("   \n\n", "fichier vide"),
        ("code,name,kind\n44109,Nantes,commune\n", "absente(s) : department"),
        ("code,name,department,kind,name\n", "en double : name"),
        ("nom;département\nNantes;44\n", "absente(s) : code, name, department, kind"),
    ],
)
def test_unusable_files(text: str, message: str) -> None:
    rows, errors = parse_roster_csv(text)
    assert rows == []
    assert len(errors) == 1 and errors[0].line in (0, 1) and message in errors[0].message


def test_hostile_content_never_raises() -> None:
    text = (
        f"{HEADER}\n44109,Nan\x00tes,44,commune,oui\n44001,{'x' * 20000},44,commune,non\n"
        f"44002,{'y' * 200_000},44,commune,non\n44003,Ancenis,44,commune,non\n"
    )
    rows, errors = parse_roster_csv(text)
    assert [r.code for r in rows] == ["44003"]
    assert [e.line for e in errors] == [2, 3, 4]
    assert "contrôle" in errors[0].message and "trop longue" in errors[1].message
    rows, errors = parse_roster_csv(42)  # type: ignore[arg-type]
    assert rows == [] and errors[0].line == 0
    rows, errors = parse_roster_csv(HEADER + "\n")
    assert rows == [] and errors == []


def test_read_roster_file(tmp_path: Path) -> None:
    good = tmp_path / "bom.csv"
    good.write_bytes(f"\ufeff{HEADER}\n44109,Nantes,44,commune,oui\n".encode())
    assert len(_parse_ok(read_roster_file(good))) == 1
    latin1 = tmp_path / "excel.csv"
    latin1.write_bytes(
        f"{HEADER}\n44109,Nantes,44,commune,oui\n85001,L'Aiguillon-la-Presqu'île,85,commune,non\n".encode(
            "cp1252", errors="replace"
        ).replace(b"'", b"\x92")
    )
    with pytest.raises(RosterFileError, match="UTF-8"):
        read_roster_file(latin1)
    with pytest.raises(RosterFileError, match="introuvable"):
        read_roster_file(tmp_path / "absent.csv")


# ------------------------------------------------------------------ import


def test_import_creates_updates_and_never_duplicates(engine: Engine) -> None:
    first = (
        "code,name,department,kind,ecollectivites,email\n"
        "44109,Nantes,44,commune,oui,e-primo@nantes.fr\n"
        "44020,Bouguenais,44,commune,non,\n"
        "244400404,Nantes Métropole,44,epci,non,\n"
    )
    with session(engine) as s:
        report = import_roster_csv(s, first, actor="alice")
        assert (report.created, report.updated, report.unchanged, report.errors) == (3, 0, 0, [])
        assert report.summary().startswith("3 collectivité(s) créée(s)")
    with session(engine) as s:
        report = import_roster_csv(s, first, actor="alice")
        assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    second = (
        "code,name,department,kind,ecollectivites\n"
        "44109,Nantes,44,commune,oui\n"  # email column absent: kept
        "44020,Bouguenais,44,commune,oui\n"  # joins e-collectivités
        "44001,Abbaretz,44,commune,non\n"  # new
        "oops\n"
    )
    with session(engine) as s:
        report = import_roster_csv(s, second, actor="bob")
        assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
        assert [e.line for e in report.errors] == [5]
        assert "1 ligne(s) en erreur" in report.summary()
    with session(engine, readonly=True) as s:
        rows = crud.list_collectivities(s)
        assert [c.code for c in rows] == ["244400404", "44001", "44020", "44109"]
        nantes = crud.get_collectivity_by_code(s, "44109")
        assert nantes is not None and nantes.email == "e-primo@nantes.fr"
        bouguenais = crud.get_collectivity_by_code(s, "44020")
        assert bouguenais is not None and bouguenais.ecollectivites is True
        log = audit.entries(s, entity="collectivity", entity_id=bouguenais.id)
        assert [(e.action, e.actor) for e in log] == [("create", "alice"), ("update", "bob")]
        assert log[1].before == {"ecollectivites": False}
        assert log[1].after == {"ecollectivites": True}
        assert log[0].comment == "import de la liste des collectivités"
        assert len(audit.entries(s, entity="collectivity")) == 5


def test_derived_siren_never_replaces_a_given_one(engine: Engine) -> None:
    with session(engine) as s:
        import_roster_csv(
            s,
            "code,name,department,kind,siren\n44003,Ancenis-Saint-Géréon,44,commune,200083228\n"
            "44109,Nantes,44,commune,\n",
            actor="system:test",
        )
    with session(engine) as s:
        report = import_roster_csv(
            s,
            "code,name,department,kind,ecollectivites\n"
            "44003,Ancenis-Saint-Géréon,44,commune,oui\n44109,Nantes,44,commune,non\n",
            actor="system:test",
        )
        assert (report.updated, report.unchanged) == (1, 1)
        ancenis = crud.get_collectivity_by_code(s, "44003")
        assert ancenis is not None and ancenis.siren == "200083228"
        assert "siren_derived" not in ancenis.extra and ancenis.ecollectivites
        nantes = crud.get_collectivity_by_code(s, "44109")
        assert nantes is not None and nantes.siren == "214401093"
        assert nantes.extra == {"siren_derived": True}
        assert nantes.to_ref().roster_flags == {"ecollectivites": False}
    with session(engine) as s:  # a file that gives the SIREN replaces the derived one
        import_roster_csv(
            s, "code,name,department,kind,siren\n44109,Nantes,44,commune,214401093\n", "x"
        )
        nantes = crud.get_collectivity_by_code(s, "44109")
        assert nantes is not None and nantes.extra == {}


def test_import_requires_an_actor(engine: Engine) -> None:
    rows, _ = parse_roster_csv(f"{HEADER}\n44109,Nantes,44,commune,oui\n")
    with session(engine) as s, pytest.raises(crud.StorageError):
        import_roster(s, rows, actor=" ")


def test_import_the_academie_roster_twice(engine: Engine) -> None:
    files = [ROSTERS_DIR / "academie-nantes-communes.csv", ROSTERS_DIR / "academie-nantes-epci.csv"]
    with session(engine) as s:
        report = import_roster_files(s, files, actor="system:test")
    assert (report.created, report.updated, report.unchanged, report.errors) == (1299, 0, 0, [])
    with session(engine) as s:
        again = import_roster_files(s, files, actor="system:test")
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 1299, [])
    with session(engine, readonly=True) as s:
        assert len(crud.list_collectivities(s, kind="commune")) == 1228
        assert len(crud.list_collectivities(s, kind="epci")) == 71
        assert len(audit.entries(s, entity="collectivity")) == 1299
        nantes = crud.get_collectivity_by_code(s, "44109")
        assert nantes is not None and nantes.siren == "214401093" and nantes.extra == {}
        assert nantes.population is not None and nantes.population > 300_000
        metro = crud.get_collectivity_by_siren(s, "244400404")
        assert metro is not None and metro.kind == "epci"
        assert metro.extra["epci_type"] == "METRO" and "44109" in metro.extra["member_codes"]


def test_import_files_reports_file_names(engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "liste.csv"
    bad.write_text(f"{HEADER}\n44109,Nantes,44,ville,oui\n", encoding="utf-8")
    with session(engine) as s:
        report = import_roster_files(s, [bad], actor="alice")
    assert report.total == 0
    assert report.errors == [
        RosterError(2, "liste.csv : type 'ville' inconnu (attendu : commune ou epci)")
    ]
