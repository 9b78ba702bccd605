"""A real StatusNotifierItem host for end-to-end tests: Xfce's panel on Xvfb, on a private bus.

``running_sni_panel()`` starts a private D-Bus session bus with gnome-keyring
(``secret_service.running_secret_service``), Xvfb (``desktop.running_desktop``
without trayer), ``xfconfd`` and ``xfce4-panel`` with one panel at the top
holding only its notification area (``systray``), which is a
``org.kde.StatusNotifierWatcher`` and host. Qt sees the watcher on the bus
and exports its tray icon as a StatusNotifierItem, its menu through
``com.canonical.dbusmenu``; the panel draws both, as on a real Xfce, KDE or
GNOME-with-AppIndicator desktop.

``SniPanel`` reads what an app exported, as a panel does (``items``,
``layout``, ``about_to_show``, ``click``), and finds the icon the panel drew
(``wait_for_icon``: the part of the panel that changed since it started).

Findings this harness is built on (Debian 12, xfce4-panel 4.18, as root):

* The panel needs ``xfconfd`` on its bus; the private bus activates nothing,
  so it is started here. Its channel file, written before it starts, is the
  whole panel configuration: no first-start dialog, no clock (a clock would
  change the pictures every minute).
* ``--disable-wm-check`` starts the panel without a window manager.
* The panel opens an item's menu on a right click, as a GTK menu: an
  override-redirect popup window (``Desktop.popups()``), keyboard-driven.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.components import missing
from tests.support.desktop import Desktop, Geometry, running_desktop
from tests.support.processes import tail_of, terminate_group
from tests.support.secret_service import SecretService, running_secret_service

if TYPE_CHECKING:
    from tests.support.cli import Cli

COMPONENT = "StatusNotifierItem host (xfce4-panel on Xvfb)"
INSTALL_HINT = "apt-get install --no-install-recommends xfce4-panel"
XFCONFD = "/usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd"
NOTIFYD = "/usr/lib/x86_64-linux-gnu/xfce4/notifyd/xfce4-notifyd"
NOTIFYD_HINT = "apt-get install --no-install-recommends xfce4-notifyd dbus-bin"
START_TIMEOUT = 20.0
PANEL_HEIGHT = 26

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"
PROPERTIES = "org.freedesktop.DBus.Properties"

_PANEL_CHANNEL = """\
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="dark-mode" type="bool" value="{dark}"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="icon-size" type="uint" value="16"/>
      <property name="size" type="uint" value="{size}"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
        <value type="int" value="2"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="separator">
      <property name="expand" type="bool" value="true"/>
      <property name="style" type="uint" value="0"/>
    </property>
    <property name="plugin-2" type="string" value="systray">
      <property name="square-icons" type="bool" value="true"/>
    </property>
  </property>
</channel>
"""


@dataclass(frozen=True)
class MenuItem:
    """One entry of an exported dbusmenu layout."""

    id: int
    properties: dict[str, Any]
    children: tuple[MenuItem, ...]

    @property
    def label(self) -> str:
        """The label as the panel shows it (``raw_label``: as exported)."""
        return shown_label(self.raw_label)

    @property
    def raw_label(self) -> str:
        return str(self.properties.get("label", ""))

    @property
    def access_key(self) -> str | None:
        """The letter the exported label marks as its keyboard shortcut, if any."""
        raw, n = self.raw_label, 0
        while n < len(raw) - 1:
            if raw[n] == "_":
                if raw[n + 1] != "_":
                    return raw[n + 1]
                n += 1
            n += 1
        return None

    @property
    def visible(self) -> bool:
        return bool(self.properties.get("visible", True))

    @property
    def enabled(self) -> bool:
        return bool(self.properties.get("enabled", True))

    @property
    def toggle_type(self) -> str:
        return str(self.properties.get("toggle-type", ""))

    @property
    def checked(self) -> bool:
        return self.properties.get("toggle-state") == 1

    @property
    def is_separator(self) -> bool:
        return self.properties.get("type") == "separator"

    def shown(self) -> list[MenuItem]:
        """The visible children, as a panel lists them."""
        return [child for child in self.children if child.visible]

    def find(self, label: str) -> MenuItem:
        """The first visible entry (depth first) whose label starts with ``label``."""
        for child in self.shown():
            if child.label.startswith(label):
                return child
            with contextlib.suppress(LookupError):
                return child.find(label)
        raise LookupError(f"no entry {label!r} in the exported menu")


def radio_entries(root: MenuItem) -> list[MenuItem]:
    """The menu's radio entries: the accounts."""
    return [entry for entry in root.shown() if entry.toggle_type == "radio"]


def checked_names(root: MenuItem) -> list[str]:
    """The names of the checked accounts ("Name <email>" entries)."""
    return [e.label.rsplit(" <", 1)[0] for e in radio_entries(root) if e.checked]


def described(root: MenuItem) -> list[str]:
    return [f"{'(*)' if e.checked else '( )'} {e.label}" for e in radio_entries(root)]


def follows_a_command_line_switch(
    bus: SniBus, item: str, cli: Cli, alice: str, bob: str
) -> tuple[MenuItem, dict[str, int]]:
    """The exported menu of an app with Alice and Bob (added in that order, Bob active):
    its header says "online", one radio entry each, Bob's set; then ``switcher accounts use``
    Alice shows, unopened, on the same entries. The menu then, and the entries' ids."""
    root = bus.until(item, lambda r: r.shown()[0].label.endswith("online"), "start")
    assert root.shown()[0].label == "This computer — online"
    assert not root.shown()[0].enabled
    # One radio entry per account, the active one set: not check boxes.
    assert [e.label for e in radio_entries(root)] == [f"Alice <{alice}>", f"Bob <{bob}>"]
    assert checked_names(root) == ["Bob"]
    ids = {e.label: e.id for e in radio_entries(root)}
    cli("accounts", "use", alice)
    root = bus.until(item, lambda r: checked_names(r) == ["Alice"], "command-line switch")
    assert {e.label: e.id for e in radio_entries(root)} == ids  # the same entries, changed
    return root, ids


def shown_label(raw: str) -> str:
    """What a panel draws for a dbusmenu label: "__" is one "_", any other "_"
    only marks the next letter as the shortcut (com.canonical.dbusmenu)."""
    shown, n = [], 0
    while n < len(raw):
        if raw[n] == "_":
            if raw[n + 1 : n + 2] == "_":
                shown.append("_")
                n += 1
        else:
            shown.append(raw[n])
        n += 1
    return "".join(shown)


def _item(raw: tuple[int, dict[str, tuple[str, Any]], list[tuple[str, Any]]]) -> MenuItem:
    ident, properties, children = raw
    return MenuItem(
        ident,
        {name: value for name, (_signature, value) in properties.items()},
        tuple(_item(child) for _signature, child in children),
    )


class SniBus:
    """What apps exported on a bus, read as a StatusNotifierItem host reads it.

    Shared by every panel harness (Xfce's here, waybar's in ``sway_panel``): the
    host differs, what goes over the bus does not.
    """

    bus: SecretService

    def __init__(self, bus: SecretService) -> None:
        self.bus = bus

    def _call(
        self, destination: str, path: str, interface: str, member: str, signature: str, *args: Any
    ) -> tuple[Any, ...]:
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(path, bus_name=destination, interface=interface)
        with self.bus.connect() as connection:
            reply = connection.send_and_get_reply(
                new_method_call(address, member, signature, args), timeout=5
            )
        if reply.header.message_type.name == "error":
            raise RuntimeError(f"{interface}.{member} failed: {reply.body}")
        return tuple(reply.body)

    def items(self) -> list[str]:
        """The registered StatusNotifierItems ("service/path" or "service")."""
        (value,) = self._call(
            WATCHER,
            WATCHER_PATH,
            PROPERTIES,
            "Get",
            "ss",
            WATCHER,
            "RegisteredStatusNotifierItems",
        )
        return list(value[1])

    def until(
        self, item: str, holds: Callable[[MenuItem], bool], what: str, within: float = 2.0
    ) -> MenuItem:
        """The exported layout once ``holds`` says it is right, read as a panel reads it
        between openings: never opened, never AboutToShow."""
        deadline = time.monotonic() + within
        while True:
            _revision, root = self.layout(item)
            if holds(root):
                return root
            assert time.monotonic() < deadline, f"{what}: exported menu still {described(root)}"
            time.sleep(0.05)

    def wait_for_item(self, timeout: float = START_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while True:
            found = self.items()
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no StatusNotifierItem registered after {timeout}s")
            time.sleep(0.05)

    @staticmethod
    def _where(item: str) -> tuple[str, str]:
        service, _, path = item.partition("/")
        return service, "/" + path if path else "/StatusNotifierItem"

    def item_property(self, item: str, name: str) -> Any:
        service, path = self._where(item)
        (value,) = self._call(service, path, PROPERTIES, "Get", "ss", ITEM_IFACE, name)
        return value[1]

    def menu_of(self, item: str) -> tuple[str, str]:
        service, _path = self._where(item)
        return service, str(self.item_property(item, "Menu"))

    def layout(self, item: str) -> tuple[int, MenuItem]:
        """The exported menu's revision and its whole tree."""
        service, path = self.menu_of(item)
        revision, raw = self._call(service, path, MENU_IFACE, "GetLayout", "iias", 0, -1, [])
        return int(revision), _item(raw)

    def about_to_show(self, item: str, ident: int = 0) -> bool:
        """What a panel calls before it shows a (sub)menu; True: "update the layout"."""
        service, path = self.menu_of(item)
        (needs_update,) = self._call(service, path, MENU_IFACE, "AboutToShow", "i", ident)
        return bool(needs_update)

    def click(self, item: str, ident: int) -> None:
        """What a panel sends when an entry is chosen."""
        service, path = self.menu_of(item)
        self._call(
            service, path, MENU_IFACE, "Event", "isvu", ident, "clicked", ("i", 0), int(time.time())
        )

    def activate(self, item: str) -> None:
        """A left click on the icon, as the panel tells the item."""
        service, path = self._where(item)
        self._call(service, path, ITEM_IFACE, "Activate", "ii", 0, 0)


@dataclass
class SniPanel(SniBus):
    """The running panel, its bus and display; see ``running_sni_panel()``."""

    desktop: Desktop
    bus: SecretService
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]]

    # -- the panel on screen ----------------------------------------------------------
    def open_menu(self, icon: Geometry) -> Geometry:
        """Right-click the icon as a person would; the geometry of the menu the panel drew."""
        x, y, width, height = icon
        before = set(self.desktop.popups())
        self.desktop.click(x + width // 2, y + height // 2, button=3)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            for wid in self.desktop.popups():
                info = self.desktop.window_info(wid)
                # GTK keeps small hidden helper windows about: a menu is bigger.
                if wid not in before and info and info.width > 50 and info.height > 50:
                    time.sleep(0.3)  # drawn, icons and all
                    settled = self.desktop.window_info(wid)
                    return settled.geometry if settled else info.geometry
            if time.monotonic() > deadline:
                raise AssertionError(f"the panel opened no menu after {START_TIMEOUT}s")
            time.sleep(0.05)

    def close_menu(self, menu: Geometry) -> None:
        self.desktop.key("Escape")
        deadline = time.monotonic() + START_TIMEOUT
        while any(
            (info := self.desktop.window_info(wid)) and info.geometry == menu
            for wid in self.desktop.popups()
        ):
            if time.monotonic() > deadline:
                raise AssertionError("the menu did not close")
            time.sleep(0.05)

    @property
    def strip(self) -> Geometry:
        return (0, 0, self.desktop.width, PANEL_HEIGHT)

    def wait_for_icon(self, empty: bytes, timeout: float = START_TIMEOUT) -> Geometry:
        """Where the panel drew an icon: the box of what changed since ``empty``
        (``desktop.capture(panel.strip)`` taken before the app started)."""
        width = self.desktop.width
        deadline = time.monotonic() + timeout
        while True:
            now = self.desktop.capture(self.strip)
            changed = [i // 3 for i in range(0, len(now), 3) if now[i : i + 3] != empty[i : i + 3]]
            if changed:
                xs = [p % width for p in changed]
                ys = [p // width for p in changed]
                time.sleep(0.3)  # let it finish drawing
                return (min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)
            if time.monotonic() > deadline:
                raise AssertionError(f"the panel drew no icon after {timeout}s")
            time.sleep(0.1)


def _channel_file(config_home: Path, dark: bool) -> None:
    folder = config_home / "xfce4" / "xfconf" / "xfce-perchannel-xml"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "xfce4-panel.xml").write_text(
        _PANEL_CHANNEL.format(dark=str(dark).lower(), size=PANEL_HEIGHT)
    )


@contextlib.contextmanager
def running_sni_panel(
    dark: bool = False, size: str = "1000x600x24", notifications: bool = False
) -> Iterator[SniPanel]:
    """Xvfb, a private bus with gnome-keyring, and Xfce's panel as the tray host;
    with ``notifications``, Xfce's notification server too.

    ``SniPanel.env`` is the environment for switcher on that desktop (its
    display, bus and keyring). Calls ``missing()`` (skip locally, fail in CI)
    when the panel is not installed or does not start.
    """
    panel_program = shutil.which("xfce4-panel")
    if panel_program is None or not Path(XFCONFD).exists():
        missing(COMPONENT, f"xfce4-panel or xfconfd not installed; {INSTALL_HINT}")
    with running_desktop(tray=False, size=size) as desktop, running_secret_service() as bus:
        env = {**desktop.env, **bus.env, "NO_AT_BRIDGE": "1"}
        if dark:
            env["GTK_THEME"] = "Adwaita:dark"
        _channel_file(Path(bus.env["XDG_CONFIG_HOME"]), dark)
        log = (desktop.base_dir / "panel.log").open("ab")
        processes: list[subprocess.Popen[bytes]] = []
        commands = [[XFCONFD], [panel_program, "--disable-wm-check"]]
        if notifications:
            if not Path(NOTIFYD).exists() or shutil.which("dbus-monitor") is None:
                missing(COMPONENT, f"xfce4-notifyd or dbus-monitor not installed; {NOTIFYD_HINT}")
            commands.insert(1, [NOTIFYD])
        try:
            for command in commands:
                processes.append(
                    subprocess.Popen(
                        command,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=log,
                        start_new_session=True,
                    )
                )
            panel = SniPanel(desktop, bus, env, processes)
            _wait_for_watcher(panel, processes[-1], desktop.base_dir / "panel.log")
            if notifications:
                _wait_for_name(panel, "org.freedesktop.Notifications", desktop.base_dir)
            yield panel
        finally:
            for process in reversed(processes):
                terminate_group(process)
            log.close()


def _wait_for_name(panel: SniPanel, name: str, base: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        (owned,) = panel._call(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "NameHasOwner", "s", name,
        )  # fmt: skip
        if owned:
            return
        if time.monotonic() > deadline:
            missing(COMPONENT, f"nobody owns {name} after {START_TIMEOUT}s:\n"
                    f"{tail_of(base / 'panel.log')}")  # fmt: skip
        time.sleep(0.1)


@dataclass(frozen=True)
class Notification:
    """One ``Notify`` call as it went over the bus."""

    app_name: str
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: tuple[str, ...]
    hints: str  # as dbus-monitor printed them


class NotificationMonitor:
    """Every ``Notify`` call on the bus, read by ``dbus-monitor`` as it happens."""

    def __init__(self, panel: SniPanel) -> None:
        self._output = panel.desktop.base_dir / "notify-monitor.log"
        self._file = self._output.open("wb")
        self._process = subprocess.Popen(
            ["dbus-monitor", "--address", panel.bus.bus_address,
             "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"],
            stdout=self._file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        time.sleep(0.3)  # it has subscribed

    def calls(self) -> list[Notification]:
        return _parse_monitor(self._output.read_text(errors="replace"))

    def close(self) -> None:
        terminate_group(self._process)
        self._file.close()


def _parse_monitor(text: str) -> list[Notification]:
    calls: list[Notification] = []
    block: list[str] | None = None
    for line in [*text.splitlines(), "end"]:
        if not line.startswith(" "):
            if block is not None:
                calls.append(_notification(block))
            block = [] if "member=Notify" in line else None
        elif block is not None:
            block.append(line)
    return calls


def _notification(lines: list[str]) -> Notification:
    """The arguments of one call: top-level lines are indented by three spaces."""
    arguments: list[list[str]] = []
    for line in lines:
        top = line.startswith("   ") and not line.startswith("    ")
        if top and line.strip() not in ("]", ")"):  # not the end of an array
            arguments.append([line.strip()])
        elif arguments:
            arguments[-1].append(line.strip())

    def text(argument: list[str]) -> str:
        return argument[0].split(" ", 1)[1].strip('"')

    actions = tuple(
        entry.split(" ", 1)[1].strip('"')
        for entry in arguments[5][1:]
        if entry.startswith("string")
    )
    return Notification(
        app_name=text(arguments[0]),
        replaces_id=int(arguments[1][0].split()[1]),
        app_icon=text(arguments[2]),
        summary=text(arguments[3]),
        body=text(arguments[4]),
        actions=actions,
        hints=" ".join(arguments[6]),
    )


def _wait_for_watcher(panel: SniPanel, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            missing(COMPONENT, f"xfce4-panel exited ({process.returncode}):\n{tail_of(log)}")
        try:
            panel.items()
            # The watcher answers once the systray plugin runs; the panel is drawn by then.
            time.sleep(0.5)
            return
        except RuntimeError:
            pass
        if time.monotonic() > deadline:
            missing(COMPONENT, f"no {WATCHER} on the bus after {START_TIMEOUT}s:\n{tail_of(log)}")
        time.sleep(0.1)
