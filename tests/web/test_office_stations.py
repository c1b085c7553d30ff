"""Stations from the office (admin): add one and its `station.toml` works as it is; rotating its
token stops the old one; revoking stops the station. Over real HTTP, with `plateau sync --once`."""

from __future__ import annotations

import html
import re

from tests.integration.sync.harness import plateau
from tests.web.conftest import csrf_of


def _toml(page: str) -> str:
    found = re.search(r"<pre[^>]*>(.*?)</pre>", page, re.S)
    assert found, "no station.toml on the page"
    return html.unescape(found.group(1))


def test_add_a_station_its_toml_syncs_then_rotate_and_revoke(office, tmp_path):
    http = office.session("admin")
    csrf = csrf_of(http.get(office.url + "/office/stations", timeout=30).text)
    added = http.post(office.url + "/office/stations", data={"csrf": csrf, "station": "self-7"}, timeout=30)
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    toml = _toml(added.text).replace('path = "/var/lib/plateau/station.db"', f'path = "{tmp_path / "s.db"}"')
    assert f'url = "{office.url}"' in toml and 'site = "0691234X"' in toml
    config = tmp_path / "station.toml"
    config.write_text(toml, encoding="utf-8")
    assert plateau("sync", "--once", "--config", str(config), check=False).returncode == 0
    # the token is shown once: the list does not show it again
    token = re.search(r'token = "([^"]+)"', toml).group(1)
    assert token not in http.get(office.url + "/office/stations", timeout=30).text
    rotated = http.post(office.url + "/office/stations/self-7/rotate", data={"csrf": csrf}, timeout=30)
    assert plateau("sync", "--once", "--config", str(config), check=False).returncode != 0   # the old token
    config.write_text(_toml(rotated.text).replace('path = "/var/lib/plateau/station.db"',
                                                  f'path = "{tmp_path / "s.db"}"'), encoding="utf-8")
    assert plateau("sync", "--once", "--config", str(config), check=False).returncode == 0
    http.post(office.url + "/office/stations/self-7/revoke", data={"csrf": csrf}, timeout=30)
    assert plateau("sync", "--once", "--config", str(config), check=False).returncode != 0
    again = http.post(office.url + "/office/stations", data={"csrf": csrf, "station": "self-7"}, timeout=30)
    assert again.status_code == 422 and "existe déjà" in html.unescape(again.text)   # the page's language
    log = http.get(office.url + "/office/audit", timeout=30).text
    assert "borne ajoutée" in log and "jeton de borne renouvelé" in log and "borne révoquée" in log
