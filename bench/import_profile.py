"""Importing sessions from a browser profile that holds 10,000 other cookies.

The same profiles as ``bench/export.py`` (a Firefox ``cookies.sqlite`` of
schema 17 and a Chromium ``Cookies`` of meta version 24, each with 10,000
cookies of other sites), plus three signed-in accounts of the site
(Chromium: v10-encrypted, as Chromium writes them). Timed:

* reading the site's cookies out of the profile (copy, query, decrypt);
* the whole import: that read, each session confirmed with get-session on
  switcher's own server (in process), and the three accounts kept in an
  in-memory keyring and the index.

Target: ≤ 200 ms for the import.

    python bench/import_profile.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import keyring

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.export import (  # noqa: E402
    OTHER_COOKIES,
    _chromium_profile_with_cookies,
    _profile_with_cookies,
    _time,
)
from bench.report import print_table  # noqa: E402
from switcher.accounts import Accounts  # noqa: E402
from switcher.browsers import chromium, firefox  # noqa: E402
from switcher.browsers.opener import read_profile  # noqa: E402
from switcher.bundled import LOCAL_URL  # noqa: E402
from switcher.protocol.cookie import Cookie  # noqa: E402
from switcher.secrets import KeyringSecrets  # noqa: E402
from switcher.server import AuthApp  # noqa: E402
from switcher.vault import Vault  # noqa: E402
from tests.support.browser import Browser  # noqa: E402
from tests.support.local_transport import InProcessTransport, bundled_config  # noqa: E402
from tests.support.memory_keyring import MemoryKeyring  # noqa: E402
from tests.support.targets import PASSWORD  # noqa: E402

ACCOUNTS = 3


def _signed_in_browser(transport: InProcessTransport) -> list[Cookie]:
    """Three accounts signed in through the site's multi-session switcher."""
    browser = Browser(LOCAL_URL, transport=transport)
    for i in range(ACCOUNTS):
        made = browser.post(
            "/sign-up/email", {"email": f"bench{i}@example.com", "password": PASSWORD, "name": "B"}
        )
        assert made.status_code == 200, made.text
    browser.close()
    expires = time.time() + 7 * 86400
    return [
        Cookie(name, value, "127.0.0.1", expires=expires) for name, value in browser.jar.items()
    ]


def _reader(browser: str, path: Path) -> Callable[[], object]:
    return lambda: read_profile(browser, path, "127.0.0.1")


def _importer(
    configs: Path, transport: InProcessTransport, browser: str, path: Path
) -> Callable[[], object]:
    runs = iter(range(1_000_000))

    def whole() -> None:
        # A fresh index each time: the three accounts are added, not "already here".
        service = Accounts(
            Vault(configs / str(next(runs)), KeyringSecrets()), transport_for=lambda _s: transport
        )
        result = service.import_sessions(read_profile(browser, path, "127.0.0.1"))
        assert len(result.added) == ACCOUNTS

    return whole


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())
    rows = []
    with tempfile.TemporaryDirectory(prefix="switcher-bench-import-") as tmp:
        root = Path(tmp)
        transport = InProcessTransport(AuthApp(bundled_config(root)))
        try:
            cookies = _signed_in_browser(transport)
            fox = root / "firefox"
            fox.mkdir()
            _profile_with_cookies(fox)
            firefox.export(fox, cookies, backup_dir=root / "backups")
            chrome = root / "chromium" / "Default"
            chrome.mkdir(parents=True)
            _chromium_profile_with_cookies(chrome)
            chromium.export(
                chrome, cookies, backup_dir=root / "backups", encryption="v10", platform="linux"
            )
            for label, browser, path in (
                ("Firefox", "firefox", fox),
                ("Chromium (v10)", "chromium", chrome),
            ):
                found = read_profile(browser, path, "127.0.0.1")
                assert sum("_multi-" in c.name for c in found) == ACCOUNTS, found
                reads = _time(_reader(browser, path), args.runs)
                whole = _importer(root / "config" / browser, transport, browser, path)
                imports = _time(whole, args.runs)
                for what, samples, target in (
                    (f"read the site's cookies from {label}", reads, ""),
                    (f"import {ACCOUNTS} accounts from {label}", imports, "≤ 200 ms"),
                ):
                    median, worst = statistics.median(samples) * 1000, max(samples) * 1000
                    rows.append((what, f"{median:.1f} ms", f"{worst:.1f} ms", target))
        finally:
            transport.shutdown()
    print(f"\nprofiles holding {OTHER_COOKIES:,} other cookies, {args.runs} runs\n")
    print_table(("measurement", "median", "max", "target"), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
