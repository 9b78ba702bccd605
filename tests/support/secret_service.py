"""A throwaway real Secret Service (gnome-keyring) for tests.

``running_secret_service()`` creates a temporary HOME (with XDG_RUNTIME_DIR,
XDG_DATA_HOME and XDG_CONFIG_HOME inside it), starts a private
``dbus-daemon`` listening on a unix socket in that directory, and starts
``gnome-keyring-daemon --foreground --unlock --components=secrets`` on that bus
with a known password on stdin, so a default ``login`` collection exists and is
unlocked.  It waits until ``org.freedesktop.secrets`` answers, and on exit
kills both daemons (their whole process groups), reaps them and deletes the
directory.  Nothing touches the user's own session bus or keyrings.

``secret_service_keyring()`` also points this process at the bus (it sets
``DBUS_SESSION_BUS_ADDRESS`` in ``os.environ``, restored afterwards) and yields
an explicit ``keyring.backends.SecretService.Keyring()`` that has passed a
set/get/delete round trip.  secretstorage opens a new D-Bus connection for
every keyring call and jeepney reads ``DBUS_SESSION_BUS_ADDRESS`` each time it
connects, so nothing caches the address.

Locking: the bus has no service directories, so gnome-keyring cannot
D-Bus-activate a prompter (``gcr-prompter``).  Its unlock prompt therefore
completes as "dismissed" at once (a few milliseconds), and
``keyring``'s SecretService backend raises ``keyring.errors.KeyringLocked``
("Failed to unlock the collection!") from get/set/delete.  That holds with or
without ``$DISPLAY``.  (``keyring`` calls ``Collection.unlock()`` without a
timeout: on a bus that can activate ``gcr-prompter`` *and* a display (e.g.
Xvfb), the prompt window waits for an answer and the keyring call blocks with
no limit -- observed for over 5 minutes.  Without a display gcr-prompter exits
at once and the call raises ``KeyringLocked`` within ~30 ms.)
``SecretService.unlock()`` unlocks without a prompt through gnome-keyring's
private ``UnlockWithMasterPassword`` method.

keyring 25.7 leaks the D-Bus connection it opened when it raises
``KeyringLocked`` or ``InitError`` (the socket is closed only by garbage
collection, with a ``ResourceWarning``); ``tolerating_keyring_leaks()`` absorbs
that where tests provoke it on purpose.

Needs the Debian packages ``gnome-keyring`` and ``dbus-daemon`` and the Python
package ``keyring`` (which brings ``secretstorage`` and ``jeepney``).  Works as
root and without any display.
"""

from __future__ import annotations

import contextlib
import gc
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tests.support.components import missing
from tests.support.processes import tail_of, terminate_group

if TYPE_CHECKING:
    import keyring.backend
    from jeepney.io.blocking import DBusConnection

COMPONENT = "Secret Service (gnome-keyring + dbus)"
INSTALL_HINT = (
    "apt-get install --no-install-recommends gnome-keyring dbus-daemon "
    "(libsecret-tools adds secret-tool for manual checks) and pip install keyring"
)
PASSWORD = "switcher-test-keyring-password"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0

SECRETS_NAME = "org.freedesktop.secrets"
SECRETS_PATH = "/org/freedesktop/secrets"
SERVICE_IFACE = "org.freedesktop.Secret.Service"
GNOME_KEYRING_IFACE = "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"

# The environment of the daemons drops whatever could reach the user's
# session, a display (a prompter) or another keyring daemon.
_DROPPED_ENV = (
    "DBUS_SESSION_BUS_ADDRESS",
    "DBUS_STARTER_ADDRESS",
    "DBUS_STARTER_BUS_TYPE",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "GNOME_KEYRING_CONTROL",
    "SSH_AUTH_SOCK",
    "XDG_SESSION_ID",
    "XDG_SEAT",
    "XDG_CACHE_HOME",
    "XDG_STATE_HOME",
)

# No <servicedir>: nothing can be D-Bus-activated (no prompter, no second
# gnome-keyring), so a locked collection fails fast instead of prompting.
_BUS_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes


class SecretServiceError(RuntimeError):
    """A D-Bus call of the harness itself failed."""


def _make_base_dir() -> Path:
    base = Path(tempfile.mkdtemp(prefix="switcher-ss-"))
    if len(str(base / "bus")) <= _MAX_SOCKET_PATH:
        return base
    shutil.rmtree(base, ignore_errors=True)  # $TMPDIR too long for a socket path
    return Path(tempfile.mkdtemp(prefix="switcher-ss-", dir="/tmp"))


@dataclass
class SecretService:
    """A running private bus with gnome-keyring; see ``running_secret_service()``."""

    base_dir: Path
    bus_address: str
    env: dict[str, str]
    password: str = PASSWORD
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)
    _logs: list[IO[bytes]] = field(default_factory=list, repr=False)

    @property
    def home(self) -> Path:
        return self.base_dir / "home"

    @property
    def log_file(self) -> Path:
        """stdout/stderr of both daemons."""
        return self.base_dir / "daemons.log"

    def child_env(self) -> dict[str, str]:
        """``os.environ`` without display/session variables, plus ``env``:
        the environment for a child process that should use this service."""
        base = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        return {**base, **self.env}

    @contextlib.contextmanager
    def connect(self) -> Iterator[DBusConnection]:
        """A jeepney connection to this bus, closed on exit."""
        from jeepney.io.blocking import open_dbus_connection

        connection = open_dbus_connection(self.bus_address)
        try:
            yield connection
        finally:
            connection.close()

    def _call(
        self, connection: DBusConnection, iface: str, method: str, sig: str, *body: Any
    ) -> Any:
        from secretstorage.util import DBusAddressWrapper

        return DBusAddressWrapper(SECRETS_PATH, iface, connection).call(method, sig, *body)

    def _default_collection(self, connection: DBusConnection) -> str:
        # gnome-keyring answers "/" (no such alias) for a moment while it locks or
        # unlocks the collection (seen about once in 400 runs): ask again briefly.
        deadline = time.monotonic() + 2.0
        while True:
            (path,) = self._call(connection, SERVICE_IFACE, "ReadAlias", "s", "default")
            if path != "/":
                return str(path)
            if time.monotonic() > deadline:
                raise SecretServiceError("no default collection")
            time.sleep(0.02)

    def is_locked(self) -> bool:
        """Whether the default collection is locked."""
        import secretstorage

        with self.connect() as connection:
            path = self._default_collection(connection)
            return secretstorage.Collection(connection, path).is_locked()

    def lock(self) -> None:
        """Lock the default collection: keyring calls raise ``KeyringLocked``."""
        with self.connect() as connection:
            path = self._default_collection(connection)
            self._call(connection, SERVICE_IFACE, "Lock", "ao", [path])
        if not self.is_locked():
            raise SecretServiceError("the default collection did not lock")

    def unlock(self) -> None:
        """Unlock the default collection with the password, without a prompt."""
        from secretstorage.util import format_secret, open_session

        with self.connect() as connection:
            path = self._default_collection(connection)
            session = open_session(connection)
            secret = format_secret(session, self.password.encode(), "text/plain")
            self._call(
                connection,
                GNOME_KEYRING_IFACE,
                "UnlockWithMasterPassword",
                "o(oayays)",
                path,
                secret,
            )
        if self.is_locked():
            raise SecretServiceError("the default collection did not unlock")

    def entries(self) -> dict[tuple[str, str], str]:
        """Every item of the default collection as keyring stores it: (service, username) -> secret.

        The Secret Service can list what ``keyring`` cannot, so a test can see
        every secret that is left, not only the ones it knows to ask for.
        """
        import secretstorage

        with self.connect() as connection:
            path = self._default_collection(connection)
            collection = secretstorage.Collection(connection, path)
            found = {}
            for item in collection.get_all_items():
                attributes = item.get_attributes()
                if "service" in attributes and "username" in attributes:
                    key = (attributes["service"], attributes["username"])
                    found[key] = item.get_secret().decode()
            return found

    def clear(self, service: str) -> None:
        """Delete every item ``keyring`` stored under ``service`` (a module-scoped service is
        shared by tests that all use the bundled server's one keyring service name)."""
        import secretstorage

        with self.connect() as connection:
            path = self._default_collection(connection)
            for item in secretstorage.Collection(connection, path).search_items(
                {"service": service}
            ):
                item.delete()

    def restart_keyring(self) -> None:
        """Kill gnome-keyring and start it again on the same bus, as after a crash or a
        ``--replace``: the items stay (they are on disk), every session opened on the old
        daemon is gone."""
        import shutil

        daemon = shutil.which("gnome-keyring-daemon")
        assert daemon is not None and len(self._processes) == 2
        terminate_group(self._processes.pop())
        self._start_keyring(daemon)

    def stop(self) -> None:
        """Kill and reap both daemons (idempotent); the directory stays."""
        processes, self._processes = self._processes, []
        for proc in reversed(processes):  # gnome-keyring first, then the bus
            terminate_group(proc)
        logs, self._logs = self._logs, []
        for log in logs:
            log.close()

    # -- startup ----------------------------------------------------------

    def _spawn(self, cmd: list[str], *, stdin: int, pipe_stdout: bool) -> subprocess.Popen[bytes]:
        log = self.log_file.open("ab")
        self._logs.append(log)
        proc = subprocess.Popen(
            cmd,
            stdin=stdin,
            stdout=subprocess.PIPE if pipe_stdout else log,
            stderr=log,
            env=self.child_env(),
            cwd=self.base_dir,
            start_new_session=True,  # its own process group, killed as a whole
        )
        self._processes.append(proc)
        return proc

    def _start_bus(self, dbus_daemon: str) -> None:
        config = self.base_dir / "bus.conf"
        config.write_text(_BUS_CONFIG.format(socket=self.base_dir / "bus"))
        proc = self._spawn(
            [dbus_daemon, f"--config-file={config}", "--nofork", "--print-address=1"],
            stdin=subprocess.DEVNULL,
            pipe_stdout=True,
        )
        assert proc.stdout is not None
        line = b""
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + START_TIMEOUT
            while not line.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    break
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                line += chunk
        proc.stdout.close()  # it prints nothing else
        address = line.decode(errors="replace").strip().splitlines()
        if not address or not address[0].startswith("unix:"):
            missing(
                COMPONENT,
                f"dbus-daemon did not print its address (exit code {proc.poll()}):\n"
                f"{tail_of(self.log_file)}\n{INSTALL_HINT}",
            )
        self.bus_address = address[0]
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address

    def _start_keyring(self, gnome_keyring_daemon: str) -> None:
        proc = self._spawn(
            [gnome_keyring_daemon, "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            pipe_stdout=False,
        )
        assert proc.stdin is not None
        # --unlock reads the login password from stdin up to EOF.
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write(self.password.encode())
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
        self._wait_ready(proc)

    def _wait_ready(self, proc: subprocess.Popen[bytes]) -> None:
        """Until the service owns its name and the default collection is unlocked."""
        deadline = time.monotonic() + START_TIMEOUT
        last = "not polled yet"
        while True:
            code = proc.poll()
            if code is not None:
                missing(
                    COMPONENT,
                    f"gnome-keyring-daemon exited with code {code}:\n"
                    f"{tail_of(self.log_file)}\n{INSTALL_HINT}",
                )
            try:
                if not self.is_locked():
                    return
                last = "the default collection is locked"
            except Exception as err:  # not there yet: jeepney/secretstorage errors
                last = f"{type(err).__name__}: {err}"
            if time.monotonic() > deadline:
                missing(
                    COMPONENT,
                    f"{SECRETS_NAME} not ready after {START_TIMEOUT:.0f}s ({last}):\n"
                    f"{tail_of(self.log_file)}\n{INSTALL_HINT}",
                )
            time.sleep(0.02)


@contextlib.contextmanager
def running_secret_service(locked: bool = False) -> Iterator[SecretService]:
    """Start a private D-Bus session bus with gnome-keyring's Secret Service.

    The default (``login``) collection is unlocked, or locked with
    ``locked=True``.  Calls ``missing()`` (skip locally, fail in CI) when a
    program or Python package is missing or a daemon does not start.
    """
    dbus_daemon = shutil.which("dbus-daemon")
    gnome_keyring_daemon = shutil.which("gnome-keyring-daemon")
    if dbus_daemon is None or gnome_keyring_daemon is None:
        absent = [
            name
            for name, path in (
                ("dbus-daemon", dbus_daemon),
                ("gnome-keyring-daemon", gnome_keyring_daemon),
            )
            if path is None
        ]
        missing(COMPONENT, f"{' and '.join(absent)} not found on PATH; {INSTALL_HINT}")
    try:
        import secretstorage  # noqa: F401
    except ImportError as err:
        missing(COMPONENT, f"cannot import secretstorage ({err}); {INSTALL_HINT}")

    base = _make_base_dir()
    home = base / "home"
    env = {
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }
    for key in ("XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        Path(env[key]).mkdir(mode=0o700, parents=True)
    service = SecretService(base_dir=base, bus_address="", env=env)
    try:
        service._start_bus(dbus_daemon)
        service._start_keyring(gnome_keyring_daemon)
        if locked:
            service.lock()
        yield service
    finally:
        service.stop()
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def _private_bus() -> Iterator[SecretService]:
    """A private session bus with nothing on it yet (a HOME and runtime dir of its own)."""
    dbus_daemon = shutil.which("dbus-daemon")
    if dbus_daemon is None:
        missing(COMPONENT, f"dbus-daemon not found on PATH; {INSTALL_HINT}")
    base = _make_base_dir()
    home = base / "home"
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(home / "run")}
    Path(env["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, parents=True)
    service = SecretService(base_dir=base, bus_address="", env=env)
    try:
        service._start_bus(dbus_daemon)
        yield service
    finally:
        service.stop()
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def hung_secret_service() -> Iterator[SecretService]:
    """A private bus on which a process owns ``org.freedesktop.secrets`` and never answers.

    keyring sees a Secret Service (the bus itself lists the name), and then
    every call to it waits for a reply that never comes: what a keyring stuck
    behind an unlock prompt looks like to a client.  ``env`` has the bus
    address and a private HOME, as with ``running_secret_service()``.
    """
    with _private_bus() as service:
        squatter = service._spawn(
            [sys.executable, "-c", _SQUATTER, service.bus_address, SECRETS_NAME],
            stdin=subprocess.DEVNULL,
            pipe_stdout=True,
        )
        assert squatter.stdout is not None
        ready = squatter.stdout.readline()
        squatter.stdout.close()  # it prints nothing else
        if ready.strip() != b"owned":
            missing(COMPONENT, f"the silent service did not start:\n{tail_of(service.log_file)}")
        yield service


@contextlib.contextmanager
def bus_without_secret_service() -> Iterator[SecretService]:
    """A private session bus on which nothing serves ``org.freedesktop.secrets``.

    What a desktop without any keyring daemon looks like to a client.
    """
    with _private_bus() as service:
        yield service


# Takes the name, says so, then never reads its socket again.
_SQUATTER = """\
import sys, time
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection
connection = open_dbus_connection(sys.argv[1])
connection.send_and_get_reply(message_bus.RequestName(sys.argv[2]))
print("owned", flush=True)
time.sleep(3600)
"""


@contextlib.contextmanager
def bus_environment(service: SecretService) -> Iterator[None]:
    """Point this process's new D-Bus session connections at ``service``.

    Only ``DBUS_SESSION_BUS_ADDRESS`` is set (HOME and XDG_* would also move
    ``Path.home()``, the peer cache and platformdirs); restored on exit.
    """
    name = "DBUS_SESSION_BUS_ADDRESS"
    previous = os.environ.get(name)
    os.environ[name] = service.bus_address
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


@contextlib.contextmanager
def tolerating_keyring_leaks() -> Iterator[None]:
    """Absorb the D-Bus socket keyring leaks when it raises ``KeyringLocked``.

    keyring's ``get_preferred_collection()`` raises before closing the
    connection it opened; the socket's ``ResourceWarning`` surfaces when the
    exception and its traceback are dropped.  Put the call *and* the handling
    of its exception inside this block, and keep no reference to the exception
    past it (keep its type and message): the block ignores ResourceWarning and
    collects garbage on exit.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            yield
        finally:
            gc.collect()


def new_keyring() -> keyring.backend.KeyringBackend:
    """A new ``keyring.backends.SecretService.Keyring`` (it has no state: every
    call opens its own D-Bus connection to ``$DBUS_SESSION_BUS_ADDRESS``)."""
    try:
        from keyring.backends.SecretService import Keyring
    except ImportError as err:
        missing(COMPONENT, f"cannot import keyring ({err}); {INSTALL_HINT}")
    backend: keyring.backend.KeyringBackend = Keyring()
    return backend


def _round_trip(backend: keyring.backend.KeyringBackend) -> None:
    probe = ("switcher-tests-probe", "probe")
    try:
        backend.set_password(*probe, "round-trip")
        value = backend.get_password(*probe)
        backend.delete_password(*probe)
        gone = backend.get_password(*probe)
    except Exception as err:
        missing(COMPONENT, f"keyring round trip failed: {type(err).__name__}: {err}")
    if value != "round-trip" or gone is not None:
        missing(COMPONENT, f"keyring round trip read {value!r}, then {gone!r}")


@contextlib.contextmanager
def secret_service_keyring(
    service: SecretService | None = None,
) -> Iterator[keyring.backend.KeyringBackend]:
    """A verified ``keyring.backends.SecretService.Keyring`` on a private service.

    Starts its own ``running_secret_service()``, or uses ``service`` (left
    running, and locked again after the check if it was locked).  This
    process's ``DBUS_SESSION_BUS_ADDRESS`` points at the service for the
    duration (see ``bus_environment()``).  The backend passed a
    set/get/delete round trip before it is yielded.
    """
    backend = new_keyring()
    with contextlib.ExitStack() as stack:
        if service is None:
            service = stack.enter_context(running_secret_service())
        stack.enter_context(bus_environment(service))
        was_locked = service.is_locked()
        if was_locked:
            service.unlock()
        _round_trip(backend)
        if was_locked:
            service.lock()
        yield backend
