"""Dossiers drawn by the families (``samples.families.dossiers``): the corpus loads as a
sample corpus, and its ground truth gives each scenario's verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.campaign import load_campaign
from config.settings import DEFAULT_CAMPAIGN, Settings
from flows.demo import run_demo
from flows.dossiers import reevaluate, status_table
from flows.truth import load_truth
from samples.families import families
from samples.families.dossiers import (
    EXPECTED,
    FAMILY_SCENARIOS,
    generate_family_dossiers,
    load_family_truth,
)
from samples.model import Manifest
from storage.db import connect, session
from storage.files import FileStore
from storage.roster import import_roster_files

SCENARIOS = ["complete_late", "missing_deliberation", "ecollectivites_email_late"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    out = tmp_path_factory.mktemp("family-dossiers")
    return generate_family_dossiers(out, seed=5, scans=False, scenarios=SCENARIOS)


def test_the_truth_loads_and_names_each_piece_family(corpus: Manifest) -> None:
    manifest = Manifest.load(corpus.out_dir)
    assert sorted(c.scenario for c in manifest.collectivities.values()) == sorted(SCENARIOS)
    assert set(manifest.files) == {
        p.as_posix()
        for p in (q.relative_to(corpus.out_dir) for q in corpus.out_dir.rglob("*"))
        if p.parts[0] in ("scans", "digital", "mail") and (corpus.out_dir / p).is_file()
    }
    fams = load_family_truth(corpus.out_dir)
    registry = families()
    assert set(fams) == set(manifest.collectivities)
    for code, coll in manifest.collectivities.items():
        sent = fams[code].pieces
        assert [(p.type, p.file, p.attachment) for p in sent] == [
            (p.type, p.file, p.attachment) for p in coll.pieces
        ]
        for p in sent:
            assert registry[p.family].piece == p.type
            assert p.tuned_on == registry[p.family].tuned_on
        assert fams[code].held_out == all(not p.tuned_on for p in sent)
    by_scenario = {c.scenario: c for c in manifest.collectivities.values()}
    assert {p.type for p in by_scenario["missing_deliberation"].pieces} >= {
        "convention",
        "needs_form",
    }
    assert "deliberation" not in {p.type for p in by_scenario["missing_deliberation"].pieces}
    mail = by_scenario["ecollectivites_email_late"]
    assert mail.route == "ecollectivites"
    assert [p.type for p in mail.pieces] == ["needs_form"]
    assert mail.pieces[0].received_on > "2022-01-15"
    # paper is stamped by the mail room on the first page of what was scanned together
    late = by_scenario["complete_late"]
    stamped = [
        d.fields["arrival_stamp_date"]
        for f in manifest.files_of(late.code)
        for d in f.documents
        if "arrival_stamp_date" in d.fields
    ]
    assert stamped and all(day > "2022-01-15" for day in stamped)
    # the pieces are the collectivity's own: act ids carry its SIREN
    for f in manifest.files_of(late.code):
        for d in f.documents:
            if d.type == "deliberation":
                assert late.siren in d.fields["act_id"]


def test_the_truth_path_gives_each_scenario_its_verdict(corpus: Manifest, tmp_path: Path) -> None:
    campaign = load_campaign(DEFAULT_CAMPAIGN)
    settings = Settings(home=tmp_path / "home", database_url=None)
    settings.ensure_home()
    engine = connect(settings.db_url)
    try:
        with session(engine) as s:
            import_roster_files(s, [corpus.roster_path], actor="test")
        with session(engine) as s:
            touched = load_truth(s, FileStore(settings.files_dir), corpus)
        assert len(touched) == len(SCENARIOS)
        with session(engine) as s:
            reevaluate(s, campaign, touched, actor="test")
        with session(engine, readonly=True) as s:
            rows = {r["code"]: r for r in status_table(s, campaign)}
    finally:
        engine.dispose()
    for code, coll in corpus.collectivities.items():
        assert (rows[code]["status"], rows[code]["late"]) == EXPECTED[coll.scenario], code
    # intake demo reads an existing corpus the same way
    demo = run_demo(tmp_path / "demo", campaign, truth=True, manifest=corpus)
    assert demo.corpus == corpus.out_dir
    demo_rows = {r["code"]: r for r in demo.rows}
    for code in corpus.collectivities:
        assert (demo_rows[code]["status"], demo_rows[code]["late"]) == (
            rows[code]["status"],
            rows[code]["late"],
        )


def test_every_scenario_has_its_verdict() -> None:
    assert set(FAMILY_SCENARIOS) == set(EXPECTED)
    with pytest.raises(ValueError, match="unknown family scenarios"):
        generate_family_dossiers(Path("/nonexistent"), scenarios=["no_such_scenario"])


def test_the_manifest_counts_the_scenarios_played_not_the_count_argument(tmp_path: Path) -> None:
    from samples import generate

    m = generate(tmp_path / "g", count=40, scans=False, scenarios=["complete_on_time"])
    assert m.count == 1
    m = generate_family_dossiers(
        tmp_path / "f", count=40, scans=False, scenarios=["complete_on_time"]
    )
    assert m.count == 1
