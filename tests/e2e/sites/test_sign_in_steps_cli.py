"""Two-factor codes, magic links and emailed codes from the command line.

As people type them at a terminal, and as scripts feed them on stdin,
against the real better-auth 1.7.25 (twoFactor, magicLink and emailOTP on).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.cli import (
    COMMAND_TIMEOUT,
    CTRL_D,
    SWITCHER_COMMAND,
    Cli,
    typed_at_a_terminal,
)
from tests.support.peer import PeerServer
from tests.support.secret_service import SecretService
from tests.support.targets import PASSWORD, SECRET, unique_email
from tests.support.two_factor import mailed, user_with_totp

pytestmark = pytest.mark.peer


@pytest.fixture(scope="module")
def site(mail_log: Path) -> Iterator[PeerServer]:
    flags = {"two_factor": True, "magic_link": True, "email_otp": True}
    with PeerServer(secret=SECRET, mail_log=str(mail_log), **flags) as peer:  # type: ignore[arg-type]
        yield peer


@pytest.fixture
def on_site(own_secret_service: SecretService, tmp_path: Path, site: PeerServer) -> Cli:
    """The command line with the site added and chosen, and one plain account signed in.

    Its own keyring: one shared by the module would still list the accounts
    of earlier tests for this URL, and a new index adopts those.
    """
    cli = Cli.subprocess(tmp_path, own_secret_service.child_env())
    cli("server", "add", site.base_url, "--name", "site")
    cli("server", "use", "site")
    cli.add(unique_email("plain"), "--sign-up")
    return cli


def _accounts(cli: Cli) -> list[dict[str, object]]:
    accounts = cli.listing()["accounts"]
    assert isinstance(accounts, list)
    return accounts


def _emails(cli: Cli) -> list[str]:
    return [str(a["email"]) for a in _accounts(cli)]


def _active(cli: Cli) -> str:
    return next(str(a["email"]) for a in _accounts(cli) if a["active"])


def _fed_later(
    cli: Cli, args: list[str], first: str, later: Callable[[], str]
) -> subprocess.CompletedProcess[str]:
    """A script: writes ``first`` at once, and ``later()`` once it has it (e.g. from the email)."""
    child = subprocess.Popen(
        [*SWITCHER_COMMAND, *args],
        env=cli.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    if first:
        child.stdin.write(first + "\n")
        child.stdin.flush()
    deadline = time.monotonic() + COMMAND_TIMEOUT
    while True:
        try:
            answer = later()
            break
        except AssertionError:
            assert time.monotonic() < deadline, "nothing came to feed the command"
            time.sleep(0.1)
    out, err = child.communicate(str(answer) + "\n", timeout=COMMAND_TIMEOUT)
    cli.outputs += [out, err]
    assert "Traceback" not in err, err
    return subprocess.CompletedProcess(args, child.returncode, out, err)


def test_a_script_gives_the_password_and_the_apps_code_on_stdin(
    on_site: Cli, site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("script"))
    before = _emails(on_site)
    wrong = on_site(
        "accounts", "add", user.email, "--password-stdin", "--code-stdin",
        stdin=f"{PASSWORD}\n{user.wrong_code()}\n", check=False,
    )  # fmt: skip
    assert wrong.returncode == 1
    assert wrong.stderr == "switcher: that code is not right, or no longer current: try again\n"
    assert _emails(on_site) == before
    done = on_site(
        "accounts", "add", user.email, "--password-stdin", "--code-stdin",
        stdin=f"{PASSWORD}\n{user.code()}\n",
    )  # fmt: skip
    assert done.stdout == f"signed in as {user.email} (active)\n"
    assert _emails(on_site) == [*before, user.email]


def test_without_a_terminal_or_code_stdin_the_code_is_asked_for_clearly(
    on_site: Cli, site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("noterm"))
    before = _emails(on_site)
    ran = on_site(
        "accounts", "add", user.email, "--password-stdin", stdin=f"{PASSWORD}\n", check=False
    )
    assert ran.stderr == "switcher: no terminal to ask for the code on; pass it with --code-stdin\n"
    short = on_site(
        "accounts", "add", user.email, "--password-stdin", "--code-stdin",
        stdin=f"{PASSWORD}\n", check=False,
    )  # fmt: skip
    assert short.stderr == "switcher: --code-stdin: standard input ended before the code\n"
    assert _emails(on_site) == before


def test_a_backup_code_chosen_on_the_command_line(on_site: Cli, site: PeerServer) -> None:
    user = user_with_totp(site.base_url, unique_email("backup"))
    on_site(
        "accounts", "add", user.email, "--password-stdin", "--code-stdin", "--two-factor", "backup",
        stdin=f"{PASSWORD}\n{user.backup_codes[0]}\n",
    )  # fmt: skip
    assert _active(on_site) == user.email


def test_an_emailed_code_fed_by_a_script_once_it_arrives(
    on_site: Cli, site: PeerServer, mail_log: Path
) -> None:
    user = user_with_totp(site.base_url, unique_email("mailed"))
    args = [
        "accounts",
        "add",
        user.email,
        "--password-stdin",
        "--code-stdin",
        "--two-factor",
        "email",
    ]
    ran = _fed_later(
        on_site, args, PASSWORD, lambda: mailed(mail_log, "two-factor-otp", user.email)["otp"]
    )
    assert ran.returncode == 0, ran.stderr
    assert _active(on_site) == user.email


def test_at_a_terminal_the_code_is_asked_and_a_wrong_one_asked_again(
    on_site: Cli, site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("term"))
    code, shown = typed_at_a_terminal(
        on_site,
        ["accounts", "add", user.email, "--trust-device"],
        [PASSWORD, user.wrong_code(), user.code],
    )
    assert code == 0, shown
    assert f"{user.email} signs in with a second factor." in shown
    assert "A code from your authenticator app (or type 'email' or 'backup'" in shown
    assert "switcher: that code is not right" in shown
    assert f"signed in as {user.email} (active)" in shown
    # Trusted: the next sign-in asks only for the password.
    code, shown = typed_at_a_terminal(on_site, ["accounts", "add", user.email], [PASSWORD])
    assert code == 0, shown
    assert "second factor" not in shown


def test_at_a_terminal_changing_the_factor_is_not_a_try_and_three_wrong_codes_end_it(
    on_site: Cli, site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("tries"))
    before = _emails(on_site)
    wrong = user.wrong_code()
    code, shown = typed_at_a_terminal(
        on_site,
        ["accounts", "add", user.email],
        [PASSWORD, "backup", "app", "", wrong, wrong, wrong],
    )
    assert code == 1, shown
    assert shown.count("switcher: that code is not right") == 2
    assert shown.rstrip().endswith(
        "switcher: 3 wrong codes; nothing was changed (run the command again to retry)"
    )
    assert _emails(on_site) == before


def test_end_of_input_at_the_password_prompt_is_a_clear_line(on_site: Cli) -> None:
    code, shown = typed_at_a_terminal(on_site, ["accounts", "add", "nobody@example.com"], [CTRL_D])
    assert code == 1, shown
    assert shown.rstrip().endswith("switcher: no password (end of input); nothing was changed")


def test_at_a_terminal_a_person_switches_to_a_code_by_email(
    on_site: Cli, site: PeerServer, mail_log: Path
) -> None:
    user = user_with_totp(site.base_url, unique_email("switch"))
    code, shown = typed_at_a_terminal(
        on_site,
        ["accounts", "add", user.email],
        [PASSWORD, "email", lambda: mailed(mail_log, "two-factor-otp", user.email)["otp"]],
    )
    assert code == 0, shown
    assert f"The site sent a code to {user.email}." in shown
    assert _active(on_site) == user.email


def test_a_magic_link_pasted_at_a_terminal(on_site: Cli, mail_log: Path) -> None:
    email = unique_email("link")
    code, shown = typed_at_a_terminal(
        on_site,
        ["accounts", "add", email, "--magic-link"],
        ["not a link", lambda: mailed(mail_log, "magic-link", email)["url"]],
    )
    assert code == 0, shown
    assert f"Paste the sign-in link emailed to {email}:" in shown
    assert "switcher: that is not a link" in shown  # and it was asked for again
    assert _active(on_site) == email


def test_a_magic_link_fed_by_a_script_and_a_bad_paste(on_site: Cli, mail_log: Path) -> None:
    email = unique_email("scripted")
    before = _emails(on_site)
    bad = _fed_later(
        on_site,
        ["accounts", "add", email, "--magic-link", "--code-stdin"],
        "",
        lambda: "not a link",
    )
    assert bad.returncode == 1
    assert "that is not a link" in bad.stderr
    assert _emails(on_site) == before
    ran = _fed_later(
        on_site,
        ["accounts", "add", email, "--magic-link", "--code-stdin"],
        "",
        lambda: mailed(mail_log, "magic-link", email)["url"],
    )
    assert ran.returncode == 0, ran.stderr
    assert _emails(on_site) == [*before, email]


def test_an_emailed_sign_in_code_at_a_terminal(on_site: Cli, mail_log: Path) -> None:
    email = unique_email("otp")
    code, shown = typed_at_a_terminal(
        on_site,
        ["accounts", "add", email, "--email-code"],
        ["", "not-the-code", lambda: mailed(mail_log, "email-otp", email)["otp"]],
    )
    assert code == 0, shown
    assert "switcher: that code is not right: try again, or ask for a new one" in shown
    assert _active(on_site) == email


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--magic-link", "--email-code"], "choose one of --magic-link and --email-code"),
        (["--magic-link", "--password-stdin"], "--magic-link signs in without a password"),
        (["--email-code", "--sign-up"], "--email-code signs in without a password"),
        (["--magic-link", "--trust-device"], "--two-factor and --trust-device go with a password"),
    ],
)
def test_options_that_do_not_go_together_are_refused_before_anything_is_sent(
    cli: Cli, extra: list[str], says: str, mail_log: Path
) -> None:
    email = unique_email("combo")
    ran = cli("accounts", "add", email, *extra, check=False)
    assert ran.returncode == 1
    assert ran.stderr == f"switcher: {says}\n" or says in ran.stderr
    assert email not in (mail_log.read_text() if mail_log.exists() else "")


def test_without_a_way_to_read_the_answer_nothing_is_sent(cli: Cli, mail_log: Path) -> None:
    email = unique_email("unsent")
    for option, what in (("--magic-link", "link"), ("--email-code", "code")):
        ran = cli("accounts", "add", email, option, stdin="", check=False)
        assert ran.stderr == (
            f"switcher: no terminal to ask for the {what} on; pass it with --code-stdin\n"
        )
    assert email not in (mail_log.read_text() if mail_log.exists() else "")
