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
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import print_table  # noqa: E402
from switcher.accounts import Accounts  # noqa: E402
from switcher.cli.accounts import build_service  # noqa: E402
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
    args = argparse.Namespace(insecure_storage=False)
    return build_service(args)


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
        with bus_environment(keyring_daemon):
            service = _service(env)
            emails = [f"bench{i}@example.com" for i in range(ACCOUNTS)]
            for email in emails:
                service.add(email, PASSWORD, sign_up=True, name=email.split("@")[0])
            service.refresh()

            fresh = _service(env)
            secrets = fresh.vault.secrets
            server = fresh.server()
            fresh._jar(server)  # what a process loads before it can act on every account
            start_calls = secrets.calls
            before = secrets.calls
            fresh.server()  # a list when the saved state is fresh reads the index only
            list_calls = secrets.calls - before

            in_process = []
            for i in range(args.runs):
                start = time.perf_counter()
                fresh.use(emails[i % 2])
                in_process.append(time.perf_counter() - start)

        command = [sys.executable, "-m", "switcher"]
        subprocess.run([*command, "accounts", "list"], env=env, check=True, capture_output=True)
        listing = _wall([*command, "accounts", "list"], env, args.runs)
        use = []
        for i in range(args.runs):
            use += _wall([*command, "accounts", "use", emails[i % 2]], env, 1)
        with _running_app(env, Path(tmp)):
            through_app = []
            for i in range(args.runs):
                through_app += _wall([*command, "accounts", "use", emails[i % 2]], env, 1)
        imports = _wall([sys.executable, "-c", "import httpx, keyring"], env, args.runs)

    print(
        f"\n{ACCOUNTS} accounts, bundled server in-process, gnome-keyring on D-Bus, "
        f"median of {args.runs}\n"
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
        ("one switch inside a running service", f"{_median_ms(in_process):.1f} ms", ""),
    ]
    print_table(("measurement", "result", "target"), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
