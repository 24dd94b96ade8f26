"""Generator, storage and dossier rules together: every scenario of the sample corpus,
filed from its ground truth, gets the verdict a DANE officer would give it.

(Reading the files is the extraction's business and is measured by its benchmark; here
the pieces are filed exactly as the generator says they are.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from config.campaign import load_campaign
from config.settings import DEFAULT_CAMPAIGN
from flows.dossiers import reevaluate, status_table
from flows.truth import load_truth
from samples import SCENARIOS, Manifest, generate
from storage.db import connect, session
from storage.files import FileStore
from storage.roster import import_roster_files

CAMPAIGN = load_campaign(DEFAULT_CAMPAIGN)

# scenario -> (status, late, flags that must be raised, flags that must not, missing)
C, INC = "complete", "incomplete"
EXPECTED: dict[str, tuple[str, bool, set[str], set[str], list[str]]] = {
    "complete_on_time": (C, False, set(), {"wrong_channel", "name_mismatch"}, []),
    "envelope": (C, False, set(), {"receipt_from_file_time"}, []),
    "complete_late": (C, True, set(), set(), []),
    "complete_on_deadline_day": (C, False, set(), set(), []),
    "unsigned_convention": (INC, False, {"convention_unsigned"}, set(), ["convention"]),
    "deliberation_without_ack": (
        INC,
        False,
        {"deliberation_without_acknowledgment"},
        set(),
        ["deliberation"],
    ),
    "deliberation_postponed": (
        INC,
        False,
        {"deliberation_not_authorizing"},
        set(),
        ["deliberation"],
    ),
    # The council refused: it sends its délibération and nothing else.
    "deliberation_refused": (
        INC,
        False,
        {"deliberation_not_authorizing"},
        set(),
        ["convention", "deliberation", "needs_form"],
    ),
    "needs_form_blank": (INC, False, {"needs_form_without_numbers"}, set(), ["needs_form"]),
    "missing_needs_form": (INC, False, set(), set(), ["needs_form"]),
    "missing_deliberation": (INC, False, set(), set(), ["deliberation"]),
    "ecollectivites_email": (C, False, set(), {"wrong_channel"}, []),
    "ecollectivites_email_deadline_night": (C, False, set(), {"wrong_channel"}, []),
    "ecollectivites_email_late": (C, True, set(), set(), []),
    "ecollectivites_forwarded_eml": (C, False, set(), set(), []),
    "ecollectivites_zip": (C, False, set(), set(), []),
    "ecollectivites_by_post": (C, False, set(), {"wrong_channel"}, []),
    "convention_by_plain_email": (C, False, {"wrong_channel"}, set(), []),
    "siren_mismatch": (C, False, {"siren_mismatch"}, set(), []),
    "deliberation_after_signature": (C, False, {"deliberation_after_signature"}, set(), []),
    "name_written_abbreviated": (C, False, set(), {"name_mismatch"}, []),
    "name_mismatch": (C, False, {"name_mismatch"}, set(), []),
    "duplicate_rescan": (C, False, set(), set(), []),
    "no_stamp": (C, False, {"receipt_from_file_time"}, set(), []),
    "digital_ocr": (C, False, set(), set(), []),
    "epci_complete": (C, False, set(), set(), []),
    "image_files": (C, False, set(), set(), []),
    "multipage_tiff": (C, False, set(), set(), []),
    "rotated_pages": (C, False, set(), set(), []),
    # The délibération, voted after the signature, follows on 18 January: late.
    "split_mailings": (C, True, {"deliberation_after_signature"}, set(), []),
    "needs_form_table": (C, False, set(), set(), []),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(tmp_path_factory.mktemp("corpus"), scans=False, count=len(SCENARIOS) + 8)


@pytest.fixture
def status(corpus: Manifest, db_url: str, tmp_path: Path) -> dict[str, dict[str, Any]]:
    engine = connect(db_url)
    with session(engine) as s:
        import_roster_files(s, [corpus.roster_path], actor="test")
        load_truth(s, FileStore(tmp_path / "files"), corpus)
        reevaluate(s, CAMPAIGN, actor="test")
    with session(engine) as s:
        load_truth(s, FileStore(tmp_path / "files"), corpus)  # a second load adds nothing
        reevaluate(s, CAMPAIGN, actor="test")
    with session(engine, readonly=True) as s:
        rows = {r["code"]: r for r in status_table(s, CAMPAIGN)}
    engine.dispose()
    return rows


def test_sample_campaign_verdicts(corpus: Manifest, status: dict[str, dict[str, Any]]) -> None:
    """One test per database backend: filing the corpus is the slow part."""
    check_every_scenario_gets_the_expected_verdict(corpus, status)
    check_received_on_is_the_day_the_dossier_became_complete(corpus, status)
    check_the_rest_of_the_roster_is_missing(corpus, status)


def check_every_scenario_gets_the_expected_verdict(
    corpus: Manifest, status: dict[str, dict[str, Any]]
) -> None:
    played = corpus.scenarios()
    assert set(EXPECTED) <= set(SCENARIOS)
    problems = []
    for scenario, (state, late, raised, not_raised, missing) in EXPECTED.items():
        for code in played.get(scenario, []):
            row = status[code]
            got = (row["status"], row["late"], row["missing"])
            flags = set(row["flags"])
            if got != (state, late, missing) or not raised <= flags or flags & not_raised:
                problems.append(f"{scenario} {code}: {got} flags={sorted(flags)}")
    assert not problems, "\n".join(problems)
    assert set(played) >= set(EXPECTED), "every expected scenario is played"


def check_received_on_is_the_day_the_dossier_became_complete(
    corpus: Manifest, status: dict[str, dict[str, Any]]
) -> None:
    for code, truth in corpus.collectivities.items():
        row = status[code]
        if row["status"] != "complete" or truth.scenario in ("no_stamp",):
            continue
        required = set(CAMPAIGN.route(row["route"]).required)
        firsts: dict[str, dt.date] = {}
        for piece in truth.pieces:
            if piece.type in required:
                day = dt.date.fromisoformat(piece.received_on)
                firsts[piece.type] = min(day, firsts.get(piece.type, day))
        assert row["received_on"] == max(firsts.values()).isoformat(), (truth.scenario, code)


def check_the_rest_of_the_roster_is_missing(
    corpus: Manifest, status: dict[str, dict[str, Any]]
) -> None:
    senders = set(corpus.collectivities)
    others = [r for code, r in status.items() if code not in senders]
    assert len(status) == corpus.roster_rows == 1299
    assert all(r["status"] == "missing" and r["received_on"] is None for r in others)
