"""The frozen bundle (PyInstaller, packaging/switcher.spec) works without Python around it.

One bundle and Linux archive are built per test session into a temporary
directory by ``packaging/dist.py``, which is what ``make dist`` runs. Then
the frozen binary itself: ``--version``; ``serve`` answering get-session,
with one and with two workers; the command line adding an account through a
real gnome-keyring (keyring picks its backend by entry point, so this proves
the hidden imports); ``doctor``; the tray app docking into a real tray on
Xvfb, with its menu opening; and the archive installing for one user.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from switcher import __version__
from switcher.app_identity import APP_ID
from tests.support.components import missing
from tests.support.desktop import running_desktop
from tests.support.desktop_entry import exec_line, parse_exec
from tests.support.processes import terminate_group
from tests.support.repo import REPO
from tests.support.secret_service import SecretService, running_secret_service
from tests.support.serving import serving
from tests.support.targets import PASSWORD, unique_email

TIMEOUT = 30.0


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``make dist`` makes (packaging/dist.py), bundle and Linux archive, in a temp dir."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        missing("PyInstaller", "pip install -e '.[dev]' (make test does)")
    work = tmp_path_factory.mktemp("dist")
    made = subprocess.run(
        [
            sys.executable,
            str(REPO / "packaging" / "dist.py"),
            "--skip-python-packages",  # test_wheel.py builds and tests those
            "--dist",
            str(work / "dist"),
            "--build",
            str(work / "build"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-4000:]
    return work / "dist"


@pytest.fixture(scope="session")
def frozen(built: Path) -> Path:
    """The one-folder bundle's ``switcher`` executable."""
    binary = built / "switcher" / "switcher"
    assert binary.is_file() and os.access(binary, os.X_OK)
    return binary


@pytest.fixture
def keyring_daemon() -> Iterator[SecretService]:
    with running_secret_service() as running:
        yield running


def private_dirs(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env["SWITCHER_CONFIG_DIR"] = str(tmp_path / "config")
    env["SWITCHER_DATA_DIR"] = str(tmp_path / "data")
    env["SWITCHER_LOG_DIR"] = str(tmp_path / "logs")
    return env


def test_version(frozen: Path) -> None:
    ran = subprocess.run(
        [str(frozen), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert (ran.returncode, ran.stdout.strip()) == (0, f"switcher {__version__}")
    # Nothing of the build machine's Python is needed: the bundle carries its own.
    assert (frozen.parent / "_internal").is_dir()


def test_serve_and_the_command_line_with_a_real_keyring(
    frozen: Path, keyring_daemon: SecretService, tmp_path: Path
) -> None:
    with serving(tmp_path / "server", "--no-rate-limit", command=[str(frozen)]) as served:
        # The frozen server: sign up and get-session with its cookie.
        browser = served.browser()
        email = unique_email("frozen")
        answer = browser.post(
            "/sign-up/email", {"name": "Frozen", "email": email, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        session = browser.get("/get-session").json()
        assert session["user"]["email"] == email

        # The frozen command line, storing the account in gnome-keyring.
        env = private_dirs(keyring_daemon.child_env(), tmp_path)

        def cli(*args: str, stdin: str | None = None) -> str:
            ran = subprocess.run(
                [str(frozen), *args],
                input=stdin,
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                check=False,
            )
            assert "Traceback" not in ran.stderr, ran.stderr
            assert ran.returncode == 0, ran.stderr
            return ran.stdout

        cli("server", "add", served.base_url, "--name", "frozen")
        cli("server", "use", "frozen")
        cli("accounts", "add", email, "--password-stdin", stdin=PASSWORD + "\n")
        listing = json.loads(cli("accounts", "list", "--json"))
        assert [a["email"] for a in listing["accounts"]] == [email]
        cookie = cli("cookie").strip()
        checked = httpx.get(
            served.url("/api/auth/get-session"), headers={"cookie": cookie}, timeout=10
        )
        assert checked.json()["user"]["email"] == email
    # Several workers: uvicorn spawns them by re-running the frozen executable.
    with serving(tmp_path / "workers", "--workers", "2", command=[str(frozen)]) as served:
        browser = served.browser()
        email = unique_email("workers")
        answer = browser.post(
            "/sign-up/email", {"name": "Workers", "email": email, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        assert browser.get("/get-session").json()["user"]["email"] == email
        assert "Traceback" not in served.output(), served.output()
        assert "invalid choice" not in served.output(), served.output()
    # The cookie is in the keyring, not in any file switcher wrote.
    token = cookie.split("=", 1)[1].split(";", 1)[0]
    for path in tmp_path.rglob("*"):
        if path.is_file() and "server" not in path.parts:
            assert token.encode() not in path.read_bytes(), path


def test_the_tray_app_starts_under_xvfb(
    frozen: Path, keyring_daemon: SecretService, tmp_path: Path
) -> None:
    with running_desktop() as desktop:
        env = private_dirs({**desktop.env, **keyring_daemon.env}, tmp_path)
        # The frozen doctor reaches the Secret Service (switcher's own store, and
        # keyring's backend, an entry point, where keyring is chosen) and asks
        # Qt about the tray in a child process of the bundle itself.
        for chosen, backend in (
            ({}, "switcher.secrets.secret_service.SecretServiceSecrets"),
            (
                {"PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"},
                "keyring.backends.SecretService.Keyring",
            ),
        ):
            doctor = subprocess.run(
                [str(frozen), "doctor", "--json"],
                env={**env, **chosen},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert "Traceback" not in doctor.stderr, doctor.stderr
            checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
            assert checks["keyring"]["status"] == "ok", checks["keyring"]
            assert checks["keyring"]["facts"]["backend"] == backend
        assert (checks["tray"]["status"], checks["tray"]["facts"]["available"]) == ("ok", True)
        log = (tmp_path / "app.log").open("wb")
        app = subprocess.Popen(
            [str(frozen)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            started = time.monotonic()
            (icon,) = desktop.wait_for_tray_icons(1, TIMEOUT)
            seconds = time.monotonic() - started
            x, y, width, height = icon
            before = desktop.popups()
            desktop.click(x + width // 2, y + height // 2, button=3)
            desktop.wait_for_popup(TIMEOUT, ignore=before)
            desktop.screenshot(tmp_path / "frozen-menu.png")
            desktop.key("Up", "Return")  # Quit
            assert app.wait(TIMEOUT) == 0
        finally:
            terminate_group(app)
            log.close()
        output = (tmp_path / "app.log").read_text(errors="replace")
        assert "Traceback" not in output, output
        print(f"frozen tray app: icon docked {seconds:.2f} s after launch")


def test_the_linux_archive_installs_for_one_user(built: Path, tmp_path: Path) -> None:
    (archive,) = built.glob("*.tar.gz")
    assert archive.name == f"switcher-{__version__}-linux-{platform.machine()}.tar.gz"
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="tar")
    (top,) = unpacked.iterdir()

    # A relative prefix with characters that need quoting in a desktop entry.
    prefix = tmp_path / 'my apps $HOME (1)/50% "x"'
    env = {**os.environ, "PREFIX": str(prefix.relative_to(tmp_path))}

    def install() -> None:
        ran = subprocess.run(
            ["sh", str(top / "install.sh")],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert ran.returncode == 0, ran.stderr

    install()
    ran = subprocess.run(
        [str(prefix / "bin" / "switcher"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.stdout.strip() == f"switcher {__version__}"
    assert os.readlink(prefix / "bin" / "switcher").startswith("/")  # works from any cwd
    desktop = prefix / "share" / "applications" / f"{APP_ID}.desktop"
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        missing("desktop-file-validate", "apt-get install desktop-file-utils (make test does)")
    checked = subprocess.run([validator, str(desktop)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout
    # The launcher's command, read back as a desktop would, starts the installed app.
    command = parse_exec(exec_line(desktop))
    assert command == [str(prefix / "bin" / "switcher")]
    launched = subprocess.run(
        [*command, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert launched.stdout.strip() == f"switcher {__version__}"
    assert (prefix / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    assert (prefix / "share" / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png").is_file()
    # Installing again (an update) replaces the app in place.
    install()
    assert (prefix / "lib" / "switcher" / "switcher").is_file()
