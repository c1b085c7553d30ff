"""The words on the screen for each reason, in French (default) and English.

Kept as plain data so that the decision core stays free of Qt; the Qt screens translate
their own chrome with Qt's translation system.
"""

from __future__ import annotations

from datetime import date

from plateau.domain.money import format_euros
from plateau.domain.reasons import Reason

LANGUAGES = ("fr", "en")

_TEXT = {
    "fr": {
        Reason.OK: "Bon appétit, {first_name} !",
        Reason.UNKNOWN_CARD: "Badge inconnu",
        Reason.CARD_BLOCKED: "Badge bloqué ({card_status})",
        Reason.PERSON_INACTIVE: "Inscription inactive",
        Reason.NO_SERVICE: "Aucun service en cours",
        Reason.CLOSED_DAY: "Cantine fermée aujourd'hui : {closure}",
        Reason.OPPOSITION: "Accès suspendu : {motive}",
        Reason.ALREADY_SERVED: "Déjà passé à {served_at} ({served_station})",
        Reason.NOT_REGISTERED_TODAY: "Pas inscrit le {weekday}",
        Reason.NO_RESERVATION: "Pas de réservation aujourd'hui",
        Reason.INSUFFICIENT_BALANCE: "Solde insuffisant : {balance}",
        Reason.PHONE_CODE_INVALID: "Code du téléphone non valide : rafraîchir le code",
        Reason.PHONE_CODE_REPLAYED: "Code du téléphone déjà utilisé",
        Reason.PHONE_BADGE_OFF: "Badge téléphone désactivé",
    },
    "en": {
        Reason.OK: "Enjoy your meal, {first_name}!",
        Reason.UNKNOWN_CARD: "Unknown badge",
        Reason.CARD_BLOCKED: "Badge blocked ({card_status})",
        Reason.PERSON_INACTIVE: "Registration inactive",
        Reason.NO_SERVICE: "No service open",
        Reason.CLOSED_DAY: "Canteen closed today: {closure}",
        Reason.OPPOSITION: "Access suspended: {motive}",
        Reason.ALREADY_SERVED: "Already served at {served_at} ({served_station})",
        Reason.NOT_REGISTERED_TODAY: "Not registered on {weekday}s",
        Reason.NO_RESERVATION: "No reservation today",
        Reason.INSUFFICIENT_BALANCE: "Insufficient balance: {balance}",
        Reason.PHONE_CODE_INVALID: "Phone code not valid: refresh the code",
        Reason.PHONE_CODE_REPLAYED: "Phone code already used",
        Reason.PHONE_BADGE_OFF: "Phone badge turned off",
    },
}

_CARD_STATUS = {"fr": {"lost": "déclaré perdu", "blocked": "bloqué", "stolen": "déclaré volé"},
                "en": {"lost": "reported lost", "blocked": "blocked", "stolen": "reported stolen"}}
_WEEKDAY = {"fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
_NEXT = {"fr": " — prochain : {label} à {start}", "en": " — next: {label} at {start}"}
_WARN = {
    "fr": {"low_balance": "Solde bas : {balance}", "negative_balance": "Solde négatif : {balance}",
           "unreserved_surcharge": "Repas non réservé : majoration {surcharge}",
           "charged_as_ticket": "Jour hors forfait : repas facturé {price}"},
    "en": {"low_balance": "Low balance: {balance}", "negative_balance": "Negative balance: {balance}",
           "unreserved_surcharge": "Unreserved meal: surcharge {surcharge}",
           "charged_as_ticket": "Outside the plan's days: meal charged {price}"},
}


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "fr"


def reason_text(reason: Reason, lang: str = "fr", **details) -> str:
    lang = _lang(lang)
    fields = dict(details)
    if "balance_cents" in fields:
        fields["balance"] = format_euros(fields["balance_cents"], lang)
    if "card_status" in fields:
        fields["card_status"] = _CARD_STATUS[lang].get(fields["card_status"], fields["card_status"])
    if isinstance(fields.get("day"), date):
        fields["weekday"] = _WEEKDAY[lang][fields["day"].weekday()]
    fields.setdefault("motive", "")
    fields.setdefault("closure", "")
    text = _TEXT[lang][reason].format_map(_Blank(fields))
    if reason is Reason.NO_SERVICE and fields.get("next_label"):
        text += _NEXT[lang].format(label=fields["next_label"], start=fields["next_start"])
    return text.rstrip(" :")


def warning_text(code: str, lang: str = "fr", **details) -> str:
    lang = _lang(lang)
    fields = {k: format_euros(v, lang) for k, v in details.items() if k.endswith("_cents")}
    fields = {k.removesuffix("_cents"): v for k, v in fields.items()}
    template = _WARN[lang].get(code, code)
    return template.format_map(_Blank(fields))


class _Blank(dict):
    def __missing__(self, key):
        return ""
