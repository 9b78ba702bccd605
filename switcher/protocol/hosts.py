"""What a host is: one that stays on this machine, an address rather than a name."""

from __future__ import annotations

import ipaddress
import re

# The port a URL of each scheme means when it names none (left out of an origin or Host).
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (IPv6 in brackets or not)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_ip_address(host: str) -> bool:
    """An IP address (IPv6 with or without brackets), not a name: it has no parent domains."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def stored_cookie_hosts(host: str) -> list[str]:
    """How browsers store the hosts of the cookies a request to ``host`` carries.

    The host itself (a host-only cookie), and with a leading dot the host and
    each parent domain (domain cookies); an address has no parent domains.
    """
    host = host.lower()
    if is_ip_address(host):
        return [host, "." + host]
    labels = host.split(".")
    return [host, *("." + ".".join(labels[i:]) for i in range(len(labels)))]


def userinfo_host(typed: str) -> str | None:
    """The host of ``typed`` when it names a user or password (``user:pw@host``), else None.

    Read from what a person typed, with or without a scheme (``urlsplit`` takes
    ``user:pw@host`` for a scheme and a path): such a URL must be refused
    without being repeated, and the host is what to suggest instead.
    """
    text = typed.strip()
    rest = text.split("://", 1)[1] if "://" in text else text.lstrip("/")
    authority = re.split(r"[/?#\\]", rest, maxsplit=1)[0]
    if "@" not in authority:
        return None
    return authority.rpartition("@")[2]
