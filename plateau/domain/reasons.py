"""Reason and warning codes of a station decision (docs/protocol.md, `plateau check --json`)."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    OK = "ok"
    UNKNOWN_CARD = "unknown_card"
    CARD_BLOCKED = "card_blocked"
    PERSON_INACTIVE = "person_inactive"
    NO_SERVICE = "no_service"
    CLOSED_DAY = "closed_day"
    OPPOSITION = "opposition"
    ALREADY_SERVED = "already_served"
    NOT_REGISTERED_TODAY = "not_registered_today"
    NO_RESERVATION = "no_reservation"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    # the phone as a badge (plateau.domain.phone_badge)
    PHONE_CODE_INVALID = "phone_code_invalid"    # not this pupil's code now (±1 step), or not of this site
    PHONE_CODE_REPLAYED = "phone_code_replayed"  # a code already used (a screenshot passed on)
    PHONE_BADGE_OFF = "phone_badge_off"          # revoked, never turned on, or not allowed at this site


class Warning_(StrEnum):
    """Warnings shown with an acceptance; they never refuse."""

    LOW_BALANCE = "low_balance"
    NEGATIVE_BALANCE = "negative_balance"
    UNRESERVED_SURCHARGE = "unreserved_surcharge"
    CHARGED_AS_TICKET = "charged_as_ticket"
    NO_SERVICE_CONFIGURED = "no_service_configured"


class PassageKind(StrEnum):
    """How a passage came to be recorded."""

    BADGE = "badge"          # a badge read at the reader
    FORGOTTEN = "forgotten"  # staff found the person by name (forgotten badge)
    OVERRIDE = "override"    # staff let in a refused person, with a motive
    CANCEL = "cancel"        # staff cancelled an earlier passage (linked, never a deletion)


REFUSALS = tuple(r for r in Reason if r is not Reason.OK)
