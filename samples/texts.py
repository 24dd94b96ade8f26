"""Fixed French texts of the sample documents: the convention of the ENT e-primo group
purchase (as enclosed with the rector's letter of 18 October 2021), and the vocabulary
used to vary the other pieces (names, roles, schools).

The convention is a list of ``(kind, text)`` blocks: ``title``, ``vu``, ``p``
(paragraph), ``h`` (heading), ``sub`` (sub-heading), ``li`` (list item).
Texts may hold reportlab paragraph mark-up (``<b>``, ``<super>``).
"""

from __future__ import annotations

CONVENTION_TITLE = (
    "Convention d'adhésion à un groupement de commandes pour la mise en place d'un "
    "environnement numérique de travail dans les écoles de l'académie de Nantes"
)

CONVENTION: list[tuple[str, str]] = [
    ("vu", "Vu le Code Général des Collectivités territoriales,"),
    ("vu", "Vu le Code de l'Éducation,"),
    (
        "vu",
        "Vu le Schéma Directeur des Espaces Numériques de Travail du Ministère de "
        "l'Éducation nationale (Version 6.4),",
    ),
    ("vu", "Vu le code de la commande publique dans sa version du 01/04/2019,"),
    (
        "p",
        "Il est constitué entre les communes signataires de la présente convention et le "
        "rectorat de Nantes, ci-après dénommés « adhérents », un groupement de commandes.",
    ),
    (
        "p",
        "La dénomination du groupement est : « Environnement Numérique de Travail dans les "
        "écoles de l'Académie de Nantes, ENT 1<super>er</super> degré e-primo ».",
    ),
    ("h", "PRÉAMBULE"),
    (
        "p",
        "La présente convention traduit la volonté commune du rectorat de l'académie de "
        "Nantes et des collectivités territoriales adhérentes au groupement de poursuivre le "
        "partenariat, initié en 2013, relatif au déploiement d'un environnement numérique de "
        "travail (ENT) pour les écoles situées sur tout ou partie de leur territoire.",
    ),
    (
        "p",
        "Cet ENT, nommé e-primo, vise à fournir à tous les membres de la communauté "
        "éducative un point d'accès unique à un ensemble de services numériques, en rapport "
        "avec leurs activités, accessible en tout temps et tout lieu depuis n'importe quel "
        "terminal relié à l'internet.",
    ),
    (
        "p",
        "L'ENT du premier degré de l'académie de Nantes constitue la déclinaison locale d'un "
        "projet national, piloté par le Ministère de l'Éducation nationale qui en a fixé le "
        "périmètre à travers la rédaction d'un Schéma Directeur des Environnements de Travail "
        "qui en est aujourd'hui à sa sixième version (SDET V6.4).",
    ),
    (
        "p",
        "Ce projet vient en prolongement du projet e-lyco, ENT du second degré, lancé en 2009 "
        "en partenariat entre le rectorat, la région et les 5 départements de l'académie. Cet "
        "ENT, généralisé à tout le territoire académique, pour l'ensemble des collèges et "
        "lycées, publics ou privés, ainsi que certains établissements agricoles, concerne, "
        "depuis 2014, plus de 650 établissements et plus d'un million d'utilisateurs.",
    ),
    (
        "p",
        "Aujourd'hui 62% des élèves de l'enseignement primaire public de l'académie "
        "bénéficient d'e-primo dans plus de 1090 écoles utilisatrices. Ce nouveau marché "
        "répond également à la volonté de diffuser encore plus largement la solution e-primo "
        "sur le territoire académique.",
    ),
    ("p", "Liste des documents annexés :"),
    (
        "li",
        "annexe 1 : copie de la délibération donnant autorisation de contracter visée par le "
        "contrôle de légalité",
    ),
    ("li", "annexe 2 : tableau d'engagement des collectivités portant expression des besoins"),
    ("h", "ARTICLE 1 - OBJET DE LA CONVENTION"),
    (
        "p",
        "La présente convention a pour objet de constituer un groupement de commandes et d'en "
        "définir les modalités d'organisation et de fonctionnement. Ce groupement de "
        "commandes passera un marché public dont la finalité sera de mettre à disposition "
        "des écoles situées sur le territoire des collectivités membres dudit groupement, une "
        "solution unique d'environnement numérique de travail.",
    ),
    (
        "p",
        "Ce groupement de commandes sera constitué conformément aux articles L2113-6 à "
        "L2113-8 du code de la commande publique.",
    ),
    ("h", "ARTICLE 2 – ADHÉSION AU GROUPEMENT DE COMMANDES"),
    (
        "p",
        "Sont membres du groupement de commandes le rectorat, les communes, communautés de "
        "communes, EPCI, syndicats mixtes ou autres établissements publics signataires de la "
        "convention, sur la base d'une autorisation expresse à signer les présentes, donnée "
        "par leur assemblée délibérative aux maires ou présidents de communautés ou "
        "d'établissements publics. Une copie de la délibération est à fournir en annexe de "
        "la convention.",
    ),
    (
        "p",
        "L'adhésion de chacun des membres résulte de la décision souveraine de chaque "
        "collectivité.",
    ),
    (
        "p",
        "L'adhésion de nouveaux membres après la clôture du recensement des besoins soumis à "
        "la consultation n'est plus possible jusqu'à la fin du marché considéré. La date "
        "limite d'inscription au groupement est fixée au 15 janvier 2022 et se matérialisera "
        "par l'envoi en recommandé avec accusé de réception de la convention signée et "
        "annexée des documents listés en fin de convention à l'adresse : Rectorat de Nantes "
        "– Délégation Académique au Numérique Éducatif – 4, rue de la Houssinière – BP 72616 "
        "– 44 326 Nantes cedex 3.",
    ),
    (
        "p",
        "Peuvent adhérer au présent marché les collectivités listées au premier alinéa du "
        "présent article situées sur le territoire de l'académie de Nantes, qu'elles soient "
        "déjà utilisatrices de la solution e-primo pour leur(s) école(s) ou non.",
    ),
    ("p", "L'adhésion au présent groupement de commandes est d'une durée de 48 mois."),
    ("h", "ARTICLE 3 – RETRAIT-EXCLUSION"),
    ("p", "Retrait : le retrait n'est pas possible durant les 24 premiers mois du présent marché."),
    (
        "p",
        "En l'absence de demande de retrait exprimée par l'envoi en recommandé avec accusé de "
        "réception d'un courrier au rectorat dans les deux mois qui précèdent la fin de la "
        "première période de 24 mois, la collectivité reste engagée pour les 24 derniers mois "
        "du marché.",
    ),
    (
        "p",
        "Exclusion : l'exclusion pourra être prononcée, en cas de non-exécution, suite à une "
        "procédure judiciaire et en observant la décision du juge compétent.",
    ),
    ("h", "ARTICLE 4 - FONCTIONNEMENT DU GROUPEMENT DE COMMANDES"),
    (
        "p",
        "Le marché public, objet de la présente convention, relève d'un groupement de "
        "commandes conforme aux articles L2113-6 à L2113-8 du code de la commande publique. "
        "Les adhérents mandatent le coordonnateur, nommé le rectorat de Nantes, pour passer, "
        "signer, notifier le marché conformément aux besoins exprimés dans l'annexe jointe.",
    ),
    (
        "p",
        "Chaque membre du groupement prend en charge l'exécution du marché pour ce qui le "
        "concerne conformément aux articles L2113-6 à L2113-8 du code de la commande publique.",
    ),
    ("sub", "4.1 - Missions du coordonnateur"),
    ("p", "Le coordonnateur du groupement est chargé de procéder aux opérations suivantes :"),
    (
        "li",
        "recueillir l'adhésion des membres du groupement qui comportera en annexe les besoins "
        "exprimés,",
    ),
    (
        "li",
        "rédiger le dossier de consultation des entreprises (DCE) composé du CCTP (cahier des "
        "clauses techniques particulières), CCAP (cahier des clauses administratives "
        "particulières), RC (règlement de la consultation), BPU (bordereau de prix unitaire), "
        "AE (acte d'engagement),",
    ),
    ("li", "procéder à la publication du marché,"),
    ("li", "rédiger le rapport d'analyse des offres,"),
    ("li", "signer le marché,"),
    ("li", "notifier le marché au candidat retenu,"),
    ("li", "envoyer à chaque adhérent les documents nécessaires à l'exécution du marché."),
    (
        "p",
        "Le coordonnateur tient à la disposition des adhérents les informations relatives à "
        "l'activité du groupement.",
    ),
    ("sub", "4.2 Gouvernance"),
    (
        "p",
        "La gouvernance du projet est assurée par un Comité de pilotage animé par le "
        "rectorat. Ce Comité comprend des représentants de l'Éducation nationale, rectorat et "
        "directions des services départementaux de l'Éducation nationale, et des "
        "collectivités partenaires.",
    ),
    (
        "p",
        "Le Comité de pilotage a vocation à se réunir à des étapes clés du marché "
        "(initialisation, évaluation...).",
    ),
    (
        "p",
        "Des groupes de pilotage départementaux portant sur le développement du numérique "
        "dans les écoles assureront le suivi local du déploiement et des usages d'e-primo. "
        "Des représentants des collectivités adhérentes pourront être invités à siéger dans "
        "ces groupes de pilotage.",
    ),
    ("h", "ARTICLE 5 – PÉRIMÈTRE DU MARCHÉ"),
    (
        "p",
        "Le marché public porte sur la mise à disposition, par un prestataire extérieur, d'un "
        "d'Environnement Numérique de Travail qui s'appuie sur une solution libre, Open "
        "ENT-NG. Pour tous les membres du groupement, la solution est proposée en mode "
        "locatif, dit SaaS (Software as a Service).",
    ),
    (
        "p",
        "Au-delà des élèves des écoles entrant dans le périmètre du groupement de commandes, "
        "les services numériques constitutifs de l'ENT seront accessibles aux enseignants, "
        "aux parents ou responsables légaux de l'élève, aux agents territoriaux travaillant "
        "dans l'école, aux partenaires (sportifs, culturels...) travaillant avec l'école et, "
        "en partie, aux représentants de la collectivité locale et des services de "
        "l'Éducation nationale (inspecteurs de circonscription, conseillers pédagogiques...).",
    ),
    (
        "p",
        "Outre la fourniture et l'intégration de la solution elle-même, la prestation "
        "intégrera l'hébergement du service, son maintien en condition opérationnelle de "
        "fonctionnement, selon des taux de disponibilité fixés dans le CCTP, l'évolution de "
        "la solution et, de manière optionnelle, l'articulation avec certaines briques du "
        "système d'information des membres du groupement.",
    ),
    ("h", "ARTICLE 6 – CALENDRIER ET DURÉE DU MARCHÉ"),
    ("p", "La durée du marché passé par le groupement est fixée à 48 mois."),
    ("p", "Le calendrier prévisionnel du marché est fixé comme suit :"),
    (
        "li",
        "15 janvier 2022 : date limite de réception au rectorat de la convention du "
        "groupement de commandes,",
    ),
    ("li", "entre le 08/04/2022 et le 12/04/2022 : notification du marché,"),
    ("li", "19 juillet 2022 : date d'entrée en vigueur du nouveau marché."),
    (
        "h",
        "ARTICLE 7 – MODALITÉS DE PARTICIPATION FINANCIÈRE DES MEMBRES DU GROUPEMENT ET "
        "ENGAGEMENTS RÉCIPROQUES",
    ),
    ("sub", "7.1 Obligation des adhérents"),
    (
        "p",
        "Chaque adhérent partenaire finance, pour ce qui le concerne, la fourniture de "
        "comptes d'accès à l'ENT pour les élèves de ses écoles ou de ses utilisateurs. Le "
        "choix du nombre d'écoles bénéficiant du service est du seul ressort de chaque "
        "adhérent.",
    ),
    (
        "p",
        "Sur la durée du marché la collectivité ne pourra pas commander moins de comptes que "
        "le besoin exprimé lors de l'adhésion au présent groupement de commandes (annexe 2).",
    ),
    ("p", "Ces principes <b>constituent un engagement contractuel</b>."),
    (
        "p",
        "Chaque membre du groupement étant titulaire de son marché, il s'acquitte des "
        "factures qui lui sont adressées directement par l'attributaire du marché.",
    ),
    (
        "p",
        "Les adhérents au groupement s'engagent par ailleurs à participer, ou à se faire "
        "représenter, aux instances de pilotage du projet telles que décrites plus haut.",
    ),
    ("sub", "7.2 Prestations particulières du rectorat et des services académiques"),
    (
        "p",
        "Le rectorat prend à sa charge, sur la durée du marché, la formation des enseignants "
        "et l'accompagnement des utilisateurs à travers des actions pilotées par les "
        "Inspecteurs d'Académie-Directeurs académiques des services de l'éducation nationale "
        "(IA-DASEN). Ces actions de formation sont coordonnées par l'académie, le département "
        "ou la circonscription. Elles s'appuient sur la mobilisation des équipes de "
        "circonscription : Inspecteurs de l'éducation nationale, conseillers pédagogiques, "
        "enseignants référents pour les usages du numérique.",
    ),
    (
        "p",
        "Le rectorat assure également le pilotage du projet à travers la préparation, "
        "l'animation et le compte rendu des réunions afférentes aux structures de gouvernance "
        "et de suivi. Il informe régulièrement les membres du groupement de l'avancement du "
        "projet, sur la base d'une rubrique dédiée au projet sur le site académique.",
    ),
    (
        "p",
        "Il participe au processus d'évaluation du projet, dans ses aspects pédagogiques, "
        "par le biais des corps d'inspection.",
    ),
    (
        "p",
        "Le rectorat représente le groupement de commandes au sein de la gouvernance Open ENT-NG.",
    ),
    (
        "p",
        "L'assistance aux utilisateurs présente 3 niveaux. Une plateforme d'appels "
        "inter-académique intervient au niveau 1 en lien avec les personnes ressources du "
        "niveau local. La Délégation Académique au Numérique Éducatif (DANE) et la Direction "
        "des Systèmes d'Information (DSI) du rectorat interviennent au niveau 2 et sont en "
        "lien permanent avec le prestataire intervenant au niveau 3.",
    ),
    ("sub", "7.3 Prix"),
    (
        "p",
        "Dans le cadre du marché public ouvert à la concurrence qui sera publié une fois le "
        "groupement de commandes constitué, le règlement de la consultation fixera le poids "
        "du critère prix à 40% de la note finale des candidatures examinées par la commission "
        "d'appel d'offres. La qualité des exigences fonctionnelles représentera quant à elle "
        "60% de la note finale.",
    ),
    ("h", "ARTICLE 8 – DURÉE DE LA CONVENTION"),
    (
        "p",
        "La présente convention, dont la durée se confond avec celle du marché, prend effet à "
        "compter de la date du 19 juillet 2022. La procédure d'appel d'offres du marché "
        "e-primo pourra être lancée dès la dernière signature recueillie, soit au plus tôt le "
        "16 janvier 2022.",
    ),
    ("p", "La convention prend fin à l'issue du marché, soit le 19 juillet 2026."),
    ("h", "ARTICLE 9 – LITIGES"),
    (
        "p",
        "Les litiges relatifs à cette exécution relèveront de la compétence exclusive du "
        "Tribunal Administratif de Nantes.",
    ),
]

RECTOR_BLOCK = (
    "Le recteur de la région académique Pays de la Loire et de l'académie de Nantes, "
    "Chancelier des universités",
    "Coordonnateur du groupement de commandes",
)

# The collectivity's side of the signature block (same words as the campaign file's
# ``signatory_block``).
LABEL_COLLECTIVITY = "Nom de la collectivité adhérente :"
LABEL_ROLE = "Fonction du signataire :"
LABEL_NAME = "Nom du signataire :"
LABEL_DATE = "Date et signature"

RECTORAT_ADDRESS = (
    "Rectorat de l'académie de Nantes",
    "Délégation Académique au Numérique Éducatif",
    "4, rue de la Houssinière – BP 72616",
    "44326 Nantes Cedex 03",
)

DEPARTMENTS = {
    "44": "Loire-Atlantique",
    "49": "Maine-et-Loire",
    "53": "Mayenne",
    "72": "Sarthe",
    "85": "Vendée",
}

FIRST_NAMES_M = (
    "Jean-Pierre",
    "Philippe",
    "Michel",
    "Alain",
    "Patrick",
    "Christophe",
    "Laurent",
    "Olivier",
    "Thierry",
    "Pascal",
    "Yannick",
    "Gérard",
    "Bernard",
    "Hervé",
    "Loïc",
    "François",
    "Stéphane",
    "Jérôme",
    "Régis",
    "Didier",
    "Joël",
    "Erwan",
    "Benoît",
    "Gaël",
)
FIRST_NAMES_F = (
    "Marie-Claude",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Christine",
    "Valérie",
    "Sandrine",
    "Véronique",
    "Anne",
    "Martine",
    "Françoise",
    "Brigitte",
    "Hélène",
    "Élisabeth",
    "Annick",
    "Maryvonne",
    "Sophie",
    "Laurence",
    "Céline",
    "Gwenaëlle",
    "Odile",
)
SURNAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garnier",
    "Rousseau",
    "Guérin",
    "Boucher",
    "Fournier",
    "Girard",
    "Bonnet",
    "Lambert",
    "Fontaine",
    "Chevalier",
    "Roussel",
    "Gautier",
    "Perrin",
    "Morin",
    "Mercier",
    "Blanchard",
    "Guillou",
    "Le Goff",
    "Jaunâtre",
    "Baudouin",
    "Ménard",
    "Chauvière",
    "Pineau",
    "Rabiller",
    "Gélineau",
    "Boisseau",
    "Cosnard",
    "Hamon",
    "Tessier",
    "Guitton",
    "Brossaud",
    "Loiseau",
    "Renaudin",
)

SCHOOL_KINDS = (
    "École élémentaire",
    "École maternelle",
    "École primaire",
    "École primaire publique",
    "Groupe scolaire",
)
SCHOOL_NAMES = (
    "Jules Ferry",
    "Jacques Prévert",
    "Jean de La Fontaine",
    "Les Petits Princes",
    "Victor Hugo",
    "Paul Fort",
    "Marie Curie",
    "Le Petit Prince",
    "Les Tilleuls",
    "Pierre et Marie Curie",
    "Jean Moulin",
    "Louis Pasteur",
    "Les Marronniers",
    "Robert Desnos",
    "Le Grand Chêne",
    "La Fontaine aux Fées",
    "Les Coquelicots",
    "Anne Frank",
    "Arc-en-ciel",
    "Albert Camus",
    "Les Mouettes",
    "René Guy Cadou",
)
