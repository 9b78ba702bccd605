"""The command line's costs with 10 accounts on the bundled server and a real keyring.

Starts gnome-keyring on a private D-Bus bus (as the tests do), signs 10
accounts in, then prints:

* ``switcher accounts list`` wall time, a whole process (interpreter start
  included), when the saved state is fresh;
* keyring calls a new process makes to load every account, and per list;
* ``switcher accounts use`` wall time (a whole process) with the tray app
  running (the command hands the switch to the app over its local socket)
  and without it (the command loads the service and switches alone), and
  the time of one switch inside a running service (what the tray pays);
* beside them, what ``python -c "import httpx, keyring"`` costs on the same
  machine, so the ratio can be read on any machine.

    python bench/cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import print_table  # noqa: E402
from switcher.accounts import Accounts  # noqa: E402
from switcher.bootstrap import build_service  # noqa: E402
from switcher.logs import LOG_FILE  # noqa: E402
from tests.support.secret_service import bus_environment, running_secret_service  # noqa: E402

ACCOUNTS = 10
PASSWORD = "password123"


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _wall(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return samples


@contextlib.contextmanager
def _running_app(env: dict[str, str], tmp: Path) -> Iterator[None]:
    """The tray app (offscreen: its accounts window is the app), until the block ends."""
    runtime = tmp / "runtime"
    runtime.mkdir(mode=0o700)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime))
    log_file = Path(env["SWITCHER_LOG_DIR"]) / LOG_FILE
    app = subprocess.Popen(
        [sys.executable, "-m", "switcher"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while "tray app running" not in (log_file.read_text() if log_file.exists() else ""):
            if app.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the tray app did not start")
            time.sleep(0.1)
        time.sleep(1.0)  # its start-up refresh
        yield
    finally:
        app.terminate()
        app.wait(10)


def _service(env: dict[str, str]) -> Accounts:
    return build_service()


def _installed_python(tmp: Path) -> str:
    """A Python with switcher installed as a user has it (pip/pipx), not as an editable checkout.

    The checkout's venv starts every process through setuptools' editable
    finder, which costs ~15 ms per command nobody but a developer pays. Here
    switcher is installed into a fresh venv; its dependencies come from the
    checkout's venv through a path file (same versions, no second download).
    """
    venv = tmp / "installed"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            site,
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    ours = sysconfig.get_paths()["purelib"]
    (Path(site) / "switcher-bench-deps.pth").write_text(ours + "\n")
    return str(python)


def _add_accounts(env: dict[str, str], emails: list[str]) -> None:
    for email in emails:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "switcher",
                "accounts",
                "add",
                email,
                "--sign-up",
                "--password-stdin",
            ],
            input=PASSWORD + "\n",
            text=True,
            env=env,
            check=True,
            capture_output=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="switcher-bench-cli-") as tmp,
        running_secret_service() as keyring_daemon,
    ):
        env = keyring_daemon.child_env()
        env["SWITCHER_CONFIG_DIR"] = str(Path(tmp) / "config")
        env["SWITCHER_DATA_DIR"] = str(Path(tmp) / "data")
        env["SWITCHER_LOG_DIR"] = str(Path(tmp) / "logs")
        os.environ.update({k: env[k] for k in ("SWITCHER_CONFIG_DIR", "SWITCHER_DATA_DIR")})
        emails = [f"bench{i}@example.com" for i in range(ACCOUNTS)]
        with bus_environment(keyring_daemon):
            service = _service(env)
            for email in emails:
                service.add(email, PASSWORD, sign_up=True, name=email.split("@")[0])
            service.refresh()

            fresh = _service(env)
            secrets = fresh.vault.secrets
            fresh.device_cookies()  # what a process loads before it can act on every account
            start_calls = secrets.calls
            before = secrets.calls
            fresh.server()  # a list when the saved state is fresh reads the index only
            list_calls = secrets.calls - before

            in_process = []
            for i in range(args.runs):
                start = time.perf_counter()
                fresh.use(emails[i % 2])
                in_process.append(time.perf_counter() - start)

        # A second profile (its own config, data and database) with the same 10
        # accounts and no app: measured in the same rounds as the first, whose
        # app runs, so both see the same machine at the same moments.
        alone = {
            **env,
            "SWITCHER_CONFIG_DIR": str(Path(tmp) / "config-alone"),
            "SWITCHER_DATA_DIR": str(Path(tmp) / "data-alone"),
        }
        _add_accounts(alone, emails)
        installed = _installed_python(Path(tmp))
        command = [installed, "-m", "switcher"]
        subprocess.run([*command, "accounts", "list"], env=env, check=True, capture_output=True)
        listing = _wall([*command, "accounts", "list"], env, args.runs)
        use: list[float] = []
        through_app: list[float] = []
        imports: list[float] = []
        startup: list[float] = []
        checkout_startup: list[float] = []
        with _running_app(env, Path(tmp)):
            for i in range(args.runs):
                email = emails[i % 2]
                through_app += _wall([*command, "accounts", "use", email], env, 1)
                use += _wall([*command, "accounts", "use", email], alone, 1)
                imports += _wall([installed, "-c", "import httpx, keyring"], env, 1)
                startup += _wall([installed, "-c", "pass"], env, 1)
                checkout_startup += _wall([sys.executable, "-c", "pass"], env, 1)

    print(
        f"\n{ACCOUNTS} accounts, bundled server in-process, gnome-keyring on D-Bus, "
        f"median of {args.runs}; commands run as installed (pip), not from the checkout\n"
    )
    rows = [
        (
            "`switcher accounts list` wall time (fresh state)",
            f"{_median_ms(listing):.0f} ms",
            "≤ 300 ms",
        ),
        ("keyring calls to load all accounts in a new process", str(start_calls), f"≤ {ACCOUNTS}"),
        ("keyring calls per list (fresh state)", str(list_calls), "0"),
        (
            "`switcher accounts use` wall time, the tray app running",
            f"{_median_ms(through_app):.0f} ms",
            "≤ 100 ms",
        ),
        (
            "`switcher accounts use` wall time, no app (switches alone)",
            f"{_median_ms(use):.0f} ms",
            "≤ 200 ms",
        ),
        (
            '`python -c "import httpx, keyring"` on this machine',
            f"{_median_ms(imports):.0f} ms",
            "",
        ),
        (
            "`python -c pass`: installed / the checkout's editable venv",
            f"{_median_ms(startup):.0f} / {_median_ms(checkout_startup):.0f} ms",
            "",
        ),
        ("one switch inside a running service", f"{_median_ms(in_process):.1f} ms", ""),
    ]
    print_table(("measurement", "result", "target"), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
