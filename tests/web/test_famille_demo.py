"""`make demo`: the demo family signs in to the Espace Famille with the sign-in the demo prints."""

from __future__ import annotations

import html

import requests

from tests.support.server import running_server
from tests.web.famille_world import sign_in


def test_the_demo_family_signs_in_through_the_portals_form(tmp_path):
    from plateau.demo.families import DEMO_FAMILY_EMAIL, DEMO_FAMILY_PASSWORD
    from plateau.demo.loading import load_school
    from plateau.demo.school import generate

    load_school(tmp_path / "server.db", generate(pupils=20, commensals=5), ("self-1",), say=lambda _line: None)
    with running_server(str(tmp_path / "server.db")) as srv:
        http = requests.Session()
        home = sign_in(http, srv.url, DEMO_FAMILY_EMAIL, DEMO_FAMILY_PASSWORD)
        assert home.status_code == 200 and home.url.endswith("/famille/")
        text = html.unescape(home.text)
        assert text.count("Solde au") == 2                      # the demo family's two children
        assert "2 nouveaux messages" in text                    # the school's two messages
        messages = html.unescape(http.get(srv.url + "/famille/messages", timeout=30).text)
        assert "Repas de Noël au restaurant scolaire" in messages and "Sortie pédagogique des " in messages
        calendar = http.get(srv.url + "/famille/calendrier", timeout=30)
        assert calendar.status_code == 200 and "data-state=" in calendar.text
