"""Hosts: which stay on this machine, and which are addresses (no parent domains)."""

from __future__ import annotations

import pytest

from switcher.protocol.hosts import is_ip_address, is_loopback


@pytest.mark.parametrize(
    ("host", "loopback", "address"),
    [
        ("localhost", True, False),
        ("127.0.0.1", True, True),
        ("127.8.9.10", True, True),
        ("[::1]", True, True),
        ("::1", True, True),
        ("192.168.1.10", False, True),
        ("app.example.com", False, False),
        ("0.0.1", False, False),  # not an address: a (strange) name
        ("", False, False),
    ],
)
def test_what_a_host_is(host: str, loopback: bool, address: bool) -> None:
    assert (is_loopback(host), is_ip_address(host)) == (loopback, address)
