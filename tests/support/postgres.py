"""A throwaway real PostgreSQL server for tests.

``running_postgres()`` finds the server binaries of the Debian ``postgresql``
package (``/usr/lib/postgresql/<version>/bin``), initialises a cluster in a
temporary directory (trust authentication, superuser ``postgres``), starts it
on ``127.0.0.1`` and a free port with its unix socket inside the temporary
directory, and on exit stops it and deletes everything.  No Python database
driver is needed: databases are created and queried with the ``createdb`` and
``psql`` programs from the same installation.

PostgreSQL refuses to run as root, so when the effective uid is 0 the server
programs run as the ``postgres`` system user (``runuser -u postgres --``) and
the temporary directory is handed to that user.

Set ``SWITCHER_TEST_PG_BINDIR`` to use another installation's ``bin`` dir.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

from tests.support.components import missing
from tests.support.processes import tail_of

COMPONENT = "PostgreSQL server (initdb/pg_ctl/postgres)"
INSTALL_HINT = "apt-get install postgresql (make test installs it)"
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
CLIENT_PROGRAMS = ("psql", "createdb")
SUPERUSER = "postgres"
START_TIMEOUT = 60.0
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# Settings for a disposable cluster: durability off, small memory.
_SETTINGS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
    "max_connections": "100",
    "autovacuum": "off",
    "max_wal_size": "256MB",
    "log_min_messages": "warning",
    "timezone": "'UTC'",
}


class PostgresError(RuntimeError):
    """A client program (psql, createdb) failed against the test server."""


def _version_key(path: Path) -> tuple[int, ...]:
    parts = re.findall(r"\d+", path.parent.name)
    return tuple(int(p) for p in parts)


def find_bindir() -> Path | None:
    """The ``bin`` directory holding initdb, pg_ctl and postgres, or None.

    Order: ``$SWITCHER_TEST_PG_BINDIR``, the newest
    ``/usr/lib/postgresql/*/bin``, then the directory of ``initdb`` on PATH.
    """

    def complete(d: Path) -> bool:
        return all(os.access(d / p, os.X_OK) for p in SERVER_PROGRAMS + CLIENT_PROGRAMS)

    override = os.environ.get("SWITCHER_TEST_PG_BINDIR")
    if override:
        return Path(override) if complete(Path(override)) else None
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    for d in candidates:
        if complete(d):
            return d
    initdb = shutil.which("initdb")
    if initdb is not None:
        d = Path(initdb).resolve().parent
        if complete(d):
            return d
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _client_env() -> dict[str, str]:
    """The environment minus libpq's PG* variables, so nothing leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGCONNECT_TIMEOUT"] = "10"
    return env


@dataclass
class PostgresServer:
    """A running throwaway server; see ``running_postgres()``."""

    bindir: Path
    base_dir: Path
    port: int
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    _names: Iterator[int] = field(default_factory=lambda: count(1), repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "socket"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "postgres.log"

    @property
    def url(self) -> str:
        """URL of the default ``postgres`` database."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def _client(self, program: str, args: Sequence[str], *, input_text: str | None = None) -> str:
        cmd = [
            str(self.bindir / program),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--username",
            self.user,
            *args,
        ]
        proc = subprocess.run(
            cmd,
            input=input_text,
            capture_output=True,
            text=True,
            env=_client_env(),
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            raise PostgresError(
                f"{program} {' '.join(args)} failed with exit code {proc.returncode}:\n"
                f"{proc.stderr.strip()}"
            )
        return proc.stdout

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database and return its URL.

        ``name`` must be a plain lower-case identifier; by default a fresh
        ``test_<n>`` name is chosen.
        """
        if name is None:
            name = f"test_{next(self._names)}"
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a plain database name: {name!r}")
        self._client("createdb", ["--template=template0", "--encoding=UTF8", name])
        return self.url_for(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` with psql (stops at the first error) and return its
        unaligned, tuples-only output."""
        return self._client(
            "psql",
            [
                "--no-psqlrc",
                "--quiet",
                "--no-align",
                "--tuples-only",
                "--set=ON_ERROR_STOP=1",
                f"--dbname={database}",
            ],
            input_text=sql,
        )

    def query(self, sql: str, database: str = "postgres") -> list[dict[str, Any]]:
        """Run one SELECT and return its rows as JSON objects.

        Values come back as PostgreSQL renders them in JSON: booleans as
        ``bool``, numbers as numbers, ``timestamptz`` as ISO-8601 strings
        (``2026-01-02T03:04:05.678+00:00``), NULL as ``None``.
        """
        inner = sql.strip().rstrip(";")
        wrapped = f"SELECT coalesce(json_agg(q), '[]'::json) FROM ({inner}) AS q;\n"
        out = self.psql(wrapped, database).strip()
        rows: list[dict[str, Any]] = json.loads(out)
        return rows

    def stop(self) -> None:
        """Stop the server as a restart does: ``pg_ctl stop --mode=fast`` ends every session."""
        proc = _server_cmd(
            _run_as_server_user(),
            self.bindir,
            "pg_ctl",
            [f"--pgdata={self.data_dir}", "--mode=fast", "--wait", "stop"],
            self.base_dir,
            60,
        )
        if proc.returncode != 0:
            raise PostgresError(f"pg_ctl stop failed:\n{proc.stdout}\n{proc.stderr}")

    def start(self) -> None:
        """Start it again on the same port and data; returns once it accepts connections."""
        proc = _start(_run_as_server_user(), self.bindir, self.base_dir)
        if proc.returncode != 0:
            raise PostgresError(
                f"pg_ctl start failed:\n{proc.stdout}\n{proc.stderr}\n{tail_of(self.log_file, 40)}"
            )
        _wait_accepting(self)

    def restart(self) -> None:
        """What a database restart is to its clients: every connection ends, then it is back."""
        self.stop()
        self.start()


def _run_as_server_user() -> list[str]:
    """Command prefix for the server programs (``runuser`` when root)."""
    if os.geteuid() != 0:
        return []
    try:
        import pwd

        pwd.getpwnam(SUPERUSER)
    except KeyError:
        missing(
            COMPONENT,
            "running as root needs the 'postgres' system user, which the Debian package "
            "creates: apt-get install postgresql",
        )
    runuser = shutil.which("runuser")
    if runuser is None:
        missing(COMPONENT, "running as root needs runuser (Debian package util-linux)")
    return [runuser, "-u", SUPERUSER, "--"]


def _make_base_dir(prefix: list[str]) -> Path:
    """A fresh temporary directory the server user owns and can reach."""
    bases: list[str | None] = [None]
    if prefix:
        bases.append("/tmp")  # fallback when $TMPDIR is private to root
    for base in bases:
        d = Path(tempfile.mkdtemp(prefix="switcher-pg-", dir=base))
        if not prefix:
            return d
        import pwd

        pw = pwd.getpwnam(SUPERUSER)
        os.chown(d, pw.pw_uid, pw.pw_gid)
        probe = subprocess.run(
            [*prefix, "test", "-w", str(d)], capture_output=True, check=False, cwd=d
        )
        if probe.returncode == 0:
            return d
        shutil.rmtree(d, ignore_errors=True)
    missing(COMPONENT, "no temporary directory reachable by the 'postgres' user (check $TMPDIR)")


def _server_cmd(
    prefix: list[str], bindir: Path, program: str, args: Sequence[str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env.pop("LANG", None)
    return subprocess.run(
        [*prefix, str(bindir / program), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def _initdb(prefix: list[str], bindir: Path, base: Path) -> None:
    proc = _server_cmd(
        prefix,
        bindir,
        "initdb",
        [
            f"--pgdata={base / 'data'}",
            f"--username={SUPERUSER}",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ],
        base,
        120,
    )
    if proc.returncode != 0:
        missing(COMPONENT, f"initdb failed ({INSTALL_HINT}):\n{proc.stdout}\n{proc.stderr}")


def _configure(base: Path, port: int) -> None:
    settings = dict(_SETTINGS)
    settings["listen_addresses"] = "'127.0.0.1'"
    settings["port"] = str(port)
    settings["unix_socket_directories"] = f"'{base / 'socket'}'"
    conf = base / "data" / "postgresql.conf"
    with conf.open("a", encoding="utf-8") as f:
        f.write("\n# switcher test harness\n")
        for key, value in settings.items():
            f.write(f"{key} = {value}\n")


def _start(prefix: list[str], bindir: Path, base: Path) -> subprocess.CompletedProcess[str]:
    return _server_cmd(
        prefix,
        bindir,
        "pg_ctl",
        [
            f"--pgdata={base / 'data'}",
            f"--log={base / 'postgres.log'}",
            "--wait",
            f"--timeout={int(START_TIMEOUT)}",
            "start",
        ],
        base,
        START_TIMEOUT + 30,
    )


def _stop(prefix: list[str], bindir: Path, base: Path) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        _server_cmd(
            prefix,
            bindir,
            "pg_ctl",
            [f"--pgdata={base / 'data'}", "--mode=immediate", "--wait", "stop"],
            base,
            60,
        )


def _wait_accepting(server: PostgresServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            server.psql("SELECT 1;")
            return
        except (PostgresError, subprocess.TimeoutExpired) as err:
            if time.monotonic() > deadline:
                missing(
                    COMPONENT,
                    f"server did not accept connections: {err}\n{tail_of(server.log_file, 40)}",
                )
            time.sleep(0.1)


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL server; stop it and delete its files on exit.

    Calls ``missing()`` (skip locally, fail in CI) when the binaries are not
    installed or the server cannot be started.
    """
    bindir = find_bindir()
    if bindir is None:
        missing(COMPONENT, f"no {'/'.join(SERVER_PROGRAMS)} found; {INSTALL_HINT}")
    prefix = _run_as_server_user()
    base = _make_base_dir(prefix)
    started = False
    try:
        (base / "socket").mkdir()
        if prefix:
            import pwd

            pw = pwd.getpwnam(SUPERUSER)
            os.chown(base / "socket", pw.pw_uid, pw.pw_gid)
        _initdb(prefix, bindir, base)
        last_error = ""
        for _attempt in range(3):
            port = _free_port()
            _configure(base, port)  # later lines win, so a retry just appends
            proc = _start(prefix, bindir, base)
            if proc.returncode == 0:
                started = True
                break
            last_error = f"{proc.stdout}\n{proc.stderr}\n{tail_of(base / 'postgres.log', 40)}"
            if "already in use" not in last_error:
                break
        if not started:
            missing(COMPONENT, f"pg_ctl start failed:\n{last_error}")
        server = PostgresServer(bindir=bindir, base_dir=base, port=port)
        _wait_accepting(server)
        yield server
    finally:
        if started:
            _stop(prefix, bindir, base)
        shutil.rmtree(base, ignore_errors=True)
