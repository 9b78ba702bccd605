"""Sign in with the browser: from the site setting the session cookie to the account active.

switcher starts real headless Chromium and Firefox ESR (wrappers of those
names on PATH, as the tests use) on a page of switcher's own server that
signs an account up with fetch a moment after it loads, as a person
finishing a sign-in does. Timed: from the server sending the answer that
sets the session cookie (stamped in the server) to switcher's service
announcing the account active (its event), the cookie read out of the
browser, confirmed with get-session and kept in between.

Target: ≤ 1 s.

    python bench/browser_sign_in.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import keyring

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import print_table  # noqa: E402
from switcher.accounts import Accounts, Event, EventKind  # noqa: E402
from switcher.browser_sign_in import sign_in_with_browser  # noqa: E402
from switcher.secrets import KeyringSecrets  # noqa: E402
from switcher.server import AuthApp  # noqa: E402
from switcher.vault import Vault  # noqa: E402
from tests.support.firefox import firefox_binary  # noqa: E402
from tests.support.headless_browsers import headless_path  # noqa: E402
from tests.support.memory_keyring import MemoryKeyring  # noqa: E402
from tests.support.switcher_server import running_switcher  # noqa: E402
from tests.support.targets import PASSWORD, served_config  # noqa: E402

PAGE = "/bench/sign-in"
SIGN_UP = "/api/auth/sign-up/email"
# The page waits a moment before signing up: the browser is up and watched by then.
_SCRIPT = """
setTimeout(async () => {
  const email = decodeURIComponent(location.search.slice(1));
  await fetch("SIGN_UP", {method: "POST", headers: {"content-type": "application/json"},
    body: JSON.stringify({email, password: "PASSWORD", name: "Bench"})});
  document.body.textContent = "signed in";
}, 2000);
""".replace("PASSWORD", PASSWORD).replace("SIGN_UP", SIGN_UP)


class Stamped:
    """The site, its page, and when it last sent the answer that sets a session cookie."""

    def __init__(self, app: AuthApp) -> None:
        self.app = app
        self.cookie_sent_at = 0.0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == PAGE:
            body = f"<html><body>waiting<script>{_SCRIPT}</script></body></html>".encode()
            headers = [(b"content-type", b"text/html; charset=utf-8")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return

        async def stamping(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start" and scope["path"] == SIGN_UP:
                self.cookie_sent_at = time.time()
            await send(message)

        await self.app(scope, receive, stamping)


def _one(root: Path, site: str, stamped: Stamped, browser: str, run: int) -> float:
    service = Accounts(Vault(root / f"config-{browser}-{run}", KeyringSecrets()))
    email = f"bench-{browser}-{run}-{time.time_ns()}@example.com"
    service.add_server(site, name="site", sign_in_url=f"{site}{PAGE}?{email}")
    active_at: list[float] = []

    def heard(event: Event) -> None:
        if event.kind in (EventKind.ADDED, EventKind.ACTIVE_CHANGED) and not active_at:
            active_at.append(time.time())

    service.subscribe(heard)
    result = sign_in_with_browser(service, browser, "site", timeout=60)
    assert result.account.email == email
    return active_at[0] - stamped.cookie_sent_at


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())
    rows = []
    with tempfile.TemporaryDirectory(prefix="switcher-bench-browser-") as tmp:
        root = Path(tmp)
        os.environ["SWITCHER_DATA_DIR"] = str(root / "data")
        os.environ["PATH"] = headless_path(root / "bin", firefox_binary())
        holder: list[Stamped] = []

        def wrap(app: AuthApp) -> Stamped:
            holder.append(Stamped(app))
            return holder[0]

        with running_switcher(served_config(root / "site"), wrap=wrap) as app:
            site = app.config.base_url
            for label, browser in (
                ("Chromium (DevTools pipe)", "chromium"),
                ("Firefox ESR (cookie store)", "firefox"),
            ):
                samples = [_one(root, site, holder[0], browser, run) for run in range(args.runs)]
                median, worst = statistics.median(samples) * 1000, max(samples) * 1000
                rows.append(
                    (
                        f"session set → account active, {label}",
                        f"{median:.0f} ms",
                        f"{worst:.0f} ms",
                        "≤ 1 s",
                    )
                )
    print(f"\nheadless browsers, {args.runs} sign-ins each\n")
    print_table(("measurement", "median", "max", "target"), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
