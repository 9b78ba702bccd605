"""The tray on a real StatusNotifierItem panel (Xfce's), its menu read over D-Bus as panels do.

What is exported must be right *before* the panel opens the menu: the panel
lays the menu out from the layout it already has, then calls AboutToShow.
So after each change (the command line adds, switches, revokes; the panel
switches) the exported layout is checked without opening anything, and the
first opening after a change is compared with a second one.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import SWITCHER_COMMAND, Cli
from tests.support.sni_panel import (
    MenuItem,
    NotificationMonitor,
    SniPanel,
    checked_names,
    follows_a_command_line_switch,
    radio_entries,
    running_sni_panel,
)
from tests.support.targets import unique_email

TIMEOUT = 20.0
SHOTS = Path(__file__).resolve().parents[3] / "build" / "screenshots"


@pytest.fixture
def panel() -> Iterator[SniPanel]:
    with running_sni_panel() as running:
        yield running


def _same_when_opened_again(
    panel: SniPanel, icon: tuple[int, int, int, int], root: MenuItem, name: str
) -> None:
    """Open the panel's menu twice: the first opening after a change is drawn as the
    next one, every entry in its row, no scroll arrows."""
    first = panel.open_menu(icon)
    panel.desktop.screenshot(SHOTS / f"sni-menu-{name}-first-open.png")
    panel.close_menu(first)
    second = panel.open_menu(icon)
    panel.desktop.screenshot(SHOTS / f"sni-menu-{name}-second-open.png")
    assert first == second
    entries = [e for e in root.shown() if not e.is_separator]
    separators = len(root.shown()) - len(entries)
    _x, _y, _width, height = first
    # Every entry has its row (GTK: >= 20 px each); none hidden behind a scroll arrow.
    assert height >= 20 * len(entries) + 3 * separators
    assert height < panel.desktop.height - 40
    panel.close_menu(second)


# Loaded when first needed, never by the idle tray (bench/gui.py measures the memory).
LATER = ("libQt6Svg", "libQt6Network", "cryptography", "_cffi_backend")


def _libraries_for_later(pid: int) -> list[str]:
    mapped = Path(f"/proc/{pid}/maps").read_text()
    return [name for name in LATER if name in mapped]


def test_the_exported_menu_follows_every_change_before_it_is_opened(
    panel: SniPanel, tmp_path: Path
) -> None:
    cli = Cli.subprocess(tmp_path, panel.env)
    alice, bob = unique_email("alice"), unique_email("bob")
    cli.add(alice, "--sign-up", "--name", "Alice")
    cli.add(bob, "--sign-up", "--name", "Bob")
    empty = panel.desktop.capture(panel.strip)
    log = (tmp_path / "app.log").open("wb")
    app = subprocess.Popen(
        list(SWITCHER_COMMAND), env=cli.env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        item = panel.wait_for_item()
        icon = panel.wait_for_icon(empty)
        # The command line switches: the menu says so before anyone opens it.
        root, ids = follows_a_command_line_switch(panel, item, cli, alice, bob)
        # Idle after its start-up refresh and a switch: none of what only windows,
        # browsers' cookies or QtNetwork would need is in memory.
        assert _libraries_for_later(app.pid) == []

        # The first opening after that change is drawn as every later one is.
        _same_when_opened_again(panel, icon, root, "after-switch")

        # The command line adds an account (it becomes active), its name as
        # people type names: "&" and "_" are text, not shortcut marks.
        carol = unique_email("carol")
        cli.add(carol, "--sign-up", "--name", "Carol_Ann & <Co>")
        root = panel.until(
            item, lambda r: checked_names(r) == ["Carol_Ann & <Co>"], "command-line add"
        )
        assert [e.label for e in radio_entries(root)][:2] == list(ids)
        assert [e.id for e in radio_entries(root)][:2] == list(ids.values())
        assert radio_entries(root)[2].label == f"Carol_Ann & <Co> <{carol}>"
        assert radio_entries(root)[2].access_key == "C"
        _same_when_opened_again(panel, icon, root, "after-add")

        # The panel switches: a person chooses Bob in the menu the panel drew.
        panel.open_menu(icon)
        panel.desktop.key("Down", "Down")  # the header is disabled: Alice, then Bob
        panel.desktop.key("Return")
        deadline = time.monotonic() + TIMEOUT
        while cli.active() != bob:
            assert time.monotonic() < deadline, "choosing Bob in the panel's menu did not switch"
            time.sleep(0.1)
        panel.until(item, lambda r: checked_names(r) == ["Bob"], "a switch from the panel")

        # The command line revokes Carol: her entry goes, the others stay as they were.
        cli("accounts", "revoke", carol)
        root = panel.until(item, lambda r: len(radio_entries(r)) == 2, "command-line revoke")
        assert [e.id for e in radio_entries(root)] == list(ids.values())
        revoke = root.find("Revoke")
        assert [e.label for e in revoke.shown()] == [f"Alice <{alice}>…", f"Bob <{bob}>…"]

        # What the panel sends when an entry is clicked, straight over D-Bus.
        panel.click(item, ids[f"Alice <{alice}>"])
        deadline = time.monotonic() + TIMEOUT
        while cli.active() != alice:
            assert time.monotonic() < deadline, "a dbusmenu click on Alice did not switch"
            time.sleep(0.1)

        # A left click is the app's primary action: its accounts window.
        panel.activate(item)
        panel.desktop.wait_for_window("Accounts", TIMEOUT)
        assert "libQt6Svg" in _libraries_for_later(app.pid)  # the window's icon, now

        root = panel.layout(item)[1]
        panel.click(item, root.find("Quit").id)
        assert app.wait(TIMEOUT) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        log.close()
    assert "Traceback" not in (tmp_path / "app.log").read_text()


@pytest.mark.parametrize("dark", [False, True], ids=["light-panel", "dark-panel"])
def test_the_no_account_icon_reads_on_the_panel(tmp_path: Path, dark: bool) -> None:
    with running_sni_panel(dark=dark) as panel:
        cli = Cli.subprocess(tmp_path, panel.env)
        empty = panel.desktop.capture(panel.strip)
        background = panel.desktop.pixel(4, 4)
        app = subprocess.Popen(
            list(SWITCHER_COMMAND), env=cli.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            x, y, width, height = panel.wait_for_icon(empty)
            panel.desktop.screenshot(SHOTS / f"sni-no-account-{'dark' if dark else 'light'}.png")
            pixels = panel.desktop.capture((x, y, width, height))
        finally:
            app.terminate()
            app.wait(10)
    colours = [tuple(pixels[i : i + 3]) for i in range(0, len(pixels), 3)]
    readable = [c for c in colours if _contrast(c, background) >= 3.0]
    # Most of the drawn glyph (not only its antialiased edge) stands out from the panel.
    assert len(readable) >= width * height // 5, (background, len(readable), width * height)


def _contrast(one: tuple[int, ...], other: tuple[int, ...]) -> float:
    def luminance(colour: tuple[int, ...]) -> float:
        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(v) for v in colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_session_ended_elsewhere_is_one_notification_that_signs_in_again(
    tmp_path: Path,
) -> None:
    """Through the desktop's own notification server (Xfce's): the app's name and
    icon, one notification for one event, and its "Sign in again" button works."""
    import httpx

    from switcher.bundled import LOCAL_URL

    with running_sni_panel(notifications=True) as panel:
        cli = Cli.subprocess(tmp_path, panel.env)
        alice, bob = unique_email("alice"), unique_email("bob")
        cli.add(alice, "--sign-up", "--name", "Alice")
        cli.add(bob, "--sign-up", "--name", "Bob")
        bobs_cookie = cli("cookie").stdout.strip()
        monitor = NotificationMonitor(panel)
        app = subprocess.Popen(
            list(SWITCHER_COMMAND), env=cli.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        try:
            item = panel.wait_for_item()
            cli("accounts", "use", alice)
            panel.until(item, lambda r: checked_names(r) == ["Alice"], "command-line switch")
            # Bob signs out on another device (the app serves the bundled server).
            ended = httpx.post(
                f"{LOCAL_URL}/api/auth/sign-out",
                headers={"cookie": bobs_cookie, "origin": LOCAL_URL},
                json={},
            )
            assert ended.status_code == 200
            # The person chooses Bob in the menu: the switch finds his session ended.
            panel.click(item, panel.layout(item)[1].find("Bob").id)
            deadline = time.monotonic() + TIMEOUT
            while not monitor.calls():
                assert time.monotonic() < deadline, "no notification"
                time.sleep(0.1)
            # The next refreshes find nothing new to say.
            root = panel.until(item, lambda r: "revoked" in r.find("Bob").label, "ended")
            # Its entry offers what there is to do with it.
            assert root.find("Bob").label.endswith("(revoked elsewhere: sign in again…)")
            assert root.find("Bob").enabled
            time.sleep(2.0)
            (note,) = monitor.calls()
            assert note.app_name == "switcher"
            assert note.app_icon.endswith("switcher.svg") and Path(note.app_icon).is_file()
            assert "io.github.switcher.Switcher" in note.hints
            assert note.summary == "Session ended"
            assert note.body.startswith(f"{bob}'s session")
            assert note.actions[2:4] == ("sign-in-again", "Sign in again")
            # The notification server draws it with its buttons; "Sign in again" is the last.
            window = next(
                info
                for info in panel.desktop.top_level_windows()
                if info.viewable and info.override_redirect and info.width > 200
            )
            panel.desktop.screenshot(SHOTS / "sni-notification.png")
            x, y, width, height = window.geometry
            panel.desktop.click(x + width - 70, y + height - 31)
            assert panel.desktop.wait_for_window("Sign in again — switcher", TIMEOUT)
        finally:
            app.terminate()
            app.wait(10)
            monitor.close()
            stderr = app.stderr.read().decode() if app.stderr else ""
            if app.stderr:
                app.stderr.close()
    assert "Traceback" not in stderr
