"""The importer's messages and the booking rules' refusals in the office's language, over real
HTTP: French on French pages, English with the English choice, from the same stored report (its
messages are kept as codes and parameters); the CLI and the JSON API keep their English."""

from __future__ import annotations

import html

from tests.web.conftest import csrf_of

BAD_PERSONS = ("person;last_name;first_name;category;class;plan;arrival_date\n"
               "ADU-8001;MARTIN;Léa;commensal;;abonné;\n"          # line 2: an unknown plan
               "ADU-8002;;Noé;commensal;;ticket;\n"                # line 3: no last name
               "ADU-8003;DURAND;Zoé;commensal;;ticket;31/02/2026\n"   # line 4: a day that does not exist
               f"ADU-8004;ROUX;Jade;commensal;{'6e' * 25};ticket;\n")  # line 5: a class name too long


def _english(http, url: str):
    http.get(f"{url}/office/?lang=en", timeout=30)    # the language choice, remembered in a cookie
    return http


def _preview(office, http, data: bytes, name: str = "adultes.csv"):
    csrf = csrf_of(http.get(f"{office.url}/office/imports", timeout=30).text)
    return http.post(f"{office.url}/office/imports/preview", data={"csrf": csrf, "kind": "persons"},
                     files={"file": (name, data)}, timeout=60)


def _errors_table(page: str) -> str:
    start = page.index('id="errors"')
    return html.unescape(page[start:page.index("</table>", start)])


def test_an_import_preview_lists_its_errors_in_french_then_in_english(office):
    http = office.session("gestionnaire")
    page = _preview(office, http, BAD_PERSONS.encode())
    assert page.status_code == 200 and 'data-state="refused"' in page.text
    errors = _errors_table(page.text)
    assert "formule 'abonné' inconnue (attendu : ticket, reservation, none ou forfait" in errors
    assert "le nom et le prénom sont obligatoires" in errors
    assert "la date d'arrivée '31/02/2026' n'existe pas dans le calendrier" in errors
    assert "la classe dépasse 40 caractères" in errors      # the store's own check, at the apply step
    assert "is unknown" not in errors and "required" not in errors
    history = html.unescape(http.get(f"{office.url}/office/imports", timeout=30).text)
    assert "refusé : 4 erreur(s), rien n'a été modifié" in history

    english = _english(office.session("admin"), office.url)
    again = english.get(page.url, timeout=30)              # the same stored report, read in English
    errors = _errors_table(again.text)
    assert "plan 'abonné' is unknown (expected ticket, reservation, none or forfait" in errors
    assert "the last name and the first name are required" in errors
    assert "arrival date '31/02/2026' does not exist in the calendar" in errors
    assert "class_name is longer than 40 characters" in errors
    assert "refused: 4 error(s), nothing was changed" in html.unescape(
        english.get(f"{office.url}/office/imports", timeout=30).text)


def test_a_file_refused_whole_says_why_in_the_pages_language(office):
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 4
    french = _preview(office, office.session("gestionnaire"), pdf, "liste.pdf")
    assert french.status_code == 400
    assert "Le fichier a été refusé : ce n'est pas un fichier texte (c'est un PDF)" in html.unescape(french.text)
    english = _preview(office, _english(office.session("gestionnaire"), office.url), pdf, "liste.pdf")
    assert english.status_code == 400 and "this is not a text file (it is a PDF)" in html.unescape(english.text)


def _book(office, http, pupil: int, day: str):
    csrf = csrf_of(http.get(f"{office.url}/office/persons/{pupil}", timeout=30).text)
    return http.post(f"{office.url}/office/persons/{pupil}/reservations", timeout=30,
                     data={"csrf": csrf, "day": day, "service": "dejeuner"})


def test_a_refused_booking_gives_its_reason_in_french_or_in_english(office):
    pupil = next(p for p, d in sorted(office.school.persons.items()) if d["plan"] == "reservation")
    french = office.session("gestionnaire")
    christmas = _book(office, french, pupil, "2026-12-25")
    assert christmas.status_code == 409
    assert "Non réservé : le 25/12/2026 est un jour férié (Noël)" in html.unescape(christmas.text)
    wednesday = _book(office, french, pupil, "2026-12-05")   # no lunch on Saturdays
    assert "pas de Déjeuner le samedi" in html.unescape(wednesday.text)

    english = _english(office.session("gestionnaire"), office.url)
    christmas = _book(office, english, pupil, "2026-12-25")
    assert christmas.status_code == 409 and "2026-12-25 is a public holiday (Noël)" in html.unescape(christmas.text)
    assert "no Déjeuner on Saturdays" in html.unescape(_book(office, english, pupil, "2026-12-05").text)


CALENDAR = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261219\r\n"
            "DTEND;VALUE=DATE:20270104\r\nSUMMARY:Vacances de Noël\r\nLOCATION:{zone}\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n")


def test_an_import_refused_at_apply_time_says_why_in_the_readers_language(office):
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{office.db_url}")
    with engine.connect() as conn:
        zone = conn.execute(text("SELECT zone FROM site")).scalar_one()
    http = office.session("gestionnaire")
    csrf = csrf_of(http.get(f"{office.url}/office/imports", timeout=30).text)
    preview = http.post(f"{office.url}/office/imports/preview", data={"csrf": csrf, "kind": "calendar"},
                        files={"file": ("calendrier.ics", CALENDAR.format(zone=zone).encode())}, timeout=60)
    assert 'data-state="previewed"' in preview.text, preview.text[-800:]
    try:
        with engine.begin() as conn:   # the site loses its zone between the preview and the apply
            conn.execute(text("UPDATE site SET zone = NULL"))
        applied = http.post(preview.url + "/apply", data={"csrf": csrf}, timeout=60)
        assert 'data-state="refused"' in applied.text
        assert "l'établissement n'a pas de zone de calendrier" in _errors_table(applied.text)
        english = _english(office.session("admin"), office.url).get(preview.url, timeout=30)
        assert "the site has no calendar zone" in _errors_table(english.text)
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE site SET zone = :z"), {"z": zone})
        engine.dispose()


def test_a_service_ending_before_it_starts_is_refused_in_the_pages_language(office):
    """The store's own checks of a form (here the services' hours) are worded like the importer's:
    French on French pages, English with the English choice; nothing is written."""
    form = {"code": "gouter", "label": "Goûter", "start": "16:30", "end": "16:00", "day_mon": "on"}
    for http, words in ((office.session("admin"), "le service finit (16:00) avant de commencer (16:30)"),
                        (_english(office.session("admin"), office.url),
                         "the service ends (16:00) before it starts (16:30)")):
        csrf = csrf_of(http.get(f"{office.url}/office/settings", timeout=30).text)
        page = http.post(f"{office.url}/office/settings/services", data={**form, "csrf": csrf}, timeout=30)
        assert page.status_code == 422 and words in html.unescape(page.text)
    settings = html.unescape(office.session("admin").get(f"{office.url}/office/settings", timeout=30).text)
    assert "Goûter" not in settings


def test_a_bad_setting_value_is_refused_in_the_pages_language(office):
    """A site setting's value checked by the policy (the same check the stations apply) is worded
    in French on French pages and in English with the English choice."""
    form = {"key": "booking_horizon_days", "value": "-3"}
    for http, words in ((office.session("admin"), "booking_horizon_days : ne peut pas être négatif"),
                        (_english(office.session("admin"), office.url),
                         "booking_horizon_days: must not be negative")):
        csrf = csrf_of(http.get(f"{office.url}/office/settings", timeout=30).text)
        page = http.post(f"{office.url}/office/settings/policy", data={**form, "csrf": csrf}, timeout=30)
        assert page.status_code == 422 and words in html.unescape(page.text), page.text[-2000:]
    form = {"key": "cutoff_time", "value": "25h"}
    http = office.session("admin")
    csrf = csrf_of(http.get(f"{office.url}/office/settings", timeout=30).text)
    page = http.post(f"{office.url}/office/settings/policy", data={**form, "csrf": csrf}, timeout=30)
    assert page.status_code == 422 and "cutoff_time : une heure HH:MM est attendue, pas '25h'" in html.unescape(page.text)
