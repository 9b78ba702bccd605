"""One SQLite database, several processes: the app's server half, ``switcher serve``, the CLI.

Every one of them is a real process on the same ``auth.db``: each write by
one is seen by the others, no process ends up writing into a deleted WAL
(``/proc/<pid>/fd`` would say ``(deleted)``), and what the app wrote is on
disk after SIGTERM and after kill -9.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx

from tests.support.app_server_half import AppServerHalf
from tests.support.cli import Cli
from tests.support.processes import child_pids, open_files
from tests.support.serving import serving
from tests.support.targets import PASSWORD, unique_email

IN_PROCESS, HTTP = "in-process", "http"


def _database(cli: Cli) -> Path:
    return Path(cli.env["SWITCHER_DATA_DIR"]) / "server" / "auth.db"


def _users(path: Path) -> set[str]:
    """The emails on disk, read by a connection of this test process (closed at once)."""
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        return {email for (email,) in db.execute('select "email" from "user"')}


def _deleted(files: list[str]) -> list[str]:
    return [name for name in files if name.endswith("(deleted)")]


def _active(cli: Cli) -> str:
    listing = cli.listing()
    accounts = listing["accounts"]
    assert isinstance(accounts, list)
    return str(next(a["email"] for a in accounts if a["active"]))


def test_the_app_server_half_and_the_command_line_see_each_others_writes(cli: Cli) -> None:
    by_app_in_process, by_app_http, by_cli, later = (unique_email(n) for n in "abcd")
    with AppServerHalf(cli.env) as app:
        assert app.ask("sign-up", by_app_in_process, IN_PROCESS) == 200
        assert app.ask("sign-up", by_app_http, HTTP) == 200
        files = app.database_files()
        assert any(name.endswith("auth.db-wal") for name in files), files
        # The command line: its own process, the same file, in-process too.
        cli.add(by_cli, "--sign-up")
        assert _deleted(app.database_files()) == []
        # Both faces of the app see the command line's user...
        assert app.ask("sign-in", by_cli, IN_PROCESS) == 200
        assert app.ask("sign-in", by_cli, HTTP) == 200
        # ...and the command line sees the app's users.
        cli.add(by_app_in_process)
        cli.add(by_app_http)
        cli("accounts", "use", by_cli)
        assert _active(cli) == by_cli
        # The app writes after the command line came and went, and it sees that too.
        assert app.ask("sign-up", later, HTTP) == 200
        cli.add(later)
        assert _active(cli) == later
        assert _deleted(app.database_files()) == []
    assert {by_app_in_process, by_app_http, by_cli, later} <= _users(_database(cli))


def test_what_the_app_server_half_wrote_survives_sigterm_and_kill_9(cli: Cli) -> None:
    path = _database(cli)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        first, second = unique_email("first"), unique_email("second")
        with AppServerHalf(cli.env) as app:
            assert app.ask("sign-up", first, IN_PROCESS) == 200
            cli.add(first)  # a command line ran (and ended) while the app was up
            assert app.ask("sign-up", second, HTTP) == 200
            assert _deleted(app.database_files()) == []
            app.stop(sig)  # no clean-up runs: what was answered must be on disk
        assert {first, second} <= _users(path), sig.name
        cli.add(second)


def test_the_doctor_leaves_the_running_app_s_database_alone(cli: Cli) -> None:
    before, after = unique_email("before"), unique_email("after")
    with AppServerHalf(cli.env) as app:
        assert app.ask("sign-up", before, IN_PROCESS) == 200
        # The doctor starts the bundled server in its own process, and ends it.
        report = json.loads(cli("--server", "local", "doctor", "--json", check=False).stdout)
        local = next(c for c in report["checks"] if c["name"] == "server:local")
        assert local["status"] == "ok", local
        assert _deleted(app.database_files()) == []
        assert app.ask("sign-up", after, HTTP) == 200
        cli.add(after)
        app.stop(signal.SIGTERM)
    assert {before, after} <= _users(_database(cli))


def test_switcher_serve_with_two_workers_and_the_command_line_share_one_sqlite_file(
    cli: Cli,
) -> None:
    on_the_web, on_the_cli = unique_email("web"), unique_email("cli")
    data = Path(cli.env["SWITCHER_DATA_DIR"])
    # Its default database is the command line's: the same data directory.
    with serving(data, "--workers", "2", "--no-rate-limit", env=cli.env) as served:
        signed_up = served.browser().post(
            "/sign-up/email", {"name": "W", "email": on_the_web, "password": PASSWORD}
        )
        assert signed_up.status_code == 200
        cli.add(on_the_web)
        cli.add(on_the_cli, "--sign-up")
        # Fresh connections land on either worker; each must know the CLI's user.
        for _ in range(6):
            signed_in = served.browser().post(
                "/sign-in/email", {"email": on_the_cli, "password": PASSWORD}
            )
            assert signed_in.status_code == 200
        cli("accounts", "use", on_the_web)
        assert _active(cli) == on_the_web
        workers = [pid for pid in child_pids(served.process.pid) if open_files(pid, "auth.db")]
        assert len(workers) == 2
        for pid in workers:
            assert _deleted(open_files(pid, "auth.db")) == []
        with httpx.Client(base_url=served.base_url, timeout=10) as client:
            assert client.get("/api/auth/ok").json() == {"ok": True}
    assert {on_the_web, on_the_cli} <= _users(data / "server" / "auth.db")
