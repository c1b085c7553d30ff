"""Messages from the school through the family API, over real HTTP on SQLite and PostgreSQL:
whom a message reaches (the whole site, a class, a pupil; a guardian of two children in
different classes; a guardian of two sites), its days (scheduled, expired, withdrawn), the
read state per guardian, another family's message answering 404 like one that does not exist,
a guardian who lost access seeing nothing, and the writing rules refusing a bad message
before anything is written."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from plateau.server.family import messages
from plateau.server.message_models import SchoolMessage
from tests.integration.server.family_world import PARIS, SITE_A, SITE_B, world  # noqa: F401 (fixture)

FAMILY = "/api/v1/family"
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)


def write(world, site_code: str, title: str, *, audience: str = "site", classes=(), pupils=(),
          first: date = date(2026, 11, 20), last: date | None = None) -> int:
    from plateau.server import store

    with world.db.write() as s:
        site = store.get_site(s, site_code)
        msg = messages.save(s, site, messages.Draft(title, f"Texte de « {title} ».\nDeuxième ligne.", first, last,
                                                    audience, list(classes), list(pupils)),
                            actor="cli", author_id=None, author_name="Secrétariat", now=MONDAY)
        return msg.id


@pytest.fixture(scope="module")
def sent(world):
    """Tom moves to 5B (Léa and Zoé stay in 6A); then the school writes its messages."""
    from plateau.server import models as m

    with world.db.write() as s:
        s.get(m.Person, world.ids["P-TOM"]).class_name = "5B"
    ids = world.ids
    return {
        "site": write(world, SITE_A, "Portes ouvertes"),
        "6A": write(world, SITE_A, "Sortie des 6A", audience="classes", classes=["6A"], first=date(2026, 11, 21)),
        "5B": write(world, SITE_A, "Menu à thème des 5B", audience="classes", classes=["5B"],
                    first=date(2026, 11, 22)),
        "zoe": write(world, SITE_A, "Pour les parents de Zoé", audience="pupils", pupils=[ids["P-ZOE"]],
                     first=date(2026, 11, 23)),
        "site_b": write(world, SITE_B, "Lycée B : grève", first=date(2026, 11, 19)),
        "later": write(world, SITE_A, "Bientôt", first=date(2026, 11, 30)),
        "over": write(world, SITE_A, "Déjà fini", first=date(2026, 11, 2), last=date(2026, 11, 22)),
        "last_day": write(world, SITE_A, "Dernier jour", first=date(2026, 11, 2), last=date(2026, 11, 23)),
    }


@pytest.fixture(autouse=True)
def monday(world):
    world.clock.set(MONDAY)
    world.app.state.family_throttle = None


def titles(world, token) -> list[str]:
    r = world.get(f"{FAMILY}/messages", token)
    assert r.status_code == 200, r.text
    return [x["title"] for x in r.json()]


def test_each_family_sees_the_messages_of_its_own_children_only_newest_first(world, sent):
    martin, durand, petit = (world.sign_in(f"{who}@example.org") for who in ("martin", "durand", "petit"))
    # Léa (6A) and Tom (5B): both classes' messages; the site B message through Bob
    assert titles(world, martin) == ["Menu à thème des 5B", "Sortie des 6A", "Portes ouvertes", "Lycée B : grève",
                                     "Dernier jour"]
    assert titles(world, durand) == ["Sortie des 6A", "Portes ouvertes", "Dernier jour"]   # Léa's father only
    assert titles(world, petit) == ["Pour les parents de Zoé", "Sortie des 6A", "Portes ouvertes", "Dernier jour"]
    listed = {x["title"]: x for x in world.get(f"{FAMILY}/messages", martin).json()}
    ids = world.ids
    assert listed["Sortie des 6A"]["children"] == [ids["P-LEA"]]
    assert listed["Menu à thème des 5B"]["children"] == [ids["P-TOM"]]
    assert sorted(listed["Portes ouvertes"]["children"]) == sorted([ids["P-LEA"], ids["P-TOM"]])
    assert listed["Lycée B : grève"]["children"] == [ids["P-BOB"]] and listed["Lycée B : grève"]["site"] == SITE_B
    one = listed["Portes ouvertes"]
    assert one["body"] == "Texte de « Portes ouvertes ».\nDeuxième ligne." and one["author"] == "Secrétariat"
    assert one["published_on"] == "2026-11-20" and one["ends_on"] is None and one["read"] is False


def test_a_message_shows_from_its_first_day_to_its_last_unless_withdrawn(world, sent):
    petit = world.sign_in("petit@example.org")
    world.clock.set(datetime(2026, 11, 30, 0, 5, tzinfo=PARIS))   # the school's Monday, 5 past midnight
    shown = titles(world, petit)
    assert "Bientôt" in shown and "Dernier jour" not in shown and "Déjà fini" not in shown
    world.clock.set(datetime(2026, 11, 29, 23, 55, tzinfo=PARIS))
    assert "Bientôt" not in titles(world, petit)
    from plateau.server import store

    with world.db.write() as s:
        messages.withdraw(s, store.get_site(s, SITE_A), sent["later"], actor="cli", now=MONDAY)
    world.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=PARIS))
    assert "Bientôt" not in titles(world, petit)
    assert world.get(f"{FAMILY}/messages/{sent['later']}", petit).status_code == 404


def test_reading_marks_the_message_read_for_that_guardian_only(world, sent):
    martin, durand = world.sign_in("martin@example.org"), world.sign_in("durand@example.org")
    before = world.get(f"{FAMILY}/messages/{sent['6A']}", martin)
    assert before.status_code == 200 and before.json()["read"] is False   # looking is not reading
    read = world.post(f"{FAMILY}/messages/{sent['6A']}/read", token=martin)
    assert read.status_code == 200 and read.json()["read"] is True and read.json()["title"] == "Sortie des 6A"
    assert world.post(f"{FAMILY}/messages/{sent['6A']}/read", token=martin).status_code == 200  # again: harmless
    assert {x["id"]: x["read"] for x in world.get(f"{FAMILY}/messages", martin).json()}[sent["6A"]] is True
    assert {x["id"]: x["read"] for x in world.get(f"{FAMILY}/messages", durand).json()}[sent["6A"]] is False


def test_another_familys_message_answers_404_like_one_that_does_not_exist(world, sent):
    petit = world.sign_in("petit@example.org")
    for path in ("", "/read"):
        method = world.post if path else world.get
        theirs = method(f"{FAMILY}/messages/{sent['5B']}{path}", token=petit)
        none = method(f"{FAMILY}/messages/{2**31 - 2}{path}", token=petit)
        assert theirs.status_code == none.status_code == 404
        assert theirs.json() == none.json() == {"error": "not_found", "reason": "no such message"}
    other_site = method(f"{FAMILY}/messages/{sent['site_b']}/read", token=petit)
    assert other_site.status_code == 404
    # the other family's read state was not touched by the attempts
    martin = world.sign_in("martin@example.org")
    assert {x["id"]: x["read"] for x in world.get(f"{FAMILY}/messages", martin).json()}[sent["5B"]] is False


def test_station_and_admin_tokens_are_refused_and_no_token_is_401(world, sent):
    for token in (world.station_token, world.admin_token):
        assert world.get(f"{FAMILY}/messages", token).status_code == 403
        assert world.post(f"{FAMILY}/messages/{sent['site']}/read", token=token).status_code == 403
    assert world.get(f"{FAMILY}/messages").status_code == 401


def test_a_guardian_who_lost_access_sees_nothing_and_a_custody_change_ends_a_pupils_messages(world, sent):
    from plateau.server.imports.runner import run_import
    from tests.integration.server.family_world import GUARDIANS_CSV

    without_petit = "\n".join(line for line in GUARDIANS_CSV.splitlines() if "G-PETIT" not in line) + "\n"
    # Léa's father loses his link to her but stays a guardian of the school (of Zoé, say)
    custody = without_petit.replace("G-DURAND;durand@example.org;DURAND;Marc;P-LEA;0",
                                    "G-DURAND;durand@example.org;DURAND;Marc;P-ZOE;0")
    assert run_import(world.db, SITE_A, "guardians", custody.encode()).applied
    try:
        with world.db.read() as s:
            assert messages.for_family(s, "petit@example.org", MONDAY) == []
            durand = [f.message.title for f in messages.for_family(s, "durand@example.org", MONDAY)]
        assert "Pour les parents de Zoé" in durand and "Sortie des 6A" in durand   # through Zoé now
        with world.db.read() as s:
            kids = {f.message.title: f.children for f in messages.for_family(s, "durand@example.org", MONDAY)}
        assert kids["Sortie des 6A"] == (world.ids["P-ZOE"],)
    finally:
        assert run_import(world.db, SITE_A, "guardians", GUARDIANS_CSV.encode()).applied
    assert "Pour les parents de Zoé" in titles(world, world.sign_in("petit@example.org"))


@pytest.mark.parametrize("case", ["empty_title", "blank_title", "empty_body", "long_body", "long_title",
                                  "end_before_start", "no_first_day", "no_class", "unknown_class",
                                  "pupil_of_another_site", "bad_audience"])
def test_a_message_that_cannot_be_sent_is_refused_and_nothing_is_written(world, sent, case):
    from plateau.server import store

    ok = dict(title="Titre", body="Texte", publish_on=date(2026, 11, 23), ends_on=None, audience="site",
              classes=[], pupils=[])
    bad = {"empty_title": {"title": ""}, "blank_title": {"title": "  \n "}, "empty_body": {"body": " \r\n"},
           "long_body": {"body": "x" * (messages.MAX_BODY + 1)}, "long_title": {"title": "t" * 201},
           "end_before_start": {"ends_on": date(2026, 11, 22)}, "no_first_day": {"publish_on": None},
           "no_class": {"audience": "classes"}, "unknown_class": {"audience": "classes", "classes": ["3Z"]},
           "pupil_of_another_site": {"audience": "pupils", "pupils": [world.ids["P-BOB"]]},
           "bad_audience": {"audience": "everyone"}}[case]
    with world.db.read() as s:
        count = s.execute(select(func.count()).select_from(SchoolMessage)).scalar_one()
    with pytest.raises(messages.MessageError) as refused:
        with world.db.write() as s:
            messages.save(s, store.get_site(s, SITE_A), messages.Draft(**{**ok, **bad}), actor="cli",
                          author_id=None, author_name="Test", now=MONDAY)
    assert refused.value.text.endswith(".") and str(refused.value)
    with world.db.read() as s:
        assert s.execute(select(func.count()).select_from(SchoolMessage)).scalar_one() == count


def test_the_admin_api_writes_edits_and_withdraws_under_the_same_rules(world, sent):
    admin, path = world.admin_token, f"/api/v1/sites/{SITE_A}/messages"
    body = {"title": "Grève du 4 décembre", "body": "Pas de service le 4.", "publish_on": "2026-11-23",
            "audience": "classes", "classes": ["5B"]}
    with world.db.read() as s:
        count = s.execute(select(func.count()).select_from(SchoolMessage)).scalar_one()
    for bad, reason in (({"title": " "}, "Give the message a title."),
                        ({"ends_on": "2026-11-22"}, "The last day is before the first day."),
                        ({"body": "x" * 5001}, "The text is too long (5001 characters, at most 5000)."),
                        ({"classes": ["3Z"]}, "No pupil of this school is in class 3Z.")):
        r = world.post(path, {**body, **bad}, token=admin)
        assert r.status_code == 422 and r.json() == {"error": "invalid_message", "reason": reason}
    with world.db.read() as s:
        assert s.execute(select(func.count()).select_from(SchoolMessage)).scalar_one() == count
    r = world.post(path, body, token=admin)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["state"] == "published" and made["classes"] == ["5B"] and made["author"] == "Collège Jean Moulin"
    martin, petit = world.sign_in("martin@example.org"), world.sign_in("petit@example.org")
    assert "Grève du 4 décembre" in titles(world, martin) and "Grève du 4 décembre" not in titles(world, petit)
    edited = world.put(f"{path}/{made['id']}", json={**body, "audience": "site"}, token=admin)
    assert edited.status_code == 200 and edited.json()["classes"] == []
    assert "Grève du 4 décembre" in titles(world, petit)
    gone = world.delete(f"{path}/{made['id']}", token=admin)
    assert gone.status_code == 200 and gone.json()["state"] == "withdrawn"
    assert "Grève du 4 décembre" not in titles(world, martin)
    assert world.put(f"{path}/{made['id']}", json=body, token=admin).status_code == 422
    assert world.delete(f"{path}/{2**31 - 2}", token=admin).json() == {"error": "not_found",
                                                                      "reason": "no such message"}
    # another site's message is not found under this site
    other = world.post(f"/api/v1/sites/{SITE_B}/messages", {**body, "audience": "site"}, token=admin).json()
    assert world.delete(f"{path}/{other['id']}", token=admin).status_code == 404
    listed = world.get(path, admin).json()
    assert [x["id"] for x in listed if x["id"] == made["id"]] and other["id"] not in [x["id"] for x in listed]
    from plateau.server import audit

    with world.db.read() as s:
        actions = [e.action for e in audit.latest(s, target=f"message:{made['id']}")]
    assert actions == ["message.withdraw", "message.edit", "message.write"]


def _wait_for(box, count: int) -> list:
    import time

    deadline = time.monotonic() + 15
    while len(box.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(box.messages)


def test_a_new_message_is_emailed_to_the_guardians_it_concerns_through_a_real_smtp_server(world, sent):
    from tests.integration.server.family_world import Inbox

    path = f"/api/v1/sites/{SITE_A}/messages"
    body = {"title": "Sortie des 6A : pique-nique", "body": "Prévoir un pique-nique.\nMerci.",
            "publish_on": "2026-11-23", "audience": "classes", "classes": ["6A"]}
    with Inbox() as box:
        world.app.state.family_mail = box.settings()
        try:
            made = world.post(path, body, token=world.admin_token).json()
            received = _wait_for(box, 3)
            assert sorted(to for tos, _ in received for to in tos) == [
                "durand@example.org", "martin@example.org", "petit@example.org"]     # Léa's and Zoé's
            message = received[0][1]
            text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
            assert message["Subject"] == "Collège Jean Moulin : Sortie des 6A : pique-nique"
            assert "Prévoir un pique-nique.\nMerci." in text
            assert f"https://famille.example.org/famille/messages/{made['id']}" in text
            box.messages.clear()
            # one pupil: only that pupil's guardians; scheduled for later or edited: no e-mail now
            world.post(path, {**body, "audience": "pupils", "pupils": [world.ids["P-TOM"]], "classes": []},
                       token=world.admin_token)
            assert [tos for tos, _ in _wait_for(box, 1)] == [["martin@example.org"]]
            world.post(path, {**body, "publish_on": "2099-01-04"}, token=world.admin_token)
            world.put(f"{path}/{made['id']}", json=body, token=world.admin_token)
            world.post(path, {**body, "audience": "pupils", "pupils": [world.ids["P-ZOE"]], "classes": []},
                       token=world.admin_token)   # a marker: the e-mails come in order
            assert [tos for tos, _ in _wait_for(box, 2)] == [["martin@example.org"], ["petit@example.org"]]
        finally:
            world.app.state.family_mail = None


def test_a_message_scheduled_for_a_later_day_is_emailed_on_that_day_once_and_never_once_withdrawn(world, sent):
    """The server's job (`ScheduledMail`, run here on its own event loop as the server runs it)
    e-mails a message on its first day, once, whoever else looks; not before, not withdrawn."""
    import asyncio
    from datetime import timedelta

    from plateau.server.family import message_mail
    from plateau.server.family.mail import MailSettings
    from tests.integration.server.family_world import Inbox

    message_mail.send_due(MailSettings(), world.db, MONDAY)   # what is due today had its turn (no SMTP)
    tuesday = write(world, SITE_A, "Photo de classe mardi", audience="pupils", pupils=[world.ids["P-ZOE"]],
                    first=date(2026, 11, 24))
    withdrawn = write(world, SITE_A, "Annulé", audience="pupils", pupils=[world.ids["P-ZOE"]],
                      first=date(2026, 11, 24))
    with world.db.write() as s:
        s.get(SchoolMessage, withdrawn).withdrawn_at = MONDAY
    with Inbox() as box:
        clock = [MONDAY]

        async def run_job(until):
            job = message_mail.ScheduledMail(world.db, box.settings, lambda: clock[0], every=0.05, first_delay=0)
            job.start()
            await asyncio.sleep(until)
            await job.stop()

        asyncio.run(run_job(0.5))
        assert box.messages == []   # Monday: its day has not come
        clock[0] = MONDAY + timedelta(days=1, hours=-8)   # Tuesday 01:00 in Paris, still Monday in UTC
        asyncio.run(run_job(0.5))
        received = _wait_for(box, 1)
        assert [(tos, m["Subject"]) for tos, m in received] == [
            (["petit@example.org"], "Collège Jean Moulin : Photo de classe mardi")]
        assert message_mail.send_due(box.settings(), world.db, clock[0]) == 0   # once
        assert message_mail.notify(box.settings(), world.db, tuesday, clock[0]) == 0
    with world.db.read() as s:
        assert s.get(SchoolMessage, tuesday).mailed_at == clock[0]
        assert s.get(SchoolMessage, withdrawn).mailed_at is None


def test_the_openapi_document_describes_the_messages_routes(world):
    doc = world.get("/api/v1/openapi.json").json()
    for path, methods in (("/api/v1/family/messages", {"get"}), ("/api/v1/family/messages/{message_id}", {"get"}),
                          ("/api/v1/family/messages/{message_id}/read", {"post"}),
                          ("/api/v1/sites/{site}/messages", {"get", "post"}),
                          ("/api/v1/sites/{site}/messages/{message_id}", {"put", "delete"})):
        assert methods <= set(doc["paths"][path]), path
    assert "family" in doc["paths"]["/api/v1/family/messages"]["get"]["tags"]
    out = doc["components"]["schemas"]["MessageOut"]["properties"]
    assert {"id", "site", "title", "body", "published_on", "ends_on", "author", "children", "read"} <= set(out)
