"""``CookieJar``: RFC 6265 storage and retrieval, as a browser would do it for one server."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from switcher.client.jar import CookieJar, Refusal
from switcher.protocol.cookie import Cookie

NOW = 1_800_000_000.0


API = "http://example.com/api/auth/sign-in/email"


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _jar(clock: Clock | None = None) -> CookieJar:
    return CookieJar(clock=clock or Clock())


def _http_date(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, UTC), usegmt=True)


def _names(jar: CookieJar) -> list[str]:
    return [cookie.name for cookie in jar]


# -- expiry ----------------------------------------------------------------------


def test_max_age_sets_expires_from_the_clock() -> None:
    jar = _jar()
    assert jar.store(API, "a=1; Max-Age=600; Path=/") is None
    cookie = jar.get("a")
    assert cookie is not None
    assert cookie.value == "1"
    assert cookie.expires == NOW + 600


def test_a_future_expires_sets_expires() -> None:
    jar = _jar()
    when = NOW + 3600
    assert jar.store(API, f"a=1; Expires={_http_date(when)}; Path=/") is None
    cookie = jar.get("a")
    assert cookie is not None
    assert cookie.expires == when


def test_max_age_wins_over_expires() -> None:
    jar = _jar()
    jar.store(API, f"a=1; Expires={_http_date(NOW + 3600)}; Max-Age=60; Path=/")
    cookie = jar.get("a")
    assert cookie is not None
    assert cookie.expires == NOW + 60


def test_without_max_age_or_expires_it_is_a_session_cookie() -> None:
    jar = _jar()
    jar.store(API, "a=1; Path=/; HttpOnly; SameSite=Lax")
    cookie = jar.get("a")
    assert cookie is not None
    assert cookie.expires is None
    assert cookie.http_only is True
    assert cookie.same_site == "Lax"


def test_max_age_zero_deletes_the_cookie() -> None:
    jar = _jar()
    jar.store(API, "a=1; Max-Age=600; Path=/")
    jar.store(API, "b=2; Path=/")
    assert jar.store(API, "a=; Max-Age=0; Path=/") is None
    assert _names(jar) == ["b"]
    assert jar.header_for(API) == "b=2"


def test_a_negative_max_age_deletes_the_cookie() -> None:
    jar = _jar()
    jar.store(API, "a=1; Path=/")
    jar.store(API, "a=; Max-Age=-1; Path=/")
    assert jar.get("a") is None


def test_a_past_expires_deletes_the_cookie() -> None:
    jar = _jar()
    jar.store(API, "a=1; Path=/")
    assert jar.store(API, "a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/") is None
    assert jar.get("a") is None
    assert len(jar) == 0


def test_a_deletion_only_removes_the_cookie_with_the_same_path() -> None:
    jar = _jar()
    jar.store(API, "a=root; Path=/")
    jar.store(API, "a=api; Path=/api")
    jar.store(API, "a=; Max-Age=0; Path=/api")
    assert [(c.name, c.value, c.path) for c in jar] == [("a", "root", "/")]


def test_a_deletion_of_an_unknown_cookie_is_harmless() -> None:
    jar = _jar()
    jar.store(API, "a=1; Path=/")
    assert jar.store(API, "zzz=; Max-Age=0; Path=/") is None
    assert _names(jar) == ["a"]


def test_expired_cookies_are_neither_iterated_nor_sent() -> None:
    clock = Clock()
    jar = _jar(clock)
    jar.store(API, "short=1; Max-Age=10; Path=/")
    jar.store(API, "long=2; Max-Age=1000; Path=/")
    jar.store(API, "session=3; Path=/")
    assert jar.header_for(API) == "short=1; long=2; session=3"
    clock.now = NOW + 10  # expiry is inclusive: at the instant, it is gone
    assert _names(jar) == ["long", "session"]
    assert len(jar) == 2
    assert jar.get("short") is None
    assert jar.header_for(API) == "long=2; session=3"
    clock.now = NOW + 5000
    assert _names(jar) == ["session"]
    assert jar.header_for(API) == "session=3"


# -- domains -----------------------------------------------------------------------


def test_a_cookie_without_domain_is_host_only() -> None:
    jar = _jar()
    jar.store("http://example.com/", "a=1")
    cookie = jar.get("a")
    assert cookie is not None
    assert (cookie.domain, cookie.host_only) == ("example.com", True)
    assert jar.header_for("http://example.com/x") == "a=1"
    assert jar.header_for("http://www.example.com/x") == ""
    assert jar.header_for("http://other.org/x") == ""
    assert jar.header_for("http://notexample.com/x") == ""


def test_a_domain_cookie_is_sent_to_the_domain_and_its_subdomains() -> None:
    jar = _jar()
    assert jar.store("http://www.example.com/", "a=1; Domain=.Example.COM") is None
    cookie = jar.get("a")
    assert cookie is not None
    assert (cookie.domain, cookie.host_only) == ("example.com", False)
    assert jar.header_for("http://example.com/") == "a=1"
    assert jar.header_for("http://www.example.com/") == "a=1"
    assert jar.header_for("http://deep.api.example.com/") == "a=1"
    assert jar.header_for("http://other.org/") == ""
    assert jar.header_for("http://badexample.com/") == ""


def test_host_names_match_case_insensitively() -> None:
    jar = _jar()
    jar.store("http://EXAMPLE.com/", "a=1")
    assert jar.header_for("http://example.COM/") == "a=1"


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("http://example.com/", "other.org"),
        ("http://example.com/", "www.example.com"),  # a subdomain of the host
        ("http://www.example.com/", "ample.com"),  # a suffix, but not on a dot
        ("http://example.com/", "notexample.com"),
    ],
)
def test_a_domain_the_host_is_not_in_is_refused(url: str, domain: str) -> None:
    jar = _jar()
    jar.store(url, "keep=1")
    before = list(jar)
    reason = jar.store(url, f"a=1; Domain={domain}")
    assert reason is not None
    assert "another domain" in str(reason)
    assert domain in str(reason)
    assert list(jar) == before


def test_an_ip_host_never_matches_a_domain_cookie_for_a_different_ip() -> None:
    jar = _jar()
    # "0.0.1" is a dotted suffix of "127.0.0.1", but addresses only match themselves.
    assert jar.store("http://127.0.0.1:8000/", "a=1; Domain=0.0.1") is not None
    assert jar.store("http://127.0.0.1:8000/", "b=2; Domain=127.0.0.1") is None
    assert _names(jar) == ["b"]
    assert jar.header_for("http://127.0.0.1:9000/") == "b=2"
    assert jar.header_for("http://127.0.0.2/") == ""
    assert jar.header_for("http://27.0.0.1/") == ""


def test_a_host_only_ip_cookie_stays_with_that_ip() -> None:
    jar = _jar()
    jar.store("http://127.0.0.1:8000/", "a=1")
    assert jar.header_for("http://127.0.0.1:8000/") == "a=1"
    assert jar.header_for("http://127.0.0.2:8000/") == ""
    assert jar.header_for("http://localhost:8000/") == ""


# -- paths -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_path", "default_path"),
    [
        ("/api/auth/sign-in/email", "/api/auth/sign-in"),
        ("/api/auth/", "/api/auth"),
        ("/login", "/"),
        ("/", "/"),
        ("", "/"),
    ],
)
def test_the_default_path_is_the_request_path_up_to_its_last_slash(
    request_path: str, default_path: str
) -> None:
    jar = _jar()
    jar.store(f"http://example.com{request_path}", "a=1")
    cookie = jar.get("a")
    assert cookie is not None
    assert cookie.path == default_path


def test_a_path_attribute_not_starting_with_a_slash_uses_the_default_path() -> None:
    jar = _jar()
    jar.store("http://example.com/api/auth/x", "a=1; Path=api")
    cookie = jar.get("a")
    assert cookie is not None
    assert cookie.path == "/api/auth"


@pytest.mark.parametrize(
    ("request_path", "sent"),
    [
        ("/api", True),
        ("/api/", True),
        ("/api/auth", True),
        ("/api/auth/get-session", True),
        ("/apix", False),
        ("/ap", False),
        ("/", False),
        ("/other/api", False),
    ],
)
def test_path_matching(request_path: str, sent: bool) -> None:
    jar = _jar()
    jar.store("http://example.com/", "a=1; Path=/api")
    assert jar.header_for(f"http://example.com{request_path}") == ("a=1" if sent else "")


def test_a_path_ending_in_a_slash_matches_everything_below_it() -> None:
    jar = _jar()
    jar.store("http://example.com/", "a=1; Path=/api/")
    assert jar.header_for("http://example.com/api/auth") == "a=1"
    assert jar.header_for("http://example.com/api/") == "a=1"
    assert jar.header_for("http://example.com/api") == ""
    assert jar.header_for("http://example.com/apix") == ""


def test_root_path_cookies_go_everywhere_on_the_host() -> None:
    jar = _jar()
    jar.store("http://example.com/api/auth/sign-in/email", "a=1; Path=/")
    assert jar.header_for("http://example.com/") == "a=1"
    assert jar.header_for("http://example.com/anything/else") == "a=1"


def test_the_same_name_on_two_paths_is_two_cookies() -> None:
    jar = _jar()
    jar.store("http://example.com/", "a=root; Path=/")
    jar.store("http://example.com/", "a=api; Path=/api")
    assert len(jar) == 2
    assert jar.header_for("http://example.com/api/x") == "a=root; a=api"
    assert jar.header_for("http://example.com/x") == "a=root"


# -- Secure --------------------------------------------------------------------------


def test_a_secure_cookie_from_plain_http_on_a_public_host_is_refused() -> None:
    jar = _jar()
    reason = jar.store("http://example.com/", "a=1; Secure; Path=/")
    assert reason is not None
    assert reason.refusal == Refusal.INSECURE_ORIGIN
    assert list(jar) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/",
        "http://127.0.0.1:3000/",
        "http://127.5.6.7/",
        "http://localhost:3000/",
        "http://app.localhost/",
        "http://[::1]:3000/",
    ],
)
def test_a_secure_cookie_is_accepted_from_https_and_loopback(url: str) -> None:
    jar = _jar()
    assert jar.store(url, "a=1; Secure; Path=/") is None
    cookie = jar.get("a")
    assert cookie is not None
    assert cookie.secure is True
    assert jar.header_for(url) == "a=1"


def test_a_secure_cookie_is_not_sent_over_plain_http_to_a_public_host() -> None:
    jar = _jar()
    jar.store("https://example.com/", "s=1; Secure; Path=/")
    jar.store("https://example.com/", "p=2; Path=/")
    assert jar.header_for("https://example.com/x") == "s=1; p=2"
    assert jar.header_for("http://example.com/x") == "p=2"


def test_a_secure_prefixed_name_without_secure_is_refused() -> None:
    jar = _jar()
    reason = jar.store("https://example.com/", "__Secure-better-auth.session_token=v; Path=/")
    assert reason is not None
    assert reason.refusal == Refusal.SECURE_PREFIX_WITHOUT_SECURE
    assert list(jar) == []
    assert jar.store("https://example.com/", "__Secure-better-auth.session_token=v; Secure") is None
    assert _names(jar) == ["__Secure-better-auth.session_token"]


# -- order -------------------------------------------------------------------------


def test_cookies_are_kept_and_sent_in_creation_order() -> None:
    jar = _jar()
    for name in ("c", "a", "b"):
        jar.store(API, f"{name}=1; Path=/")
    assert _names(jar) == ["c", "a", "b"]
    assert jar.header_for(API) == "c=1; a=1; b=1"


def test_replacing_a_cookie_keeps_its_creation_position() -> None:
    jar = _jar()
    jar.store(API, "better-auth.session_token=alice; Max-Age=600; Path=/")
    jar.store(API, "better-auth.session_token_multi-alice=alice; Max-Age=600; Path=/")
    jar.store(API, "better-auth.session_token_multi-bob=bob; Max-Age=600; Path=/")
    jar.store(API, "better-auth.session_token=bob; Max-Age=900; Path=/")
    jar.store(API, "better-auth.session_token_multi-alice=alice2; Max-Age=900; Path=/")
    assert [(c.name, c.value) for c in jar] == [
        ("better-auth.session_token", "bob"),
        ("better-auth.session_token_multi-alice", "alice2"),
        ("better-auth.session_token_multi-bob", "bob"),
    ]
    replaced = jar.get("better-auth.session_token")
    assert replaced is not None
    assert replaced.expires == NOW + 900
    assert jar.header_for(API) == (
        "better-auth.session_token=bob; better-auth.session_token_multi-alice=alice2; "
        "better-auth.session_token_multi-bob=bob"
    )


def test_a_deleted_then_recreated_cookie_goes_to_the_end() -> None:
    jar = _jar()
    jar.store(API, "a=1; Path=/")
    jar.store(API, "b=1; Path=/")
    jar.store(API, "a=; Max-Age=0; Path=/")
    jar.store(API, "a=2; Path=/")
    assert _names(jar) == ["b", "a"]


def test_a_cookie_set_again_after_it_expired_is_a_new_cookie_at_the_end() -> None:
    clock = Clock()
    jar = _jar(clock)
    jar.store(API, "a=1; Max-Age=10; Path=/")
    jar.store(API, "b=1; Path=/")
    clock.now = NOW + 20  # "a" has expired: a browser has evicted it
    assert _names(jar) == ["b"]
    jar.store(API, "a=2; Max-Age=10; Path=/")
    assert _names(jar) == ["b", "a"]


# -- malformed lines ---------------------------------------------------------------


@pytest.mark.parametrize("line", ["", "no-equals-sign", "=value-without-name", " ; Path=/"])
def test_malformed_lines_are_refused_with_a_reason(line: str) -> None:
    jar = _jar()
    jar.store(API, "keep=1; Path=/")
    reason = jar.store(API, line)
    assert reason is not None
    assert reason.refusal == Refusal.MALFORMED
    assert [(c.name, c.value) for c in jar] == [("keep", "1")]


def test_an_unparseable_max_age_or_expires_is_ignored_not_the_cookie() -> None:
    jar = _jar()
    assert jar.store(API, "a=1; Max-Age=soon; Expires=someday; Path=/") is None
    cookie = jar.get("a")
    assert cookie is not None
    assert cookie.expires is None


# -- the jar as a value ---------------------------------------------------------------


def test_cookie_to_dict_and_from_dict_round_trip() -> None:
    jar = _jar()
    jar.store("https://www.example.com/api/auth/x", "a=v; Domain=example.com; Secure; Max-Age=60")
    jar.store("https://www.example.com/api/auth/x", "b=w; SameSite=Strict")
    for cookie in jar:
        data = cookie.to_dict()
        assert Cookie.from_dict(data) == cookie
    a = jar.get("a")
    assert a is not None
    assert a.to_dict() == {
        "name": "a",
        "value": "v",
        "domain": "example.com",
        "host_only": False,
        "path": "/api/auth",
        "secure": True,
        "http_only": False,
        "same_site": None,
        "expires": NOW + 60,
    }


def test_from_dict_ignores_unknown_keys_and_defaults_missing_ones() -> None:
    cookie = Cookie.from_dict({"name": "a", "value": "1", "domain": "h", "future": True})
    assert cookie == Cookie(name="a", value="1", domain="h")


def test_a_jar_rebuilt_from_dicts_sends_the_same_header() -> None:
    clock = Clock()
    jar = _jar(clock)
    for line in ("x=1; Path=/", "y=2; Max-Age=60; Path=/", "z=3; Path=/api"):
        jar.store(API, line)
    rebuilt = CookieJar([Cookie.from_dict(c.to_dict()) for c in jar], clock=clock)
    assert rebuilt.header_for(API) == jar.header_for(API) == "x=1; y=2; z=3"


def test_copy_is_independent() -> None:
    clock = Clock()
    jar = _jar(clock)
    jar.store(API, "a=1; Path=/")
    jar.store(API, "b=2; Path=/")
    copied = jar.copy()
    copied.store(API, "c=3; Path=/")
    copied.store(API, "a=changed; Path=/")
    copied.remove("b")
    assert [(c.name, c.value) for c in jar] == [("a", "1"), ("b", "2")]
    assert [(c.name, c.value) for c in copied] == [("a", "changed"), ("c", "3")]
    jar.clear()
    assert len(jar) == 0
    assert len(copied) == 2


def test_copy_keeps_the_clock() -> None:
    clock = Clock()
    jar = _jar(clock)
    jar.store(API, "a=1; Max-Age=10; Path=/")
    copied = jar.copy()
    clock.now = NOW + 11
    assert list(copied) == []


def test_set_and_remove() -> None:
    jar = _jar()
    jar.set(Cookie(name="a", value="1", domain="example.com"))
    jar.set(Cookie(name="a", value="2", domain="example.com", path="/api"))
    jar.set(Cookie(name="b", value="3", domain="example.com"))
    assert jar.header_for("http://example.com/api") == "a=1; a=2; b=3"
    jar.remove("a")
    assert _names(jar) == ["b"]
