"""Translations of the kiosk's own words (Qt's translation system, French by default).

The source strings are English; `FRENCH` maps them to French. A `QTranslator` subclass serves
that dict, so no `.qm` file has to be compiled at build time (the decision messages themselves
come FR/EN from `plateau.domain.messages`). Widgets call `tr("...")`, which goes through
`QCoreApplication.translate` like any Qt text, so a `.ts/.qm` pair can replace the dict later.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

CONTEXT = "Kiosk"

FRENCH = {
    "Present your badge": "Passez votre badge",
    "No badge reader: please ask a member of staff": "Lecteur de badge indisponible : adressez-vous au personnel",
    "Online": "En ligne",
    "Offline": "Hors ligne",
    "offline for {minutes} min": "hors ligne depuis {minutes} min",
    "offline for less than a minute": "hors ligne depuis moins d'une minute",
    "never synchronised": "jamais synchronisée",
    "Synchronisation stopped for {age}": "Synchronisation arrêtée depuis {age}",
    "sync service never seen running": "service de synchronisation jamais vu en marche",
    "sync service seen {age} ago": "synchronisation vue il y a {age}",
    "{n} passages waiting": "{n} passages en attente",
    "1 passage waiting": "1 passage en attente",
    "{n} rejected by the server": "{n} refusés par le serveur",
    "Reader ready": "Lecteur prêt",
    "Reader starting": "Lecteur en démarrage",
    "Reader unplugged": "Lecteur débranché",
    "Reader error": "Lecteur en erreur",
    "Reader stopped": "Lecteur arrêté",
    "{label} · {start} – {end}": "{label} · {start} – {end}",
    "Next service: {label} at {start}": "Prochain service : {label} à {start}",
    "No more service today": "Plus de service aujourd'hui",
    "{served} served / {expected} expected": "{served} servis / {expected} attendus",
    "{served} served": "{served} servis",
    "Menu": "Menu",
    "Price {price} — balance {balance}": "Repas {price} — solde {balance}",
    "Balance {balance}": "Solde {balance}",
    "Free of charge (plan)": "Compris dans le forfait",
    "Please ask a member of staff": "Adressez-vous au personnel",
    "Access suspended: {desk}": "Accès suspendu : {desk}",
    "see the vie scolaire": "voir la vie scolaire",
    "see the bursar's office": "voir l'intendance",
    "The station ran into a problem. Your passage may not be recorded.":
        "La borne a rencontré un problème. Votre passage n'est peut-être pas enregistré.",
    "Staff PIN": "Code personnel",
    "Who are you?": "Qui êtes-vous ?",
    "No staff member is known to this station yet": "Aucun membre du personnel n'est encore connu de cette borne",
    "PIN for {name}": "Code de {name}",
    "Wrong PIN": "Code incorrect",
    "Too many wrong PINs: wait {seconds} s": "Trop d'essais : patientez {seconds} s",
    "Checking…": "Vérification…",
    "Cancel": "Annuler",
    "Back": "Retour",
    "Staff mode — {name}": "Mode personnel — {name}",
    "Override the last refusal": "Passer outre le dernier refus",
    "Override: {name} — {reason}": "Passer outre : {name} — {reason}",
    "Forgotten badge": "Badge oublié",
    "Last passages": "Derniers passages",
    "Force a sync": "Forcer la synchronisation",
    "Rejected by the server ({n})": "Refusés par le serveur ({n})",
    "Rejected by the server": "Refusés par le serveur",
    "Send them again": "Les renvoyer",
    "Nothing was rejected by the server": "Le serveur n'a rien refusé",
    "When": "Quand",
    "Who": "Qui",
    "Server's reason": "Motif du serveur",
    "card {uid} declared lost": "carte {uid} déclarée perdue",
    "Sent again: {n}": "Renvoyés : {n}",
    "Sync requested": "Synchronisation demandée",
    "Manager view": "Vue gestionnaire",
    "Leave full screen": "Quitter le plein écran",
    "Quit the kiosk": "Quitter la borne",
    "Close staff mode": "Fermer le mode personnel",
    "Why let this person in?": "Pourquoi laisser passer ?",
    "Authorised by the vie scolaire": "Autorisé par la vie scolaire",
    "Reservation error": "Erreur de réservation",
    "Exceptional meal": "Repas exceptionnel",
    "Other reason (staff decision)": "Autre motif (décision du personnel)",
    "Name or class": "Nom ou classe",
    "Record the passage": "Enregistrer le passage",
    "Declare the card lost": "Déclarer la carte perdue",
    "Card of {name} declared lost": "Carte de {name} déclarée perdue",
    "{name} has no active card": "{name} n'a pas de carte active",
    "No results": "Aucun résultat",
    "Cancel this passage": "Annuler ce passage",
    "Cancel the passage of {name} at {time}?": "Annuler le passage de {name} à {time} ?",
    "Yes, cancel it": "Oui, l'annuler",
    "No": "Non",
    "Passage by mistake": "Passage par erreur",
    "Passage cancelled": "Passage annulé",
    "Time": "Heure",
    "Station": "Borne",
    "Name": "Nom",
    "Class": "Classe",
    "Outcome": "Résultat",
    "Price": "Prix",
    "accepted": "accepté",
    "refused": "refusé",
    "cancelled": "annulé",
    "cancellation": "annulation",
    "override": "dérogation",
    "forgotten badge": "badge oublié",
    "Headcounts of {day}": "Effectifs du {day}",
    "Service": "Service",
    "Expected": "Attendus",
    "Served": "Servis",
    "Still expected": "Encore attendus",
    "Refusals": "Refus",
    "Refusals by reason": "Refus par motif",
    "By class": "Par classe",
    "Per 15 minutes": "Par quart d'heure",
    "Export PDF": "Export PDF",
    "Export CSV": "Export CSV",
    "Saved: {path}": "Enregistré : {path}",
    "Reports are not available on this station": "Les rapports ne sont pas disponibles sur cette borne",
    "Loading…": "Chargement…",
    "Served twice by two offline stations: {n} (the office can refund the extra meal)":
        "Servis deux fois par deux postes hors ligne : {n} (l'intendance peut rembourser le repas en trop)",
    "no class": "sans classe",
    "Closed: {label}": "Fermé : {label}",
    "Could not do that: {error}": "Action impossible : {error}",
    "Last refusal: {name} — {reason}": "Dernier refus : {name} — {reason}",
    "No refusal to override": "Aucun refus à passer outre",
    # short reason labels (tables, chart): the full sentences come from plateau.domain.messages
    "Unknown badge": "Badge inconnu",
    "Badge blocked": "Badge bloqué",
    "Registration inactive": "Inscription inactive",
    "No service open": "Aucun service en cours",  # the result screen's words (plateau.station.messages)
    "Canteen closed": "Cantine fermée",
    "Access suspended": "Accès suspendu",
    "Already served": "Déjà passé",
    "Not registered today": "Pas inscrit ce jour",
    "No reservation": "Pas de réservation",
    "Insufficient balance": "Solde insuffisant",
}


class DictTranslator(QTranslator):
    """A QTranslator backed by a Python dict (source text -> translation). GUI thread."""

    def __init__(self, table: dict[str, str], parent=None):
        super().__init__(parent)
        self._table = table

    def translate(self, context, source_text, disambiguation=None, n=-1):  # noqa: D401 (Qt API)
        return self._table.get(source_text, None) if context == CONTEXT else None

    def isEmpty(self) -> bool:  # noqa: N802 (Qt API)
        return False


_installed: DictTranslator | None = None


def install(lang: str) -> None:
    """Use `lang` ("fr" or "en") for every `tr()` from now on (replaces the previous one)."""
    global _installed
    app = QCoreApplication.instance()
    if _installed is not None:
        app.removeTranslator(_installed)
        _installed = None
    if lang == "fr":
        _installed = DictTranslator(FRENCH, app)
        app.installTranslator(_installed)


def tr(text: str, **fields) -> str:
    out = QCoreApplication.translate(CONTEXT, text)
    return out.format(**fields) if fields else out
