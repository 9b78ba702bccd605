"""A site's own sign-in page, as a test can drive it in a real browser that cannot type.

``WithSignUpPage`` wraps switcher's server with one plain page (no CSP)
whose script, for each address in its query (a JSON list), signs the
account up through fetch (or in, if it exists already), as a site's sign-in
form does; the browser keeps the cookies the site sets, then the page says
so in its DOM ("signed up N").
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from switcher.server import AuthApp
from tests.support.targets import PASSWORD

PAGE = "/test/sign-up"
_SCRIPT = """
const emails = JSON.parse(decodeURIComponent(location.search.slice(1)));
(async () => {
  for (const email of emails) {
    const headers = {"content-type": "application/json"};
    let answer = await fetch("/api/auth/sign-up/email", {
      method: "POST",
      headers,
      body: JSON.stringify({email, password: "PASSWORD", name: email.split("@")[0]}),
    });
    if (answer.status === 422) {
      answer = await fetch("/api/auth/sign-in/email", {
        method: "POST", headers, body: JSON.stringify({email, password: "PASSWORD"}),
      });
    }
    if (!answer.ok) { document.body.textContent = "failed " + answer.status; return; }
  }
  document.body.textContent = "signed up " + emails.length;
})();
""".replace("PASSWORD", PASSWORD)


def page_url(site: str, emails: list[str]) -> str:
    """The page that signs ``emails`` in on ``site``."""
    return f"{site}{PAGE}?{quote(json.dumps(emails))}"


class WithSignUpPage:
    """The site, plus the page."""

    def __init__(self, app: AuthApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == PAGE:
            body = f"<html><body>working<script>{_SCRIPT}</script></body></html>".encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
