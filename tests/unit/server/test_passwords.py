"""scrypt hashes against better-auth's vectors."""

from __future__ import annotations

from switcher.server.passwords import hash_password, js_length, verify_password, well_formed

FIXED = (
    "0123456789abcdef0123456789abcdef:f7c278f7f739ad5077f0a82b9a3d67831a7d1b05bc7b8e41fd9d55eb"
    "65c87a3f51cefaa870eda509939a162697e744990e3143cfc78ed746f2f981bb61c569e2"
)


RANDOM = (
    "2321a1aef06c2fe4c3b32e72e90e067d:e132a90d391b150e42c25bccb50c0e9f5f4ec5fcc34c1b39376e1bbc"
    "00056b204372f067e42d8dd6814a4cee1827e27b47458e2edc1cded4f3164260d54fe9ea"
)


def test_fixed_salt_vector() -> None:
    assert hash_password("password", "0123456789abcdef0123456789abcdef") == FIXED


def test_better_auths_random_hash_verifies_for_the_right_password_only() -> None:
    assert verify_password(RANDOM, "password")
    assert not verify_password(RANDOM, "Password")


def test_a_new_hash_has_better_auths_shape_and_verifies() -> None:
    stored = hash_password("correct horse")
    salt, key = stored.split(":")
    assert len(stored) == 161 and len(salt) == 32 and len(key) == 128
    assert verify_password(stored, "correct horse")


def test_nfkc_makes_compatibility_forms_equal() -> None:
    stored = hash_password("ｐａｓｓｗｏｒｄ")  # fullwidth letters  # noqa: RUF001
    assert verify_password(stored, "password")


def test_malformed_stored_hashes_do_not_verify() -> None:
    assert not verify_password("no-colon", "password")
    assert not verify_password(":abc", "password")


def test_javascript_length_and_lone_surrogates() -> None:
    assert js_length("\U0001f511" * 3) == 6
    assert js_length("abc") == 3
    assert well_formed("a\ud800b") == "a\ufffdb"
