"""cookies.txt: the Netscape format, as Python's MozillaCookieJar reads it."""

from __future__ import annotations

from http.cookiejar import MozillaCookieJar
from pathlib import Path

import pytest

from switcher.browsers import CookieReadError
from switcher.browsers.cookies_txt import MAX_FILE_BYTES, parse, read, render, write
from switcher.protocol.cookie import Cookie

SESSION = Cookie("better-auth.session_token", "abc.sig%3D", "127.0.0.1", expires=None)


DOMAIN = Cookie(
    "pref",
    "1",
    "example.com",
    host_only=False,
    http_only=False,
    secure=True,
    expires=2_000_000_000.7,
)


def test_the_format_is_seven_tab_separated_fields() -> None:
    text = render([SESSION, DOMAIN])
    lines = text.splitlines()
    assert lines[0] == "# Netscape HTTP Cookie File"
    assert (
        lines[2] == "#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tbetter-auth.session_token\tabc.sig%3D"
    )
    assert lines[3] == ".example.com\tTRUE\t/\tTRUE\t2000000000\tpref\t1"


def test_pythons_cookie_jar_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "cookies.txt"
    write(path, [SESSION, DOMAIN])
    assert path.stat().st_mode & 0o777 == 0o600
    jar = MozillaCookieJar()
    jar.load(str(path), ignore_discard=True, ignore_expires=True)
    cookies = {c.name: c for c in jar}
    assert cookies["better-auth.session_token"].value == "abc.sig%3D"
    assert cookies["better-auth.session_token"].expires == 0
    assert cookies["pref"].domain == ".example.com"
    assert cookies["pref"].secure


@pytest.mark.parametrize("bad", ["", "../nope/cookies.txt"])
def test_an_unwritable_destination_is_a_clear_error(tmp_path: Path, bad: str) -> None:
    from switcher.browsers import ExportError

    destination = tmp_path / "missing-dir" / "cookies.txt" if bad else tmp_path / bad
    with pytest.raises(ExportError, match="cannot write"):
        write(destination, [SESSION])


def test_what_is_written_reads_back_and_garbage_lines_are_counted() -> None:
    text = render([SESSION, DOMAIN]) + "not a cookie\n\tFALSE\n.x\tTRUE\t/\tFALSE\tsoon\tn\tv\n\n"
    read = parse(text)
    assert read.skipped == 3
    assert [(c.name, c.value, c.domain, c.host_only, c.http_only) for c in read.cookies] == [
        ("better-auth.session_token", "abc.sig%3D", "127.0.0.1", True, True),
        ("pref", "1", "example.com", False, False),
    ]
    assert read.cookies[0].expires is None and read.cookies[1].expires == 2_000_000_000


def test_an_unreadable_or_huge_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CookieReadError, match="cannot read"):
        read(tmp_path / "missing.txt")
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no 64 MiB written
    with pytest.raises(CookieReadError, match=r"larger than a cookies\.txt can be"):
        read(huge)
