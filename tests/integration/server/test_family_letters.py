"""Activation letters: a PDF page per family that cannot sign in yet, whose code activates it."""

from __future__ import annotations

import re
import subprocess

from tests.integration.server.family_world import SITE_A, world  # noqa: F401 (fixture)
from tests.support.server import plateau_cmd

CODE = re.compile(r"\b[A-Z2-9]{5}-[A-Z2-9]{5}\b")


def test_letters_for_the_families_without_a_password_then_one_activates(world, tmp_path):
    from plateau.server.imports.runner import run_import
    from tests.integration.server.family_world import GUARDIANS_CSV

    assert run_import(world.db, SITE_A, "guardians",
                      (GUARDIANS_CSV + "G-PAPER;;MARTIN;Jacques;P-TOM;1\n"
                                       "G-NEW;nouveau@example.org;PETIT;Luc;P-ZOE;0\n").encode()).applied
    pdf = tmp_path / "lettres.pdf"
    done = subprocess.run(plateau_cmd("admin", "--db", world.db_url, "family", "letters", SITE_A, "-o", str(pdf)),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "2 activation letter(s)" in done.stdout                # the other families already sign in
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          timeout=30).stdout
    pages = text.split("\f")[:2]
    assert "Jacques MARTIN" in pages[0] and "Tom MARTIN (6A)" in pages[0] and "choisirez l'adresse" in pages[0]
    assert "Luc PETIT" in pages[1] and "nouveau@example.org" in pages[1] and "Zoé PETIT" in pages[1]
    paper_code = CODE.search(pages[0]).group(0)
    r = world.post("/api/v1/family/activation", {"code": paper_code, "password": "lettre reçue ce matin",
                                                 "email": "jacques.martin@example.org"})
    assert r.status_code == 200, r.text
    token = world.sign_in("jacques.martin@example.org", "lettre reçue ce matin")
    assert [k["first_name"] for k in world.get("/api/v1/family/children", token).json()] == ["Tom"]
