"""Real headless Firefox against switcher's server, for the cookie-export tests.

``recording_switcher`` serves switcher's AuthApp behind a tiny ASGI wrapper
that records the Cookie header of every request, so a test can prove which
session the browser presented. ``visit`` runs Firefox in its own process
group and kills the whole group afterwards (Firefox forks content processes).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from switcher.server import AuthApp, ServerConfig
from tests.support.switcher_server import running_switcher

# Prefs that keep a throwaway profile quiet and offline apart from our server:
# no first-run pages, telemetry, updates, safe-browsing or captive-portal probes,
# and no HTTPS upgrade of the plain-http test URL.
USER_JS = """\
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("startup.homepage_welcome_url", "");
user_pref("startup.homepage_welcome_url.additional", "");
user_pref("browser.startup.page", 0);
user_pref("browser.newtabpage.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("app.normandy.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("network.dns.disablePrefetch", true);
user_pref("network.prefetch-next", false);
user_pref("dom.security.https_first", false);
user_pref("dom.security.https_only_mode", false);
user_pref("browser.sessionstore.resume_from_crash", false);
"""


def firefox_binary() -> str | None:
    for name in ("firefox-esr", "firefox"):
        found = shutil.which(name)
        if found:
            return found
    return None


def new_profile(path: Path) -> Path:
    """An empty profile directory with quiet prefs; Firefox fills in the rest."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "user.js").write_text(USER_JS, encoding="utf-8")
    return path


@dataclass
class Recorder:
    """Cookie headers seen by the server, per request path (with its query), in arrival order."""

    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, header: str) -> None:
        jar = SimpleCookie()
        jar.load(header)
        with self.lock:
            self.seen.append((path, {name: morsel.value for name, morsel in jar.items()}))

    def cookies_for(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [cookies for seen_path, cookies in self.seen if seen_path == path]

    def clear(self) -> None:
        with self.lock:
            self.seen.clear()


class RecordingApp:
    def __init__(self, app: AuthApp, recorder: Recorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            header = b"; ".join(v for k, v in scope["headers"] if k == b"cookie")
            query = scope.get("query_string", b"").decode("latin-1")
            path = scope["path"] + (f"?{query}" if query else "")
            self.recorder.add(path, header.decode("latin-1"))
        await self.app(scope, receive, send)


@dataclass
class Served:
    app: AuthApp
    recorder: Recorder

    @property
    def base_url(self) -> str:
        return self.app.config.base_url


@contextmanager
def recording_switcher(config: ServerConfig) -> Iterator[Served]:
    """Like ``running_switcher``, with every request's Cookie header recorded."""
    recorder = Recorder()
    with running_switcher(config, wrap=lambda app: RecordingApp(app, recorder)) as app:
        yield Served(app, recorder)


@contextmanager
def running_firefox(
    binary: str,
    profile: Path,
    url: str,
    recorder: Recorder,
    path: str,
    timeout: float = 60,
    extra_args: Sequence[str] = (),
) -> Iterator[float]:
    """Headless Firefox showing ``url``, yielded once the server saw a request for ``path``.

    Yields the seconds that took. Afterwards Firefox gets SIGTERM (so it
    releases its profile lock cleanly), then the group is SIGKILLed if needed.
    """
    env = {**os.environ, "MOZ_HEADLESS": "1", "MOZ_CRASHREPORTER_DISABLE": "1"}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    before = len(recorder.cookies_for(path))
    started = time.monotonic()
    # A file, not a pipe: Firefox logs a lot and a full pipe would stall it.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        [binary, "--headless", "--no-remote", *extra_args, "--profile", str(profile), url],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        while len(recorder.cookies_for(path)) == before:
            if process.poll() is not None:
                log.seek(0)
                output = log.read().decode(errors="replace")
                raise RuntimeError(f"Firefox exited early ({process.returncode}): {output[-2000:]}")
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"Firefox did not request {path} within {timeout}s")
            time.sleep(0.05)
        yield time.monotonic() - started
    finally:
        _stop(process)
        log.close()


def visit(
    binary: str, profile: Path, url: str, recorder: Recorder, path: str, timeout: float = 60
) -> float:
    """Open ``url`` once and stop Firefox; returns the seconds until the request came."""
    with running_firefox(binary, profile, url, recorder, path, timeout) as seconds:
        return seconds


def _stop(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(20)
    # Child processes may outlive the parent; the group id is the parent's pid.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
