"""The tray app's costs on a StatusNotifierItem panel: start, menu updates, idle memory.

A real StatusNotifierItem host (Xfce's panel on Xvfb, a private D-Bus bus), a
real gnome-keyring and 10 accounts on the bundled server. The tray app runs as
installed (pip, not the editable checkout; see bench/cli.py). Its menu is read
over D-Bus as the panel reads it (com.canonical.dbusmenu). Prints:

* cold start: process launch until its StatusNotifierItem is registered with
  the panel (median);
* state change to exported menu updated: another process (the command line)
  saves the index with another account active; from the save until the
  panel is told (a dbusmenu signal after which the layout shows that account
  checked), without the menu being opened (p50, p90);
* a click in the panel's menu to exported menu updated: dbusmenu "clicked" on
  another account until the layout shows it checked; the switch itself (the
  bundled server's set-active, a keyring read) included (p50, p90);
* idle RSS (and PSS) of the app with 10 accounts, 5 s after its start: at
  the last start, and at the very first, which draws the accounts' pictures
  (every later start reads them back from its cache, without loading fonts).

``switcher pick``'s latency has its own benchmark, bench/pick.py.

    python bench/gui.py [--starts 5] [--changes 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cli import _installed_python  # noqa: E402
from bench.report import print_table  # noqa: E402
from tests.support.sni_panel import MENU_IFACE, MenuItem, SniPanel, running_sni_panel  # noqa: E402

ACCOUNTS = 10
PASSWORD = "password123"
TIMEOUT = 30.0


def _memory_mib(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, value = line.partition(":")
        fields[name] = int(value.split()[0]) / 1024
    return fields["Rss"], fields["Pss"]


def _mb(mib: float) -> str:
    """MiB as measured, and MB (10^6 bytes) as the target is written."""
    return f"{mib:.1f} MiB = {mib * 1.048576:.1f} MB"


def _start(
    python: str, env: dict[str, str], panel: SniPanel
) -> tuple[subprocess.Popen[bytes], float]:
    began = time.perf_counter()
    app = subprocess.Popen(
        [python, "-m", "switcher"], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
        cwd=env["SWITCHER_DATA_DIR"],  # not the checkout: -m would import its switcher
    )  # fmt: skip
    deadline = time.monotonic() + TIMEOUT
    while not panel.items():
        if app.poll() is not None or time.monotonic() > deadline:
            log = Path(env["SWITCHER_LOG_DIR"]) / "switcher.log"
            said = log.read_text()[-2000:] if log.exists() else "(no log)"
            raise RuntimeError(f"the tray app registered no StatusNotifierItem:\n{said}")
        time.sleep(0.002)
    return app, time.perf_counter() - began


def _stop(app: subprocess.Popen[bytes], panel: SniPanel) -> None:
    app.terminate()
    app.wait(10)
    deadline = time.monotonic() + TIMEOUT
    while panel.items():
        if time.monotonic() > deadline:
            raise RuntimeError("the item stayed registered after the app quit")
        time.sleep(0.05)


def _checked(root: MenuItem) -> str | None:
    return next((e.label for e in root.shown() if e.toggle_type == "radio" and e.checked), None)


class MenuWatch:
    """The app's exported menu, watched over D-Bus: each signal the panel would get."""

    def __init__(self, panel: SniPanel, item: str) -> None:
        from jeepney import DBusAddress, MatchRule
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.service, self.path = panel.menu_of(item)
        self.connection = open_dbus_connection(panel.bus.bus_address)
        self.address = DBusAddress(self.path, bus_name=self.service, interface=MENU_IFACE)
        rule = MatchRule(type="signal", sender=self.service, interface=MENU_IFACE, path=self.path)
        self.connection.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
        self._filter = self.connection.filter(
            MatchRule(type="signal", interface=MENU_IFACE, path=self.path), bufsize=1000
        )
        self.signals = self._filter.__enter__()

    def layout(self) -> MenuItem:
        from jeepney import new_method_call

        from tests.support.sni_panel import _item

        reply = self.connection.send_and_get_reply(
            new_method_call(self.address, "GetLayout", "iias", (0, -1, [])), timeout=5
        )
        return _item(reply.body[1])

    def until(self, change: Callable[[], float], holds: Callable[[MenuItem], bool]) -> float:
        """Seconds from ``change()`` (which returns when it made it) to the signal after
        which the layout ``holds``; signals that came before are dropped first."""
        self.signals.clear()
        made = change()
        deadline = time.perf_counter() + TIMEOUT
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise RuntimeError("the exported menu did not change")
            self.connection.recv_until_filtered(self.signals, timeout=remaining)
            told = time.perf_counter()
            if holds(self.layout()):
                return told - made

    def close(self) -> None:
        self._filter.__exit__(None, None, None)
        self.connection.close()


def _save_active(config: Path, email: str) -> float:
    """What a command line does: make ``email`` active in the index and save it."""
    from switcher.secrets import FileSecrets
    from switcher.vault import Vault

    vault = Vault(config, FileSecrets(config.parent / "unused-secrets.json"))
    with vault.locked() as index:
        server = index.servers[index.current]
        server.active = next(a.user_id for a in server.accounts if a.email == email)
    return time.perf_counter()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--changes", type=int, default=30)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="switcher-bench-gui-") as tmp,
        running_sni_panel() as panel,
    ):
        python = _installed_python(Path(tmp))
        config = Path(tmp) / "config"
        env = {
            **panel.env,
            "SWITCHER_CONFIG_DIR": str(config),
            "SWITCHER_DATA_DIR": f"{tmp}/data",
            "SWITCHER_LOG_DIR": f"{tmp}/logs",
            "SWITCHER_CACHE_DIR": f"{tmp}/cache",
        }
        emails = [f"bench{i}@example.com" for i in range(ACCOUNTS)]
        for email in emails:
            subprocess.run(
                [python, "-m", "switcher", "accounts", "add", email, "--sign-up",
                 "--name", email.split("@")[0].title(), "--password-stdin"],
                input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True,
                cwd=tmp,
            )  # fmt: skip
        starts = []
        for n in range(args.starts - 1):
            app, took = _start(python, env, panel)
            starts.append(took)
            if n == 0:
                # The very first start draws the accounts' pictures (fonts loaded).
                time.sleep(5.0)
                first_rss, first_pss = _memory_mib(app.pid)
            else:
                time.sleep(1.0)  # its start-up refresh, before it is stopped
            _stop(app, panel)
        app, took = _start(python, env, panel)
        starts.append(took)
        try:
            time.sleep(5.0)  # settle: start-up refresh done, idle
            rss, pss = _memory_mib(app.pid)
            item = panel.wait_for_item()
            watch = MenuWatch(panel, item)
            try:
                saved: list[float] = []
                clicked: list[float] = []
                for n in range(args.changes):
                    email = emails[n % 2]
                    saved.append(
                        watch.until(
                            lambda e=email: _save_active(config, e),  # type: ignore[misc]
                            lambda root, e=email: e in (_checked(root) or ""),  # type: ignore[misc]
                        )
                    )
                for n in range(args.changes + 1):
                    email = emails[2 + n % 2]
                    ident = next(e.id for e in watch.layout().shown() if email in e.label)

                    def click(ident: int = ident) -> float:
                        made = time.perf_counter()
                        panel.click(item, ident)
                        return made

                    clicked.append(
                        watch.until(click, lambda root, e=email: e in (_checked(root) or ""))  # type: ignore[misc]
                    )
            finally:
                watch.close()
        finally:
            _stop(app, panel)
    clicked = clicked[1:]  # the first one reads the account's secret from the keyring

    def p50_p90(samples: list[float]) -> str:
        return (
            f"{statistics.median(samples) * 1000:.1f} / "
            f"{statistics.quantiles(samples, n=10)[-1] * 1000:.1f} ms"
        )

    print(f"\n{ACCOUNTS} accounts, bundled server, Xfce's panel on Xvfb, gnome-keyring\n")
    rows: list[tuple[Any, ...]] = [
        (
            f"cold start to the item registered (median of {len(starts)})",
            f"{statistics.median(starts) * 1000:.0f} ms",
            "≤ 1000 ms",
        ),
        (
            f"index saved elsewhere to exported menu updated (p50 / p90 of {len(saved)})",
            p50_p90(saved),
            "≤ 50 ms",
        ),
        (
            f"click in the panel's menu to exported menu updated (p50 / p90 of {len(clicked)})",
            p50_p90(clicked),
            "p50 ≤ 100 ms",
        ),
        (
            f"idle RSS (PSS) with {ACCOUNTS} accounts, every start after the first",
            f"{_mb(rss)} ({_mb(pss)})",
            "≤ 80 MB",
        ),
        (
            f"idle RSS (PSS) with {ACCOUNTS} accounts, the very first start",
            f"{_mb(first_rss)} ({_mb(first_pss)})" if args.starts > 1 else "(--starts 1)",
            "",
        ),
    ]
    print_table(("measurement", "result", "target"), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
