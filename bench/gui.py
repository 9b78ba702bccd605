"""The tray app's costs: cold start to icon, click to menu updated, idle memory.

A real X server with a tray host (Xvfb + trayer) and a real gnome-keyring,
10 accounts on the bundled server, as in the end-to-end test. Prints:

* cold start: process launch until its icon is docked in the tray (median);
* click to menu updated: choosing another account in the menu until the
  menu's state shows it active, against the bundled server (p50, p90);
* idle RSS of the running app with 10 accounts.

    python bench/gui.py [--starts 5] [--switches 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import print_table  # noqa: E402
from tests.support.desktop import running_desktop  # noqa: E402
from tests.support.secret_service import bus_environment, running_secret_service  # noqa: E402

ACCOUNTS = 10
PASSWORD = "password123"


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _switch_latencies(switches: int) -> list[float]:
    """In this process: the real Tray and Controller, offscreen widgets, real service."""
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())
    from PySide6.QtWidgets import QApplication

    from switcher.bootstrap import build_service
    from switcher.gui.controller import Controller
    from switcher.gui.tray import Tray

    app = QApplication.instance() or QApplication(["bench"])
    controller = Controller(build_service())
    tray = Tray(controller)
    emails = [a.email for a in controller.snapshot.accounts]
    samples = []
    for i in range(switches):
        target = emails[i % 2]
        tray.menu.aboutToShow.emit()
        action = tray.action_for(target)
        assert action is not None
        start = time.perf_counter()
        action.trigger()
        while (
            not action.isChecked()
            if tray.menu.isVisible()
            else not (controller.snapshot.active and controller.snapshot.active.email == target)
        ):
            app.processEvents()
        assert tray.action_for(target).isChecked()  # type: ignore[union-attr]
        samples.append(time.perf_counter() - start)
    controller.shutdown()
    return samples[1:]  # the first one reads the account's secret


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--switches", type=int, default=30)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="switcher-bench-gui-") as tmp,
        running_desktop() as desktop,
        running_secret_service() as keyring_daemon,
    ):
        env = {**desktop.env, **keyring_daemon.env}
        env["SWITCHER_CONFIG_DIR"] = os.environ["SWITCHER_CONFIG_DIR"] = f"{tmp}/config"
        env["SWITCHER_DATA_DIR"] = os.environ["SWITCHER_DATA_DIR"] = f"{tmp}/data"
        for i in range(ACCOUNTS):
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "switcher",
                    "accounts",
                    "add",
                    f"bench{i}@example.com",
                    "--sign-up",
                    "--name",
                    f"Bench {i}",
                    "--password-stdin",
                ],
                input=PASSWORD + "\n",
                text=True,
                env=env,
                check=True,
                capture_output=True,
            )
        starts = []
        rss = 0.0
        for run in range(args.starts):
            began = time.perf_counter()
            app = subprocess.Popen(
                [sys.executable, "-m", "switcher"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                desktop.wait_for_tray_icons(1, 30)
                starts.append(time.perf_counter() - began)
                if run == args.starts - 1:
                    time.sleep(5)  # settle: start-up refresh done, idle
                    rss = _rss_mib(app.pid)
            finally:
                app.terminate()
                app.wait(10)
            while desktop.tray_icons():
                time.sleep(0.05)
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        with bus_environment(keyring_daemon):
            switches = _switch_latencies(args.switches)
    p50 = statistics.median(switches) * 1000
    p90 = statistics.quantiles(switches, n=10)[-1] * 1000
    print(f"\n{ACCOUNTS} accounts, bundled server, Xvfb + trayer, gnome-keyring\n")
    start_ms = statistics.median(starts) * 1000
    rows = [
        (
            f"cold start to tray icon shown (median of {args.starts})",
            f"{start_ms:.0f} ms",
            "≤ 1000 ms",
        ),
        (
            f"click to menu updated, switch (p50 / p90 of {len(switches)})",
            f"{p50:.1f} / {p90:.1f} ms",
            "p50 ≤ 100 ms",
        ),
        (f"idle RSS with {ACCOUNTS} accounts", f"{rss:.0f} MiB", "≤ 80 MB"),
    ]
    print_table(("measurement", "result", "target"), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
