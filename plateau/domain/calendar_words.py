"""The words of the official calendar's messages (`school_calendar`): code -> (English, French).

Plain data, no I/O. The calendar reader keeps each message as a code and its parameters; its
English words come from here, and the server's office words it in French from the same table
(`plateau.server.wording`). English templates use only `{x}` and `{x!r}`; French ones may also
use `{x!d}` (an ISO date as 23/11/2026).
"""

CALENDAR_TEXT: dict[str, tuple[str, str]] = {
    "cal_empty": ("the calendar file is empty", "le fichier de calendrier est vide"),
    "cal_not_official_csv": ("this is not the official calendar CSV (fr-en-calendrier-scolaire): missing "
                             "column(s) {missing}", "ce n'est pas le CSV du calendrier officiel "
                             "(fr-en-calendrier-scolaire) : colonne(s) manquante(s) {missing}"),
    "cal_no_record": ("the calendar file has no record for {zone!r} (zones in the file: {known})",
                      "le fichier de calendrier n'a aucune ligne pour {zone!r} (zones du fichier : {known})"),
    "cal_teachers_row": ("{label!r} {year} has only a teachers' row: used it",
                         "{label!r} {year} n'a qu'une ligne des enseignants : elle est utilisée"),
    "cal_dates_unreadable": ("{label!r}: the start or end date cannot be read ({start!r}, {end!r})",
                             "{label!r} : la date de début ou de fin est illisible ({start!r}, {end!r})"),
    "cal_not_ics": ("this is not an ICS calendar file (it does not start with BEGIN:VCALENDAR)",
                    "ce n'est pas un fichier de calendrier ICS (il ne commence pas par BEGIN:VCALENDAR)"),
    "cal_ics_no_event": ("the ICS file has no event (no BEGIN:VEVENT)",
                         "le fichier ICS n'a aucun événement (pas de BEGIN:VEVENT)"),
    "cal_ics_no_event_zone": ("the ICS file has no event for {zone!r}", "le fichier ICS n'a aucun événement pour "
                              "{zone!r}"),
    "cal_event_no_location": ("an event has no LOCATION (zone): skipped",
                              "un événement n'a pas de LOCATION (zone) : ignoré"),
    "cal_summary_repaired": ("summary {summary!r} repaired as {fixed!r}",
                             "intitulé {summary!r} réparé en {fixed!r}"),
    "cal_event_no_start": ("event {summary!r} has no start (DTSTART)",
                           "l'événement {summary!r} n'a pas de début (DTSTART)"),
    "cal_event_bad_start": ("event {summary!r}: start {value!r} is not a date",
                            "événement {summary!r} : le début {value!r} n'est pas une date"),
    "cal_event_empty_end": ("event {summary!r} from {first} has an empty end (DTEND): skipped",
                            "l'événement {summary!r} du {first!d} a une fin vide (DTEND) : ignoré"),
    "cal_event_bad_end": ("event {summary!r}: end {value!r} is not a date",
                          "événement {summary!r} : la fin {value!r} n'est pas une date"),
    "cal_event_duplicate": ("event {summary!r} from {first} is a duplicate of line {line}: kept once",
                            "l'événement {summary!r} du {first!d} répète la ligne {line} : gardé une fois"),
    "cal_ends_before_start": ("{label!r} ends ({end}) before it starts ({first}): skipped",
                              "{label!r} finit ({end!d}) avant de commencer ({first!d}) : ignoré"),
    "cal_summer_open_end": ("{label!r} from {first} has no published end: closed until {until}; import the "
                            "calendar again once the date is published",
                            "{label!r} du {first!d} n'a pas de fin publiée : fermé jusqu'au {until!d} ; importez "
                            "de nouveau le calendrier quand la date sera publiée"),
    "cal_no_end": ("{label!r} from {first} has no end date: skipped",
                   "{label!r} du {first!d} n'a pas de date de fin : ignoré"),
    "cal_single_day": ("{label!r} is a single closed day: {first}",
                       "{label!r} est un seul jour de fermeture : le {first!d}"),
    "cal_closes_nothing": ("{label!r} on {first} closes no day (start and end are the same): skipped",
                           "{label!r} du {first!d} ne ferme aucun jour (début et fin identiques) : ignoré"),
}


def english(code: str, params: dict) -> str:
    return CALENDAR_TEXT[code][0].format(**params)
