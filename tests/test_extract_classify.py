"""Page types by structure (``extractors.classify``): titles open their line, lists of
annexes cite pieces, minutes and convocations are ``other``, a numbered page keeps its
piece. Pages are built from text alone (a text layer's plain text and head)."""

from __future__ import annotations

import pytest

from extractors.classify import find_title, split_pages, unspace
from extractors.pages import Page


def _page(n: int, text: str) -> Page:
    return Page(number=n, width=595, height=842, text=text, head=text)


@pytest.mark.parametrize(
    ("lines", "want"),
    [
        (["convention d'adhesion au groupement de commandes"], "convention"),
        (["entre conventiondutilisationduprogramme"], "convention"),
        (["commune de tronget extrait du registre des deliberations"], "deliberation"),
        (["annexe 2 - tableau d'engagement des collectivites"], "needs_form"),
        (["proces-verbal du bureau communautaire", "9 septembre 2021"], "other"),
        (["ville de pornic conseil municipal du 26 mars 2021 compte", "rendu sommaire"], "other"),
        (["conseil municipal du 26 aout 2009 page 1 convocation du conseil municipal"], "other"),
        (["conseil municipal du 26 aout 2009", "ordre du jour"], "other"),
        # cited, not titles
        (
            ["annexe 1 : deliberation autorisant la signature", "annexe 2 : tableau d'engagement"],
            None,
        ),
        (
            [
                "les membres ont approuve la convention.",
                "pour extrait conforme au registre des deliberations",
            ],
            None,
        ),
    ],
)
def test_titles(lines: list[str], want: str | None) -> None:
    got = find_title(lines)
    assert (got[0] if got else None) == want


def test_council_name_alone_is_a_running_header() -> None:
    assert find_title(["conseil municipal du 26 aout 2009 page 3"], body_cues=0) is None
    assert find_title(["conseil municipal du 26 aout 2009"], continuing=True) is None
    assert find_title(["conseil municipal du 13 decembre 2021"], body_cues=2)[0] == "deliberation"


def test_unspace() -> None:
    assert unspace("C O N V E N T I O N D U") == "CONVENTIONDU"
    assert unspace("a b c") == "a b c"  # three letters: words of their own


def test_convention_citing_its_annexes_stays_a_convention() -> None:
    pages = [
        _page(
            1,
            "CONVENTION D'ADHÉSION AU GROUPEMENT DE COMMANDES\nArticle 1 – Objet\n"
            "Le coordonnateur passe le marché. Page 1/3",
        ),
        _page(
            2,
            "Article 4 – Pièces\nLa présente convention comprend :\n"
            "Annexe 1 : délibération autorisant la signature\n"
            "Annexe 2 : tableau d'engagement portant expression des besoins\n"
            "nombre d'écoles et comptes élèves de chaque membre. Total des écoles 12\nPage 2/3",
        ),
        _page(3, "Article 9 – Litiges\nFait à Nantes, le 3 janvier 2022\nPage 3/3"),
    ]
    splits = split_pages(pages)
    assert [(s.type, [p.number for p in s.pages]) for s in splits] == [("convention", [1, 2, 3])]


def test_minutes_pages_go_on_with_the_minutes() -> None:
    pages = [
        _page(
            1,
            "PROCÈS-VERBAL DE LA SÉANCE DU CONSEIL MUNICIPAL\nPrésents : M. A, Mme B\n"
            "Secrétaire de séance : M. C",
        ),
        _page(
            2,
            "Après en avoir délibéré, le conseil municipal, à l'unanimité, autorise le "
            "Maire à signer la convention. Votants : 14",
        ),
        _page(3, "EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS\nAprès en avoir délibéré, à l'unanimité"),
    ]
    splits = split_pages(pages)
    assert [(s.type, [p.number for p in s.pages]) for s in splits] == [
        ("other", [1, 2]),
        ("deliberation", [3]),
    ]


ACK = (
    "Accusé de réception - Contrôle de légalité\nPréfecture de la Sarthe\n"
    "Date de réception préfecture : 06/12/2021\n"
    "Identifiant unique de l'acte : 072-200070373-20211126-2021_059-DE"
)
ACT = (
    "EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS DU CONSEIL COMMUNAUTAIRE\nSéance du 26 novembre 2021\n"
    "Après en avoir délibéré, le conseil autorise le Président à signer la convention. Votants : 30"
)


@pytest.mark.parametrize("order", ["act_first", "ack_first"])
def test_acknowledgment_page_belongs_to_its_act(order: str) -> None:
    texts = [ACT, ACK] if order == "act_first" else [ACK, ACT]
    splits = split_pages([_page(i + 1, t) for i, t in enumerate(texts)])
    assert [(s.type, [p.number for p in s.pages]) for s in splits] == [("deliberation", [1, 2])]


def test_two_acts_stay_two() -> None:
    act2 = ACT.replace("2021_059", "2021_060") + "\n" + ACK.replace("2021_059", "2021_060")
    splits = split_pages([_page(1, ACT + "\n" + ACK), _page(2, act2)])
    assert [len(s.pages) for s in splits] == [1, 1]


def test_act_citing_the_convention_is_no_convention() -> None:
    text = (
        "Le conseil municipal, après en avoir délibéré :\n"
        "autorise le maire à signer la convention constitutive du groupement de commandes ;\n"
        "Accusé de réception en préfecture\n072-933368573-20211103-DEL2021_155-DE"
    )
    (split,) = split_pages([_page(1, text)])
    assert split.type == "deliberation"


def test_letter_whose_subject_is_the_needs_form_is_the_needs_form() -> None:
    text = (
        "Mairie de Saint-Mars\nObjet : ENT e-primo – expression des besoins (annexe 2)\n"
        "Madame, Monsieur,\nLa commune compte 2 écoles publiques. Nous souhaitons 85 comptes "
        "élèves.\nJe vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations "
        "distinguées."
    )
    (split,) = split_pages([_page(1, text)])
    assert split.type == "needs_form"
    cover = text.replace("expression des besoins (annexe 2)", "adhésion au groupement")
    (split,) = split_pages([_page(1, cover)])
    assert split.type == "other"
