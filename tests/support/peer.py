"""The interop peer: a real better-auth 1.7.25 server (``tests/peer/server.mjs``).

``peer_dir()`` installs the peer once per content hash into a cache directory
outside the repository (``$XDG_CACHE_HOME`` or ``~/.cache``, subdirectory
``switcher-tests/peer-<hash>``): it copies ``package.json``,
``package-lock.json`` and ``server.mjs`` there, runs ``npm ci`` and compiles
better-sqlite3 from source.  An exclusive ``fcntl`` lock keeps concurrent
pytest processes from racing, and a marker file written after a successful
install makes a half-finished install start over.

``PeerServer`` (or ``start_peer()``) runs ``node server.mjs`` with
``NODE_ENV=development`` and waits for its ``READY <url>`` line.

Pre-install from a Makefile with ``python -m tests.support.peer install``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypedDict, Unpack

from tests.support.components import missing

COMPONENT = "better-auth peer (Node 20 + npm)"
INSTALL_HINT = (
    "needs Node.js >= 20 with npm (Debian 12's own nodejs is 18: use the NodeSource package) "
    "and a C++ toolchain (apt-get install build-essential python3) to compile better-sqlite3; "
    "`python -m tests.support.peer install` installs the peer (make test does this)"
)
SOURCE_DIR = Path(__file__).resolve().parent.parent / "peer"
PEER_FILES = ("package.json", "package-lock.json", "server.mjs")
MARKER = ".switcher-peer-installed.json"
MIN_NODE_MAJOR = 20
STARTUP_TIMEOUT = 30.0
INSTALL_TIMEOUT = 1200.0

# Variables that make better-auth behave differently (test mode, base URL,
# secret, serverless detection); the peer gets everything from its flags.
_SCRUBBED_ENV = re.compile(
    r"(TEST|VITEST|BASE_URL|DATABASE_URL|AUTH_SECRET|AUTH_URL|NEXTAUTH_URL|VERCEL_URL"
    r"|AWS_LAMBDA_FUNCTION_NAME|LAMBDA_TASK_ROOT|BETTER_AUTH_.*|NEXT_PUBLIC_.*)"
)


class PeerError(RuntimeError):
    """The peer failed to start or to answer."""


# ---------------------------------------------------------------------------
# installation


def _cache_root() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "switcher-tests"


def peer_hash() -> str:
    """First 12 hex digits of sha256(package-lock.json + server.mjs)."""
    digest = hashlib.sha256()
    for name in ("package-lock.json", "server.mjs"):
        digest.update((SOURCE_DIR / name).read_bytes())
    return digest.hexdigest()[:12]


def _node_version() -> str | None:
    """``node --version`` (e.g. ``v20.20.2``) if node >= 20 and npm exist."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        return None
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.fullmatch(r"v(\d+)\.\d+\.\d+.*", out)
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        return None
    return out


def _npm_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "npm_config_audit": "false",
            "npm_config_fund": "false",
            "npm_config_update_notifier": "false",
            "npm_config_progress": "false",
            "JOBS": "max",
        }
    )
    # Compile against the installed headers instead of downloading them.
    if "npm_config_nodedir" not in env:
        for prefix in ("/usr", "/usr/local"):
            if Path(prefix, "include", "node", "node.h").is_file():
                env["npm_config_nodedir"] = prefix
                break
    return env


def _run_logged(cmd: Sequence[str], cwd: Path, log: IO[str], env: Mapping[str, str]) -> None:
    log.write(f"\n$ {' '.join(cmd)}\n")
    log.flush()
    started = time.monotonic()
    proc = subprocess.run(
        list(cmd),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    log.write(f"# exit {proc.returncode} after {time.monotonic() - started:.1f}s\n")
    log.flush()
    if proc.returncode != 0:
        raise PeerError(f"`{' '.join(cmd)}` exited with {proc.returncode}")


def _marker_ok(target: Path, node_version: str) -> bool:
    try:
        data = json.loads((target / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("node") == node_version


_CHECK_JS = (
    "const {default: D} = await import('better-sqlite3');"
    "new D(':memory:').prepare('select 1').get();"
    "await import('pg'); await import('better-auth');"
    "await import('better-auth/db/migration'); await import('better-auth/node');"
)


def _reusable_install(target: Path, node_version: str) -> Path | None:
    """Another complete install with the same package-lock.json, if any.

    Editing only server.mjs changes the hash; its node_modules (with the
    compiled better-sqlite3) can then be copied instead of rebuilt.
    """
    lock = (SOURCE_DIR / "package-lock.json").read_bytes()
    for other in sorted(target.parent.glob("peer-*")):
        if other == target or not other.is_dir() or not _marker_ok(other, node_version):
            continue
        with contextlib.suppress(OSError):
            if (other / "package-lock.json").read_bytes() == lock:
                return other
    return None


def _install(target: Path, node_version: str, log: IO[str]) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in PEER_FILES:
        shutil.copy2(SOURCE_DIR / name, target / name)
    env = _npm_env()
    donor = _reusable_install(target, node_version)
    if donor is not None:
        log.write(f"\n# copying node_modules from {donor}\n")
        try:
            shutil.copytree(donor / "node_modules", target / "node_modules", symlinks=True)
            _run_logged(["node", "--input-type=module", "-e", _CHECK_JS], target, log, env)
        except (OSError, PeerError) as err:
            log.write(f"# copy unusable ({err}); installing from scratch\n")
            shutil.rmtree(target / "node_modules", ignore_errors=True)
            donor = None
    if donor is None:
        # npm 11 may skip dependency install scripts; compile better-sqlite3
        # explicitly (its prebuilt-binary download fails offline, then
        # node-gyp builds it from source: about two minutes).
        npm_ci = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
        _run_logged(npm_ci, target, log, env)
        rebuild = ["npm", "rebuild", "better-sqlite3", "--foreground-scripts"]
        _run_logged(rebuild, target, log, env)
        _run_logged(["node", "--input-type=module", "-e", _CHECK_JS], target, log, env)
    (target / MARKER).write_text(json.dumps({"node": node_version, "hash": peer_hash()}) + "\n")


_install_failure: str | None = None
_installed: Path | None = None


def peer_dir(*, verbose: bool = False) -> Path:
    """The installed peer directory (installing it first if needed).

    Calls ``missing()`` when Node/npm are unavailable or the install fails.
    With ``verbose`` the npm output is echoed to stderr as well as logged.
    """
    global _install_failure, _installed
    if _installed is not None:
        return _installed
    if _install_failure is not None:
        missing(COMPONENT, _install_failure)
    node_version = _node_version()
    if node_version is None:
        _install_failure = f"node >= {MIN_NODE_MAJOR} and npm not found on PATH; {INSTALL_HINT}"
        missing(COMPONENT, _install_failure)
    root = _cache_root()
    target = root / f"peer-{peer_hash()}"
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{target.name}.lock").open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if not _marker_ok(target, node_version):
                log_path = root / f"{target.name}.install.log"
                try:
                    with log_path.open("w", encoding="utf-8") as log:
                        if verbose:
                            print(f"installing the better-auth peer into {target}", file=sys.stderr)
                        _install(target, node_version, log)
                except (OSError, subprocess.SubprocessError, PeerError) as err:
                    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
                    _install_failure = (
                        f"installing into {target} failed: {err}\n"
                        f"(full log: {log_path})\n{tail}\n{INSTALL_HINT}"
                    )
                    missing(COMPONENT, _install_failure)
                if verbose:
                    print(log_path.read_text(errors="replace"), file=sys.stderr)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    _installed = target
    return target


# ---------------------------------------------------------------------------
# running


class PeerFlags(TypedDict, total=False):
    """``server.mjs``'s options, each a command-line flag; ``peer_args`` has the defaults."""

    port: int
    secret: str | None
    base_url: str | None
    database: str
    max_sessions: int | None
    update_age: int | None
    expires_in: int | None
    secure_cookies: bool
    trusted_origins: Sequence[str]
    rate_limit: bool
    rate_limit_storage: str  # "memory" (better-auth's default here) or "database"
    migrate: bool
    cookie_prefix: str | None
    require_email_verification: bool
    mail_log: str | None
    cookie_domain: str | None
    username: bool
    base_path: str | None
    two_factor: bool
    two_factor_cookie_max_age: int | None
    magic_link: bool
    email_otp: bool
    generic_oauth: str | None  # the provider's URL: genericOAuth "test-sso", and the site's pages
    no_password: bool  # emailAndPassword off: an OAuth-only site


def peer_args(**flags: Unpack[PeerFlags]) -> list[str]:
    """The ``server.mjs`` command-line flags for these options."""
    args = ["--port", str(flags.get("port", 0)), "--database", flags.get("database", "memory")]
    for name, flag in (
        ("secret", "--secret"),
        ("base_url", "--base-url"),
        ("max_sessions", "--max-sessions"),
        ("update_age", "--update-age"),
        ("expires_in", "--expires-in"),
        ("cookie_prefix", "--cookie-prefix"),
        ("mail_log", "--mail-log"),
        ("cookie_domain", "--cookie-domain"),
        ("base_path", "--base-path"),
        ("two_factor_cookie_max_age", "--two-factor-cookie-max-age"),
        ("generic_oauth", "--generic-oauth"),
        ("rate_limit_storage", "--rate-limit-storage"),
    ):
        value = flags.get(name)
        if value is not None:
            args += [flag, str(value)]
    for name, flag in (
        ("secure_cookies", "--secure-cookies"),
        ("rate_limit", "--rate-limit"),
        ("require_email_verification", "--require-email-verification"),
        ("username", "--username"),
        ("two_factor", "--two-factor"),
        ("magic_link", "--magic-link"),
        ("email_otp", "--email-otp"),
        ("no_password", "--no-password"),
        ("migrate", "--migrate"),
    ):
        if flags.get(name):
            args.append(flag)
    for origin in flags.get("trusted_origins", ()):
        args += ["--trusted-origin", origin]
    return args


def peer_env(node_env: str = "development") -> dict[str, str]:
    """Environment for the peer: ours minus better-auth's knobs, and ``NODE_ENV``.

    Tests use ``development`` (origin checks on, no default rate limit);
    the benchmark uses ``production``, as a real deployment runs.
    """
    env = {k: v for k, v in os.environ.items() if not _SCRUBBED_ENV.fullmatch(k)}
    env["NODE_ENV"] = node_env
    env["NO_COLOR"] = "1"
    return env


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


class PeerServer:
    """A running better-auth peer; use as a context manager.

    Keyword arguments mirror ``server.mjs``'s flags (see ``peer_args``).
    ``base_url`` is where to send requests (``http://127.0.0.1:<port>``, from
    the READY line); ``auth_base_url`` is the baseURL better-auth was given
    (the ``base_url`` option, or the same address).
    """

    def __init__(
        self,
        *,
        startup_timeout: float = STARTUP_TIMEOUT,
        node_env: str = "development",
        **flags: Unpack[PeerFlags],
    ) -> None:
        self.node_env = node_env
        self.args = peer_args(**flags)
        self._configured_base_url = flags.get("base_url")
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._url: str | None = None

    # -- properties -------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: where the peer listens."""
        if self._url is None:
            raise PeerError("peer is not running")
        return self._url

    @property
    def auth_base_url(self) -> str:
        """The baseURL better-auth was configured with."""
        return self._configured_base_url or self.base_url

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    @property
    def origin(self) -> str:
        """The Origin header value better-auth trusts by default."""
        return self.auth_base_url.rstrip("/")

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def stderr_text(self) -> str:
        """Everything the peer wrote to stderr so far."""
        return "" if self._tmp is None else _read(Path(self._tmp.name) / "stderr")

    def stdout_text(self) -> str:
        return "" if self._tmp is None else _read(Path(self._tmp.name) / "stdout")

    # -- lifecycle --------------------------------------------------------

    def start(self) -> PeerServer:
        if self._proc is not None:
            raise PeerError("peer already started")
        directory = peer_dir()
        self._tmp = tempfile.TemporaryDirectory(prefix="switcher-peer-")
        tmp = Path(self._tmp.name)
        # --parent-pid: the peer exits by itself if this process dies.
        cmd = ["node", str(directory / "server.mjs"), *self.args]
        cmd += ["--parent-pid", str(os.getpid())]
        with (tmp / "stdout").open("wb") as out, (tmp / "stderr").open("wb") as err:
            self._proc = subprocess.Popen(
                cmd,
                cwd=directory,
                env=peer_env(self.node_env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        try:
            self._url = self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> str:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        while True:
            for line in self.stdout_text().splitlines():
                if line.startswith("READY "):
                    return line.removeprefix("READY ").strip()
            code = self._proc.poll()
            if code is not None:
                raise PeerError(
                    f"peer exited with code {code} before READY "
                    f"(args {self.args}):\n{self.stderr_text()}{self.stdout_text()}"
                )
            if time.monotonic() > deadline:
                raise PeerError(
                    f"peer not READY after {self.startup_timeout:.0f}s "
                    f"(args {self.args}):\n{self.stderr_text()}{self.stdout_text()}"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        """Terminate (SIGTERM, then SIGKILL after 10 s) and reap the process."""
        proc, self._proc = self._proc, None
        self._url = None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> PeerServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def start_peer(**options: Any) -> Iterator[PeerServer]:
    """``with start_peer(database=..., max_sessions=2) as peer: ...``"""
    with PeerServer(**options) as peer:
        yield peer


def print_migrations(database: str, **options: Any) -> dict[str, Any]:
    """Run ``server.mjs --print-migrations`` against ``database``.

    Returns ``{"database", "toBeCreated": [tables], "toBeAdded": [tables],
    "toBeAddedFields": {table: [columns]}, "toBeAddedIndexes": [names],
    "unsafeChanges", "schemaProblems", "sql": compileMigrations() output}``.
    """
    directory = peer_dir()
    cmd = [
        "node",
        str(directory / "server.mjs"),
        *peer_args(database=database, **options),
        "--print-migrations",
    ]
    proc = subprocess.run(
        cmd,
        cwd=directory,
        env=peer_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise PeerError(
            f"--print-migrations failed with exit code {proc.returncode}:\n"
            f"{proc.stderr}{proc.stdout}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _main(argv: Sequence[str]) -> int:
    if list(argv) != ["install"]:
        print("usage: python -m tests.support.peer install", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        directory = peer_dir(verbose=True)
    except BaseException as err:  # pytest's skip/fail outcomes are BaseExceptions
        if isinstance(err, KeyboardInterrupt | SystemExit):
            raise
        print(f"peer install failed: {err}", file=sys.stderr)
        return 1
    print(f"better-auth peer ready in {directory} ({time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
