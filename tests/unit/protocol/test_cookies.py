"""Cookie header parsing (both of better-auth's parsers) and Set-Cookie lines."""

from __future__ import annotations

from switcher.protocol.cookies import (
    CookieAttributes,
    CookieNames,
    decode_uri_component,
    multi_names,
    names_last,
    parse_first,
    serialize,
)
from switcher.protocol.setcookie import parse_set_cookie


def test_names_follow_prefix_and_secure_setting() -> None:
    plain = CookieNames()
    assert plain.session_token == "better-auth.session_token"
    assert plain.multi("AbC") == "better-auth.session_token_multi-abc"
    secure = CookieNames("myapp", secure=True)
    assert secure.dont_remember == "__Secure-myapp.dont_remember"
    assert secure.multi("X") == "__Secure-myapp.session_token_multi-x"


def test_better_calls_parser_keeps_the_first_occurrence_and_decodes_percent() -> None:
    cookies = parse_first('a=1; b="q%2B"; a=2; broken; =x; c=%E0%A4%A')
    assert cookies == {"a": "1", "b": "q+", "c": "%E0%A4%A"}


def test_better_auths_parser_drops_malformed_pairs_and_keeps_header_order() -> None:
    header = 'z_multi-1=ok; bad name=x; y_multi-2=has"quote; x=1; z_multi-1=again'
    assert names_last(header) == ["z_multi-1", "x"]
    assert multi_names(header) == ["z_multi-1"]
    assert names_last(None) == []


def test_decode_uri_component_fails_where_javascript_throws() -> None:
    assert decode_uri_component("%E2%82%AC") == "€"
    assert decode_uri_component("%") is None
    assert decode_uri_component("%C3") is None  # truncated UTF-8


def test_serialize_in_better_calls_attribute_order() -> None:
    line = serialize("better-auth.session_token", "v", CookieAttributes(), 604800)
    assert line == "better-auth.session_token=v; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"
    secure = serialize("__Secure-x", "", CookieAttributes(domain="example.com"), 0)
    assert (
        secure
        == "__Secure-x=; Max-Age=0; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Lax"
    )


def test_set_cookie_lines_parse_like_a_browser() -> None:
    parsed = parse_set_cookie(
        "__Secure-a=b%3D; Max-Age=0; Domain=.Example.com; Path=/; HttpOnly; Secure; SameSite=lax"
    )
    assert parsed is not None
    assert (parsed.name, parsed.value, parsed.max_age, parsed.domain) == (
        "__Secure-a",
        "b%3D",
        0,
        "example.com",
    )
    assert parsed.secure and parsed.http_only and parsed.same_site == "Lax" and parsed.deletes
    expires = parse_set_cookie("a=b; Expires=Wed, 21 Oct 2015 07:28:00 GMT")
    assert expires is not None and expires.expires is not None and expires.expires.year == 2015
    assert parse_set_cookie("no-equals-sign") is None
    assert parse_set_cookie("=value") is None
    assert parse_set_cookie("a=b; Max-Age=soon") == parse_set_cookie("a=b")
