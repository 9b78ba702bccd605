"""Signed cookie values against better-call's worked example, and properties of tampering."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from switcher.protocol.cookies import parse_first
from switcher.protocol.signing import Signer

SECRET = "test-secret"


ENCODED = "abc123.Z7aPPn0OT3ARmifwmGJkMRec74H1AV%2BRwtpUqN8Ev2c%3D"


RAW = "abc123.Z7aPPn0OT3ARmifwmGJkMRec74H1AV+RwtpUqN8Ev2c="


def test_signing_matches_the_worked_example() -> None:
    signer = Signer(SECRET)
    assert signer.signature("abc123") == "Z7aPPn0OT3ARmifwmGJkMRec74H1AV+RwtpUqN8Ev2c="
    assert signer.sign("abc123") == ENCODED


def test_the_transcript_cookie_is_reproduced() -> None:
    signer = Signer("peer-test-secret-0123456789abcdef0123456789")
    assert signer.sign("RruqhR4XOOm7QO0MCwHyUDfjPoFzjImY") == (
        "RruqhR4XOOm7QO0MCwHyUDfjPoFzjImY.UcU7we8sXjBeAxNYOOONqxHL0zhPFdKQkn6y8VjwwGo%3D"
    )
    assert signer.sign("true") == "true.VMFVmYIaMCDcJgCIDdk7B85walBuj%2BXM85dLlVPbpq0%3D"


def test_get_signed_cookie_results_match_better_call() -> None:
    signer = Signer(SECRET)
    decoded = parse_first(f"c={ENCODED}")["c"]
    assert signer.unsign(decoded) == "abc123"
    assert signer.unsign(RAW) == "abc123"
    assert signer.unsign(None) is None
    assert signer.unsign("") is None
    assert signer.unsign(parse_first(f"c={Signer('other').sign('abc123')}")["c"]) is False
    assert signer.unsign("abc123.fake-signature") is None
    assert signer.unsign("abc123") is None
    assert signer.unsign(".Z7aPPn0OT3ARmifwmGJkMRec74H1AV+RwtpUqN8Ev2c=") is None


tokens = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    min_size=1,
    max_size=40,
)


def _decoded(signer: Signer, value: str) -> str:
    return parse_first(f"c={signer.sign(value)}")["c"]


@given(tokens)
def test_a_signed_value_round_trips_through_the_cookie_parser(value: str) -> None:
    signer = Signer(SECRET)
    assert signer.unsign(_decoded(signer, value)) == value


@given(tokens, st.integers(min_value=0), st.characters(codec="ascii"))
def test_no_tampered_value_verifies(value: str, at: int, replacement: str) -> None:
    signer = Signer(SECRET)
    raw = _decoded(signer, value)
    position = at % len(raw)
    tampered = raw[:position] + replacement + raw[position + 1 :]
    result = signer.unsign(tampered)
    if isinstance(result, str):
        # Only an equivalent signature can pass: same value, same MAC bytes.
        sig = tampered.rpartition(".")[2]
        assert result == value
        assert base64.b64decode(sig) == base64.b64decode(signer.signature(value))


@given(tokens, st.integers(min_value=1))
def test_no_truncated_value_verifies(value: str, cut: int) -> None:
    signer = Signer(SECRET)
    raw = _decoded(signer, value)
    truncated = raw[: len(raw) - 1 - cut % len(raw)]
    assert not isinstance(signer.unsign(truncated), str)


@given(tokens, st.text(min_size=1, max_size=40))
def test_a_value_signed_with_another_secret_never_verifies(value: str, other: str) -> None:
    if other == SECRET:
        return
    assert not isinstance(Signer(SECRET).unsign(_decoded(Signer(other), value)), str)
