"""Campaign files: both shipped campaigns load, broken files are rejected with a clear
message, and the withdrawal campaign of 2024 runs on the same rules with no code change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from config.campaign import Campaign, CampaignError, load_campaign
from rules import CollectivityRef, Piece, evaluate, route_for

CAMPAIGNS = Path(__file__).resolve().parents[1] / "config" / "campaigns"
EPRIMO = CAMPAIGNS / "e-primo-2022.toml"
RETRAIT = CAMPAIGNS / "e-primo-retrait-2024.toml"
PARIS_SUMMER = dt.timezone(dt.timedelta(hours=2))
UTC = dt.UTC


@pytest.mark.parametrize("path", sorted(CAMPAIGNS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_campaign_loads(path: Path) -> None:
    campaign = load_campaign(path)
    assert campaign.id == path.stem
    assert campaign.source_path == path
    assert campaign.campaign.default_route in campaign.routes
    assert campaign.campaign.opens is None or campaign.campaign.opens <= campaign.deadline


def test_withdrawal_window_bounds() -> None:
    """Article 3: the two months before the end of the first 24 months (19 July 2024)."""
    retrait = load_campaign(RETRAIT)
    assert retrait.campaign.opens == dt.date(2024, 5, 19)
    assert retrait.deadline == dt.date(2024, 7, 19)
    assert list(retrait.routes) == ["direct"]
    assert retrait.routes["direct"].channels == ["registered_mail"]
    assert retrait.routes["direct"].required == ["withdrawal_letter"]


# --- broken files ---------------------------------------------------------------------


def _edit(old: str, new: str) -> Callable[[str], str]:
    def apply(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return apply


BROKEN = [
    (
        "unknown_default_route",
        _edit('default_route = "direct"', 'default_route = "postal"'),
        "default_route 'postal' is not a route",
    ),
    (
        "unknown_piece_in_route",
        _edit('required = ["needs_form"]', 'required = ["needs_form", "annexe_3"]'),
        "route 'ecollectivites' requires unknown pieces ['annexe_3']",
    ),
    (
        "unknown_timezone",
        _edit('timezone = "Europe/Paris"\nopens', 'timezone = "Europe/Pariss"\nopens'),
        "campaign.timezone: unknown time zone 'Europe/Pariss'",
    ),
    (
        "timezone_path",
        _edit('timezone = "Europe/Paris"\nopens', 'timezone = "../../etc/passwd"\nopens'),
        "unknown time zone '../../etc/passwd'",
    ),
    (
        "unknown_schedule_timezone",
        _edit(
            'cron = "30 5 * * *"\ntimezone = "Europe/Paris"',
            'cron = "30 5 * * *"\ntimezone = "Paris"',
        ),
        "schedule.timezone: unknown time zone 'Paris'",
    ),
    ("bad_toml", _edit("[routes.direct]", "[routes.direct"), "invalid TOML"),
    ("bad_toml_value", _edit("deadline = 2022-01-15", "deadline = 15/01/2022"), "invalid TOML"),
    ("bad_date", _edit("deadline = 2022-01-15", 'deadline = "le 15 janvier"'), "campaign.deadline"),
    (
        "opens_after_deadline",
        _edit("opens = 2021-10-18", "opens = 2022-02-01"),
        "opens 2022-02-01 is after the deadline 2022-01-15",
    ),
    (
        "unknown_address",
        _edit('address = "rectorat"', 'address = "dsden"'),
        "route 'direct' uses unknown address 'dsden'",
    ),
    (
        "unknown_channel",
        _edit('channels = ["registered_mail"]', 'channels = ["fax"]'),
        "routes.direct.channels.0",
    ),
    ("unknown_condition", _edit('is = "true"', 'is = "yes"'), "pieces.convention.requires.0.is"),
    (
        "unknown_key",
        _edit("deadline_label", "deadline_labl = 'x'\ndeadline_label"),
        "campaign.deadline_labl: Extra inputs are not permitted",
    ),
    ("missing_section", _edit("[campaign]", "[campagne]"), "campaign: Field required"),
    (
        "check_unknown_piece",
        _edit('before = "deliberation.meeting_date"', 'before = "annexe_1.meeting_date"'),
        "check 'date_order' names unknown piece in 'annexe_1.meeting_date'",
    ),
    (
        "date_order_without_field",
        _edit('before = "deliberation.meeting_date"', 'before = "deliberation"'),
        "is not 'piece.field'",
    ),
    (
        "date_order_missing_after",
        _edit('after = "convention.signature_date"\n', ""),
        "check 'date_order' needs 'after'",
    ),
    (
        "same_name_without_field",
        _edit('field = "collectivity"\n', ""),
        "check 'same_name' needs 'field'",
    ),
    (
        "unknown_check_kind",
        _edit('kind = "siren_matches"', 'kind = "siret_matches"'),
        "checks.2.kind",
    ),
]


@pytest.mark.parametrize(("edit", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_load_campaign_rejects_broken_files(
    tmp_path: Path, edit: Callable[[str], str], message: str
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(edit(EPRIMO.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    text = str(info.value)
    assert text.startswith(f"{path}: ")
    assert message in text
    assert "pydantic.dev" not in text and "input_value" not in text  # no echo of the input


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match="campaign file not found"):
        load_campaign(tmp_path / "absent.toml")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "scan.toml"
    path.write_bytes(b"%PDF-1.7\n\xff\xfe\x00\x81")
    with pytest.raises(CampaignError, match="not a UTF-8 text file"):
        load_campaign(path)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match="cannot read the campaign file"):
        load_campaign(tmp_path)


# --- the withdrawal campaign on the same rules -----------------------------------------

COMMUNE = CollectivityRef(code="85109", name="Les Herbiers", siren="218501096")
MEMBER = CollectivityRef(
    code="85109", name="Les Herbiers", siren="218501096", roster_flags={"ecollectivites": True}
)


def letter(
    *,
    on: dt.date | None = None,
    stamp: dt.date | None = None,
    at: dt.datetime | None = None,
    channel: str = "registered_mail",
    signed: bool = True,
    name: str = "Mairie des Herbiers",
    dup: bool = False,
) -> Piece:
    fields: dict[str, object] = {"signed": signed, "collectivity": name}
    if stamp is not None:
        fields["arrival_stamp_date"] = stamp
    return Piece(
        "withdrawal_letter",
        fields,
        channel,
        delivered_at=at,
        manual_received_on=on,
        duplicate=dup,
        document_id=1,
    )


@dataclass
class Withdrawal:
    id: str
    pieces: list[Piece]
    status: str
    received_on: dt.date | None
    late: bool = False
    flags: set[str] = field(default_factory=set)
    who: CollectivityRef = COMMUNE


WITHDRAWALS = [
    Withdrawal("on_time", [letter(stamp=dt.date(2024, 6, 10))], "complete", dt.date(2024, 6, 10)),
    Withdrawal(
        "first_day_of_window", [letter(on=dt.date(2024, 5, 19))], "complete", dt.date(2024, 5, 19)
    ),
    Withdrawal(
        "too_early",
        [letter(stamp=dt.date(2024, 5, 18))],
        "missing",
        None,
        flags={"received_before_opening"},
    ),
    Withdrawal(
        "too_early_then_resent",
        [letter(stamp=dt.date(2024, 3, 2)), letter(stamp=dt.date(2024, 6, 3))],
        "complete",
        dt.date(2024, 6, 3),
        flags={"received_before_opening"},
    ),
    Withdrawal(
        "last_evening_paris_on_time",
        [letter(at=dt.datetime(2024, 7, 19, 23, 30, tzinfo=PARIS_SUMMER))],
        "complete",
        dt.date(2024, 7, 19),
    ),
    Withdrawal(
        "last_evening_utc_late",
        [letter(at=dt.datetime(2024, 7, 19, 22, 30, tzinfo=UTC))],
        "complete",
        dt.date(2024, 7, 20),
        late=True,
    ),
    Withdrawal(
        "late", [letter(stamp=dt.date(2024, 7, 22))], "complete", dt.date(2024, 7, 22), late=True
    ),
    Withdrawal(
        "by_email",
        [letter(at=dt.datetime(2024, 6, 1, 10, tzinfo=UTC), channel="email")],
        "complete",
        dt.date(2024, 6, 1),
        flags={"wrong_channel"},
    ),
    Withdrawal(
        "unsigned",
        [letter(stamp=dt.date(2024, 6, 10), signed=False)],
        "incomplete",
        dt.date(2024, 6, 10),
        flags={"withdrawal_letter_unsigned"},
    ),
    Withdrawal(
        "another_commune",
        [letter(stamp=dt.date(2024, 6, 10), name="Mairie de Pouzauges")],
        "complete",
        dt.date(2024, 6, 10),
        flags={"name_mismatch"},
    ),
    Withdrawal("nothing_stays_engaged", [], "missing", None),
    Withdrawal(
        "roster_flag_selects_nothing_here",
        [letter(stamp=dt.date(2024, 6, 10))],
        "complete",
        dt.date(2024, 6, 10),
        who=MEMBER,
    ),
]


@pytest.fixture(scope="module")
def retrait() -> Campaign:
    return load_campaign(RETRAIT)


@pytest.mark.parametrize("case", WITHDRAWALS, ids=[w.id for w in WITHDRAWALS])
def test_withdrawal_campaign_runs_on_the_same_rules(retrait: Campaign, case: Withdrawal) -> None:
    result = evaluate(retrait, case.who, case.pieces)
    assert route_for(retrait, case.who) == result.route == "direct"
    assert result.status == case.status
    assert result.missing == ([] if case.status == "complete" else ["withdrawal_letter"])
    assert result.received_on == case.received_on
    assert result.late is case.late
    assert set(result.flag_codes) == case.flags
    assert (result.schools, result.student_accounts) == (None, None)


def test_withdrawal_messages_come_from_the_campaign_file(retrait: Campaign) -> None:
    by_email = evaluate(
        retrait, COMMUNE, [letter(at=dt.datetime(2024, 6, 1, tzinfo=UTC), channel="email")]
    )
    (flag,) = by_email.flags
    assert "l'article 3 de la convention exige une lettre recommandée" in flag.message
    assert "19 juillet 2024" in flag.message
    assert "le courrier de demande de retrait du groupement de commandes" in flag.message

    unsigned = evaluate(retrait, COMMUNE, [letter(stamp=dt.date(2024, 6, 1), signed=False)])
    (flag,) = unsigned.flags
    assert flag.code == "withdrawal_letter_unsigned"
    assert "non signée ne peut pas être retenue" in flag.message

    early = evaluate(retrait, COMMUNE, [letter(stamp=dt.date(2024, 5, 2))])
    (flag,) = early.flags
    assert "2 mai 2024" in flag.message and "19 mai 2024" in flag.message
