"""``switcher serve`` as a real subprocess: defaults, environment, flags, workers, signals.

Every server here is the actual command (``python -m switcher serve``) in its own
process group, started with a private data directory and a scrubbed environment,
and always stopped and reaped, whatever the test's outcome.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from pathlib import Path

import httpx
import pytest

from switcher.protocol.signing import Signer
from tests.support.browser import set_cookies
from tests.support.cli import SWITCHER_COMMAND
from tests.support.repo import REPO
from tests.support.serving import SCRUBBED, STOP_TIMEOUT, Served, free_port, serving
from tests.support.targets import PASSWORD, sign_up, unique_email

ENV_SECRET = "serve-test-secret-" + "0123456789abcdef" * 3


INVALID_ORIGIN = {"message": "Invalid origin", "code": "INVALID_ORIGIN"}


LINUX = sys.platform.startswith("linux")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket in LISTEN state on ``port`` (Linux /proc)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if int(hex_port, 16) == port and state == "0A":
                    found.add(address)
    return found


def _established_inodes(port: int) -> set[int]:
    """Socket inodes of ESTABLISHED connections whose local port is ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                    inodes.add(int(fields[9]))
    return inodes


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    with suppress(FileNotFoundError, ProcessLookupError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with suppress(OSError):
                match = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(fd))
                if match:
                    inodes.add(int(match[1]))
    return inodes


def _children(pid: int) -> dict[int, str]:
    """Live child processes of ``pid`` and their command lines (Linux /proc)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        state, parent = fields[0], int(fields[1])
        if parent == pid and state != "Z":
            children[int(entry.name)] = cmdline
    return children


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _eventually(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _sign_in_attempts(served: Served, attempts: int) -> list[httpx.Response]:
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        return [
            client.post(
                "/api/auth/sign-in/email", json={"email": unique_email(), "password": PASSWORD}
            )
            for _ in range(attempts)
        ]


# -- the local defaults ----------------------------------------------------------


def test_local_defaults_keep_a_private_stable_secret(tmp_path: Path) -> None:
    data = tmp_path / "data"
    secret_file = data / "server" / "secret"
    database = data / "server" / "auth.db"
    with serving(data) as first:
        if LINUX:
            assert _listening_addresses(first.port) == {"0100007F"}  # 127.0.0.1 only
        ok = httpx.get(first.url("/api/auth/ok"), timeout=10)
        assert (ok.status_code, ok.json()) == (200, {"ok": True})

        browser = first.browser()
        body = sign_up(browser, "alice")
        user = body["user"]
        assert isinstance(user, dict)
        session = browser.get("/get-session")
        assert session.status_code == 200
        assert session.json()["user"]["email"] == user["email"]

        assert _mode(secret_file) == 0o600
        assert _mode(secret_file.parent) == 0o700
        assert _mode(database) == 0o600
        for sidecar in database.parent.glob("auth.db-*"):  # SQLite's -wal and -shm
            assert _mode(sidecar) == 0o600, sidecar
        secret = secret_file.read_text().strip()
        assert len(secret) >= 32
        # The cookie really is signed with the file's secret.
        assert browser.jar["better-auth.session_token"] == Signer(secret).sign(str(body["token"]))
        cookie = browser.cookie_header
    assert secret not in first.output()
    assert f"http://127.0.0.1:{first.port}" in first.output()

    with serving(data) as second:
        assert secret_file.read_text().strip() == secret
        again = httpx.get(second.url("/api/auth/get-session"), headers={"cookie": cookie})
        assert again.status_code == 200
        assert again.json() is not None, "the first run's cookie no longer verifies"
        assert again.json()["user"]["email"] == user["email"]
    assert secret not in second.output()


# -- the environment -------------------------------------------------------------


def test_env_secret_and_url_are_honoured(tmp_path: Path) -> None:
    data = tmp_path / "data"
    public = "https://auth.example.test"
    env = {"BETTER_AUTH_SECRET": ENV_SECRET, "BETTER_AUTH_URL": public}
    with serving(data, env=env) as served:
        browser = served.browser()
        browser.origin = public  # what a browser on the public site sends
        email = unique_email("env")
        response = browser.post(
            "/sign-up/email", {"name": "Env", "email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        cookies = set_cookies(response)
        names = {c.name for c in cookies}
        assert "__Secure-better-auth.session_token" in names
        assert any(n.startswith("__Secure-better-auth.session_token_multi-") for n in names)
        assert all(c.name.startswith("__Secure-") and c.secure for c in cookies), cookies

        token = str(response.json()["token"])
        get_session = served.url("/api/auth/get-session")

        def session_for(cookie: str) -> object:
            answer = httpx.get(get_session, headers={"cookie": cookie}, timeout=10)
            assert answer.status_code == 200
            return answer.json()

        forged = Signer(ENV_SECRET).sign(token)
        accepted = session_for(f"__Secure-better-auth.session_token={forged}")
        assert isinstance(accepted, dict)
        assert accepted["user"]["email"] == email
        other = Signer("another-secret-" + "x" * 32).sign(token)
        assert session_for(f"__Secure-better-auth.session_token={other}") is None
        assert session_for(f"better-auth.session_token={forged}") is None  # no prefix, no read

        # The public URL, not the listening address, is the trusted origin.
        local = browser.post("/sign-out", origin=served.base_url)
        assert (local.status_code, local.json()) == (403, INVALID_ORIGIN)
        assert browser.post("/sign-out").status_code == 200
    assert not (data / "server" / "secret").exists()  # no generated secret was needed
    assert ENV_SECRET not in served.output()


# -- flags -----------------------------------------------------------------------


def test_trusted_origin_flag(tmp_path: Path) -> None:
    with serving(tmp_path / "data", "--trusted-origin", "https://app.example.test") as served:
        browser = served.browser()
        sign_up(browser)
        cookie = browser.cookie_header
        refused = browser.post("/sign-out", origin="https://other.example.test")
        assert (refused.status_code, refused.json()) == (403, INVALID_ORIGIN)
        assert browser.get("/get-session").json() is not None  # still signed in
        allowed = browser.post("/sign-out", origin="https://app.example.test")
        assert (allowed.status_code, allowed.json()) == (200, {"success": True})
        after = httpx.get(served.url("/api/auth/get-session"), headers={"cookie": cookie})
        assert after.json() is None  # the session really ended


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), [401, 401, 401, 429]),
        (("--no-rate-limit",), [401] * 6),
    ],
    ids=["default", "no-rate-limit"],
)
def test_sign_in_rate_limit(tmp_path: Path, args: tuple[str, ...], expected: list[int]) -> None:
    with serving(tmp_path / "data", *args) as served:
        started = time.monotonic()
        answers = _sign_in_attempts(served, len(expected))
        assert time.monotonic() - started < 10, "too slow to test a 10 s window"
    assert [a.status_code for a in answers] == expected
    if expected[-1] == 429:
        assert answers[-1].json() == {"message": "Too many requests. Please try again later."}
        assert 1 <= int(answers[-1].headers["x-retry-after"]) <= 10
    else:
        assert {a.json()["code"] for a in answers} == {"INVALID_EMAIL_OR_PASSWORD"}


# -- workers ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(not LINUX, reason="inspects worker processes through /proc")
def test_two_workers_on_postgres(tmp_path: Path, postgres_urls: Callable[[], str]) -> None:
    database = postgres_urls()
    env = {"BETTER_AUTH_SECRET": ENV_SECRET}
    with serving(tmp_path / "data", "--workers", "2", "--database", database, env=env) as served:
        main = served.process.pid
        assert _eventually(lambda: len(_worker_pids(main)) == 2, 10), _children(main)
        workers = _worker_pids(main)

        browser = served.browser()
        user = sign_up(browser, "worker")["user"]
        assert isinstance(user, dict)
        cookie = browser.cookie_header

        # Fresh connections, kept open so each can be traced to the worker holding it.
        with ExitStack() as stack:
            for i in range(40):
                client = stack.enter_context(httpx.Client(base_url=served.base_url, timeout=10))
                if i % 2:
                    answer = client.get("/api/auth/ok")
                    assert (answer.status_code, answer.json()) == (200, {"ok": True})
                else:
                    answer = client.get("/api/auth/get-session", headers={"cookie": cookie})
                    assert answer.status_code == 200
                    assert answer.json()["user"]["email"] == user["email"], answer.text
            connections = _established_inodes(served.port)
            held = {pid: len(_socket_inodes(pid) & connections) for pid in workers}
        # Both workers answered some of them, and between them they hold every one.
        assert all(held.values()), f"connections per worker: {held}"
        assert sum(held.values()) == len(connections) >= 40, (held, len(connections))

        os.kill(main, signal.SIGTERM)
        started = time.monotonic()
        served.process.wait(STOP_TIMEOUT)
        assert time.monotonic() - started < 5
        assert _eventually(lambda: not any(_alive(pid) for pid in workers), 2), workers
    output = served.output()
    for pid in workers:
        assert f"Started server process [{pid}]" in output
    assert ENV_SECRET not in output


def _worker_pids(main: int) -> set[int]:
    return {pid for pid, cmd in _children(main).items() if "spawn_main" in cmd}


# -- the page ----------------------------------------------------------------------


def test_the_page_on_the_real_server(tmp_path: Path) -> None:
    with serving(tmp_path / "data") as served:
        browser = served.browser()
        page = browser.client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "Not signed in" in page.text
        assert "set-cookie" not in page.headers

        email = str(sign_up(browser, "paged")["user"]["email"])  # type: ignore[index]
        signed_in = browser.client.get("/", headers={"cookie": browser.cookie_header})
        assert signed_in.status_code == 200
        assert "Signed in as" in signed_in.text
        assert f"&lt;{email}&gt; (active)" in signed_in.text
        assert "set-cookie" not in signed_in.headers

        head = browser.client.head("/", headers={"cookie": browser.cookie_header})
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == "text/html; charset=utf-8"

        # A form post with cookies and no Origin: refused as better-auth refuses it.
        posted = browser.client.post("/", headers={"cookie": browser.cookie_header})
        assert posted.status_code == 403
        assert "set-cookie" not in posted.headers


def _serve_refused(tmp_path: Path, *args: str) -> str:
    """``switcher serve ARGS`` that must refuse to start: exit 1, no traceback; its stderr."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update({"SWITCHER_DATA_DIR": str(tmp_path / "data"), "BETTER_AUTH_SECRET": ENV_SECRET})
    result = subprocess.run(
        [*SWITCHER_COMMAND, "serve", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def test_an_unusable_database_is_one_line_and_exit_1_even_with_workers(tmp_path: Path) -> None:
    refused = free_port()
    for database in (
        f"postgresql://postgres@127.0.0.1:{refused}/x",
        "sqlite:////proc/nope/auth.db",
    ):
        stderr = _serve_refused(
            tmp_path, "--port", str(free_port()), "--database", database, "--workers", "2"
        )
        last = stderr.strip().splitlines()[-1]
        assert last.startswith("switcher: cannot "), stderr


def test_a_port_in_use_is_one_line_and_exit_1(tmp_path: Path) -> None:
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        stderr = _serve_refused(tmp_path, "--port", str(port))
    finally:
        taken.close()
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"switcher: cannot listen on 127.0.0.1:{port}: Address already in use")
    assert "ERROR" not in stderr
