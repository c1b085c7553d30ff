"""Messages to families in the office, over real HTTP: written, edited and withdrawn by the roles
that may (the kitchen may not: the role table's test covers every page), each change in the
audit log, and a bad message refused with a clear French error and nothing written."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import csrf_of


def _form(page: str, **fields) -> dict:
    return {"csrf": csrf_of(page), "title": "Réunion parents-professeurs", "publish_on": "2027-01-11",
            "ends_on": "", "audience": "site", "body": "Bonjour,\r\nLa réunion a lieu jeudi à 18 h.", **fields}


def _ids(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr data-message="(\d+)">', page)]


def test_the_vie_scolaire_writes_edits_and_withdraws_a_message_and_each_step_is_audited(office):
    http = office.session("vie_scolaire")
    page = http.get(office.url + "/office/messages/new", timeout=30).text
    assert "Écrire un message" in page and 'name="classes"' in page and "<optgroup" in page
    before = _ids(http.get(office.url + "/office/messages", timeout=30).text)
    written = http.post(office.url + "/office/messages", data=_form(page), timeout=30)
    assert written.status_code == 200 and written.url.endswith("flash=written")
    assert "Message écrit" in written.text and "Réunion parents-professeurs" in written.text
    [new] = [i for i in _ids(written.text) if i not in before]
    edit = http.get(f"{office.url}/office/messages/{new}", timeout=30).text
    assert "Bonjour,\nLa réunion a lieu jeudi à 18 h.</textarea>" in edit   # line breaks kept, made plain
    klass = sorted({d["class_name"] for d in office.school.persons.values() if d["class_name"]})[0]
    saved = http.post(f"{office.url}/office/messages/{new}", timeout=30,
                      data=_form(edit, title="Réunion des parents", audience="classes", classes=[klass]))
    assert saved.url.endswith("flash=saved") and "Réunion des parents" in saved.text
    edit = http.get(f"{office.url}/office/messages/{new}", timeout=30).text
    assert f'<option value="{klass}" selected>' in edit and 'value="classes" checked' in edit
    gone = http.post(f"{office.url}/office/messages/{new}/withdraw", data={"csrf": csrf_of(edit)}, timeout=30)
    assert gone.url.endswith("flash=withdrawn")
    row = gone.text.split(f'<tr data-message="{new}">')[1].split("</tr>")[0]
    assert 'data-state="withdrawn"' in row and "retiré" in row
    refused = http.post(f"{office.url}/office/messages/{new}", timeout=30, data=_form(edit))
    assert refused.status_code == 422 and "Ce message a été retiré" in refused.text
    log = office.session("admin").get(office.url + "/office/audit", timeout=30).text
    for action in ("message écrit", "message modifié", "message retiré"):
        assert action in log
    assert f"message:{new}" in log and "vie.scolaire@college.example.org" in log


@pytest.mark.parametrize("case,fields,words", [
    ("empty_title", {"title": "   "}, "Donnez un titre au message."),
    ("long_body", {"body": "x" * 5001}, "Le texte est trop long (5001 caractères, 5000 au plus)."),
    ("end_before_start", {"publish_on": "2027-01-11", "ends_on": "2027-01-10"},
     "Le dernier jour est avant le premier jour."),
    ("no_class", {"audience": "classes"}, "Choisissez au moins une classe."),
    ("no_pupil", {"audience": "pupils"}, "Choisissez au moins un élève."),
    ("bad_day", {"publish_on": "31/02/2027"}, "Écrivez les jours sous la forme JJ/MM/AAAA."),
])
def test_a_bad_message_gets_a_clear_french_error_and_nothing_is_written(office, case, fields, words):
    http = office.session("gestionnaire")
    page = http.get(office.url + "/office/messages/new", timeout=30).text
    before = _ids(http.get(office.url + "/office/messages", timeout=30).text)
    refused = http.post(office.url + "/office/messages", data=_form(page, **fields), timeout=30)
    assert refused.status_code == 422
    assert words in refused.text.replace("&#39;", "'"), refused.text[:2000]
    assert 'role="alert"' in refused.text
    assert _ids(http.get(office.url + "/office/messages", timeout=30).text) == before


def test_the_page_is_in_english_on_request_and_another_sites_message_is_not_found(office):
    http = office.session("admin")
    english = http.get(office.url + "/office/messages/new?lang=en", timeout=30).text
    assert "Write a message" in english and "every family of the school" in english
    refused = http.post(office.url + "/office/messages", data=_form(english, title=""), timeout=30)
    assert "Give the message a title." in refused.text
    http.get(office.url + "/office/messages?lang=fr", timeout=30)
    for path in ("/office/messages/999999", "/office/messages/abc"):
        assert http.get(office.url + path, timeout=30).status_code == 404
    assert http.post(office.url + "/office/messages/999999/withdraw", data={"csrf": csrf_of(english)},
                     timeout=30).status_code == 404


def test_a_message_is_refused_without_the_csrf_token(office):
    http = office.session("gestionnaire")
    page = http.get(office.url + "/office/messages/new", timeout=30).text
    before = _ids(http.get(office.url + "/office/messages", timeout=30).text)
    form = _form(page)
    form.pop("csrf")
    assert http.post(office.url + "/office/messages", data=form, timeout=30).status_code == 403
    assert _ids(http.get(office.url + "/office/messages", timeout=30).text) == before
