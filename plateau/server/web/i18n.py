"""The web pages' words: English in the code, French by default on screen (English on request).

The language of a request: `?lang=fr|en` (remembered in a cookie), else the cookie, else the
browser's Accept-Language when it prefers English, else French. `gettext(lang)` returns the
`_()` the templates use; a missing French word shows the English one (never an error).
"""

from __future__ import annotations

from plateau.server.web.i18n_fr import EN, FR

LANGS = ("fr", "en")
COOKIE = "plateau_lang"


def request_lang(request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGS:
        return cookie
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return "fr"


def gettext(lang: str):
    if lang == "en":
        def english(text: str, **kw) -> str:
            out = EN.get(text, text)
            return out.format(**kw) if kw else out

        return english

    def _(text: str, **kw) -> str:
        out = FR.get(text, text)
        return out.format(**kw) if kw else out

    return _
