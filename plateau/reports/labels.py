"""The words of the reports, in French (default) and English. Plain data, no reportlab."""

from __future__ import annotations

from datetime import date

from plateau.reports.periods import MONTH_FR, WEEKDAY_FR

_FR = {
    "page": "Page", "uai": "UAI", "printed": "édité le", "printed_cap": "Édité le", "headcount_of": "Effectifs du",
    "summary": "Synthèse par service", "service": "Service", "hours": "Horaires", "expected": "Prévus",
    "served": "Servis", "of_which_overrides": "dont dérog.", "overrides": "Dérog.", "no_shows": "Absents",
    "unexpected": "Non prévus", "cancelled": "Annulés", "refusals": "Refus", "total": "Total",
    "out_of_service": "Aucun service en cours",  # the kiosk's words for the same refusal
    "expected_note": "<b>{service}</b> — prévus : {forfait} au forfait ce jour, {reservation} sur réservation.",
    "not_counted": "Non comptés :", "excluded_closed": "{n} (jour fermé)", "excluded_opposition": "{n} en opposition",
    "excluded_inactive": "{n} inscription(s) inactive(s)",
    "unexpected_note": "Non prévus servis : {plans}.",
    "plan": {"ticket": "au ticket", "forfait": "au forfait hors jour", "reservation": "sans réservation",
             "none": "sans formule", "inconnu": "inconnus"},
    "closed": "Cantine fermée ce jour : {label}", "closed_days": "Jours fermés :",
    "future_note": "— : jour à venir (seuls les prévus sont connus).",
    "refusals_by_reason": "Refus par motif", "reason": "Motif", "then_overridden": "puis dérogation",
    "overridden_note": "Un élève refusé puis admis par dérogation figure à la fois dans les refus et dans les "
                       "servis (colonne « dont dérog. »).",
    "none": "Aucun.", "none_f": "Aucune.", "arrivals": "Arrivées par tranche de 15 minutes",
    "per_slot": "passages par tranche de 15 min", "by_class": "Par classe", "by_category": "Par catégorie",
    "by_medium": "Par moyen d'identification", "medium": "Moyen",
    "media": {"card": "Badge (ou recherche par nom)", "phone": "Téléphone"},
    "by_station": "Par poste", "class": "Classe", "category": "Catégorie", "station": "Poste",
    "no_class": "Sans classe (adultes)", "unknown_badge": "Badge inconnu",
    "overrides_title": "Dérogations accordées", "time": "Heure", "person": "Nom", "refused_for": "Refus initial",
    "granted_by": "Accordée par", "motive": "Motif", "cancellations_title": "Passages annulés",
    "cancelled_by": "Annulé par",
    "no_shows_title": "Absents au repas (prévus, non servis) — pour la vie scolaire",
    "no_shows_intro": "Élèves et commensaux attendus (forfait du jour ou réservation) qui ne sont pas passés au "
                      "self, classe par classe. Les élèves en opposition ne sont pas attendus.",
    "name": "Nom", "first_name": "Prénom", "expected_by": "Prévu par", "id": "Identifiant",
    "basis": {"forfait": "forfait", "reservation": "réservation"}, "day": "Jour",
    "doubles_title": "Passages en double : deux postes hors ligne ont servi le même élève",
    "doubles_intro": "Deux postes hors ligne en même temps ont chacun accepté la personne pour le même service "
                     "sans savoir que l'autre l'avait déjà servie. Les deux passages sont conservés (le repas a été "
                     "servi) et chaque poste a débité ce qu'il a décidé. Le passage « en trop » (au-delà du nombre "
                     "permis pour sa catégorie) peut être remboursé au guichet.",
    "doubles_note": "Passages en double (postes hors ligne) : {n} personne(s), détail plus bas.",
    "charged": "Débité", "extra": "en trop", "allowed": "permis",
    "media_short": {"card": "Badge", "phone": "Téléphone"},
    "reasons": {"unknown_card": "Badge inconnu", "card_blocked": "Badge bloqué ou perdu",
                "person_inactive": "Inscription inactive", "no_service": "Aucun service en cours",
                "closed_day": "Jour de fermeture", "opposition": "Opposition (absence, impayé…)",
                "already_served": "Déjà servi", "not_registered_today": "Pas inscrit ce jour",
                "no_reservation": "Sans réservation", "insufficient_balance": "Solde insuffisant",
                "phone_code_invalid": "Code téléphone non valide", "phone_code_replayed": "Code téléphone déjà utilisé",
                "phone_badge_off": "Badge téléphone désactivé"},
}

_EN = {
    **_FR,
    "page": "Page", "uai": "UAI", "printed": "printed", "printed_cap": "Printed", "headcount_of": "Headcount of",
    "summary": "Summary per service", "service": "Service", "hours": "Hours", "expected": "Expected",
    "served": "Served", "of_which_overrides": "incl. overr.", "overrides": "Overr.", "no_shows": "No-shows",
    "unexpected": "Unexpected", "cancelled": "Cancelled", "refusals": "Refusals", "out_of_service": "No service open",
    "expected_note": "<b>{service}</b> — expected: {forfait} on a plan today, {reservation} booked.",
    "not_counted": "Not counted:", "excluded_closed": "{n} (closed day)", "excluded_opposition": "{n} blocked",
    "excluded_inactive": "{n} inactive", "unexpected_note": "Unexpected served: {plans}.",
    "plan": {"ticket": "ticket", "forfait": "plan, off day", "reservation": "not booked", "none": "no plan",
             "inconnu": "unknown"},
    "closed": "Canteen closed: {label}", "closed_days": "Closed days:",
    "future_note": "— : a day still to come (only the expected figure is known).",
    "refusals_by_reason": "Refusals by reason", "reason": "Reason", "then_overridden": "then overridden",
    "overridden_note": "A pupil refused then let in by staff appears in both the refusals and the served.",
    "none": "None.", "none_f": "None.", "arrivals": "Arrivals per 15-minute slot", "per_slot": "passages per 15 min",
    "by_medium": "By medium", "medium": "Medium",
    "media": {"card": "Badge (or search by name)", "phone": "Phone"},
    "by_class": "By class", "by_category": "By category", "by_station": "By station", "class": "Class",
    "category": "Category", "station": "Station", "no_class": "No class (adults)", "unknown_badge": "Unknown badge",
    "overrides_title": "Overrides", "time": "Time", "person": "Name", "refused_for": "Refused for",
    "granted_by": "Granted by", "motive": "Motive", "cancellations_title": "Cancelled passages",
    "cancelled_by": "Cancelled by", "no_shows_title": "No-shows (expected, not served)",
    "no_shows_intro": "Expected persons (plan day or booking) who did not come, class by class.",
    "name": "Last name", "first_name": "First name", "expected_by": "Expected by", "id": "Id",
    "basis": {"forfait": "plan", "reservation": "booking"}, "day": "Day",
    "doubles_title": "Served twice: two offline stations served the same pupil",
    "doubles_intro": "Two stations offline at the same time each accepted the person for the same service without "
                     "knowing the other had served them. Both passages are kept (the meal was served) and each "
                     "station charged what it decided. The extra passage (beyond what the category allows) may "
                     "be refunded at the desk.",
    "doubles_note": "Served twice (offline stations): {n} person(s), listed below.",
    "charged": "Charged", "extra": "extra", "allowed": "allowed", "media_short": {"card": "Badge", "phone": "Phone"},
}
_EN["reasons"] = {**{k: k.replace("_", " ") for k in _FR["reasons"]}, "no_service": "No service open"}
_WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def labels(lang: str = "fr") -> dict:
    return _EN if lang == "en" else _FR


def reason_label(code: str, L: dict) -> str:
    return L["reasons"].get(code, code or "")


def day_title(day: date, lang: str = "fr") -> str:
    """'mercredi 25 novembre 2026'."""
    if lang == "en":
        return f"{_WEEKDAY_EN[day.weekday()]} {day.isoformat()}"
    return f"{WEEKDAY_FR[day.weekday()]} {day.day} {MONTH_FR[day.month - 1]} {day.year}"
