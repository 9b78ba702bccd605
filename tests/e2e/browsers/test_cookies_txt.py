"""cookies.txt as curl reads it: curl signs in to a real server with the exported file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from switcher.browsers.cookies_txt import write
from switcher.protocol.cookie import Cookie
from tests.support.browser import Browser
from tests.support.components import missing
from tests.support.targets import SWITCHER, Options, Servers, sign_up


def test_curl_signs_in_with_it(tmp_path: Path, servers: Servers) -> None:
    curl = shutil.which("curl")
    if curl is None:
        missing("curl", "apt-get install curl")
    target = servers.get(SWITCHER, Options())
    browser = Browser(target.base_url)
    try:
        body = sign_up(browser, "curl")
        cookies = [
            # The session cookie as a browser-session cookie: curl must take it too.
            Cookie(name, value, "127.0.0.1", expires=None if "_multi-" not in name else 2e9)
            for name, value in browser.jar.items()
        ]
    finally:
        browser.close()
    path = tmp_path / "cookies.txt"
    write(path, cookies)
    result = subprocess.run(
        [curl, "-s", "-b", str(path), f"{target.base_url}/api/auth/get-session"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert f'"email":"{body["user"]["email"]}"' in result.stdout  # type: ignore[index]
