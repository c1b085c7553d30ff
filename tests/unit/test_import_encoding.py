"""The encoding rules of imported files (`plateau.server.imports.encoding`), on bytes in memory."""

from __future__ import annotations

import pytest

from plateau.server.imports.encoding import LATIN9, UTF8, UTF8_BOM, UTF16, decode
from plateau.server.imports.report import ImportRejected


def test_utf8_with_or_without_bom_and_utf16_with_bom():
    assert decode("Zoé;Cœur".encode("utf-8")) == decode("Zoé;Cœur".encode("utf-8"))
    assert decode("Zoé".encode("utf-8")).encoding == UTF8
    assert (decode(b"\xef\xbb\xbfZo\xc3\xa9").text, decode(b"\xef\xbb\xbfZo\xc3\xa9").encoding) == ("Zoé", UTF8_BOM)
    assert decode("Zoé".encode("utf-16")).encoding == UTF16


def test_not_utf8_is_latin9_not_windows_1252():
    got = decode("Cœur € Ÿ Š Ž".encode("iso-8859-15"))
    assert (got.text, got.encoding) == ("Cœur € Ÿ Š Ž", LATIN9)


@pytest.mark.parametrize("data", [b"a;b\nD\x92ARC;x\n", b"Caf\x8e\n", b"a\x01b\xe9\n"])
def test_control_characters_in_latin9_are_refused(data):
    with pytest.raises(ImportRejected, match="cannot be told"):
        decode(data)


def test_a_declaration_the_bytes_contradict_is_overruled_and_said():
    utf8 = '<?xml version="1.0" encoding="ISO-8859-15"?><A>LEFÈVRE</A>'.encode("utf-8")
    got = decode(utf8, xml=True)
    assert got.encoding == UTF8 and "LEFÈVRE" in got.text and "declares the encoding ISO-8859-15" in got.note
    latin = '<?xml version="1.0" encoding="UTF-8"?><A>LEFÈVRE</A>'.encode("iso-8859-15")
    got = decode(latin, xml=True)
    assert got.encoding == LATIN9 and "LEFÈVRE" in got.text and got.note
    plain = '<?xml version="1.0" encoding="ISO-8859-15"?><A>LEFÈVRE</A>'.encode("iso-8859-15")
    assert decode(plain, xml=True).note is None
    windows = '<?xml version="1.0" encoding="windows-1252"?><A>D’ARC</A>'.encode("cp1252")
    assert decode(windows, xml=True).text.endswith("D’ARC</A>")
