"""Reminder letters: the PDF's own text names exactly the dossier's missing pieces, the
deadline in French, the address to send to and the sender; accents survive."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pypdf
import pytest

from config.campaign import Campaign, load_campaign
from config.settings import CAMPAIGNS_DIR, DEFAULT_CAMPAIGN
from dashboard.letters import (
    LetterError,
    Reminder,
    address_lines,
    letter_text,
    reminder_from,
    reminders_pdf,
)

TODAY = dt.date(2021, 12, 3)


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return load_campaign(DEFAULT_CAMPAIGN)


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text, whitespace collapsed (wrapped lines join with a space)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def reminder(
    missing: list[str],
    *,
    status: str = "incomplete",
    route: str = "direct",
    kind: str = "commune",
    name: str = "Saint-Cœur-en-Vallée",
    code: str = "49999",
    extra: dict[str, object] | None = None,
) -> Reminder:
    made = reminder_from(
        code=code,
        name=name,
        kind=kind,
        department=code[:2],
        row={"status": status, "route": route, "missing": missing},
        extra=extra,
    )
    assert made is not None
    return made


def named_pieces(campaign: Campaign, text: str) -> set[str]:
    """The piece keys whose full French label the text contains (case of the first
    letter aside: a label starts a bullet)."""
    low = text.lower()
    return {key for key, spec in campaign.pieces.items() if flat(spec.label).lower() in low}


@pytest.mark.parametrize(
    "missing",
    [
        ["convention"],
        ["deliberation"],
        ["needs_form"],
        ["convention", "needs_form"],
        ["deliberation", "needs_form"],
        ["convention", "deliberation", "needs_form"],
    ],
)
def test_letter_names_exactly_the_missing_pieces(campaign: Campaign, missing: list[str]) -> None:
    pages = pdf_pages(reminders_pdf(campaign, [reminder(missing)], today=TODAY))
    text = " ".join(pages)
    assert named_pieces(campaign, text) == set(missing)
    assert "15 janvier 2022" in text
    assert "Nantes, le 3 décembre 2021" in text
    # the route's address, line by line, and the sender block
    for line in campaign.addresses["rectorat"].lines:
        assert flat(line) in text
    assert campaign.letters is not None
    for line in (*campaign.letters.sender, *campaign.letters.signatory):
        assert flat(line) in text
    assert "lettre recommandée avec accusé de réception" in text


def test_accents_and_ligatures_survive(campaign: Campaign) -> None:
    text = " ".join(
        pdf_pages(
            reminders_pdf(
                campaign, [reminder(["convention"], name="Saint-Cœur-en-Vallée")], today=TODAY
            )
        )
    )
    for word in (
        "Saint-Cœur-en-Vallée",
        "Délégation Académique au Numérique Éducatif",
        "l'académie de Nantes",
        "4, rue de la Houssinière",
        "décembre",
        "d'adhésion",
        "« Groupement de commandes ENT e-primo 2022-2026 »",
        "Madame la Maire, Monsieur le Maire",
    ):
        assert word in text, word


def test_missing_dossier_wording_and_attention_line(campaign: Campaign) -> None:
    commune = reminder(["convention", "deliberation", "needs_form"], status="missing")
    text = " ".join(pdf_pages(reminders_pdf(campaign, [commune], today=TODAY)))
    assert "aucune pièce" in text
    assert "À l'attention de Madame ou Monsieur le Maire" in text
    epci = reminder(["needs_form"], status="missing", kind="epci", name="CC de l'Erdre")
    text = " ".join(pdf_pages(reminders_pdf(campaign, [epci], today=TODAY)))
    assert "À l'attention de Madame ou Monsieur le Président" in text
    assert "Madame la Présidente, Monsieur le Président" in text
    assert "CC de l'Erdre" in text


def test_roster_address_replaces_the_attention_line(campaign: Campaign) -> None:
    extra = {
        "adresse": "Mairie | 1, place de l'Église",
        "code_postal": "49120",
        "ville": "Chemillé",
    }
    assert address_lines(extra) == ("Mairie", "1, place de l'Église", "49120 Chemillé")
    text = " ".join(
        pdf_pages(reminders_pdf(campaign, [reminder(["convention"], extra=extra)], today=TODAY))
    )
    assert "Mairie 1, place de l'Église 49120 Chemillé" in text
    assert "À l'attention de" not in text
    assert address_lines({}) == ()
    assert address_lines({"address": "\x00 \n  "}) == ()


def test_ecollectivites_route_sends_to_the_email(campaign: Campaign) -> None:
    member = reminder(["needs_form"], status="missing", route="ecollectivites")
    text = " ".join(pdf_pages(reminders_pdf(campaign, [member], today=TODAY)))
    assert "contact@ecollectivites.fr" in text
    assert "par courriel" in text
    assert "Houssinière" not in text  # the rectorat's address is not where members send
    assert named_pieces(campaign, text) == {"needs_form"}


def test_one_letter_per_page_range_in_order(campaign: Campaign) -> None:
    batch = [
        reminder(["convention"], code="44001", name="Abbaretz"),
        reminder(["needs_form"], code="49002", name="Angers", status="missing"),
        reminder(["deliberation"], code="85003", name="L'Aiguillon-la-Presqu'île"),
    ]
    pages = pdf_pages(reminders_pdf(campaign, batch, today=TODAY))
    assert len(pages) == 3
    for page, letter in zip(pages, batch, strict=True):
        assert f"collectivité {letter.code}" in page
        assert named_pieces(campaign, page) == set(letter.missing)
    reader = pypdf.PdfReader(io.BytesIO(reminders_pdf(campaign, batch, today=TODAY)))
    assert reader.metadata is not None and "Relances" in str(reader.metadata.title)


def test_complete_or_empty_dossier_gets_no_letter() -> None:
    for row in (
        {"status": "complete", "route": "direct", "missing": []},
        {"status": "incomplete", "route": "direct", "missing": []},
    ):
        assert reminder_from(code="1", name="x", kind="commune", department="44", row=row) is None


def test_no_reminder_gives_a_one_page_pdf(campaign: Campaign) -> None:
    pages = pdf_pages(reminders_pdf(campaign, [], today=TODAY))
    assert len(pages) == 1 and "aucune lettre de relance" in pages[0]


def test_hostile_names_are_text_not_markup(campaign: Campaign) -> None:
    name = "<b>Ville</b> & Cie \x07 ≥ 中"
    pages = pdf_pages(reminders_pdf(campaign, [reminder(["convention"], name=name)], today=TODAY))
    assert "<b>Ville</b> & Cie" in pages[0]


def test_campaign_without_letters_block_is_a_french_error(tmp_path: Path) -> None:
    source = DEFAULT_CAMPAIGN.read_text(encoding="utf-8")
    start = source.index("[letters]")
    end = source.index("[signatory_block]")
    stripped = tmp_path / "c.toml"
    stripped.write_text(source[:start] + source[end:], encoding="utf-8")
    campaign = load_campaign(stripped)
    with pytest.raises(LetterError, match="bloc \\[letters\\]"):
        reminders_pdf(campaign, [reminder(["convention"])], today=TODAY)


def test_other_campaign_file_drives_the_letter() -> None:
    withdrawal = load_campaign(CAMPAIGNS_DIR / "e-primo-retrait-2024.toml")
    letter = reminder(["withdrawal_letter"], status="missing")
    content = letter_text(withdrawal, letter, dt.date(2024, 6, 1))
    assert content.pieces == ["Le courrier de demande de retrait du groupement de commandes, signé"]
    text = " ".join(pdf_pages(reminders_pdf(withdrawal, [letter], today=dt.date(2024, 6, 1))))
    assert "19 juillet 2024" in text
    assert "1er juin 2024" in text
    assert "e-primo 2022-2026" in text and "convention d'adhésion" not in text
