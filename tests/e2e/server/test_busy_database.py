"""Another process holds the SQLite write lock: ``switcher serve`` keeps serving, and says so.

better-auth 1.7.25 on the same file (observed with the peer): a sign-in
waits for better-sqlite3's 5 s busy timeout with its whole event loop
stopped (``/ok`` took 4.6 s), then answers 500 with an empty body and logs
a stack trace; a sign-up answers 422 ``FAILED_TO_CREATE_USER``. switcher
answers reads at once meanwhile, and the waiting writes 503 ``DATABASE_BUSY``
with a ``Retry-After`` after the same 5 s, with one log line each.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.support.serving import serving
from tests.support.sqlite_lock import holding_write_lock
from tests.support.targets import PASSWORD, sign_up, unique_email

BUSY = {"message": "The database is busy; try again in a moment", "code": "DATABASE_BUSY"}


def _timed(call: Callable[[], httpx.Response]) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = call()
    return time.monotonic() - started, response


def test_a_held_write_lock_keeps_reads_prompt_and_gives_writes_a_clear_503(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with serving(data, "--no-rate-limit") as served:
        device = served.browser()
        email = str(sign_up(device, "held")["user"]["email"])  # type: ignore[index]
        newcomer = unique_email("newcomer")
        probe = httpx.Client(base_url=served.base_url + "/api/auth", timeout=30)
        signer_in, signer_up = served.browser(), served.browser()
        credentials = {"email": email, "password": PASSWORD}
        slowest: dict[str, float] = {}
        with holding_write_lock(data / "server" / "auth.db", seconds=8) as holder:
            with ThreadPoolExecutor(2) as pool:
                sign_in = pool.submit(
                    _timed,
                    lambda: signer_in.post("/sign-in/email", credentials),
                )
                signing_up = pool.submit(
                    _timed,
                    lambda: signer_up.post(
                        "/sign-up/email", {"name": "N", "email": newcomer, "password": PASSWORD}
                    ),
                )
                # While both wait for the lock, the server answers everything else.
                while not (sign_in.done() and signing_up.done()):
                    for name, call in (
                        ("ok", lambda: probe.get("/ok")),
                        ("get-session", lambda: device.get("/get-session")),
                        ("list", lambda: device.get("/multi-session/list-device-sessions")),
                    ):
                        took, response = _timed(call)
                        assert response.status_code == 200, response.text
                        slowest[name] = max(slowest.get(name, 0.0), took)
                    assert device.last is not None
                    assert [s["user"]["email"] for s in device.last.json()] == [email]
                    time.sleep(0.1)
            for waited, response in (sign_in.result(), signing_up.result()):
                assert response.status_code == 503
                assert response.json() == BUSY
                assert response.headers["retry-after"] == "1"
                assert 4.5 < waited < 7.5, waited  # the busy timeout, as better-sqlite3's
            assert holder.poll() is None, "the lock was released before the writes gave up"
            assert max(slowest.values()) < 0.5, slowest
            holder.wait(10)
        # The lock is gone: the same sign-in and sign-up go through.
        assert signer_in.post("/sign-in/email", credentials).is_success
        assert signer_up.post(
            "/sign-up/email", {"name": "N", "email": newcomer, "password": PASSWORD}
        ).is_success
        probe.close()
    output = served.output()
    assert "Traceback" not in output
    busy = [line for line in output.splitlines() if "answered 503" in line]
    assert len(busy) == 2, output
    assert all("write lock" in line for line in busy)
