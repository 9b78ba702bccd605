"""Driving a real Firefox through Marionette, for what its command line cannot do.

Firefox has no command-line switch to open a tab in a container, so the
named-container export test asks Firefox itself: Marionette (Firefox's
built-in remote protocol, length-prefixed JSON over TCP) runs a chrome-context
script that opens a tab with the container's ``userContextId``. Chrome
context needs ``-remote-allow-system-access`` since Firefox 138.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from tests.support.firefox import Recorder, running_firefox

_OPEN_TAB = """
const [url, userContextId] = arguments;
const win = Services.wm.getMostRecentWindow("navigator:browser");
const tab = win.gBrowser.addTab(url, {
  userContextId,
  triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal(),
});
win.gBrowser.selectedTab = tab;
return tab.userContextId;
"""


class MarionetteError(RuntimeError):
    pass


class Marionette:
    """A minimal Marionette client: one session, commands in order."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._socket = socket.create_connection(("127.0.0.1", port), timeout=timeout)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self._reader = self._socket.makefile("rb")
        self._next_id = 0
        hello = self._read()
        if hello.get("applicationType") != "gecko":
            raise MarionetteError(f"not Marionette: {hello!r}")
        self.command("WebDriver:NewSession", {"capabilities": {}})

    def _read(self) -> Any:
        length = b""
        while not length.endswith(b":"):
            byte = self._reader.read(1)
            if not byte:
                raise MarionetteError("Firefox closed the Marionette connection")
            length += byte
        return json.loads(self._reader.read(int(length[:-1])))

    def command(self, name: str, params: dict[str, Any]) -> Any:
        self._next_id += 1
        data = json.dumps([0, self._next_id, name, params]).encode()
        self._socket.sendall(str(len(data)).encode() + b":" + data)
        kind, message_id, error, result = self._read()
        if kind != 1 or message_id != self._next_id:
            raise MarionetteError(f"unexpected reply to {name}")
        if error:
            raise MarionetteError(f"{name}: {error.get('error')}: {error.get('message')}")
        return result

    def open_tab(self, url: str, user_context_id: int) -> int:
        """Open ``url`` in a new tab of the container ``user_context_id``; returns its id."""
        self.command("Marionette:SetContext", {"value": "chrome"})
        result = self.command(
            "WebDriver:ExecuteScript", {"script": _OPEN_TAB, "args": [url, user_context_id]}
        )
        return int(result["value"])

    def close(self) -> None:
        self._reader.close()
        self._socket.close()


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def controlled_firefox(
    binary: str, profile: Path, url: str, recorder: Recorder, path: str
) -> Iterator[Marionette]:
    """Headless Firefox on ``url`` (yielded once ``path`` was requested), with Marionette."""
    port = free_port()
    prefs = profile / "user.js"
    base = prefs.read_text(encoding="utf-8") if prefs.exists() else ""
    kept = "".join(line for line in base.splitlines(keepends=True) if "marionette.port" not in line)
    prefs.write_text(kept + f'user_pref("marionette.port", {port});\n', encoding="utf-8")
    with running_firefox(
        binary,
        profile,
        url,
        recorder,
        path,
        extra_args=("--marionette", "-remote-allow-system-access"),
    ):
        client = Marionette(port)
        try:
            yield client
        finally:
            client.close()
