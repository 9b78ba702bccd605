"""``switcher doctor`` end to end: the real CLI against a real keyring, servers, X and browsers."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from switcher.bundled import LOCAL, LOCAL_URL
from switcher.doctor import PROBE_SERVICE, PROBE_USER, STATUSES
from switcher.vault import Index, Server
from tests.support.cli import Cli, Ran
from tests.support.desktop import running_desktop
from tests.support.fault_server import FaultServer, http_response, refused_port
from tests.support.secret_service import (
    SecretService,
    hung_secret_service,
    secret_service_keyring,
)
from tests.support.sqlite_lock import holding_write_lock
from tests.support.targets import BETTER_AUTH, SWITCHER, Options, Servers, unique_email

TOP_KEYS = {"switcher", "python", "platform", "pyside6", "ok", "checks"}


CHECK_KEYS = {"name", "status", "summary", "hint", "details", "facts"}


def doctor(cli: Cli, *args: str) -> tuple[Ran, dict[str, Any]]:
    """``switcher [args] doctor --json``: the process and its parsed report."""
    result = cli(*args, "doctor", "--json", check=False)
    assert result.returncode in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    assert set(report) == TOP_KEYS
    for check in report["checks"]:
        assert set(check) == CHECK_KEYS
        assert check["status"] in STATUSES
        assert "\n" not in check["summary"]
        # Whatever is not ok says what to do, except plain information.
        assert check["status"] in ("ok", "info") or check["hint"]
    assert report["ok"] == (result.returncode == 0)
    assert report["ok"] == all(c["status"] != "fail" for c in report["checks"])
    return result, report


def check(report: dict[str, Any], name: str) -> dict[str, Any]:
    found = [c for c in report["checks"] if c["name"] == name]
    assert len(found) == 1, [c["name"] for c in report["checks"]]
    result: dict[str, Any] = found[0]
    return result


def write_index(cli: Cli, servers: dict[str, str]) -> None:
    """Configure servers as ``switcher server add`` would, without a process per server."""
    index = Index.empty()
    for name, url in servers.items():
        index.servers[name] = Server(name, url)
    config = Path(cli.env["SWITCHER_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "accounts.json").write_text(json.dumps(index.to_json()))


# -- keyring ----------------------------------------------------------------------------


def test_a_healthy_machine_passes_and_never_prints_a_secret(
    cli: Cli, secret_service: SecretService
) -> None:
    cli.add(unique_email("alice"), "--sign-up")
    pairs = cli("cookie").stdout.strip().split("; ")
    signed = [pair.split("=", 1)[1] for pair in pairs]
    tokens = signed + [value.split(".")[0] for value in signed]
    assert all(len(token) >= 32 for token in tokens)

    result, report = doctor(cli)
    text = cli("doctor")
    assert result.returncode == 0, result.stdout
    keyring = check(report, "keyring")
    assert keyring["status"] == "ok", keyring
    # The store switcher itself uses on Linux: the Secret Service, spoken directly.
    assert keyring["facts"]["backend"] == "switcher.secrets.secret_service.SecretServiceSecrets"
    assert keyring["facts"]["round_trip_ms"] is not None
    assert "Secret Service" in keyring["summary"]
    local = check(report, f"server:{LOCAL}")
    assert local["status"] == "ok"
    assert local["facts"]["in_process"] is True
    assert "answers in-process" in local["summary"]
    # The cli fixture drops DISPLAY and WAYLAND_DISPLAY.
    tray = check(report, "tray")
    assert tray["status"] == "warn"
    assert "no display" in tray["summary"]
    for name in ("path:config", "path:data", "path:logs"):
        assert check(report, name)["status"] == "ok"
    assert report["pyside6"]  # the test environment has it
    assert text.stdout.startswith(f"switcher {report['switcher']}, Python ")
    assert "ok    keyring" in text.stdout
    assert "no display" in text.stdout

    for output in (result.stdout, result.stderr, text.stdout, text.stderr):
        for token in tokens:
            assert token not in output
    # The probe cleaned up after itself.
    with secret_service_keyring(secret_service) as backend:
        assert backend.get_password(PROBE_SERVICE, PROBE_USER) is None


def test_no_secret_service_on_the_bus_fails_with_the_fix(cli: Cli) -> None:
    no_bus = cli.with_env(DBUS_SESSION_BUS_ADDRESS=f"unix:path={cli.root / 'no-bus-here'}")
    result, report = doctor(no_bus)
    assert result.returncode == 1
    keyring = check(report, "keyring")
    assert keyring["status"] == "fail", keyring
    assert keyring["facts"].get("backend") == "keyring.backends.fail.Keyring", keyring
    assert "no usable keyring backend" in keyring["summary"]
    assert "gnome-keyring" in keyring["hint"]
    assert "KeePassXC" in keyring["hint"]
    assert "--insecure-storage" in keyring["hint"]
    assert any(line.startswith("Secret Service: ") for line in keyring["details"])
    text = no_bus("doctor", check=False)
    assert text.returncode == 1
    assert "FAIL  keyring" in text.stdout
    # With --insecure-storage the keyring is not used: said, but no failure.
    chosen, report = doctor(no_bus, "--insecure-storage")
    assert check(report, "keyring")["status"] == "warn"
    assert "not used: --insecure-storage" in check(report, "keyring")["summary"]
    assert chosen.returncode == 0, chosen.stdout
    assert "what to do: " in text.stdout

    unset = cli.with_env(DBUS_SESSION_BUS_ADDRESS=None)
    result, report = doctor(unset)
    assert result.returncode == 1
    assert "DBUS_SESSION_BUS_ADDRESS is unset" in check(report, "keyring")["hint"]


def test_a_locked_keyring_says_unlock(cli: Cli, secret_service: SecretService) -> None:
    secret_service.lock()
    try:
        result, report = doctor(cli)
    finally:
        secret_service.unlock()
    assert result.returncode == 1
    keyring = check(report, "keyring")
    assert keyring["status"] == "fail", keyring
    assert "is locked" in keyring["summary"]
    assert "unlock" in keyring["hint"]


def test_a_keyring_that_never_answers_costs_its_timeout_not_a_hang(cli: Cli) -> None:
    with hung_secret_service() as service:
        stuck = cli.with_env(**service.env)
        started = time.monotonic()
        result, report = doctor(stuck)
        took = time.monotonic() - started
    assert result.returncode == 1
    keyring = check(report, "keyring")
    assert keyring["status"] == "fail", keyring
    assert "did not answer within 10 s" in keyring["summary"]
    assert keyring["facts"]["backend"] == "switcher.secrets.secret_service.SecretServiceSecrets"
    assert "unlock prompt may be waiting" in keyring["hint"]
    # KEYRING_TIMEOUT (10 s), while the other checks ran alongside.
    assert took < 18, took
    assert check(report, "path:config")["status"] == "ok"


def test_insecure_storage_is_a_warning(cli: Cli) -> None:
    _, report = doctor(cli, "--insecure-storage")
    storage = check(report, "storage")
    assert storage["status"] == "warn"
    assert storage["facts"]["path"].endswith("insecure-secrets.json")


# -- servers ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [SWITCHER, pytest.param(BETTER_AUTH, marks=pytest.mark.peer)])
def test_a_server_that_answers_is_ok(cli: Cli, servers: Servers, kind: str) -> None:
    target = servers.get(kind, Options())
    write_index(cli, {"remote": target.base_url})
    result, report = doctor(cli)
    remote = check(report, "server:remote")
    assert remote["status"] == "ok", remote
    assert remote["facts"]["latency_ms"] >= 0
    assert remote["facts"]["in_process"] is False
    assert result.returncode == 0


def test_the_local_server_answers_at_once_while_another_process_holds_its_write_lock(
    cli: Cli,
) -> None:
    cli.add(unique_email("first"), "--sign-up")  # the database exists, with its tables
    database = Path(cli.env["SWITCHER_DATA_DIR"]) / "server" / "auth.db"
    with holding_write_lock(database, seconds=8):
        started = time.monotonic()
        _, report = doctor(cli, "--server", "local")
        took = time.monotonic() - started
    # Starting the bundled server needs no write lock when its tables are there.
    local = check(report, "server:local")
    assert local["status"] == "ok", local
    assert took < 4, took


def test_servers_that_refuse_hang_or_fail_are_reported_in_bounded_time(cli: Cli) -> None:
    with ExitStack() as stack:
        refused = stack.enter_context(refused_port())
        hung = stack.enter_context(FaultServer(None))
        broken = stack.enter_context(FaultServer(http_response(503, b'{"message":"down"}')))
        html = stack.enter_context(FaultServer(http_response(200, b"<html>", "text/html")))
        write_index(
            cli,
            {
                "refused": f"http://127.0.0.1:{refused}",
                "hung": hung.base_url,
                "broken": broken.base_url,
                "html": html.base_url,
            },
        )
        started = time.monotonic()
        result, report = doctor(cli)
        took = time.monotonic() - started
    assert result.returncode == 1
    # The hung server costs its 3 s timeout once: servers are checked side by side.
    assert took < 10, took
    refused_check = check(report, "server:refused")
    assert refused_check["status"] == "fail"
    assert "cannot connect" in refused_check["summary"]
    assert "start the server" in refused_check["hint"]
    hung_check = check(report, "server:hung")
    assert hung_check["status"] == "fail"
    assert "did not answer within 3 s" in hung_check["summary"]
    assert hung_check["facts"]["latency_ms"] is None
    broken_check = check(report, "server:broken")
    assert broken_check["status"] == "fail"
    assert "cannot answer now: down (HTTP 503)" in broken_check["summary"]
    assert "logs" in broken_check["hint"]
    html_check = check(report, "server:html")
    assert html_check["status"] == "fail"
    assert "/api/auth" in html_check["hint"]
    assert check(report, f"server:{LOCAL}")["facts"]["url"] == LOCAL_URL

    _, only = doctor(cli, "--server", "nope")
    assert check(only, "server:nope")["status"] == "fail"
    assert not any(c["name"] == "server:hung" for c in only["checks"])


def test_a_corrupt_index_is_reported_and_left_alone(cli: Cli) -> None:
    config = Path(cli.env["SWITCHER_CONFIG_DIR"])
    config.mkdir(parents=True)
    (config / "accounts.json").write_text("{ not json")
    _, report = doctor(cli)
    index = check(report, "index")
    assert index["status"] == "warn"
    assert "switcher accounts list" in index["hint"]
    assert (config / "accounts.json").read_text() == "{ not json"  # the doctor repairs nothing


def test_a_file_where_a_directory_belongs_fails(cli: Cli) -> None:
    blocker = cli.root / "not-a-directory"
    blocker.write_text("")
    result, report = doctor(cli.with_env(SWITCHER_LOG_DIR=str(blocker)))
    assert result.returncode == 1
    logs = check(report, "path:logs")
    assert logs["status"] == "fail"
    assert "SWITCHER_LOG_DIR" in logs["hint"]


# -- browsers ---------------------------------------------------------------------------


def fake_home(root: Path) -> Path:
    """A HOME with two Firefox and two Chromium profiles, Chromium's open in a live process."""
    home = root / "home"
    firefox = home / ".mozilla" / "firefox"
    for directory in ("abcd1234.default-release", "efgh5678.work"):
        (firefox / directory).mkdir(parents=True)
    (firefox / "profiles.ini").write_text(
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd1234.default-release\n"
        "Default=1\n\n[Profile1]\nName=Work\nIsRelative=1\nPath=efgh5678.work\n\n"
        "[General]\nStartWithLastProfile=1\nVersion=2\n"
    )
    chromium = home / ".config" / "chromium"
    for directory in ("Default", "Profile 1"):
        (chromium / directory).mkdir(parents=True)
    state = {
        "profile": {
            "info_cache": {"Default": {"name": "Personal"}, "Profile 1": {"name": "Clients"}},
            "last_used": "Default",
            "profiles_order": ["Default", "Profile 1"],
        }
    }
    (chromium / "Local State").write_text(json.dumps(state))
    # Chromium's lock names this host and a live pid: this test's own process.
    (chromium / "SingletonLock").symlink_to(f"{socket.gethostname()}-{os.getpid()}")
    return home


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux profile locations")
def test_browser_profiles_in_the_home_are_listed_by_name(cli: Cli) -> None:
    home = fake_home(cli.root)
    in_home = cli.with_env(HOME=str(home), XDG_CONFIG_HOME=None)
    _, report = doctor(in_home)
    firefox = check(report, "browser:firefox")
    profiles = {p["name"]: p for p in firefox["facts"]["profiles"]}
    assert set(profiles) == {"default-release", "Work"}
    assert profiles["default-release"]["default"] is True
    assert profiles["Work"]["running"] is False
    chromium = check(report, "browser:chromium")
    profiles = {p["name"]: p for p in chromium["facts"]["profiles"]}
    assert set(profiles) == {"Personal", "Clients"}
    assert all(p["running"] is True for p in profiles.values())
    text = in_home("doctor", check=False).stdout
    for name in ("default-release", "Work", "Personal", "Clients"):
        assert name in text
    assert "running: close Chromium before exporting to it" in text

    # Without the browsers on PATH the profiles still count, with the way to fix it.
    no_path = in_home.with_env(PATH=str(Path(sys.executable).parent))
    _, report = doctor(no_path)
    firefox = check(report, "browser:firefox")
    assert firefox["status"] == "info"
    assert firefox["facts"]["executable"] is None
    assert "not on PATH" in firefox["summary"]
    assert "firefox-esr" in firefox["hint"]

    # No browser at all is information, not a failure.
    empty = no_path.with_env(HOME=str(cli.root / "empty-home"))
    _, report = doctor(empty)
    assert check(report, "browsers")["status"] == "info"
    assert not any(c["name"].startswith("browser:") for c in report["checks"])


# -- system tray ------------------------------------------------------------------------


@pytest.fixture
def on_desktop(cli: Cli) -> Iterator[Any]:
    def start(tray: bool, **extra: str) -> Any:
        desktop = stack.enter_context(running_desktop(tray=tray))
        env = {**desktop.env, **extra}
        env.update({k: cli.env[k] for k in ("SWITCHER_CONFIG_DIR", "SWITCHER_DATA_DIR", "HOME")})
        return Cli(env, cli.root, cli.outputs)

    with ExitStack() as stack:
        yield start


def test_a_tray_host_on_x11_is_found(on_desktop: Any) -> None:
    _, report = doctor(on_desktop(tray=True))
    tray = check(report, "tray")
    assert tray["status"] == "ok", tray
    assert tray["facts"]["available"] is True
    assert tray["facts"]["qt_platform"] == "xcb"
    assert "XEmbed" in tray["summary"]


def test_gnome_without_a_tray_gets_the_appindicator_hint(on_desktop: Any) -> None:
    _, report = doctor(on_desktop(tray=False, XDG_CURRENT_DESKTOP="ubuntu:GNOME"))
    tray = check(report, "tray")
    assert tray["status"] == "warn", tray
    assert tray["facts"]["available"] is False
    assert "AppIndicator and KStatusNotifierItem Support" in tray["hint"]
    assert "gnome-shell-extension-appindicator" in tray["hint"]
    assert "accounts window" in tray["hint"]


def test_another_desktop_without_a_tray_gets_a_generic_hint(on_desktop: Any) -> None:
    _, report = doctor(on_desktop(tray=False))
    tray = check(report, "tray")
    assert tray["status"] == "warn"
    assert "AppIndicator" not in tray["hint"]
    assert "system tray" in tray["hint"]
