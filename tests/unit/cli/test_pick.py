"""``switcher pick`` in this process: handed to the app, or the quick switcher's choice made here.

The quick switcher itself is replaced by a stand-in that answers at once (its
widget has tests of its own, and the real window under a real X server is in
tests/e2e/gui/test_pick.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

import switcher.cli.pick
import switcher.gui.quick_switcher
from switcher.app_channel import channel_name
from switcher.bundled import LOCAL
from switcher.gui.quick_switcher import Picked
from switcher.gui.single_instance import InstanceServer, Reply
from switcher.vault import Index
from tests.support.cli import Cli, Ran
from tests.support.qt import OFFSCREEN_NOTES
from tests.support.targets import Target, unique_email

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)


class Chooser:
    """Stands in for ``switcher.gui.quick_switcher.choose``: what the person picks."""

    def __init__(self, answer: Picked | None) -> None:
        self.answer = answer
        self.shown: list[Index] = []
        self.tokens: list[str | None] = []

    def __call__(self, index: Index, *, activation_token: str | None = None) -> Picked | None:
        self.shown.append(index)
        self.tokens.append(activation_token)
        return self.answer


@pytest.fixture
def picks(monkeypatch: pytest.MonkeyPatch) -> Callable[[Picked | None], Chooser]:
    def install(answer: Picked | None) -> Chooser:
        chooser = Chooser(answer)
        monkeypatch.setattr(switcher.gui.quick_switcher, "choose", chooser)
        return chooser

    return install


@pytest.fixture
def here(cli_here: Cli) -> Cli:
    """The command in this process, on a display as far as it can tell (the tests' offscreen)."""
    return cli_here.with_env(QT_QPA_PLATFORM="offscreen")


@pytest.fixture
def two(here: Cli) -> tuple[str, str]:
    """Alice and Bob on the bundled server; Bob, the last signed in, is active."""
    alice, bob = unique_email("alice"), unique_email("bob")
    here.add(alice, "--sign-up")
    here.add(bob, "--sign-up")
    return alice, bob


def active(cli: Cli) -> str:
    accounts = cli("accounts", "list", "--json").stdout
    return str(next(a["email"] for a in json.loads(accounts)["accounts"] if a["active"]))


# -- no app: the quick switcher here ---------------------------------------------------


def test_without_the_app_the_choice_is_made_here_and_said(
    here: Cli, two: tuple[str, str], picks: Callable[[Picked | None], Chooser]
) -> None:
    alice, bob = two
    chooser = picks(Picked(LOCAL, alice))
    ran = here("pick")
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, f"active: {alice}\n", "")
    assert active(here) == alice
    # It was shown every account the index holds.
    (index,) = chooser.shown
    assert [a.email for a in index.servers[LOCAL].accounts] == [alice, bob]
    assert chooser.tokens == [None]


def test_a_choice_on_another_server_makes_that_server_the_current_one(
    here: Cli,
    server: Target,
    two: tuple[str, str],
    picks: Callable[[Picked | None], Chooser],
) -> None:
    here("server", "add", server.base_url, "--name", "work")
    carol = unique_email("carol")
    here.add(carol, "--sign-up", before=("--server", "work"))
    assert here("server", "list").stdout.startswith("* local")
    chooser = picks(Picked("work", carol))
    ran = here("pick")
    assert ran.returncode == 0
    assert ran.stdout == f"now using work ({server.base_url})\nactive: {carol}\n"
    assert "* work" in here("server", "list").stdout
    assert active(here) == carol
    assert set(chooser.shown[0].servers) == {LOCAL, "work"}


def test_closing_it_without_a_choice_exits_1_saying_nothing(
    here: Cli, two: tuple[str, str], picks: Callable[[Picked | None], Chooser]
) -> None:
    _alice, bob = two
    picks(None)
    ran = here("pick", check=False)
    assert (ran.returncode, ran.stdout, ran.stderr) == (1, "", "")
    assert active(here) == bob


def test_an_ended_account_chosen_says_how_to_sign_in_again(
    here: Cli, picks: Callable[[Picked | None], Chooser]
) -> None:
    picks(Picked(LOCAL, "dave@example.com", sign_in_again=True))
    ran = here("pick", check=False)
    assert ran.returncode == 1
    assert ran.stderr == (
        "switcher: dave@example.com's session on local has ended; sign in again with: "
        "switcher accounts add dave@example.com\n"
    )
    picks(Picked("work", "erin@example.com", sign_in_again=True))
    ran = here("pick", check=False)
    assert ran.stderr.endswith(
        "sign in again with: switcher --server work accounts add erin@example.com\n"
    )


def test_a_switch_that_fails_is_one_line_as_with_accounts_use(
    here: Cli, two: tuple[str, str], picks: Callable[[Picked | None], Chooser]
) -> None:
    picks(Picked(LOCAL, "gone@example.com"))  # forgotten meanwhile, by another command
    ran = here("pick", check=False)
    used = here("accounts", "use", "gone@example.com", check=False)
    assert ran.returncode == used.returncode == 1
    assert ran.stderr == used.stderr
    assert ran.stderr.startswith("switcher: no account gone@example.com on local")


def test_no_display_is_one_line_that_names_the_command_to_use_instead(
    cli_here: Cli, picks: Callable[[Picked | None], Chooser]
) -> None:
    chooser = picks(None)
    ran = cli_here.with_env(DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None)(
        "pick", check=False
    )
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert ran.stderr == (
        "switcher: no display to show the quick switcher on (DISPLAY and WAYLAND_DISPLAY "
        "are unset); switch with: switcher accounts use EMAIL\n"
    )
    assert chooser.shown == []


def test_without_pyside6_it_says_what_to_install(
    here: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(switcher.cli.pick, "PICKER", "switcher.gui.not_installed:choose")
    ran = here("pick", check=False)
    assert ran.returncode == 1
    assert ran.stderr.startswith("switcher: the quick switcher needs PySide6 (")
    assert ran.stderr.endswith(
        "pip install PySide6-Essentials, or switch with: switcher accounts use EMAIL\n"
    )


# -- the app runs: it shows its quick switcher ---------------------------------------------


@pytest.fixture
def app_channel(
    cli_here: Cli, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[InstanceServer, list[dict[str, Any]]]]:
    """The app's end of the channel for ``cli_here``'s configuration; the requests it got."""
    monkeypatch.setenv("SWITCHER_CONFIG_DIR", cli_here.env["SWITCHER_CONFIG_DIR"])
    server = InstanceServer(channel_name())
    assert server.listening
    yield server, []
    server.close()


def in_thread(qtbot: QtBot, cli: Cli, *args: str, env: dict[str, str] | None = None) -> Ran:
    """The command on a thread: the app's channel answers on this one, the UI thread."""
    ran: list[Ran] = []
    thread = threading.Thread(target=lambda: ran.append(cli(*args, check=False, env=env)))
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=20000)
    return ran[0]


def test_with_the_app_running_it_asks_the_app_and_ends(
    qtbot: QtBot,
    here: Cli,
    app_channel: tuple[InstanceServer, list[dict[str, Any]]],
    picks: Callable[[Picked | None], Chooser],
) -> None:
    server, requests = app_channel

    def show(request: dict[str, Any], reply: Reply) -> None:
        requests.append(request)
        reply(ok=True)

    server.handle("pick", show)
    chooser = picks(None)
    ran = in_thread(qtbot, here, "pick", env={"XDG_ACTIVATION_TOKEN": "from-the-launcher"})
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "", "")
    assert requests == [{"v": 1, "op": "pick", "activation_token": "from-the-launcher"}]
    assert chooser.shown == []  # the app shows it, not this process

    ran = in_thread(qtbot, here, "pick")
    assert requests[-1] == {"v": 1, "op": "pick"}  # no token: none sent


def test_an_app_without_the_quick_switcher_leaves_it_to_the_command(
    qtbot: QtBot,
    here: Cli,
    two: tuple[str, str],
    app_channel: tuple[InstanceServer, list[dict[str, Any]]],
    picks: Callable[[Picked | None], Chooser],
) -> None:
    """An app of an earlier version answers "unsupported"."""
    alice, _bob = two
    chooser = picks(Picked(LOCAL, alice))
    ran = in_thread(qtbot, here, "pick")
    assert (ran.returncode, ran.stdout) == (0, f"active: {alice}\n")
    assert len(chooser.shown) == 1


def test_an_app_that_refuses_says_why(
    qtbot: QtBot,
    here: Cli,
    app_channel: tuple[InstanceServer, list[dict[str, Any]]],
    picks: Callable[[Picked | None], Chooser],
) -> None:
    server, _requests = app_channel
    server.handle("pick", lambda request, reply: reply(ok=False, error="not now"))
    chooser = picks(None)
    ran = in_thread(qtbot, here, "pick")
    assert (ran.returncode, ran.stderr) == (1, "switcher: not now\n")
    assert chooser.shown == []


def test_an_app_that_does_not_answer_in_time_is_done_without(
    qtbot: QtBot,
    here: Cli,
    two: tuple[str, str],
    app_channel: tuple[InstanceServer, list[dict[str, Any]]],
    picks: Callable[[Picked | None], Chooser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, requests = app_channel
    server.handle("pick", lambda request, reply: requests.append(request))  # never answers
    monkeypatch.setattr(switcher.cli.pick, "APP_ANSWER_TIMEOUT", 1.0)
    alice, _bob = two
    chooser = picks(Picked(LOCAL, alice))
    ran = in_thread(qtbot, here, "pick")
    assert ran.returncode == 0
    assert ran.stderr == (
        "switcher: the running switcher app did not answer within 1 s; "
        "showing the quick switcher here instead\n"
    )
    assert len(requests) == len(chooser.shown) == 1
