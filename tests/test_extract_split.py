"""Splitting a file's pages into pieces: table tests on page texts (no rendering)."""

from __future__ import annotations

import pytest

from extractors.classify import split_pages
from extractors.pages import Page

LETTER = (
    "MAIRIE DE VERTOU\nMonsieur le Recteur,\nVeuillez trouver ci-joint la convention.\n"
    "Je vous prie d'agréer, Monsieur le Recteur, l'expression de ma haute considération."
)
TITLE = "CONVENTION D'ADHÉSION À UN GROUPEMENT DE COMMANDES\n"
# page 1 of a convention whose title a stamp hid: nothing on it says what it is
UNTITLED = (
    "Vu le Code Général des Collectivités territoriales,\nVu le Code de l'Éducation,\n"
    "Il est constitué entre les communes signataires et le rectorat un groupement.\n"
    "PRÉAMBULE\nLa volonté commune du rectorat et des collectivités de poursuivre.\n"
    "Convention e-primo 2022-2026 — page 1"
)
BODY = (
    "ARTICLE 3 - RETRAIT-EXCLUSION\nRetrait : le retrait n'est pas possible.\n"
    "ARTICLE 4 - FONCTIONNEMENT\nLe coordonnateur du groupement passe le marché.\n"
    "Convention e-primo 2022-2026 — page {n}"
)
SIGN = (
    "Pour la collectivité adhérente,\nNom de la collectivité adhérente\n"
    "Fonction du signataire\nNom du signataire\nDate et signature\n"
    "Convention e-primo 2022-2026 — page {n}"
)
FORM = (
    "ANNEXE 2\nFICHE D'EXPRESSION DES BESOINS\nNombre d'écoles : 3\nNombre de comptes élèves : 412"
)
PLAIN = "Quelques lignes sans rien de particulier,\npour une page que rien ne signale."


def _pages(*texts: str) -> list[Page]:
    return [Page(number=i, width=595, height=842, text=t) for i, t in enumerate(texts, 1)]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # a title lost under a stamp: the pages that go on with page 1 tell what it is
        (
            [UNTITLED, BODY.format(n=2), BODY.format(n=3), SIGN.format(n=4), FORM],
            [("convention", [1, 2, 3, 4]), ("needs_form", [5])],
        ),
        # the same after a cover letter: the letter stays a letter of one page
        (
            [LETTER, UNTITLED, BODY.format(n=2), SIGN.format(n=3)],
            [("other", [1]), ("convention", [2, 3, 4])],
        ),
        # with its title, as before
        (
            [TITLE + UNTITLED, BODY.format(n=2), SIGN.format(n=3)],
            [("convention", [1, 2, 3])],
        ),
        # a page nothing identifies, followed by pieces that start themselves: it stays other
        ([PLAIN, FORM], [("other", [1]), ("needs_form", [2])]),
        # an unknown page after a letter, nothing to go on: other, never a guess
        ([LETTER, PLAIN], [("other", [1]), ("other", [2])]),
    ],
)
def test_split(texts: list[str], expected: list[tuple[str, list[int]]]) -> None:
    got = [(s.type, [p.number for p in s.pages]) for s in split_pages(_pages(*texts))]
    assert got == expected
