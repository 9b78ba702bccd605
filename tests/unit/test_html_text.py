"""html_text.escape: what the standard html.escape gives, without its entity table."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from switcher.html_text import escape


@given(st.text())
def test_escaping_is_the_standard_librarys(text: str) -> None:
    assert escape(text) == html.escape(text)
    assert escape(text, quote=False) == html.escape(text, quote=False)


def test_a_name_that_looks_like_markup_stays_text() -> None:
    assert escape("<b>Ann & 'Bo'</b>") == "&lt;b&gt;Ann &amp; &#x27;Bo&#x27;&lt;/b&gt;"
