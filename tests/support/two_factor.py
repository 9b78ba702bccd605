"""Turning two-factor sign-in on for a peer's user, and the codes a person would type.

TOTP is RFC 6238 as better-auth uses it: HMAC-SHA-1, 6 digits, 30 s steps,
from the base32 secret in the ``totpURI`` the site returns when it is enabled.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.support.browser import Browser
from tests.support.targets import PASSWORD


def totp(secret: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows for the base32 ``secret`` at time ``at``."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


@dataclass(frozen=True)
class TwoFactorUser:
    email: str
    secret: str  # the authenticator app's base32 secret
    backup_codes: tuple[str, ...]

    def code(self) -> str:
        return totp(self.secret)

    def wrong_code(self) -> str:
        """Six digits that are none of the codes the site accepts now (it allows ±1 step)."""
        now = time.time()
        valid = {totp(self.secret, now + d * 30) for d in (-1, 0, 1)}
        return next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in valid)


def user_with_totp(url: str, email: str, username: str | None = None) -> TwoFactorUser:
    """Sign a user up on the site at ``url`` and turn on its authenticator-app sign-in.

    ``username``: also its name for the username plugin's sign-in.
    """
    browser = Browser(url)
    try:
        body = {"email": email, "password": PASSWORD, "name": "Two"}
        if username is not None:
            body["username"] = username
        made = browser.post("/sign-up/email", body)
        assert made.status_code == 200, made.text
        enabled = browser.post("/two-factor/enable", {"password": PASSWORD})
        assert enabled.status_code == 200, enabled.text
        uri = enabled.json()["totpURI"]
        secret = parse_qs(urlsplit(uri).query)["secret"][0]
        # The site turns two-factor on once a first code proves the app has the secret.
        proved = browser.post("/two-factor/verify-totp", {"code": totp(secret)})
        assert proved.status_code == 200, proved.text
        return TwoFactorUser(email, secret, tuple(enabled.json()["backupCodes"]))
    finally:
        browser.close()


def mailed(mail_log: Path, kind: str, to: str) -> dict[str, str]:
    """The last message of ``kind`` the site sent to ``to`` (see the peer's --mail-log)."""
    for line in reversed(mail_log.read_text().splitlines() if mail_log.exists() else []):
        message = json.loads(line)
        if message["kind"] == kind and message["to"] == to:
            return {k: str(v) for k, v in message.items()}
    raise AssertionError(f"the site sent no {kind} message to {to}")
